"""Who may reach a job's progress page and its result: only the person who asked for it (404 for everyone
else, so no one learns that someone else's job exists)."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.jobs.models import Job

OWNER_ONLY = {"*": 404, "auditor": 200}

ROUTES = [
    ("GET", "/jobs/{auditor_job}", "jobs.show", OWNER_ONLY),
    # Not ready yet: nothing to download, even for its owner.
    ("GET", "/jobs/{auditor_job}/download", "jobs.download", {"*": 404}),
]


def object_ids() -> dict:
    # The auditor of the role walk owns it; for the anonymous walk (no role accounts) anyone will do.
    owner = db.session.execute(select(User).where(User.email == "auditor@test.invalid")).scalar_one_or_none()
    owner = owner or create_user(
        db.session, email="job-owner@test.invalid", name="Job Owner", role="admin", password=PASSWORD
    )
    job = Job(kind="plan_xlsx", owner_id=owner.id, title="Export of the plan as Excel", params={}, status="queued")
    db.session.add(job)
    db.session.commit()  # (a savepoint in tests)
    return {"auditor_job": job.id}
