"""Backups of a live database restore whole into an empty one, and prove it: every row, file hash, the chain."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from tests.conftest import make_app, scratch_database
from tests.custody.conftest import add_evidence
from tracker import audit
from tracker.custody import backup as backups
from tracker.extensions import db
from tracker.files import FolderStore


def all_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order, read straight from the database."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = {}
            inspector = inspect(connection)
            for table in inspector.get_table_names():
                order = ", ".join(inspector.get_pk_constraint(table)["constrained_columns"]) or "1"
                rows = connection.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}'))
                found[table] = [tuple(row) for row in rows]
            return found
    finally:
        engine.dispose()


class Writer(threading.Thread):
    """Records evidence (a row, a file and a history entry each time) until told to stop."""

    def __init__(self, source):
        super().__init__(daemon=True)
        self.source, self.written, self.error = source, 0, None
        self.stop, self.progress = threading.Event(), threading.Condition()

    def run(self):
        try:
            with self.source.app.app_context():
                while not self.stop.is_set():
                    add_evidence(self.source, self.written)
                    with self.progress:
                        self.written += 1
                        self.progress.notify_all()
                db.session.remove()
        except Exception as error:
            self.error = error
            with self.progress:
                self.progress.notify_all()

    def wait_for(self, count: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: self.written >= count or self.error, timeout=60)
        assert self.error is None, self.error


def restored_app(tmp: Path, url: str):
    return make_app(tmp, SQLALCHEMY_DATABASE_URI=url, EVIDENCE_STORAGE_DIR=str(tmp / "restored-evidence"))


def test_a_backup_taken_while_writes_go_on_restores_every_row_file_and_the_chain(source, tmp_path):
    writer = Writer(source)
    writer.start()
    writer.wait_for(3)
    with source.app.app_context():
        report = backups.backup(db.engine, source.store, tmp_path / "backup")
    during = writer.written
    writer.wait_for(during + 3)  # writes go on after the backup's moment
    writer.stop.set()
    writer.join()
    assert report.missing == []
    assert report.manifest["files"]["count"] >= 3

    live = all_rows(source.url)
    store = FolderStore(tmp_path / "restored-evidence")
    with scratch_database(tmp_path) as url:
        app = restored_app(tmp_path, url)
        with app.app_context():
            manifest, proof = backups.restore(db.engine, store, tmp_path / "backup")
            db.session.remove()
        restored = all_rows(url)
        with app.app_context():
            assert audit.verify_chain(db.session) is None
            db.session.remove()
    assert any("chain unbroken" in line for line in proof.lines)
    assert len(live["history"]) > len(restored["history"]) >= 3, "the backup is one moment, before later writes"
    for table, rows in restored.items():
        assert len(rows) == manifest["tables"][table], table
        # Only appends happened since the backup: each restored table is the live one as it was then.
        assert rows == live[table][: len(rows)], f"{table} differs from the source"
    for key, size, sha256 in ((f["key"], f["size"], f["sha256"]) for f in manifest["files"]["entries"]):
        with store.open(key) as stored:
            content = stored.read()
        assert len(content) == size and backups.hashlib.sha256(content).hexdigest() == sha256
    assert {row[2] for row in restored["evidence_files"]} == {f["key"] for f in manifest["files"]["entries"]}


def test_a_restore_refuses_a_database_that_is_not_empty_and_replaces_it_only_when_told(source, tmp_path):
    with source.app.app_context():
        backups.backup(db.engine, source.store, tmp_path / "backup")
    with scratch_database(tmp_path) as url:
        app = restored_app(tmp_path, url)
        with app.app_context():
            db.session.execute(text("CREATE TABLE precious (id INTEGER PRIMARY KEY)"))
            db.session.execute(text("INSERT INTO precious VALUES (1)"))
            db.session.commit()
            db.session.remove()
            store = FolderStore(tmp_path / "restored-evidence")
            with pytest.raises(backups.BackupError, match="not empty"):
                backups.restore(db.engine, store, tmp_path / "backup")
            assert "precious" in inspect(db.engine).get_table_names()
            backups.restore(db.engine, store, tmp_path / "backup", replace_existing=True)
            assert "precious" not in inspect(db.engine).get_table_names()
            db.engine.dispose()


def test_a_backup_with_one_byte_changed_is_refused_before_anything_is_restored(source, tmp_path):
    with source.app.app_context():
        report = backups.backup(db.engine, source.store, tmp_path / "backup")
    key = report.manifest["files"]["entries"][0]["key"] if report.manifest["files"]["count"] else None
    target = tmp_path / "backup" / "data" / ("files/" + key[:2] + "/" + key if key else "backup.json")
    content = bytearray(target.read_bytes())
    content[0] ^= 1
    target.write_bytes(bytes(content))
    with scratch_database(tmp_path) as url:
        app = restored_app(tmp_path, url)
        with app.app_context():
            with pytest.raises(backups.BackupError, match="not a whole backup"):
                backups.restore(db.engine, FolderStore(tmp_path / "restored-evidence"), tmp_path / "backup")
            assert inspect(db.engine).get_table_names() == []
            db.engine.dispose()


def test_the_manifest_says_what_the_backup_holds(source, tmp_path):
    with source.app.app_context():
        report = backups.backup(db.engine, source.store, tmp_path / "backup")
        head = db.session.execute(select(audit.HistoryEntry).order_by(audit.HistoryEntry.id.desc()).limit(1))
        last = head.scalar_one()
        db.session.remove()
    manifest = json.loads((tmp_path / "backup" / "data" / "backup.json").read_text())
    assert manifest == report.manifest
    assert manifest["history"]["head_hash"] == last.entry_hash
    assert manifest["tables"]["alembic_version"] == 1 and manifest["alembic_revision"]
    assert any(name.startswith("history_no_update") for name in manifest["triggers"]), "the guards come along"
    assert (tmp_path / "backup" / "data" / manifest["database"]["file"]).is_file()
    assert (tmp_path / "backup").stat().st_mode & 0o077 == 0, "only the operator may read a backup"


def test_the_commands_back_up_and_restore_and_say_it_was_proved(source, tmp_path):
    made = source.app.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "backup")])
    assert made.exit_code == 0, made.output
    assert "Backup written to" in made.output and "SHA-256 checked" in made.output
    again = source.app.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "backup")])
    assert again.exit_code != 0 and "is not empty" in again.output
    with scratch_database(tmp_path) as url:
        app = restored_app(tmp_path, url)
        restored = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
        assert restored.exit_code == 0, restored.output
        assert "Restored and proved" in restored.output and "chain unbroken" in restored.output
        twice = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
        assert twice.exit_code != 0 and "not empty" in twice.output
        with app.app_context():
            db.engine.dispose()


def test_a_file_missing_from_storage_is_named_and_the_backup_command_fails(source, tmp_path):
    with source.app.app_context():
        add_evidence(source, 2000)
        db.session.remove()
        key = backups.database.copy_database(db.engine, tmp_path)[1].files[-1]["key"]
    with source.store.open(key) as stored:
        content = stored.read()
    source.store.delete(key)
    try:
        made = source.app.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "backup")])
    finally:
        source.store.put(key, io.BytesIO(content))
    assert made.exit_code != 0
    assert f"MISSING from storage: {key}" in made.output and "1 evidence files" in made.output
    assert json.loads((tmp_path / "backup" / "data" / "backup.json").read_text())["missing_files"] == [key]
