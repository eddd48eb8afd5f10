"""``flask outbox``: what the outbox holds; ``flask outbox send``: send what is due now."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select, update

from tracker.extensions import db
from tracker.outbox.models import OutboxMessage
from tracker.outbox.sender import send_due


@click.group("outbox", invoke_without_command=True)
@click.pass_context
@with_appcontext
def outbox(context) -> None:
    """Show the e-mails waiting in the outbox (and those that failed or may not have gone)."""
    if context.invoked_subcommand:
        return
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    click.echo(", ".join(f"{counts.get(status, 0)} {status}" for status in ("pending", "sending", "sent", "failed")))
    waiting = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.status != "sent").order_by(OutboxMessage.id).limit(100)
    ).scalars()
    for message in waiting:
        click.echo(
            f"#{message.id} {message.status} {message.kind} to {message.recipient}, {message.attempts} attempt(s)"
            + (f", held back {message.server_failures} time(s) by the mail server" if message.server_failures else "")
            + (f", next {message.next_attempt_at:%Y-%m-%d %H:%M}" if message.status == "pending" else "")
            + (f": {message.last_error}" if message.last_error else "")
        )


@outbox.command("send")
@click.option("--retry-uncertain", is_flag=True, help="Send again the messages a stopped worker left 'sending'.")
@with_appcontext
def send(retry_uncertain: bool) -> None:
    """Send the e-mails that are due now."""
    if retry_uncertain:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "sending").values(status="pending"))
        db.session.commit()
    click.echo(f"{send_due()} sent")


COMMANDS = [outbox]
