"""What every template can use: the CSP nonce, permission predicates, status labels and date formats."""

from __future__ import annotations

from datetime import date

from flask import Flask

from tracker import permissions
from tracker.actions.states import LABELS, TAG_COLOURS, Status
from tracker.auth.models import ROLE_LABELS, Role
from tracker.security import csp_nonce


def format_date(value: date | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def status_label(value: str) -> str:
    return LABELS[Status(value)]


def status_colour(value: str) -> str:
    return TAG_COLOURS[Status(value)]


def init_app(app: Flask) -> None:
    app.jinja_env.filters["govuk_date"] = format_date
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["status_colour"] = status_colour
    app.jinja_env.globals.update(
        can=permissions,
        Status=Status,
        Role=Role,
        ROLE_LABELS=ROLE_LABELS,
        today=date.today,
    )

    @app.context_processor
    def _nonce():
        return {"cspNonce": csp_nonce()}
