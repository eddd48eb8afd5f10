#!/bin/sh
# Debian packages the app needs beyond Python and Node: Pango for WeasyPrint's PDF reports, and (with
# --browser, for the tests) Chromium and its driver, pdftotext and Redis. Installs them when run as root; otherwise
# says which command to run.
set -eu
need=""
if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then
  need="$need libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"
fi
# WeasyPrint subsets fonts with HarfBuzz's subsetter (and warns, which the suite treats as an error, without it).
if ! ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so.0"; then
  need="$need libharfbuzz-subset0"
fi
if [ "${1:-}" = "--browser" ]; then
  # The tests read the PDF reports' text with pdftotext (poppler-utils).
  command -v pdftotext >/dev/null 2>&1 || need="$need poppler-utils"
  command -v chromium >/dev/null 2>&1 || need="$need chromium"
  command -v chromedriver >/dev/null 2>&1 || need="$need chromium-driver"
  # The backup tests on PostgreSQL run pg_dump and pg_restore.
  command -v pg_dump >/dev/null 2>&1 || need="$need postgresql-client"
  # The two-instance test runs the job queue on a real Redis, as production does.
  command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "Installing:$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
else
  echo "Please install these Debian packages first: sudo apt-get install$need" >&2
  exit 1
fi
