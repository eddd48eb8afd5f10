"""Migrations: one head, upgrade from empty and back on this database, and they agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.conftest import ROOT, make_app, scratch_database
from tracker.extensions import db


def test_there_is_exactly_one_head():
    script = ScriptDirectory(str(ROOT / "migrations"))
    assert len(script.get_heads()) == 1


@pytest.fixture
def scratch_database_url(tmp_path):
    with scratch_database(tmp_path) as url:
        yield url


def test_upgrade_from_empty_then_downgrade_to_empty(tmp_path, scratch_database_url):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=scratch_database_url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"reviews", "recommendations", "actions", "users", "history", "agencies", "boards"} <= tables

        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
