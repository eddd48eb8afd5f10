"""Request ids and log lines a platform can read.

Every request gets an id: the proxy's ``X-Request-ID`` when it sends a sensible one, otherwise a new one. It
is sent back in ``X-Request-ID``, stamped on every log line written while the request runs, and shown as
the incident reference on error pages, so a person quoting a reference leads straight to the log lines.
With ``LOG_FORMAT=json`` every line is one JSON object (python-json-logger); otherwise plain text.
"""

from __future__ import annotations

import logging
import re
import secrets

from flask import Flask, has_request_context, request

HEADER = "X-Request-ID"
# Only letters, digits and a few separators, so a header can never forge or split a log line.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_HANDLER_NAME = "tracker-log-handler"
_ENVIRON_KEY = "tracker.request_id"


def new_request_id() -> str:
    return secrets.token_hex(8).upper()


def request_id() -> str | None:
    """The current request's id, or None outside a request."""
    if not has_request_context():
        return None
    # Kept with the request itself (not ``g``, which an app context may share between requests).
    environ = request.environ
    if _ENVIRON_KEY not in environ:
        offered = request.headers.get(HEADER, "")
        environ[_ENVIRON_KEY] = offered if _ACCEPTED.fullmatch(offered) else new_request_id()
    return environ[_ENVIRON_KEY]


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id() or "-"
        return True


def _formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter("%(asctime)s %(levelname)s [%(name)s] [%(request_id)s] %(message)s")


def init_app(app: Flask) -> None:
    kind = (app.config.get("LOG_FORMAT") or "text").strip().lower()
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.set_name(_HANDLER_NAME)
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(_formatter(kind))
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)

    @app.before_request
    def _request_id():
        request_id()

    @app.after_request
    def _send_request_id(response):
        response.headers[HEADER] = request_id()
        return response
