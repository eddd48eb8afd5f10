"""Many writers at once still make one unbroken history chain (real threads, real commits)."""

from __future__ import annotations

import threading

from flask_migrate import upgrade
from sqlalchemy import func, select

from tests.conftest import make_app, scratch_database
from tracker import audit
from tracker.extensions import db

THREADS, EVENTS = 8, 25


def test_concurrent_appends_keep_a_single_chain(tmp_path):
    with scratch_database(tmp_path) as url:
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
        errors: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                with app.app_context():
                    for i in range(EVENTS):
                        audit.record(
                            db.session,
                            actor=f"writer {n}",
                            event="test.concurrent",
                            obj_type="test",
                            obj_id=i,
                            summary=f"event {i} of writer {n}",
                        )
                        db.session.commit()
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
