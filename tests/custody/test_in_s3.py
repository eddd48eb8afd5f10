"""Custody with the evidence in object storage (a real S3 API server): check-storage finds and repairs what
the bucket holds without a row, backups keep an inventory by default, and a restore proves every object."""

from __future__ import annotations

import io
import json
import uuid

from sqlalchemy import select

from tests.conftest import make_app, scratch_database
from tests.custody.conftest import add_evidence
from tests.files.test_stores import cut_off_upload
from tracker.evidence.models import EvidenceFile
from tracker.extensions import db
from tracker.files import leftover_name


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def row_keys(source) -> list[str]:
    with source.app.app_context():
        keys = list(db.session.execute(select(EvidenceFile.storage_key).order_by(EvidenceFile.id)).scalars())
        db.session.remove()
    return keys


def test_check_storage_finds_and_repairs_what_the_bucket_holds_without_a_row(s3_source):
    with s3_source.app.app_context():
        add_evidence(s3_source, 1)
        db.session.remove()
    store, keys = s3_source.store, row_keys(s3_source)
    kept = keys[-1]
    orphan = uuid.uuid4().hex
    store.put(orphan, io.BytesIO(b"left behind"))
    # moto dates every unfinished upload in 2010, so this one is always past the grace period.
    leftover = leftover_name(cut_off_upload(store))

    found = run(s3_source.app, "check-storage")
    assert found.exit_code == 1, found.output
    assert f"Storage checked: {len(keys) + 2} stored files, {len(keys)} file rows." in found.output
    assert f"{orphan}  11 bytes" in found.output and f"{leftover}  4 bytes" in found.output
    assert "Rows without a file: 0" in found.output

    young = run(s3_source.app, "check-storage", "--repair")
    assert young.exit_code == 0 and store.exists(orphan), "young orphans may be uploads in progress"
    repaired = run(s3_source.app, "check-storage", "--repair", "--grace-hours", "0")
    assert repaired.exit_code == 0, repaired.output
    assert {stored.key for stored in store.list_stored()} == set(keys), "the orphan and unfinished upload are gone"

    content = store.read_bytes(kept)
    store.delete(kept)
    try:
        lost = run(s3_source.app, "check-storage", "--repair", "--grace-hours", "0")
        assert lost.exit_code == 1 and f"{kept}  (evidence lost from storage" in lost.output
    finally:
        store.put(kept, io.BytesIO(content))
    assert run(s3_source.app, "check-storage").exit_code == 0


def restored_app(tmp_path, url, s3_server, prefix):
    return make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url, **s3_server.config(s3_server.bucket), S3_PREFIX=prefix)


def test_a_backup_keeps_an_inventory_and_the_restore_proves_every_object_by_its_hash(s3_source, s3_server, tmp_path):
    with s3_source.app.app_context():
        add_evidence(s3_source, 2)
        db.session.remove()
    made = run(s3_source.app, "backup", "--output", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    assert "inventory" in made.output and "SHA-256 checked" in made.output
    manifest = json.loads((tmp_path / "backup" / "data" / "backup.json").read_text())
    assert manifest["files"]["mode"] == "inventory"
    assert [entry["key"] for entry in manifest["files"]["entries"]] == row_keys(s3_source)
    assert not (tmp_path / "backup" / "data" / "files").exists(), "the bucket keeps the files, the backup their hashes"

    store, key = s3_source.store, manifest["files"]["entries"][0]["key"]
    with scratch_database(tmp_path) as url:
        app = restored_app(tmp_path, url, s3_server, store.prefix)
        restored = run(app, "restore", str(tmp_path / "backup"))
        assert restored.exit_code == 0, restored.output
        assert "Restored and proved" in restored.output
        assert f"evidence files: {manifest['files']['count']} present" in restored.output
    content = store.read_bytes(key)
    store.put(key, io.BytesIO(content + b"altered"))
    try:
        with scratch_database(tmp_path) as url:
            app = restored_app(tmp_path, url, s3_server, store.prefix)
            refused = run(app, "restore", str(tmp_path / "backup"))
    finally:
        store.put(key, io.BytesIO(content))
    assert refused.exit_code != 0
    assert f"evidence file {key} does not match the SHA-256 recorded at upload" in refused.output


def test_a_backup_that_copies_the_objects_restores_them_into_an_empty_bucket(s3_source, s3_server, tmp_path):
    made = run(s3_source.app, "backup", "--files", "copy", "--output", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "backup" / "data" / "backup.json").read_text())
    assert manifest["files"]["mode"] == "copied" and manifest["files"]["count"] >= 1
    empty = s3_server.store()
    with scratch_database(tmp_path) as url:
        restored = run(restored_app(tmp_path, url, s3_server, empty.prefix), "restore", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    for entry in manifest["files"]["entries"]:
        assert empty.read_bytes(entry["key"]) == s3_source.store.read_bytes(entry["key"])
        assert empty.encryption_of(entry["key"]) == "AES256"
