"""``flask --app wsgi send-reminders`` (also run daily by the worker): e-mail owners, agency leads and boards.

Each notice is recorded as sent-by-us and written to the outbox in one transaction, so the worker delivers
it like every other mail (retries with backoff, once: the outbox key is the notice). A mail server that is
down or refuses never loses a reminder and never sends one twice; ``flask outbox`` shows what is waiting.
"""

from __future__ import annotations

from collections import Counter

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import clock
from tracker.extensions import db
from tracker.reminders import services
from tracker.reminders.mailer import queue_notices, subject_for


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
    if plan.nobody_to_tell:
        ids = ", ".join(str(action_id) for action_id in plan.nobody_to_tell)
        click.echo(
            f"No one to remind about action{'s' if len(plan.nobody_to_tell) > 1 else ''} {ids}: assign an "
            "owner, or add an active agency lead (or board member, for board notices)."
        )

    if dry_run:
        for notice in plan.notices:
            click.echo(f"Would send to {notice.recipient}: {subject_for(notice)}")
        click.echo(services.summary(Counter(n.kind for n in plan.notices), [], verb="Dry run: would queue"))
        return

    queued = queue_notices(db.session, plan.notices, config)
    services.record_run(db.session, day, queued, [])
    db.session.commit()  # the notices, their mail and the run's history together; the worker sends the mail
    click.echo(services.summary(queued, []))


COMMANDS = [send_reminders]
