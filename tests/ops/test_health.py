"""/healthz and /readyz for a load balancer: no sign-in, no detail, and a true answer about the database,
storage, broker and migrations."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tracker.extensions import db
from tracker.ops import health


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_answer_without_sign_in_and_say_nothing_more(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.data == b"ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_not_ready_when_storage_cannot_be_used(app, client, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage folder should be")
    monkeypatch.setitem(app.config, "EVIDENCE_STORAGE_DIR", str(blocked))
    response = client.get("/readyz")
    assert response.status_code == 503 and response.data == b"not ready\n"
    assert response.headers["Retry-After"] == "10"
    assert client.get("/healthz").status_code == 200  # alive, just not ready


def test_not_ready_when_the_database_is_behind_the_code(app, client, monkeypatch):
    monkeypatch.setattr(health, "migration_heads", lambda: frozenset({"9999"}))
    response = client.get("/readyz")
    assert response.status_code == 503 and b"9999" not in response.data


def test_not_ready_when_the_database_cannot_be_reached(app, client, monkeypatch):
    def unreachable():
        raise ConnectionError("database down")

    monkeypatch.setitem(health.CHECKS, "database", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503 and b"database" not in response.data


def test_not_ready_when_the_broker_cannot_be_reached(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_BROKER_URL", "redis://127.0.0.1:6399/0")  # nothing listens there
    from tracker.jobs import queue

    monkeypatch.setitem(app.extensions, "tracker.huey", queue.Tasks(app))
    assert client.get("/readyz").status_code == 503


def test_the_migration_check_reads_the_real_database(app):
    with app.app_context():
        applied = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    assert applied == health.migration_heads()
