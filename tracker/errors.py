"""Error pages: a plain message and an incident reference, never a traceback, SQL or a path."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from tracker.errors_domain import DomainError, NotPermitted
from tracker.extensions import db
from tracker.ops.logs import request_id

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Sorry, there is a problem with that request", "Go back, reload the page and try again."),
    403: ("You do not have access to this page", "If you think you should, ask your board's administrator."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Sorry, that cannot be done here", "Go back and use the buttons on the page."),
    413: ("The file is too large", "Files must be smaller than the limit shown on the upload page."),
    429: ("Too many requests", "Wait a few minutes, then try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Nothing you entered has been saved.",
    ),
}


def _rollback() -> None:
    """A failed statement leaves the session unusable (PendingRollbackError): roll back before rendering,
    so the error page itself can load the signed-in user, and nothing half-done is ever committed."""
    try:
        db.session.rollback()
    except Exception:  # the page must still render when even the rollback fails (a lost connection)
        log.exception("Rollback before an error page failed")


def _page(status: int, heading: str | None = None, detail: str | None = None):
    _rollback()
    # The request id: it is on every log line of this request, so the reference leads to them.
    incident = request_id() or secrets.token_hex(8).upper()
    default_heading, default_detail = MESSAGES.get(status, MESSAGES[500])
    body = render_template(
        "errors/error.html",
        heading=heading or default_heading,
        detail=detail or default_detail,
        incident=incident,
        status=status,
    )
    return body, status, incident


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        body, status, incident = _page(
            400,
            "Your form has expired",
            "For your security, forms stop working after a while. Go back, reload the page and try again.",
        )
        log.warning("CSRF failure %s: %s", incident, error.description)
        return body, status

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        body, status, _ = _page(error.code or 500)
        return body, status

    @app.errorhandler(DomainError)
    def _refused(error: DomainError):
        # A refusal that reached no form (raised by a guard below the service, such as the NUL check on
        # flush): the person is told what was wrong, never shown a server error.
        if isinstance(error, NotPermitted):
            body, status, _ = _page(403)
        else:
            body, status, _ = _page(400, detail=error.message)
        return body, status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        body, status, incident = _page(InternalServerError.code)
        log.exception("Unexpected error, incident %s", incident)
        return body, status
