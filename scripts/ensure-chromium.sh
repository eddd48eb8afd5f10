#!/bin/sh
# The browser tests drive Debian's Chromium (a test tool's own browser download cannot be fetched here).
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ]; then
  echo "Installing Chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
  echo "The browser tests need Chromium: sudo apt-get install chromium chromium-driver" >&2
  exit 1
fi
