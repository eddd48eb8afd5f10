"""``flask --app wsgi send-reminders``: run daily (by cron) to e-mail owners, agency leads and boards.

Each notice is recorded and committed straight after the mail server accepts it, so a run that fails midway
never sends again what already went out, and never marks as sent what did not.
"""

from __future__ import annotations

import smtplib
from collections import Counter

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from tracker import clock
from tracker.extensions import db
from tracker.reminders import services
from tracker.reminders.mailer import Mailer, compose


def _refusal(error: smtplib.SMTPException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
    elif isinstance(error, smtplib.SMTPResponseException):
        code, reply = error.smtp_code, error.smtp_error
    else:
        return str(error)
    reply = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return f"the mail server refused it ({code} {reply})"


def _retry(left: int) -> str:
    return f"{services.plural(left, 'reminder')} will be tried again on the next run"


def _about(notice: services.Notice) -> str:
    return f"{notice.recipient} about action {notice.action_id} ({notice.kind})"


@click.command("send-reminders")
@click.option(
    "--today",
    "today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to send reminders for, as YYYY-MM-DD (default: today).",
)
@click.option("--dry-run", is_flag=True, help="List what would be sent; send and record nothing.")
@with_appcontext
def send_reminders(today, dry_run: bool) -> None:
    """E-mail reminders of actions due soon, overdue, due a re-check or returned (each notice only once)."""
    day = today.date() if today else clock.today()
    config = current_app.config
    plan = services.pending_notices(db.session, day, int(config["REMINDER_BOARD_GRACE_DAYS"]))
    messages = [(notice, compose(notice, config)) for notice in plan.notices]
    if plan.nobody_to_tell:
        ids = ", ".join(str(action_id) for action_id in plan.nobody_to_tell)
        click.echo(
            f"No one to remind about action{'s' if len(plan.nobody_to_tell) > 1 else ''} {ids}: assign an "
            "owner, or add an active agency lead (or board member, for board notices)."
        )

    if dry_run:
        for notice, message in messages:
            click.echo(f"Would send to {notice.recipient}: {message['Subject']}")
        click.echo(services.summary(Counter(n.kind for n, _ in messages), [], verb="Dry run: would send"))
        return

    sent: Counter = Counter()
    failures: list[tuple[int, str]] = []
    if messages:
        try:
            with Mailer(config) as mailer:
                for position, (notice, message) in enumerate(messages):
                    try:
                        services.claim(db.session, notice)
                    except IntegrityError:
                        db.session.rollback()  # another run has just sent this one
                        continue
                    try:
                        mailer.send(message)
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                        db.session.rollback()
                        failures.append((1, f"{_about(notice)}: {_refusal(error)}"))
                        continue
                    except OSError as error:
                        db.session.rollback()
                        left = len(messages) - position
                        failures.append((left, f"the connection to the mail server was lost ({error}); {_retry(left)}"))
                        break
                    db.session.commit()
                    sent[notice.kind] += 1
        except OSError as error:
            db.session.rollback()
            left = len(messages) - sum(sent.values()) - sum(count for count, _ in failures)
            failures.append(
                (
                    left,
                    f"could not use the mail server at {config['SMTP_HOST']}:{config['SMTP_PORT']} ({error}); "
                    + _retry(left),
                )
            )

    services.record_run(db.session, day, sent, failures)
    db.session.commit()
    click.echo(services.summary(sent, failures))
    if failures:
        raise SystemExit(1)


COMMANDS = [send_reminders]
