"""The one writer of an action's status: ``set_status``.

Every status change in the service comes through here: starting, resuming or closing work
(``services.change_status``), submitting for assurance and evidence added after sign-off (``services._submit``),
the board's decision and re-checks (``services.decide``), and the seed loader's starting point. It asks the
status machine (``states.check_transition``) first, then sets the status and appends the history entry in
the same flush. A test (``tests/actions/test_one_status_writer.py``) fails if ``.status`` is assigned
anywhere else under ``tracker/``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tracker import audit
from tracker.actions.models import Action
from tracker.actions.states import Status, check_transition
from tracker.timeline.periods import record_change


def record(session: Session, actor, action: Action, event: str, summary: str, before=None, after=None):
    """Append one history entry about ``action``, carrying the version it now has, and (same transaction) its
    timeline's period (``timeline.periods.record_change``), so "as at" reports read what the history says."""
    session.flush()
    entry = audit.record(
        session,
        actor=actor,
        event=event,
        obj_type="action",
        obj_id=action.id,
        summary=summary,
        before=before,
        after={**(after or {}), "version": action.version},
    )
    record_change(session, action, entry)
    return entry


def set_status(
    session: Session,
    action: Action,
    target: Status,
    *,
    actor,
    party: str,
    event: str,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
):
    """Move ``action`` to ``target`` for ``party`` ("agency" or "board"), if the status machine allows it
    (else ``InvalidTransition``), and record the move with ``summary``. ``before``/``after``: anything else
    the history entry should hold beside the status (the caller's own changes made in the same step)."""
    target = Status(target)
    check_transition(action.status_enum, target, party)
    was = action.status
    action.status = target.value
    return record(
        session,
        actor,
        action,
        event,
        summary,
        {"status": was, **(before or {})},
        {"status": target.value, **(after or {})},
    )
