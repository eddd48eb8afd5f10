"""Refusals in one place: run one service call for a posted form, commit it, or turn the refusal into what
the person sees, after rolling the transaction back.

- ``NotPermitted``: 403 (nothing about the object is shown).
- ``StaleEdit`` (the form was loaded before someone else's change) and SQLAlchemy's ``StaleDataError`` (two
  saves at the same moment): 409, the message at the top of the form, and what changed.
- Any other ``DomainError``: 422, its message on the form field it names (or its ``errors``, field by
  field), else at the top of the form.

The view calls the service first and builds its page only when ``attempt`` returns a ``Refusal``, so a
successful POST never pays for a page it does not show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy.orm.exc import StaleDataError

from tracker.errors_domain import DomainError, NotPermitted, StaleEdit
from tracker.extensions import db

SAME_MOMENT = "Someone else saved a change at the same moment. Check it, then try again."


@dataclass
class Refusal:
    status: int  # 409 or 422
    message: str
    changes: list[str] = field(default_factory=list)  # a stale edit: what the other person changed


def _put_on(form, message: str, field_name: str | None) -> None:
    if form is None:
        return
    target = getattr(form, field_name, None) if field_name else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)


def attempt(call: Callable[[], object], form=None) -> Refusal | None:
    """Run ``call`` and commit: None when it went through, else the ``Refusal`` to show (403 is raised)."""
    try:
        call()
        db.session.commit()
    except StaleEdit as stale:
        db.session.rollback()
        _put_on(form, stale.message, None)
        return Refusal(409, stale.message, list(stale.changes))
    except StaleDataError:
        db.session.rollback()
        _put_on(form, SAME_MOMENT, None)
        return Refusal(409, SAME_MOMENT)
    except NotPermitted:
        db.session.rollback()
        abort(403)
    except DomainError as refused:
        db.session.rollback()
        errors = getattr(refused, "errors", None) or {refused.field: refused.message}
        for name, message in errors.items():
            _put_on(form, message, name)
        return Refusal(422, refused.message)
    except BaseException:
        db.session.rollback()
        raise
    return None
