"""``flask --app wsgi worker``: the consumer that runs jobs, sends the outbox and runs the periodic sweeps."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.jobs.queue import tasks


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Tasks run at once (threads).")
@with_appcontext
def worker(workers: int) -> None:
    """Run the job queue's worker until stopped (Ctrl-C or SIGTERM finish the running tasks first)."""
    consumer = tasks().huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()


COMMANDS = [worker]
