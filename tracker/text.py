"""Text from people, cleaned in one place before it reaches a rule or the database.

``clean`` refuses NUL and the other control characters (C0 except tab, line feed and carriage return in
multi-line text; DEL; C1), which no one types on purpose, which PostgreSQL cannot store (NUL) and which can
forge lines in logs or break headers (CR/LF). It refuses rather than strips: silently changing what someone
wrote into evidence of safeguarding practice would be worse than asking them to fix it.

Every form inherits ``CleanTextForm``, so a text field holding such characters gets a form error in plain
words; services call ``clean`` on the text they store, so the CLI, the seed loader and the importers are
held to the same rule; and a flush guard refuses NUL in any string column as a last line of defence.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.orm import Session
from wtforms import StringField, TextAreaField

from tracker.errors_domain import DomainError

_SINGLE_LINE_REFUSED = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MULTI_LINE_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class TextRefused(DomainError):
    """Text holding characters the service does not accept."""


def problem(value: str | None, *, multiline: bool = True) -> str | None:
    """Why ``value`` cannot be accepted, in words, or None when it can."""
    if not value:
        return None
    if "\x00" in value:
        return "must not contain a NUL character (an invisible code, often from copying out of another program)"
    pattern = _MULTI_LINE_REFUSED if multiline else _SINGLE_LINE_REFUSED
    if pattern.search(value):
        if not multiline and ("\n" in value or "\r" in value):
            return "must be on one line"
        return "must not contain control characters (invisible codes, often from copying out of another program)"
    return None


def clean(value: str | None, *, name: str = "The text", field: str | None = None, multiline: bool = True):
    """``value`` unchanged when acceptable (None stays None); TextRefused naming ``name`` otherwise."""
    why = problem(value, multiline=multiline)
    if why:
        raise TextRefused(f"{name} {why}. Remove them and try again", field=field)
    return value


class CleanTextForm(FlaskForm):
    """The base of every form: each text field is checked by ``problem`` and shows its error beside it."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if not isinstance(field, StringField) or not isinstance(field.data, str):
                continue
            why = problem(field.data, multiline=isinstance(field, TextAreaField))
            if why:
                field.errors = [*field.errors, f"{field.label.text} {why}. Remove them and try again"]
                valid = False
        return valid


def _refuse_nul(session: Session, flush_context, instances) -> None:
    for obj in (*session.new, *session.dirty):
        for key, value in vars(obj).items():
            if isinstance(value, str) and "\x00" in value and not key.startswith("_"):
                raise TextRefused("The text must not contain a NUL character. Remove it and try again")


def install_flush_guard() -> None:
    if not event.contains(Session, "before_flush", _refuse_nul):
        event.listen(Session, "before_flush", _refuse_nul)
