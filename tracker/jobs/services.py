"""Starting jobs, reporting their progress and results, and removing results once they expire.

``start`` adds the job in the caller's transaction (flushes, never commits); the worker is asked to run it
only once that transaction commits, so it never looks for a job that is not there yet.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tracker import clock, files
from tracker.extensions import db
from tracker.jobs.models import Job

log = logging.getLogger(__name__)

_TO_RUN = "tracker.jobs.to_run"


def start(session: Session, owner, kind: str, title: str, params: dict) -> Job:
    """A new job, or the one already waiting or running for the same person and the same request: asking
    again (a reload, a second click, a link fetched by another page) never queues the same work twice."""
    waiting = session.execute(
        select(Job).where(Job.owner_id == owner.id, Job.kind == kind, Job.status.in_(("queued", "running")))
    ).scalars()
    for job in waiting:
        if job.params == params:  # compared here: a JSON column has no equality in PostgreSQL
            return job
    job = Job(kind=kind, owner_id=owner.id, title=title, params=params, status="queued", progress=0)
    session.add(job)
    session.flush()
    session.info.setdefault(_TO_RUN, []).append(job.id)
    return job


@event.listens_for(Session, "after_commit")
def _ask_worker_to_run(session: Session) -> None:
    if session.in_nested_transaction() or not has_app_context():
        return
    from tracker.jobs.queue import tasks

    for job_id in session.info.pop(_TO_RUN, ()):
        tasks().run_job(job_id)


@event.listens_for(Session, "after_rollback")
def _nothing_to_run(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_TO_RUN, None)


def report(job: Job, progress: int, message: str | None = None) -> None:
    """Record how far the job has got, committed at once so the progress page shows it."""
    job.progress = max(0, min(100, progress))
    if message is not None:
        job.message = message
    db.session.commit()


def results_days() -> int:
    return int(current_app.config.get("JOB_RESULTS_DAYS", 7))


def expire_results() -> int:
    """Remove the stored results of jobs past their expiry; the number removed."""
    now = clock.now()
    expired = db.session.execute(
        select(Job).where(Job.result_key.is_not(None), Job.expires_at.is_not(None), Job.expires_at <= now)
    ).scalars()
    removed = 0
    for job in list(expired):
        files.current_store().delete(job.result_key)
        job.result_key = None
        removed += 1
    db.session.commit()
    return removed


def expiry_from_now() -> object:
    return clock.now() + timedelta(days=results_days())
