"""Reminder e-mails composed from ``templates/reminders/*.txt`` (queued in the outbox by ``send-reminders``),
and the SMTP connection the outbox's worker sends all mail over (STARTTLS and login when configured)."""

from __future__ import annotations

import smtplib
import ssl
from collections import Counter
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.outbox.services import enqueue
from tracker.reminders.services import DUE_KINDS, Notice, claim
from tracker.template_helpers import format_date

TEMPLATES = {
    "due_30": "reminders/due_soon.txt",
    "due_7": "reminders/due_soon.txt",
    "due_1": "reminders/due_soon.txt",
    "overdue": "reminders/overdue.txt",
    "overdue_board": "reminders/overdue_board.txt",
    "recheck_due": "reminders/recheck_due.txt",
    "returned": "reminders/returned.txt",
}


def action_link(config: Mapping, action_id: int) -> str:
    path = current_app.url_map.bind("localhost").build("actions.show", {"action_id": action_id})
    return config["BASE_URL"].rstrip("/") + path


def when_due(days_left: int) -> str:
    if days_left == 0:
        return "today"
    if days_left == 1:
        return "tomorrow"
    return f"in {days_left} days"


def subject_for(notice: Notice) -> str:
    facts = notice.facts
    about = facts["review_title"] + (
        f", recommendation {facts['recommendation_ref']}"
        if facts["recommendation_ref"]
        else f", {facts['agency']}'s own action"
    )
    if notice.kind in DUE_KINDS:
        subject = f"Action due {when_due(facts['days_left'])}: {about}"
    elif notice.kind == "overdue":
        subject = f"Action overdue since {format_date(facts['due_date'])}: {about}"
    elif notice.kind == "overdue_board":
        subject = f"For the board: action {facts['days_overdue']} days overdue: {about}"
    elif notice.kind == "recheck_due":
        subject = f"Re-check due: {about}"
    else:
        subject = f"Action returned by the board: {about}"
    # Header values are one line: a stray line break in a title must not start a new header.
    return " ".join(subject.split())


def body_for(notice: Notice, config: Mapping) -> str:
    facts = notice.facts
    template = current_app.jinja_env.get_template(TEMPLATES[notice.kind])
    return template.render(
        **facts,
        kind=notice.kind,
        recipient_name=notice.recipient_name,
        link=action_link(config, notice.action_id),
        when=when_due(facts["days_left"]) if "days_left" in facts else None,
    )


def outbox_key(notice: Notice) -> str:
    """One outbox message per notice: the same notice queued again (two runs at once) is the same mail."""
    return f"reminder:{notice.action_id}:{notice.kind}:{notice.occasion}:{notice.recipient.lower()}"


def queue_notices(session: Session, notices: Iterable[Notice], config: Mapping) -> Counter:
    """Record each notice as ours and queue its mail in the outbox (flushes; the caller commits once, the
    worker sends). A notice another run has just claimed is skipped: its claim is undone in a savepoint of its
    own, so the notices queued before it stay queued. Returns how many were queued, by kind."""
    queued: Counter = Counter()
    for notice in notices:
        try:
            with session.begin_nested():
                claim(session, notice)
        except IntegrityError:
            continue
        enqueue(
            session,
            key=outbox_key(notice),
            kind="reminder",
            to=formataddr((" ".join(notice.recipient_name.split()), notice.recipient)),
            subject=subject_for(notice),
            body=body_for(notice, config),
        )
        queued[notice.kind] += 1
    return queued


class Mailer:
    """One SMTP connection for a whole run. Connection problems raise OSError (smtplib's errors are OSErrors);
    a refused recipient or message raises ``smtplib.SMTPRecipientsRefused`` or ``smtplib.SMTPResponseException``
    and leaves the connection usable for the next message."""

    def __init__(self, config: Mapping, timeout: float = 30):
        self.host = config["SMTP_HOST"]
        self.port = int(config["SMTP_PORT"])
        self.username = config.get("SMTP_USERNAME")
        self.password = config.get("SMTP_PASSWORD")
        self.starttls = bool(config.get("SMTP_STARTTLS"))
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return self

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            raise smtplib.SMTPServerDisconnected("Not connected to the mail server")
        self._smtp.send_message(message)

    def __exit__(self, *exc_info) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()
        self._smtp = None
