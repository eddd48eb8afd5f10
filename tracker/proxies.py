"""The real client address behind the trusted proxies (``TRUSTED_PROXY_COUNT``), for the history and the throttle.

ProxyFix believes exactly as many X-Forwarded-For hops as there are trusted proxies. If the count is set one
too high, or a proxy passes the client's header on unchanged, the value taken is the client's own: any
text at all. A value that is not an IP address is therefore not believed either, and the address of the
connecting peer is kept, so nothing a client writes in a header is stored as its address.
"""

from __future__ import annotations

import ipaddress

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def _is_address(value: str | None) -> bool:
    try:
        ipaddress.ip_address(value or "")
    except ValueError:
        return False
    return True


class _AddressesOnly:
    """Runs after ProxyFix: puts back the peer's address when the forwarded one is not an address."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if not _is_address(environ.get("REMOTE_ADDR")):
            environ["REMOTE_ADDR"] = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
        return self.wsgi_app(environ, start_response)


def trust_proxies(app: Flask, proxies: int) -> None:
    if proxies > 0:
        # https for cookies and links too; only as many hops as are trusted, so a client's own
        # X-Forwarded-For is never believed when the count is right.
        app.wsgi_app = ProxyFix(_AddressesOnly(app.wsgi_app), x_for=proxies, x_proto=proxies)
