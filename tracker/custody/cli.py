"""Custody commands: backup, restore, check-storage, generate-checkpoint-key, checkpoint (and the checkpoint
half of verify-audit)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.custody import backup as backups
from tracker.custody import checkpoints
from tracker.custody.consistency import check_storage
from tracker.extensions import db
from tracker.files import StoreUnavailable, current_store


def _store():
    try:
        return current_store()
    except ValueError as error:  # FILE_STORAGE or S3_BUCKET set wrongly
        raise click.ClickException(str(error)) from None


@click.command("backup")
@with_appcontext
@click.option("--output", required=True, type=click.Path(path_type=Path), help="A new or empty folder.")
@click.option(
    "--files",
    "files_mode",
    type=click.Choice(["copy", "inventory"]),
    help="Copy the evidence files, or list their keys and SHA-256 only (when object storage keeps its own copies)."
    "  [default: copy with FILE_STORAGE=folder, inventory with s3]",
)
def backup_command(output: Path, files_mode: str | None) -> None:
    """Back up the database (one consistent moment, even under writes) and the evidence files."""
    store = _store()
    copy_files = files_mode == "copy" if files_mode else store.name == "folder"
    try:
        report = backups.backup(db.engine, store, output, copy_files=copy_files)
    except (backups.BackupError, StoreUnavailable) as error:
        raise click.ClickException(str(error)) from None
    for line in report.lines():
        click.echo(line)
    if report.missing:
        raise click.ClickException(f"{len(report.missing)} evidence files the database names are missing or altered")


@click.command("restore")
@with_appcontext
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--replace-existing", is_flag=True, help="Throw away what the database and storage hold first.")
def restore_command(folder: Path, replace_existing: bool) -> None:
    """Restore a backup into an empty database and storage, then prove it: counts, file hashes, history."""
    db.session.remove()
    try:
        manifest, proof = backups.restore(db.engine, _store(), folder, replace_existing=replace_existing)
    except (backups.BackupError, StoreUnavailable) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored and proved: the backup started at {manifest['started_at']}")
    for line in proof.lines:
        click.echo(line)


@click.command("check-storage")
@with_appcontext
@click.option("--repair", is_flag=True, help="Remove files without a row that are older than the grace period.")
@click.option("--grace-hours", type=click.FloatRange(min=0), default=24, show_default=True)
def check_storage_command(repair: bool, grace_hours: float) -> None:
    """List evidence files without a row and rows without a file; exits 1 when anything needs attention."""
    try:
        result = check_storage(db.session, _store(), repair=repair, grace=timedelta(hours=grace_hours))
    except StoreUnavailable as error:
        raise click.ClickException(f"Storage could not be read: {error}") from None
    finally:
        db.session.rollback()
    for line in result.lines():
        click.echo(line)
    if not result.consistent:
        raise SystemExit(1)


@click.command("generate-checkpoint-key")
@click.option("--private", "private_path", required=True, type=click.Path(path_type=Path))
@click.option("--public", "public_path", required=True, type=click.Path(path_type=Path))
def generate_checkpoint_key(private_path: Path, public_path: Path) -> None:
    """Make an Ed25519 key pair for signing history checkpoints (the private file is readable by you only)."""
    private_pem, public_pem = checkpoints.generate_key_pair()
    try:
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{private_path} exists already: not overwriting a key") from None
    with os.fdopen(descriptor, "wb") as out:
        out.write(private_pem)
    public_path.write_bytes(public_pem)
    click.echo(f"Private key: {private_path} (set HISTORY_SIGNING_KEY_FILE to it; keep it off the database server)")
    click.echo(f"Public key:  {public_path} (give it to whoever checks: verify-audit --public-key)")


@click.command("checkpoint")
@with_appcontext
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), help="Default: HISTORY_CHECKPOINT_DIR.")
def checkpoint_command(output: Path | None) -> None:
    """Sign the history's current head and write it as a JSON file."""
    folder = output or current_app.config.get("HISTORY_CHECKPOINT_DIR")
    if not folder:
        raise click.ClickException("Say where checkpoints go: --output DIR or HISTORY_CHECKPOINT_DIR")
    try:
        key = checkpoints.configured_private_key(current_app.config)
    except checkpoints.CheckpointError as error:
        raise click.ClickException(str(error)) from None
    if key is None:
        raise click.ClickException("No signing key: set HISTORY_SIGNING_KEY_FILE (or HISTORY_SIGNING_KEY)")
    made = checkpoints.make_checkpoint(db.session, key)
    db.session.rollback()
    path = checkpoints.write_checkpoint(made, Path(folder))
    click.echo(f"Checkpoint written to {path}: {made['entries']} entries, head {made['head_hash']}")


def verify_checkpoints_or_fail(folder: Path, public_key: Path) -> None:
    """The checkpoint half of ``verify-audit``: every signed checkpoint must still be in the history."""
    try:
        public = checkpoints.load_public_key(public_key.read_bytes())
        results = checkpoints.verify_checkpoints(db.session, folder, public)
    except (checkpoints.CheckpointError, OSError) as error:
        raise click.ClickException(str(error)) from None
    failed = [result for result in results if result.problem]
    for result in failed:
        click.echo(f"Checkpoint {result.path.name}: {result.problem}", err=True)
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(results)} checkpoints are no longer held by the history")
    latest = max(results, key=lambda result: result.checkpoint.get("entries") or 0).checkpoint
    click.echo(
        f"Checkpoints hold: {len(results)} signed checkpoint{'s' if len(results) != 1 else ''}, the latest"
        f" ({latest['made_at']}, "
        f"{latest['entries']} entries) still in the chain."
    )


COMMANDS = [backup_command, restore_command, check_storage_command, generate_checkpoint_key, checkpoint_command]
