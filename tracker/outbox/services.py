"""Putting an e-mail in the outbox, in the caller's transaction (flushes, never commits).

Once that transaction commits, the worker is asked to send (and a periodic sweep retries what failed), so
a mail server that is down or refuses never undoes the change that caused the mail. A second message with
the same idempotency key is the same message: it is not added again.
"""

from __future__ import annotations

from flask import has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.outbox.models import OutboxMessage

_QUEUED = "tracker.outbox.queued"


def enqueue(session: Session, *, key: str, kind: str, to: str, subject: str, body: str) -> OutboxMessage:
    found = session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).scalar_one_or_none()
    if found is not None:
        return found
    message = OutboxMessage(
        idempotency_key=key,
        kind=kind,
        recipient=to,
        # Header values are one line: a stray line break in a name must not start a new header.
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    session.add(message)
    session.flush()
    session.info[_QUEUED] = True
    return message


@event.listens_for(Session, "after_commit")
def _ask_worker_to_send(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.pop(_QUEUED, False) or not has_app_context():
        return
    from tracker.jobs.queue import tasks

    try:
        tasks().send_outbox()
    except Exception:  # the broker is down: the periodic sweep sends it when the worker is back
        import logging

        logging.getLogger(__name__).warning("Could not ask the worker to send the outbox", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _nothing_queued(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_QUEUED, None)
