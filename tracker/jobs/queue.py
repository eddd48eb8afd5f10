"""The task queue (huey): the embedded default needs no server, production uses Redis.

``JOBS_BROKER_URL`` names the broker: empty (the default) is a SQLite file in the instance folder, shared by
the app and the worker on one machine; ``redis://…`` (or ``rediss://``) is Redis, shared by every instance;
``memory:`` runs each task at once in the process that queues it (huey's immediate mode, for tests that
do not start a worker). Each app has its own huey, with the tasks bound to that app, so the worker
(``flask --app wsgi worker``) runs them with the same settings as the instance that queued them.

huey is imported, and the app's huey made, the first time a task is queued or the worker starts, not when the
app starts: huey's storage module imports redis and psycopg (about a second of a worker's start-up).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from huey import Huey

log = logging.getLogger(__name__)

_EXTENSION_KEY = "tracker.huey"


def broker(config: Mapping, instance_path: str) -> tuple[str, str | None]:
    """("redis", url), ("memory", None) or ("sqlite", filename); raises ValueError on any other URL. Checked
    when the app starts, so a wrong setting stops it then, as it did when huey was made then."""
    url = (config.get("JOBS_BROKER_URL") or "").strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return "redis", url
    if url == "memory:":
        return "memory", None
    if url.startswith("sqlite:///"):
        return "sqlite", url[len("sqlite:///") :]
    if not url:
        return "sqlite", str(Path(instance_path) / "jobs.sqlite3")
    raise ValueError("JOBS_BROKER_URL must be empty, sqlite:///PATH, redis://… or memory:")


def make_huey(config: Mapping, instance_path: str) -> Huey:
    from huey import MemoryHuey, RedisHuey, SqliteHuey

    kind, where = broker(config, instance_path)
    if kind == "redis":
        return RedisHuey("tracker", url=where)
    if kind == "memory":
        return MemoryHuey("tracker", immediate=True)
    return SqliteHuey("tracker", filename=where)


class Tasks:
    """The app's huey and its tasks, each run inside an app context of the app that made it."""

    def __init__(self, app: Flask):
        from huey import crontab

        self.app = app
        self.huey = make_huey(app.config, app.instance_path)
        self.send_outbox = self._task(_send_outbox)
        self.run_job = self._task(_run_job)
        minutes = str(app.config.get("OUTBOX_SWEEP_MINUTES") or 1)
        self.sweep_outbox = self.huey.periodic_task(crontab(minute=f"*/{minutes}"), name="sweep_outbox")(
            self._in_app(_send_outbox)
        )
        self.expire_jobs = self.huey.periodic_task(crontab(minute="17"), name="expire_jobs")(self._in_app(_expire_jobs))
        # The daily reminders (what cron ran as `flask send-reminders`), once a day at REMINDERS_HOUR (UTC).
        hour = str(app.config.get("REMINDERS_HOUR", 6))
        self.send_reminders = self.huey.periodic_task(crontab(minute="0", hour=hour), name="send_reminders")(
            self._in_app(_send_reminders)
        )

    def _in_app(self, function: Callable) -> Callable:
        app = self.app

        def run(*args, **kwargs):
            with app.app_context():
                return function(*args, **kwargs)

        run.__name__ = function.__name__.lstrip("_")
        return run

    def _task(self, function: Callable):
        return self.huey.task(name=function.__name__.lstrip("_"))(self._in_app(function))


def _send_outbox() -> int:
    from tracker.outbox.sender import send_due

    return send_due()


def _run_job(job_id: int) -> None:
    from tracker.jobs.runner import run

    run(job_id)


def _send_reminders() -> int:
    """The same run as ``flask send-reminders``: each notice recorded once, failures retried the next day."""
    import click

    from tracker.reminders.cli import send_reminders

    with click.Context(send_reminders) as context:
        try:
            context.invoke(send_reminders, today=None, dry_run=False)
        except SystemExit as stopped:
            return int(stopped.code or 0)
    return 0


def _expire_jobs() -> int:
    from tracker.jobs.services import expire_results

    return expire_results()


_making = threading.Lock()


def init_app(app: Flask) -> None:
    broker(app.config, app.instance_path)  # nothing is made here (see tasks()), but a wrong URL stops the start
    app.extensions[_EXTENSION_KEY] = None


def tasks() -> Tasks:
    """The app's huey and tasks, made on first use (once, whichever thread asks first)."""
    app = current_app._get_current_object()
    with _making:
        if app.extensions.get(_EXTENSION_KEY) is None:
            app.extensions[_EXTENSION_KEY] = Tasks(app)
        return app.extensions[_EXTENSION_KEY]


def ping_broker() -> None:
    """Raise unless the broker answers (for /readyz)."""
    from huey import RedisHuey

    huey = tasks().huey
    if isinstance(huey, RedisHuey):
        huey.storage.conn.ping()
    else:
        huey.pending_count()
