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


def test_the_flask_db_commands_migrate_an_empty_database(tmp_path, scratch_database_url):
    """``flask db upgrade``, as the README gives it to operators, through the lazily loaded command group."""
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=scratch_database_url)
    runner = app.test_cli_runner()

    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    current = runner.invoke(args=["db", "current"])
    assert current.exit_code == 0, current.output
    with app.app_context():
        assert "alembic_version" in inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head
        db.engine.dispose()
