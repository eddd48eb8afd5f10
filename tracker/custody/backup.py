"""Backups that restore, and restores that prove themselves.

A backup is a folder holding a BagIt bag (RFC 8493), so any BagIt tool can check it:

    bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
    data/database.sqlite3 | data/database.pgdump   one consistent moment of the database
    data/files/ab/ab12…                            the evidence files that moment's rows name
    data/backup.json                               row counts per table, history head, each file's SHA-256

The files are copied after the database, so every file a row names is there (files are never changed once
stored: a correction is a new file). With object storage, whose bucket keeps its own copies (versioning,
replication), a backup may hold an inventory instead: each file's key and SHA-256, every file read and
checked against it. A restore checks every checksum in the bag (never sizes only), loads the database into
an empty one, puts copied files back, and then proves the result: the same row counts, every file present in
storage with the SHA-256 its row records, the history chain unbroken and ending at the same head.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tracker import audit
from tracker.custody import database
from tracker.files import FileStore

FORMAT = "review-action-tracker backup 1"
MANIFEST = "backup.json"
FILES = "files"
CHUNK = 1024 * 1024

# bagit logs a line per file at INFO, which would bury the summary the commands print.
logging.getLogger("bagit").setLevel(logging.WARNING)


class BackupError(RuntimeError):
    """A backup or restore could not be made, or did not prove itself; the message says why."""


@dataclass
class BackupReport:
    folder: Path
    manifest: dict
    missing: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        tables, history, files = self.manifest["tables"], self.manifest["history"], self.manifest["files"]
        rows = sum(tables.values())
        lines = [
            f"Backup written to {self.folder}",
            f"  database: {self.manifest['database']['dialect']}, {len(tables)} tables, {rows} rows",
            f"  history: {history['entries']} entries, head {history['head_hash'] or '(empty)'}",
            f"  evidence files: {files['count']} {files['mode']} ({files['bytes']} bytes), SHA-256 checked",
        ]
        lines += [f"  MISSING from storage: {key}" for key in self.missing]
        return lines


def _sha256(stream) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _copy_files(store: FileStore, rows: list[dict], folder: Path, copy: bool) -> tuple[list[str], int]:
    missing, total = [], 0
    for row in rows:
        key = row["key"]
        try:
            source = store.open(key)
        except FileNotFoundError:
            missing.append(key)
            continue
        with source:
            if copy:
                target = folder / FILES / key[:2] / key
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
                with open(target, "rb") as written:
                    sha, size = _sha256(written)
            else:
                sha, size = _sha256(source)
        if sha != row["sha256"]:
            missing.append(f"{key} (its content no longer matches the SHA-256 recorded at upload)")
        total += size
    return missing, total


def backup(engine: Engine, store: FileStore, output: Path, *, copy_files: bool = True) -> BackupReport:
    """Write a backup into ``output`` (a new or empty folder). Files the rows name but storage lacks are
    listed in the report and the manifest; the caller decides how loudly to fail."""
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty: give a new folder for the backup")
    output.mkdir(parents=True, exist_ok=True)
    output.chmod(0o700)  # it holds every record and every evidence file: readable by the operator only
    started = datetime.now(UTC)
    try:
        file_name, facts = database.copy_database(engine, output)
    except database.DatabaseCopyFailed as error:
        raise BackupError(str(error)) from None
    missing, total = _copy_files(store, facts.files, output, copy_files)
    manifest = {
        "format": FORMAT,
        "started_at": started.isoformat(timespec="seconds"),
        "database": {"dialect": engine.dialect.name, "file": file_name},
        **facts.as_json(),
        "files": {
            "mode": "copied" if copy_files else "inventory",
            "count": len(facts.files),
            "bytes": total,
            "entries": facts.files,
        },
        "missing_files": missing,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    import bagit  # only when a backup is written

    bagit.make_bag(
        str(output),
        bag_info={"Source-Organization": "Review Action Tracker", "External-Description": FORMAT},
        checksums=["sha256"],
    )
    return BackupReport(output, manifest, missing)


# Restoring ------------------------------------------------------------------------------------------------


@dataclass
class Proof:
    lines: list[str]


def read_backup(folder: Path) -> dict:
    """The backup's manifest, after every checksum in the bag has been checked (not sizes only)."""
    import bagit  # only when a backup is read

    try:
        bag = bagit.Bag(str(folder))
        bag.validate(fast=False)
    except bagit.BagError as error:
        raise BackupError(f"{folder} is not a whole backup: {error}") from None
    manifest = json.loads((Path(folder) / "data" / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} is not a backup of this service (format {manifest.get('format')!r})")
    return manifest


def restore(engine: Engine, store: FileStore, folder: Path, *, replace_existing: bool = False) -> tuple[dict, Proof]:
    folder = Path(folder)
    manifest = read_backup(folder)
    payload = folder / "data"
    dialect = manifest["database"]["dialect"]
    if dialect != engine.dialect.name:
        raise BackupError(f"This backup is of a {dialect} database; the configured one is {engine.dialect.name}")
    if not database.is_empty(engine):
        if not replace_existing:
            raise BackupError(
                "The configured database is not empty: restore into an empty one, or give --replace-existing "
                "to throw away everything in it"
            )
        database.clear(engine)
    _check_store_is_free(store, manifest, replace_existing)
    try:
        facts = database.load_database(engine, payload / manifest["database"]["file"])
    except database.DatabaseCopyFailed as error:
        raise BackupError(str(error)) from None
    if manifest["files"]["mode"] == "copied":
        for entry in manifest["files"]["entries"]:
            source = payload / FILES / entry["key"][:2] / entry["key"]
            if source.is_file():
                with open(source, "rb") as reader:
                    store.put(entry["key"], reader)
    return manifest, prove(engine, store, manifest, facts)


def _check_store_is_free(store: FileStore, manifest: dict, replace_existing: bool) -> None:
    if replace_existing or manifest["files"]["mode"] != "copied":
        return
    taken = [entry["key"] for entry in manifest["files"]["entries"] if store.exists(entry["key"])]
    if taken:
        raise BackupError(
            f"Evidence storage already holds {len(taken)} of this backup's files (first: {taken[0]}): restore into "
            "empty storage, or give --replace-existing"
        )


def prove(engine: Engine, store: FileStore, manifest: dict, facts: database.Facts) -> Proof:
    """Hold the restored database and storage to the manifest; raise BackupError naming every difference."""
    problems = []
    if facts.tables != manifest["tables"]:
        differ = sorted(set(facts.tables) | set(manifest["tables"]))
        for name in differ:
            if facts.tables.get(name) != manifest["tables"].get(name):
                problems.append(
                    f"table {name}: {facts.tables.get(name)} rows, the backup says {manifest['tables'].get(name)}"
                )
    head = manifest["history"]
    if (facts.history_head_id, facts.history_head_hash) != (head["head_id"], head["head_hash"]):
        problems.append(f"history ends at {facts.history_head_hash}, the backup says {head['head_hash']}")
    if facts.triggers != manifest["triggers"]:
        problems.append(f"the database's triggers are {facts.triggers}, the backup says {manifest['triggers']}")
    with Session(bind=engine) as session:
        broken = audit.verify_chain(session)
    if broken is not None:
        problems.append(f"the history chain is broken at entry {broken.id}")
    if facts.files != manifest["files"]["entries"]:
        problems.append("the evidence file rows differ from the backup's list")
    checked = 0
    for row in facts.files:
        try:
            reader = store.open(row["key"])
        except FileNotFoundError:
            problems.append(f"evidence file {row['key']} is missing from storage")
            continue
        with reader:
            sha, _size = _sha256(reader)
        if sha != row["sha256"]:
            problems.append(f"evidence file {row['key']} does not match the SHA-256 recorded at upload")
        checked += 1
    engine.dispose()
    if problems:
        raise BackupError("The restore did not prove itself:\n  " + "\n  ".join(problems))
    rows = sum(facts.tables.values())
    return Proof(
        [
            f"  rows: {rows} in {len(facts.tables)} tables, every count as in the backup",
            f"  evidence files: {checked} present, each matching the SHA-256 recorded at upload",
            f"  triggers: all {len(facts.triggers)} in place, the history's append-only guards among them",
            f"  history: {facts.history_entries} entries, chain unbroken, head {facts.history_head_hash or '(empty)'}"
            " as in the backup",
        ]
    )
