"""What every template can use: the CSP nonce, permission predicates, status labels and date formats."""

from __future__ import annotations

from datetime import date

from flask import Flask

from tracker import history_words, permissions
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


def error_list(form) -> list[dict]:
    """The GOV.UK error summary's list: each field's first error linked to its input (a date links to its
    day box), then errors about the form as a whole, which have no single field to link to."""
    items = []
    for field in form:
        if field.errors:
            anchor = f"{field.name}-day" if field.type in ("DateField", "GovDateField") else field.id
            if field.type in ("RadioField", "SelectMultipleField"):
                anchor = field.id
            items.append({"text": field.errors[0], "href": f"#{anchor}"})
    items += [{"text": message} for message in getattr(form, "form_errors", [])]
    return items


def _history_sentences(entries) -> list:
    """History entries as sentences with people's names (one query), for templates given raw entries."""
    from tracker.extensions import db

    return history_words.sentences(db.session, entries)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["govuk_date"] = format_date
    app.jinja_env.filters["govuk_datetime"] = history_words.govuk_datetime
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["status_colour"] = status_colour
    app.jinja_env.globals["error_list"] = error_list
    app.jinja_env.globals["history_sentences"] = _history_sentences
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
