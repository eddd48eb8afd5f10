"""Sending what is due in the outbox, run by the worker (and by ``flask outbox send``).

Each message is claimed (pending -> sending, in its own committed transaction) before it is handed to the
mail server and marked sent straight after, so two workers never send the same message and a message is
never sent twice. A server that cannot be reached, or answers with a temporary (4xx) refusal, is tried
again later, with the wait doubling each time (OUTBOX_RETRY_SECONDS, 2x, 4x… up to six hours) until
OUTBOX_MAX_ATTEMPTS; a permanent (5xx) refusal of the recipient or of the message fails it at once.

A failure of our mail server's set-up is not the message's fault and never fails it: a connection or greeting
refused, EHLO or STARTTLS refused, the log-in refused (535) or the sender refused (MAIL FROM). The run stops,
every message it would have sent waits with the same doubling backoff, counted in ``server_failures`` (not
``attempts``), and the reason is in each one's ``last_error`` and logged as an error for the operator.
A message left "sending" by a
worker that died mid-send may or may not have gone: it is not resent by itself (``flask outbox`` lists
it and ``--retry-uncertain`` sends it again when someone has checked).
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from flask import current_app
from sqlalchemy import select, update

from tracker import clock
from tracker.extensions import db
from tracker.outbox.models import OutboxMessage
from tracker.reminders.mailer import Mailer

log = logging.getLogger(__name__)

MAX_WAIT = timedelta(hours=6)


def message_id(message: OutboxMessage, sender: str) -> str:
    # Derived from the idempotency key, so a mail server that sees the same message again can drop it.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:40]}@{domain}>"


def compose(message: OutboxMessage, config) -> EmailMessage:
    email = EmailMessage(policy=policy.default.clone(max_line_length=998))
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = message_id(message, config["MAIL_FROM"])
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    return email


def next_wait(config, attempts: int) -> timedelta:
    base = timedelta(seconds=float(config.get("OUTBOX_RETRY_SECONDS", 60)))
    return min(base * (2 ** max(attempts - 1, 0)), MAX_WAIT)


def _claim(message_id_: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id_, OutboxMessage.status == "pending")
        .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _failed(message: OutboxMessage, error: Exception, now: datetime, *, permanent: bool) -> None:
    config = current_app.config
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    if permanent or message.attempts >= int(config.get("OUTBOX_MAX_ATTEMPTS", 10)):
        message.status = "failed"
        log.error("Outbox message %s (%s) failed for good: %s", message.id, message.kind, message.last_error)
    else:
        message.status = "pending"
        message.next_attempt_at = now + next_wait(config, message.attempts)
        log.warning("Outbox message %s (%s) will be tried again: %s", message.id, message.kind, message.last_error)
    db.session.commit()


class _ServerSetupFailed(Exception):
    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def _connect(config) -> Mailer:
    # smtplib's errors are OSErrors: whatever goes wrong before the first message is the server's set-up.
    try:
        return Mailer(config).__enter__()
    except OSError as error:
        raise _ServerSetupFailed(error) from error


def _server_failed(message: OutboxMessage, waiting: list[int], error: OSError, now: datetime) -> None:
    """The mail server's set-up failed: this message and those still waiting in the run are tried later,
    none of them using up an attempt."""
    config = current_app.config
    reason = f"Mail server set-up: {type(error).__name__}: {error}"[:500]
    message.attempts -= 1  # the claim counted one
    message.server_failures += 1
    message.status, message.last_error = "pending", reason
    message.next_attempt_at = now + next_wait(config, message.server_failures)
    if waiting:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(waiting), OutboxMessage.status == "pending")
            .values(
                server_failures=OutboxMessage.server_failures + 1,
                next_attempt_at=message.next_attempt_at,
                last_error=reason,
            )
        )
    db.session.commit()
    log.error(
        "Outbox: the mail server's set-up failed (not the messages'); %d waiting, next try at %s: %s",
        len(waiting) + 1,
        message.next_attempt_at.isoformat(),
        reason,
        extra={"outbox_problem": "mail_server_setup", "smtp_code": getattr(error, "smtp_code", None)},
    )


def _refusal_is_permanent(error: smtplib.SMTPException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return getattr(error, "smtp_code", 500) >= 500


def send_due(now: datetime | None = None, limit: int = 200) -> int:
    """Send the messages that are due; the number sent."""
    config = current_app.config
    now = now or clock.now()
    due = db.session.execute(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).scalars()
    due = list(due)
    db.session.commit()
    sent, mailer = 0, None
    try:
        for index, message_id_ in enumerate(due):
            if not _claim(message_id_, now):
                continue  # another worker has it
            message = db.session.get(OutboxMessage, message_id_)
            try:
                if mailer is None:
                    mailer = _connect(config)
                mailer.send(compose(message, config))
            except _ServerSetupFailed as failed:
                _server_failed(message, due[index + 1 :], failed.error, now)
                break
            except smtplib.SMTPSenderRefused as error:  # our MAIL FROM: every message would be refused alike
                _server_failed(message, due[index + 1 :], error, now)
                break
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                _failed(message, error, now, permanent=_refusal_is_permanent(error))
                continue
            except OSError as error:  # unreachable or disconnected: the rest waits for the next try
                _failed(message, error, now, permanent=False)
                break
            # The body may hold a one-time link (an invitation, a password reset): once sent it is not kept.
            message.status, message.sent_at, message.last_error, message.body = "sent", clock.now(), None, ""
            db.session.commit()
            sent += 1
    finally:
        if mailer is not None:
            mailer.__exit__(None, None, None)
    return sent
