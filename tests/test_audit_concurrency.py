"""Many writers at once still make one unbroken history chain (real threads, real commits)."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from tests.conftest import make_app, scratch_database
from tracker import audit
from tracker.extensions import db

THREADS, EVENTS = 8, 25


@pytest.mark.parametrize("method", [None, "GET"], ids=["outside-requests", "inside-get-requests"])
def test_concurrent_appends_keep_a_single_chain(tmp_path, method):
    """Also from GET requests, which start without SQLite's write lock and read before they write."""
    with scratch_database(tmp_path) as url:
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
        errors: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                for i in range(EVENTS):
                    context = app.test_request_context("/", method=method) if method else app.app_context()
                    with context:
                        db.session.execute(select(func.count()).select_from(audit.HistoryEntry)).scalar_one()
                        audit.record(
                            db.session,
                            actor=f"writer {n}",
                            event="test.concurrent",
                            obj_type="test",
                            obj_id=i,
                            summary=f"event {i} of writer {n}",
                        )
                        db.session.commit()
                        db.session.remove()
            except BaseException as error:  # reported below, so a failing thread fails the test
                errors.append(error)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        with app.app_context():
            count = db.session.execute(select(func.count()).select_from(audit.HistoryEntry)).scalar_one()
            assert count == THREADS * EVENTS
            assert audit.verify_chain(db.session) is None
            db.session.remove()
            db.engine.dispose()


def _write_lock_is_free(path: str) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_reads_leave_the_write_lock_to_writers(tmp_path):
    """A GET's transaction reads without SQLite's write lock; a POST's holds it from the start; a GET that
    writes takes it before its first write."""
    with scratch_database(tmp_path) as url:
        if not url.startswith("sqlite"):
            pytest.skip("SQLite's write lock")
        path = url.removeprefix("sqlite:///")
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
        with app.test_request_context("/", method="GET"):
            db.session.execute(select(func.count()).select_from(audit.HistoryEntry)).scalar_one()
            assert _write_lock_is_free(path)
            audit.record(db.session, actor="reader", event="test.get", obj_type="test", obj_id=1, summary="a GET")
            assert not _write_lock_is_free(path)
            db.session.commit()
            db.session.remove()
        with app.test_request_context("/", method="POST"):
            db.session.execute(select(func.count()).select_from(audit.HistoryEntry)).scalar_one()
            assert not _write_lock_is_free(path)
            db.session.rollback()
            db.session.remove()
        with app.app_context():
            assert audit.verify_chain(db.session) is None
            db.session.remove()
            db.engine.dispose()
