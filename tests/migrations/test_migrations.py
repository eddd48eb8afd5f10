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


def test_0013_gives_every_period_its_actions_place_and_marks_in_step_the_rows_that_agree(
    tmp_path, scratch_database_url
):
    """Migrated with data (the seeds, taken back to 0012): the periods' copies of each action's place are the
    action's own, and every row that stands as its open period says is in step; one changed behind the
    history's back before the migration is not."""
    from sqlalchemy import text

    from tests.conftest import SEEDS_DIR
    from tracker.seeding.loader import load_seeds

    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=scratch_database_url)
    with app.app_context():
        upgrade()
        load_seeds(db.session, SEEDS_DIR)
        db.session.commit()
        db.session.remove()
        downgrade(revision="0012")
        with db.engine.begin() as connection:
            tampered = connection.execute(text("SELECT min(id) FROM actions")).scalar_one()
            connection.execute(
                text("UPDATE actions SET status = 'closed', closed_reason = 'x' WHERE id = :id"), {"id": tampered}
            )
        upgrade()
        with db.engine.connect() as connection:
            misplaced = connection.execute(
                text(
                    "SELECT count(*) FROM action_periods p JOIN actions a ON a.id = p.action_id"
                    " WHERE p.review_id <> a.review_id OR p.agency_id <> a.agency_id"
                    " OR coalesce(p.recommendation_id, 0) <> coalesce(a.recommendation_id, 0)"
                )
            ).scalar_one()
            out_of_step = (
                connection.execute(
                    text("SELECT id FROM actions WHERE timeline_version IS NULL OR timeline_version <> version")
                )
                .scalars()
                .all()
            )
            periods = connection.execute(text("SELECT count(*) FROM action_periods")).scalar_one()
        assert periods > 100 and misplaced == 0
        assert out_of_step == [tampered]
        db.engine.dispose()
