"""Signing in again for sensitive steps (sign-off, evidence packs, role changes, deactivation).

``fresh_login_required`` sends a person whose last sign-in (or confirmation) is older than
``FRESH_LOGIN_MINUTES`` to ``/sign-in/confirm`` to enter their password again (and a code, when two-factor
sign-in is on), then back. Put it under ``login_required``::

    @bp.route("/actions/<id:action_id>/decision", methods=["POST"])
    @login_required
    @fresh_login_required(back="actions.show")
    def decide(action_id): ...

A GET comes back to the same address. A POST cannot be replayed after the detour, so it comes back to the
page named by ``back`` (built from the same view arguments), to a safe ``next`` field in the form, or to the
start page, and the person is told to make their change again.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user

from tracker import clock

RETRY_KEY = "fresh_retry"


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in target):
        return None  # CR/LF would split the Location header; other controls have no place in a path
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def is_fresh() -> bool:
    confirmed = session.get("fresh_at")
    limit = float(current_app.config["FRESH_LOGIN_MINUTES"]) * 60
    return confirmed is not None and clock.now().timestamp() - float(confirmed) <= limit


def mark_fresh() -> None:
    session["fresh_at"] = clock.now().timestamp()


def _come_back_to(back: str | None) -> str | None:
    if request.method == "GET":
        return request.full_path.rstrip("?")
    if back:
        return url_for(back, **(request.view_args or {}))
    return safe_next(request.form.get("next"))


def confirm_first():
    """The detour to enter the password again, coming back to this GET address afterwards."""
    return redirect(url_for("auth.confirm", next=_come_back_to(None)))


def fresh_login_required(view=None, *, back: str | None = None):
    """The decorator; usable bare (``@fresh_login_required``) or with ``back`` (an endpoint) for POST views."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.is_authenticated and not is_fresh():
                if request.method != "GET":
                    session[RETRY_KEY] = True
                return redirect(url_for("auth.confirm", next=_come_back_to(back)))
            return view(*args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate
