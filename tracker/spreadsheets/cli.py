"""``flask --app wsgi import-plan FILE``: the page's import, from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from tracker.auth.models import Role
from tracker.extensions import db
from tracker.spreadsheets import services
from tracker.spreadsheets.problems import ImportRefused, plural


class CommandLine:
    """Who acts when the command line imports: an administrator (whoever can run it already holds the
    server and its database), recorded in the history as "command line"."""

    id = None
    email = "command line"
    name = "command line"
    role = Role.ADMIN.value
    agency_id = None
    agency = None
    board_ids: frozenset[int] = frozenset()
    is_authenticated = True
    is_active = True


@click.command("import-plan")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option(
    "--board",
    "board_key",
    default=None,
    help="Board key: used where the board column is empty, and the only board rows may name.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and say what it would create; save nothing.")
@with_appcontext
def import_plan(file: Path, board_key: str | None, dry_run: bool) -> None:
    """Import a plan (an .xlsx or .csv file in the template's layout): new reviews, recommendations and actions."""
    config = current_app.config
    try:
        with open(file, "rb") as stream:
            result = services.import_plan(
                db.session,
                CommandLine(),
                file.name,
                stream,
                board_key=board_key,
                dry_run=dry_run,
                max_bytes=int(config.get("PLAN_IMPORT_MAX_BYTES", services.DEFAULT_MAX_BYTES)),
                max_rows=int(config.get("PLAN_IMPORT_MAX_ROWS", services.DEFAULT_MAX_ROWS)),
            )
    except ImportRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            click.echo(str(problem), err=True)
        count = len(refused.problems)
        raise click.ClickException(
            f"{file.name} was not imported: {plural(count, 'problem')} to correct. Nothing has been saved."
        ) from None
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(
            "Someone else imported part of this plan at the same moment, so nothing has been saved. Run the "
            "command again: what they imported will be skipped."
        ) from None
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run, nothing saved. {result.summary}.")
        return
    db.session.commit()
    click.echo(f"{result.summary}.")


COMMANDS = [import_plan]
