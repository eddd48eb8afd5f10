"""A large report PDF or evidence pack goes to the real worker: a progress page only its owner sees, then the
file, under the same rules as the immediate download (who may have it, a fresh sign-in for packs, the history)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, SEEDS_DIR, scratch_database, sign_in
from tests.worker import barrier, running_worker, worker_app
from tracker import clock
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.jobs.models import Job
from tracker.orgs.models import Board
from tracker.packs.verify import verify_pack
from tracker.reviews.models import Review
from tracker.seeding.loader import load_seeds


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("big-jobs")
    with scratch_database(tmp_path) as url:
        # Every report PDF and every pack is "large" here.
        app = worker_app(tmp_path, url, REPORT_PDF_JOB_ACTIONS=0, PACK_JOB_ACTIONS=0, PACK_JOB_BYTES=0)
        with app.app_context():
            load_seeds(db.session, SEEDS_DIR)
            for email, role, boards in (
                ("member@jobs.invalid", "board_member", ["buckinghamshire"]),
                ("auditor@jobs.invalid", "auditor", ["buckinghamshire"]),
                ("other@jobs.invalid", "admin", []),
            ):
                create_user(
                    db.session,
                    email=email,
                    name=email.split("@")[0].title(),
                    role=role,
                    password=PASSWORD,
                    board_keys=boards,
                )
            db.session.commit()
        yield app
        with app.app_context():
            db.engine.dispose()


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _count(app, event: str) -> int:
    with app.app_context():
        return db.session.execute(
            select(func.count()).select_from(HistoryEntry).where(HistoryEntry.event == event)
        ).scalar_one()


def _jobs(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Job)).scalar_one()


def _id(app, model, column, value) -> int:
    with app.app_context():
        return db.session.execute(select(model.id).where(column == value)).scalar_one()


def test_a_large_report_pdf_is_drawn_by_the_worker_for_its_owner_only(seeded):
    app = seeded
    board_id = _id(app, Board, Board.key, "buckinghamshire")
    member = _client(app, "member@jobs.invalid")
    pdf_path = f"/reports/boards/{board_id}/pdf"
    # The link only offers the work: a GET queues nothing (a prefetch or a crawler must not start jobs).
    offered = member.get(pdf_path)
    assert offered.status_code == 200 and "Prepare the PDF" in offered.get_data(as_text=True)
    assert _jobs(app) == 0
    asked = member.post(pdf_path)
    assert asked.status_code == 303 and "/jobs/" in asked.headers["Location"]
    page_path = asked.headers["Location"]
    assert "Preparing your PDF: 0%" in member.get(page_path).get_data(as_text=True)  # no worker yet
    assert member.post(pdf_path).headers["Location"] == page_path  # not queued twice
    assert _jobs(app) == 1
    with running_worker(app):
        barrier(app)
    page = member.get(page_path).get_data(as_text=True)
    assert "Your PDF is ready" in page and "Download assurance-report-buckinghamshire-" in page

    before = _count(app, "report.downloaded")
    download = member.get(page_path + "/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment; filename=assurance-report-buckinghamshire-")
    assert _count(app, "report.downloaded") == before + 1  # recorded as the immediate download is
    with app.app_context():
        entry = db.session.execute(select(HistoryEntry).order_by(HistoryEntry.id.desc()).limit(1)).scalar_one()
        assert entry.event == "report.downloaded" and entry.actor_label == "member@jobs.invalid"
        assert "downloaded the assurance report for" in entry.summary and entry.summary.endswith("(PDF)")

    other = _client(app, "other@jobs.invalid")
    assert other.get(page_path).status_code == 404
    assert other.get(page_path + "/download").status_code == 404

    # Taken off the board since: the report is no longer theirs to have, and nothing more is recorded.
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "member@jobs.invalid")).scalar_one()
        user.boards = []
        db.session.commit()
    assert member.get(page_path + "/download").status_code == 404
    assert _count(app, "report.downloaded") == before + 1


def test_a_large_evidence_pack_is_made_by_the_worker_and_kept_for_its_owner(seeded, tmp_path, monkeypatch):
    app = seeded
    review_id = _id(app, Review, Review.ref, "bucks-baby-k")
    auditor = _client(app, "auditor@jobs.invalid")
    before = _count(app, "pack.exported")
    asked = auditor.post("/packs", data={"scope": "review", "review": str(review_id), "reason": "Annual audit"})
    assert asked.status_code == 302 and "/jobs/" in asked.headers["Location"]
    page_path = asked.headers["Location"]
    assert "Preparing your evidence pack: 0%" in auditor.get(page_path).get_data(as_text=True)
    assert _count(app, "pack.exported") == before  # made, and so recorded, by the worker
    with running_worker(app):
        barrier(app)
    assert _count(app, "pack.exported") == before + 1
    page = auditor.get(page_path).get_data(as_text=True)
    assert "Your evidence pack is ready" in page and "Download evidence-pack-review-bucks-baby-k-made-" in page

    download = auditor.get(page_path + "/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    (tmp_path / "pack.zip").write_bytes(download.data)
    assert verify_pack(tmp_path / "pack.zip").ok
    with app.app_context():
        entry = (
            db.session.execute(
                select(HistoryEntry).where(HistoryEntry.event == "pack.exported").order_by(HistoryEntry.id.desc())
            )
            .scalars()
            .first()
        )
        assert entry.actor_label == "auditor@jobs.invalid" and entry.after["reason"] == "Annual audit"
    with zipfile.ZipFile(io.BytesIO(download.data)) as pack:
        assert f"Export-History-Entry: {entry.id} " in pack.read("bag-info.txt").decode()
    assert _count(app, "pack.exported") == before + 1  # the download adds nothing: the pack names its entry

    assert _client(app, "other@jobs.invalid").get(page_path + "/download").status_code == 404
    # As for the packs page itself, a sign-in that is no longer fresh asks for the password first.
    later = clock.now() + timedelta(minutes=app.config["FRESH_LOGIN_MINUTES"] + 1)
    monkeypatch.setattr(clock, "now", lambda: later)
    stale = auditor.get(page_path + "/download")
    assert stale.status_code == 302 and "/sign-in/confirm" in stale.headers["Location"]


def test_a_pack_asked_for_future_dates_is_refused_on_the_form_and_no_job_starts(seeded):
    app = seeded
    review_id = _id(app, Review, Review.ref, "bucks-baby-k")
    auditor = _client(app, "auditor@jobs.invalid")
    with app.app_context():
        jobs_before = db.session.execute(select(func.count()).select_from(Job)).scalar_one()
    future = clock.today() + timedelta(days=3)
    response = auditor.post(
        "/packs",
        data={
            "scope": "review",
            "review": str(review_id),
            "reason": "Annual audit",
            "date_to": [str(future.day), str(future.month), str(future.year)],
        },
    )
    assert response.status_code == 422
    assert "The end date must be today or in the past" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Job)).scalar_one() == jobs_before


@pytest.mark.parametrize(
    ("kind", "words"),
    [("report_pdf", "Preparing your PDF: 40%"), ("evidence_pack", "Preparing your evidence pack: 40%")],
)
def test_the_progress_page_says_what_it_prepares_and_how_far_it_has_got(seeded, kind, words):
    app = seeded
    with app.app_context():
        owner = db.session.execute(select(User.id).where(User.email == "auditor@jobs.invalid")).scalar_one()
        job = Job(kind=kind, owner_id=owner, title="Something large", params={}, progress=40, status="running")
        db.session.add(job)
        db.session.commit()
        path = f"/jobs/{job.id}"
    auditor = _client(app, "auditor@jobs.invalid")
    assert words in auditor.get(path).get_data(as_text=True)
    assert auditor.get(path + "/download").status_code == 404


def test_a_pack_made_for_someone_taken_off_the_board_since_is_not_theirs_to_download(seeded):
    app = seeded
    with app.app_context():
        create_user(
            db.session,
            email="moved@jobs.invalid",
            name="Moved",
            role="auditor",
            password=PASSWORD,
            board_keys=["buckinghamshire"],
        )
        db.session.commit()
    review_id = _id(app, Review, Review.ref, "bucks-baby-k")
    auditor = _client(app, "moved@jobs.invalid")
    asked = auditor.post("/packs", data={"scope": "review", "review": str(review_id), "reason": "Annual audit"})
    page_path = asked.headers["Location"]
    with running_worker(app):
        barrier(app)
    assert "Your evidence pack is ready" in auditor.get(page_path).get_data(as_text=True)

    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "moved@jobs.invalid")).scalar_one()
        user.boards = []
        db.session.commit()
    assert auditor.get(page_path + "/download").status_code == 404
