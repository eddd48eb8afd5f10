"""Both file stores, the folder and S3 (against a real S3 API server), keep the same promises."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tracker.files import FolderStore, StoreUnavailable, TooLarge, leftover_name, make_store
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


def cut_off_upload(store) -> str:
    """What a process killed in the middle of an upload leaves: a ``.part`` file, or an unfinished multipart
    upload; the key it was for."""
    key = uuid.uuid4().hex
    if isinstance(store, FolderStore):
        path = store.root / leftover_name(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    else:
        bucket, name = store.bucket, store.object_name(key)
        started = store.client.create_multipart_upload(Bucket=bucket, Key=name)
        store.client.upload_part(Bucket=bucket, Key=name, UploadId=started["UploadId"], PartNumber=1, Body=b"half")
    return key


def test_lists_what_it_holds_with_sizes_and_the_leftovers_of_cut_off_uploads(store):
    saved, cut_off = store.save(io.BytesIO(b"kept")), cut_off_upload(store)
    listed = {stored.key: stored for stored in store.list_stored()}
    assert set(listed) == {saved.key, leftover_name(cut_off)}
    assert listed[saved.key].size == 4 and listed[leftover_name(cut_off)].size == 4
    assert [key for key, _ in store.list_keys()] == [saved.key], "a leftover is never taken for a stored file"
    assert not store.exists(cut_off)
    store.delete(leftover_name(cut_off))
    assert [stored.key for stored in store.list_stored()] == [saved.key]


def test_put_stores_a_file_under_the_key_it_is_given(store):
    key = uuid.uuid4().hex
    store.put(key, io.BytesIO(b"restored"))
    assert store.read_bytes(key) == b"restored" and [stored.key for stored in store.list_stored()] == [key]
    store.put(key, io.BytesIO(b"restored again"))
    assert store.read_bytes(key) == b"restored again" and store.size(key) == 14
    with pytest.raises(ValueError):
        store.put("../../etc/passwd", io.BytesIO(b"x"))


def test_a_reader_closes_with_the_block(store):
    saved = store.save(io.BytesIO(b"read me"))
    with store.open(saved.key) as reader:
        assert reader.read(4) == b"read"
    assert reader.read() == b"", "closed at the end of the block"


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
    restored = uuid.uuid4().hex
    store.put(restored, io.BytesIO(b"restored"))
    assert store.encryption_of(restored) == "AES256"


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
