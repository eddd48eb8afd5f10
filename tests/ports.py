"""Loopback ports for the servers the tests start: this project's tests keep to 6300-6399."""

from __future__ import annotations

import socket

FIRST, LAST = 6300, 6399


def free_port() -> int:
    for port in range(FIRST, LAST + 1):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free loopback port in {FIRST}-{LAST}")
