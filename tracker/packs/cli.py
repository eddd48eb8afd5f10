"""``flask --app wsgi evidence-pack`` and ``verify-pack``: make an evidence pack from the command line, and
check one (any pack, from any copy of the service) for files changed, missing or added."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from tracker.errors_domain import DomainError
from tracker.extensions import db
from tracker.packs import scope
from tracker.packs.verify import verify_pack

if TYPE_CHECKING:
    from tracker.packs.services import EvidencePack

PROGRESS_EVERY_SECONDS = 2.0
MB = 1024 * 1024


def _size(count: int) -> str:
    return f"{count / MB:,.1f} MB" if count >= MB else f"{count:,} bytes"


@click.command("evidence-pack")
@click.option("--review", "review_ref", default=None, help="The review's reference, as in the plan export.")
@click.option("--agency", "agency_key", default=None, help="The agency's key (see seeds/agencies.yaml).")
@click.option("--board", "board_key", default=None, help="The board's key (see seeds/boards.yaml).")
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="YYYY-MM-DD")
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="YYYY-MM-DD")
@click.option("--reason", default=None, help="Why the pack is needed (recorded in the history).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write it.")
@with_appcontext
def evidence_pack(review_ref, agency_key, board_key, date_from, date_to, reason, output: Path) -> None:
    """Make an evidence pack (one ZIP) for a review, an agency or a whole board."""
    from tracker.packs import services  # not when the app starts: see tests/test_startup.py

    named = [(kind, key) for kind, key in (("review", review_ref), ("agency", agency_key), ("board", board_key)) if key]
    if len(named) != 1:
        raise click.UsageError("Name exactly one of --review, --agency or --board.")
    period = scope.Period(date_from.date() if date_from else None, date_to.date() if date_to else None)
    try:
        target = scope.by_key(db.session, *named[0])
        pack = services.make_pack(db.session, "command line", target, period=period, reason=reason)
    except DomainError as refused:
        db.session.rollback()
        raise click.ClickException(refused.message) from None
    db.session.commit()
    partial = output.with_name(output.name + ".part")
    try:
        written = _write(pack, partial)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        pack.close()
    missing = len(pack.counts.missing_files)
    click.echo(
        f"Evidence pack for {target.label} written to {output}: {pack.counts.actions} actions, "
        f"{pack.counts.files} evidence files, {_size(written)}."
    )
    if missing:
        click.echo(
            f"{missing} evidence file{'s are' if missing > 1 else ' is'} missing from storage; the pack lists "
            "them, and checking it will report them.",
            err=True,
        )


def _write(pack: EvidencePack, path: Path) -> int:
    written, shown = 0, time.monotonic()
    total_files = pack.file_count
    with open(path, "wb") as out:
        for chunk in pack.chunks():
            out.write(chunk)
            written += len(chunk)
            if time.monotonic() - shown >= PROGRESS_EVERY_SECONDS:
                shown = time.monotonic()
                click.echo(
                    f"  {pack.files_streamed} of {total_files} files, "
                    f"{_size(written)} of about {_size(pack.expected_size)}",
                    err=True,
                )
    return written


@click.command("verify-pack")
@click.argument("pack", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_pack_command(pack: Path) -> None:
    """Check an evidence pack: every file's SHA-256, nothing missing or added, and the history excerpt."""
    report = verify_pack(pack)
    if report.ok:
        click.echo(
            f"Pack verified: {report.files_checked} files ({_size(report.bytes_checked)}) match their SHA-256, "
            f"nothing is missing or added, and the {report.history_entries} history entries hold."
        )
        return
    click.echo(f"The pack {pack} does not verify ({len(report.problems)} problems):", err=True)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


COMMANDS = [evidence_pack, verify_pack_command]
