"""Refusals in one place: run one service call for a posted form, commit it, or turn the refusal into what
the person sees, after rolling the transaction back.

- ``NotPermitted``: 403 (nothing about the object is shown).
- ``StaleEdit`` (the form was loaded before someone else's change) and SQLAlchemy's ``StaleDataError`` (two
  saves at the same moment): 409, the message at the top of the form, and what changed.
- Any other ``DomainError``: its ``status`` (422 unless the error says otherwise, e.g. 413 for a file too
  large), its message on the form field it names (or its ``errors``, field by field), else at the top of
  the form. A page that shows a refusal naming no field elsewhere (a blocked banner) passes
  ``top_of_form=False`` and reads ``Refusal.placed``. A refusal the service has recorded on purpose (a
  wrong password counts like a failed sign-in) is committed, not rolled back, with ``keep_refused=True``.

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
    status: int  # 409, 413 or 422
    message: str
    changes: list[str] = field(default_factory=list)  # a stale edit: what the other person changed
    placed: bool = True  # every message landed on the form (False: a message named no field of it)
    error: Exception | None = None  # what the service raised, for a page with its own answer to one kind


def _put_on(form, message: str, field_name: str | None, top_of_form: bool = True) -> bool:
    """Put ``message`` on the named field, else at the top of the form; False when it was put nowhere."""
    if form is None:
        return False
    target = getattr(form, field_name, None) if field_name else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, message]
        return True
    if top_of_form:
        form.form_errors.append(message)
        return True
    return False


def attempt(
    call: Callable[[], object], form=None, *, top_of_form: bool = True, keep_refused: bool = False
) -> Refusal | None:
    """Run ``call`` and commit: None when it went through, else the ``Refusal`` to show (403 is raised)."""
    try:
        call()
        db.session.commit()
    except StaleEdit as stale:
        db.session.rollback()
        placed = _put_on(form, stale.message, None, top_of_form)
        return Refusal(409, stale.message, list(stale.changes), placed, stale)
    except StaleDataError as race:
        db.session.rollback()
        placed = _put_on(form, SAME_MOMENT, None, top_of_form)
        return Refusal(409, SAME_MOMENT, placed=placed, error=race)
    except NotPermitted:
        db.session.rollback()
        abort(403)
    except DomainError as refused:
        if keep_refused:
            db.session.commit()
        else:
            db.session.rollback()
        errors = getattr(refused, "errors", None) or {refused.field: refused.message}
        landed = [_put_on(form, message, name, top_of_form) for name, message in errors.items()]  # every one
        placed = all(landed)
        return Refusal(getattr(refused, "status", 422), refused.message, placed=placed, error=refused)
    except BaseException:
        db.session.rollback()
        raise
    return None
