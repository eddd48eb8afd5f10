"""Fixtures: one migrated and seeded database for the session (SQLite, or PostgreSQL when DATABASE_URL is
set), and a transaction per test that is rolled back afterwards, so tests never see each other's data."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from tracker import create_app
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.seeding.loader import load_seeds

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "seeds"
PASSWORD = "correct horse battery staple"

# Real servers the tests start on loopback ports (an S3 API server).
pytest_plugins = ["tests.s3"]


def database_url(tmp_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_dir / 'test.sqlite3'}"


@contextlib.contextmanager
def scratch_database(tmp_dir: Path):
    """The URL of a new, empty database of the suite's kind: a SQLite file, or a PostgreSQL database that is
    dropped afterwards. For tests that must commit (migrations, the live server) without touching the
    suite's shared database."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_dir / f'scratch-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        for made in _apps:
            with made.app_context():
                db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def reset_database() -> None:
    """Empty the database so that migrations run from nothing (PostgreSQL keeps its data between runs)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


_apps = []


def make_app(tmp_dir: Path, **overrides):
    config = {
        "ENV_NAME": "test",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_dir),
        "EVIDENCE_STORAGE_DIR": str(tmp_dir / "evidence"),
        "WTF_CSRF_ENABLED": False,
        "SEEDS_DIR": str(SEEDS_DIR),
    }
    config.update(overrides)
    app = create_app(config)
    _apps.append(app)
    return app


@pytest.fixture(scope="session", autouse=True)
def _close_connections():
    """Close every app's connection pool at the end, so no database connection is left open."""
    yield
    for made in _apps:
        with made.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("app"))
    with app.app_context():
        reset_database()
        upgrade()
        load_seeds(db.session, SEEDS_DIR)
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(autouse=True)
def _transaction_per_test(request):
    """Every test runs in a transaction that is rolled back; commits inside become savepoints."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
        )
        try:
            yield
        finally:
            db.session.remove()
            outer.rollback()
            connection.close()
            db.session = original


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app):
    """One account per role, on the Milton Keynes and Buckinghamshire boards, lead at Thames Valley Police."""
    with app.app_context():
        made = {
            "admin": create_user(db.session, email="admin@test.invalid", name="Admin", role="admin", password=PASSWORD),
            "board_member": create_user(
                db.session,
                email="member@test.invalid",
                name="Member",
                role="board_member",
                password=PASSWORD,
                board_keys=["milton-keynes"],
            ),
            "agency_lead": create_user(
                db.session,
                email="lead@test.invalid",
                name="Lead",
                role="agency_lead",
                password=PASSWORD,
                agency_key="thames-valley-police",
            ),
            "auditor": create_user(
                db.session,
                email="auditor@test.invalid",
                name="Auditor",
                role="auditor",
                password=PASSWORD,
                board_keys=["buckinghamshire"],
            ),
            "other_lead": create_user(
                db.session,
                email="other@test.invalid",
                name="Other Lead",
                role="agency_lead",
                password=PASSWORD,
                agency_key="southampton-city-council-childrens-social-care",
            ),
        }
        db.session.commit()
        return {role: user.email for role, user in made.items()}


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/sign-in", data={"email": email, "password": password})


@pytest.fixture
def signed_in(client, users):
    """Sign the test client in as a role: ``signed_in("agency_lead")``."""

    def _sign_in(role: str):
        response = sign_in(client, users[role])
        assert response.status_code == 302, response.data[:500]
        return client

    return _sign_in
