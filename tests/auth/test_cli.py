"""Accounts from the command line."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import make_app
from tracker.auth.models import User
from tracker.extensions import db


def test_create_user_reads_the_password_from_standard_input(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "New.Lead@Test.invalid",
            "--name",
            "New Lead",
            "--role",
            "agency_lead",
            "--agency",
            "thames-valley-police",
        ],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.email == "new.lead@test.invalid")).scalar_one()
    assert user.agency.key == "thames-valley-police" and user.role == "agency_lead"
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_explains_what_is_wrong(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "--email", "x@test.invalid", "--name", "X", "--role", "agency_lead"],
        input="a long enough passphrase\n",
    )
    assert result.exit_code != 0 and "An agency lead must belong to an agency" in result.output
    result = runner.invoke(
        args=["create-user", "--email", "x@test.invalid", "--name", "X", "--role", "admin"], input="short\n"
    )
    assert result.exit_code != 0 and "at least 12 characters" in result.output


def test_demo_accounts_are_refused_outside_development(tmp_path):
    production = make_app(
        tmp_path,
        ENV_NAME="production",
        SECRET_KEY="y" * 40,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite3'}",
    )
    result = production.test_cli_runner().invoke(args=["create-demo-users"])
    assert result.exit_code != 0 and "only created in development" in result.output


def test_demo_accounts_in_development_cover_every_role(app, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOW_DEMO_ACCOUNTS", True)
    result = app.test_cli_runner().invoke(args=["create-demo-users"])
    assert result.exit_code == 0, result.output
    roles = set(db.session.execute(select(User.role).where(User.email.like("%@demo.invalid"))).scalars())
    assert roles == {"admin", "board_member", "agency_lead", "auditor"}
