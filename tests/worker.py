"""The real worker for the tests: an app of its own on a scratch database (the worker commits for real),
with its queue in a SQLite file, and huey's consumer running in threads of the test process.

``barrier()`` queues a task and waits for it: with one worker thread tasks run in order, so everything
queued before it has run when it returns (no sleeps, no polling by the test).
"""

from __future__ import annotations

import contextlib

from flask_migrate import upgrade

from tests.conftest import make_app
from tracker.extensions import db
from tracker.jobs.queue import tasks


def worker_app(tmp_path, database_url: str, **settings):
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=database_url,
        JOBS_BROKER_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        EVIDENCE_STORAGE_DIR=str(tmp_path / "files"),
        **settings,
    )
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


def mail_worker_app(tmp_path, database_url: str, smtp_port: int, **settings):
    """A worker's app that sends mail, in plain SMTP without login, to the test's mail server on ``smtp_port``;
    a failed send is retried at the next sweep, so a test needs no clock. ``settings`` override these."""
    mail = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_port,
        "SMTP_STARTTLS": False,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "OUTBOX_RETRY_SECONDS": 0,
        "BASE_URL": "https://tracker.example.org",
    }
    return worker_app(tmp_path, database_url, **(mail | settings))


@contextlib.contextmanager
def running_worker(app, workers: int = 1):
    """huey's consumer, started as ``flask worker`` starts it but without taking over the test process's
    signal handlers (which only the main thread may set)."""
    with app.app_context():
        consumer = tasks().huey.create_consumer(workers=workers, worker_type="thread", periodic=False)
    consumer.scheduler.start()
    for _, thread in consumer.worker_threads:
        thread.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        consumer.scheduler.join(5)


def barrier(app, timeout: float = 60):
    """Queue a sweep of the outbox and wait until the worker has run it (and so everything before it)."""
    with app.app_context():
        return tasks().send_outbox().get(blocking=True, timeout=timeout)
