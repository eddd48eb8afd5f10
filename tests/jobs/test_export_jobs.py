"""A large export goes to the real worker: a progress page only its owner sees, then the spreadsheet."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, SEEDS_DIR, scratch_database, sign_in
from tests.worker import barrier, running_worker, worker_app
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.jobs import runner
from tracker.jobs.models import Job
from tracker.seeding.loader import load_seeds


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("jobs")
    with scratch_database(tmp_path) as url:
        app = worker_app(tmp_path, url, JOBS_LARGE_SCOPE_ACTIONS=0)  # every Excel export is "large" here
        with app.app_context():
            load_seeds(db.session, SEEDS_DIR)
            create_user(db.session, email="asker@jobs.invalid", name="Asker", role="admin", password=PASSWORD)
            create_user(db.session, email="other@jobs.invalid", name="Other", role="admin", password=PASSWORD)
            db.session.commit()
        yield app
        with app.app_context():
            db.engine.dispose()


def test_a_large_export_is_prepared_by_the_worker_and_offered_to_its_owner_only(seeded):
    app = seeded
    asker = app.test_client()
    assert sign_in(asker, "asker@jobs.invalid").status_code == 302
    with running_worker(app):
        response = asker.post("/export/plan.xlsx")
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
        page_path = response.headers["Location"]
        barrier(app)
    page = asker.get(page_path).get_data(as_text=True)
    assert "Your export is ready" in page and "Download action-plan.xlsx" in page
    download = asker.get(page_path + "/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(download.data)) as workbook:
        assert "xl/workbook.xml" in workbook.namelist()

    other = app.test_client()
    assert sign_in(other, "other@jobs.invalid").status_code == 302
    assert other.get(page_path).status_code == 404
    assert other.get(page_path + "/download").status_code == 404


def test_the_progress_page_says_how_far_it_has_got(seeded):
    app = seeded
    with app.app_context():
        owner = db.session.execute(select(Job.owner_id)).scalars().first()
        job = Job(kind="plan_xlsx", owner_id=owner, title="Export of the plan as Excel", params={}, progress=40)
        db.session.add(job)
        db.session.commit()
        path = f"/jobs/{job.id}"
    asker = app.test_client()
    sign_in(asker, "asker@jobs.invalid")
    page = asker.get(path).get_data(as_text=True)
    assert "Preparing your export: 40%" in page and "Check progress again" in page
    assert asker.get(path + "/download").status_code == 404


def test_a_job_runs_once_and_a_failure_is_told_plainly(seeded, monkeypatch):
    app = seeded

    def broken(job, report):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(runner, "kinds", lambda: {"plan_xlsx": broken})
    with app.app_context():
        owner = db.session.execute(select(Job.owner_id)).scalars().first()
        job = Job(kind="plan_xlsx", owner_id=owner, title="Export", params={"filename": "x.xlsx"})
        db.session.add(job)
        db.session.commit()
        runner.run(job.id)
        runner.run(job.id)  # no longer queued: nothing happens
        db.session.refresh(job)
        assert job.status == "failed" and "could not be prepared" in job.message and "fire" not in job.message
