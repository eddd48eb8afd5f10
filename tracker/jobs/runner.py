"""Running a job in the worker: mark it running, do its kind's work, keep the result in file storage.

A job runs once: the worker skips a job that is no longer queued. Its kind's function gets the job and a
``report(progress, message)`` callback and returns (file name, content type, temporary file path). What
went wrong goes to the log; the person sees only that it did not work and can try again.
"""

from __future__ import annotations

import logging
import os

from tracker import clock, files
from tracker.extensions import db
from tracker.jobs import services
from tracker.jobs.models import Job

log = logging.getLogger(__name__)


class JobRefused(Exception):
    """The job may not (or no longer) be done, with the reason to show to its owner."""


def kinds() -> dict:
    from tracker.jobs.kinds import registry

    return {name: kind.run for name, kind in registry().items()}


def run(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.status != "queued":
        return
    job.status, job.started_at, job.progress = "running", clock.now(), 1
    db.session.commit()
    path = None
    try:
        name, content_type, path = kinds()[job.kind](
            job, lambda progress, message=None: services.report(job, progress, message)
        )
        with open(path, "rb") as result:
            saved = files.current_store().save(result)
    except JobRefused as refused:
        db.session.rollback()
        _finish(job, "failed", str(refused))
        return
    except Exception:
        db.session.rollback()
        log.exception("Job %s (%s) failed", job.id, job.kind)
        _finish(job, "failed", "Sorry, this could not be prepared. Try again later.")
        return
    finally:
        if path:
            os.unlink(path)
    job.result_key, job.result_name, job.result_type, job.result_size = saved.key, name, content_type, saved.size
    job.expires_at = services.expiry_from_now()
    _finish(job, "done", None)


def _finish(job: Job, status: str, message: str | None) -> None:
    job = db.session.get(Job, job.id)
    job.status, job.finished_at, job.message = status, clock.now(), message
    if status == "done":
        job.progress = 100
    db.session.commit()
