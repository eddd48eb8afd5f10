"""Command-line tasks: ``flask --app wsgi <command>``. Each calls the same services as the views."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from tracker import audit
from tracker.auth.models import Role, User
from tracker.auth.services import AccountError, create_user
from tracker.exports.plan import plan_csv_lines, plan_data, plan_json
from tracker.extensions import db
from tracker.seeding.loader import SeedError, load_seeds

DEMO_ACCOUNTS = [
    # email, name, role, boards, agency, password (development only: refused in production)
    ("admin@demo.invalid", "Ada Admin", Role.ADMIN, [], None, "demo-admin-password"),
    (
        "board.member@demo.invalid",
        "Bola Board-Member",
        Role.BOARD_MEMBER,
        ["milton-keynes", "buckinghamshire"],
        None,
        "demo-board-password",
    ),
    (
        "agency.lead@demo.invalid",
        "Alex Agency-Lead",
        Role.AGENCY_LEAD,
        [],
        "thames-valley-police",
        "demo-agency-password",
    ),
    ("auditor@demo.invalid", "Aud Auditor", Role.AUDITOR, ["buckinghamshire"], None, "demo-auditor-password"),
]


def init_app(app: Flask) -> None:
    from tracker.packs.cli import COMMANDS as PACK_COMMANDS
    from tracker.reminders.cli import COMMANDS as REMINDER_COMMANDS

    for command in (seed, create_user_command, create_demo_users, export_plan, verify_audit, *REMINDER_COMMANDS):
        app.cli.add_command(command)
    for command in PACK_COMMANDS:
        app.cli.add_command(command)
    from tracker.spreadsheets.cli import COMMANDS as SPREADSHEET_COMMANDS

    for command in SPREADSHEET_COMMANDS:
        app.cli.add_command(command)
    from tracker.custody.cli import COMMANDS as CUSTODY_COMMANDS

    for command in CUSTODY_COMMANDS:
        app.cli.add_command(command)
    from tracker.jobs.cli import COMMANDS as JOB_COMMANDS
    from tracker.outbox.cli import COMMANDS as OUTBOX_COMMANDS

    for command in (*JOB_COMMANDS, *OUTBOX_COMMANDS):
        app.cli.add_command(command)
    from tracker.importer.cli import COMMANDS as IMPORT_COMMANDS

    for command in IMPORT_COMMANDS:
        app.cli.add_command(command)


@click.command("seed")
@with_appcontext
def seed() -> None:
    """Bring the database to the latest migration and load the seed files (safe to run again)."""
    from flask_migrate import upgrade  # Alembic: only for the commands that migrate

    upgrade()
    try:
        report = load_seeds(db.session, Path(current_app.config["SEEDS_DIR"]))
    except SeedError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Seeds loaded: {report}.")


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            raise click.ClickException("The two passwords do not match")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--board", "boards", multiple=True, help="Board key; repeat for several boards.")
@click.option("--agency", default=None, help="Agency key (agency leads).")
def create_user_command(email, name, role, boards, agency) -> None:
    """Create an account. The password is read from standard input."""
    try:
        user = create_user(
            db.session,
            email=email,
            name=name,
            role=role,
            password=_read_password(),
            board_keys=list(boards),
            agency_key=agency,
            actor="command line",
        )
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role_enum.label} account for {user.email}.")


@click.command("create-demo-users")
@with_appcontext
def create_demo_users() -> None:
    """Create one demo account per role. Development only."""
    if not current_app.config.get("ALLOW_DEMO_ACCOUNTS"):
        raise click.ClickException("Demo accounts are only created in development (TRACKER_ENV=development).")
    click.echo("Demo accounts (development only):")
    for email, name, role, boards, agency, password in DEMO_ACCOUNTS:
        if db.session.execute(select(User.id).where(User.email == email)).first() is None:
            create_user(
                db.session,
                email=email,
                name=name,
                role=role.value,
                password=password,
                board_keys=boards,
                agency_key=agency,
                actor="make run",
            )
        click.echo(f"  {role.label:<14} {email:<28} password: {password}")
    db.session.commit()


@click.command("export-plan")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def export_plan(fmt: str) -> None:
    """Print the whole action plan (every review, recommendation and action) on standard output."""
    audit.record(
        db.session,
        actor="command line",
        event="export.plan",
        obj_type="plan",
        obj_id=None,
        summary=f"The whole plan was exported as {fmt.upper()} from the command line",
        after={"format": fmt},
    )
    db.session.commit()
    if fmt == "json":
        click.echo(plan_json(db.session))
    else:
        for line in plan_csv_lines(plan_data(db.session)):
            click.echo(line, nl=False)


@click.command("verify-audit")
@with_appcontext
@click.option("--checkpoints", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None)
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def verify_audit(checkpoints: Path | None, public_key: Path | None) -> None:
    """Check the history's hash chain; report the first entry altered, removed or inserted. With --checkpoints
    (and --public-key), also check that no signed checkpoint was rewritten away or cut off the end."""
    if checkpoints is not None and public_key is None:
        raise click.UsageError("--checkpoints needs --public-key: the key that signed them")
    broken = audit.verify_chain(db.session)
    if broken is None:
        count = db.session.execute(select(db.func.count()).select_from(audit.HistoryEntry)).scalar_one()
        click.echo(f"History intact: {count} entries, chain unbroken.")
        if checkpoints is not None:
            from tracker.custody.cli import verify_checkpoints_or_fail

            verify_checkpoints_or_fail(checkpoints, public_key)
        return
    raise click.ClickException(
        f"History broken at entry {broken.id} ({broken.at:%Y-%m-%d %H:%M}, {broken.event}): it, or the entry "
        "before it, was altered, removed or inserted."
    )
