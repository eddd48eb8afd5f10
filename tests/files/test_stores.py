"""Both file stores, the folder and S3 (against a real S3 API server), keep the same promises."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest

from tracker.files import FolderStore, StoreUnavailable, TooLarge, make_store
from tracker.files.s3 import PART_BYTES, S3Store


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path):
    if request.param == "folder":
        return FolderStore(tmp_path / "files")
    return request.getfixturevalue("s3_server").store()


class Refused(Exception):
    pass


def test_saves_a_stream_under_a_new_key_with_its_size_and_sha256(store):
    content = b"evidence " * 1000
    saved = store.save(io.BytesIO(content))
    assert len(saved.key) == 32 and saved.size == len(content)
    assert saved.sha256 == hashlib.sha256(content).hexdigest()
    assert store.exists(saved.key) and store.size(saved.key) == len(content)
    assert store.read_bytes(saved.key) == content
    assert store.save(io.BytesIO(content)).key != saved.key


def test_reads_in_chunks_and_closes(store):
    saved = store.save(io.BytesIO(b"0123456789"))
    reader = store.open(saved.key)
    assert reader.read(4) == b"0123" and reader.read(4) == b"4567" and reader.read(4) == b"89"
    assert reader.read(4) == b""
    reader.close()


def test_the_check_sees_the_whole_file_and_a_refusal_leaves_nothing(store):
    seen = []

    def refuse(file):
        file.seek(0)
        seen.append(file.read())
        raise Refused()

    with pytest.raises(Refused):
        store.save(io.BytesIO(b"<html>"), check=refuse)
    assert seen == [b"<html>"]
    assert list(store.list_keys()) == []


def test_the_check_result_is_kept(store):
    assert store.save(io.BytesIO(b"%PDF-"), check=lambda file: "application/pdf").checked == "application/pdf"


def test_a_file_past_the_limit_is_refused_and_leaves_nothing(store):
    with pytest.raises(TooLarge):
        store.save(io.BytesIO(b"x" * 101), max_bytes=100)
    assert list(store.list_keys()) == []
    assert store.save(io.BytesIO(b"x" * 100), max_bytes=100).size == 100


def test_lists_keys_with_the_time_they_were_stored(store):
    before = datetime.now(UTC) - timedelta(seconds=5)
    keys = {store.save(io.BytesIO(b"a")).key, store.save(io.BytesIO(b"b")).key}
    listed = dict(store.list_keys())
    assert set(listed) == keys
    assert all(before <= when <= datetime.now(UTC) + timedelta(seconds=5) for when in listed.values())


def test_copy_and_delete(store):
    saved = store.save(io.BytesIO(b"original"))
    copied = store.copy(saved.key)
    assert copied != saved.key and store.read_bytes(copied) == b"original"
    store.delete(saved.key)
    assert not store.exists(saved.key) and store.size(saved.key) is None
    assert store.read_bytes(copied) == b"original"
    store.delete(saved.key)  # already gone: nothing happens
    with pytest.raises(FileNotFoundError):
        store.open(saved.key)


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 32, "", "0" * 31])
def test_only_generated_keys_are_accepted(store, key):
    with pytest.raises(ValueError):
        store.size(key)


def test_ping(store):
    store.ping()


def test_s3_objects_are_encrypted_at_rest(s3_server):
    store = s3_server.store()
    saved = store.save(io.BytesIO(b"secret"))
    assert store.encryption_of(saved.key) == "AES256"
    assert store.encryption_of(store.copy(saved.key)) == "AES256"


def test_s3_large_files_go_up_in_parts(s3_server):
    store = s3_server.store()
    content = bytes(range(256)) * (PART_BYTES // 256 + 4096)
    saved = store.save(io.BytesIO(content))
    head = store.client.head_object(Bucket=store.bucket, Key=store.object_name(saved.key))
    assert head["ETag"].strip('"').endswith("-2")  # a multipart object's ETag counts its parts
    assert saved.sha256 == hashlib.sha256(content).hexdigest()
    assert hashlib.sha256(store.read_bytes(saved.key)).hexdigest() == saved.sha256


def test_s3_unreachable_bucket_is_reported(s3_server):
    store = S3Store("no-such-bucket-here", prefix="x/", client=s3_server.client)
    with pytest.raises(StoreUnavailable):
        store.ping()
    with pytest.raises(StoreUnavailable):
        store.save(io.BytesIO(b"x"))


def test_settings_choose_the_store(tmp_path, s3_server):
    assert isinstance(make_store({"EVIDENCE_STORAGE_DIR": str(tmp_path)}), FolderStore)
    made = make_store({**s3_server.config("a-bucket"), "EVIDENCE_STORAGE_DIR": str(tmp_path)})
    assert isinstance(made, S3Store) and made.bucket == "a-bucket"
    with pytest.raises(ValueError):
        make_store({"FILE_STORAGE": "ftp", "EVIDENCE_STORAGE_DIR": str(tmp_path)})
