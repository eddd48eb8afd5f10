"""Evidence storage: streamed in chunks, hashed, limited, stored under generated keys, tied to the transaction."""

from __future__ import annotations

import errno
import hashlib
import io
import stat
import unicodedata

import pytest
from werkzeug.datastructures import FileStorage

from tests.evidence import pdf
from tracker.evidence import storage
from tracker.evidence.filetypes import FileTypeRefused
from tracker.extensions import db


class CountingStream(io.BytesIO):
    """A real stream that remembers how much each read asked for."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.asked: list[int] = []

    def read(self, size=-1):
        self.asked.append(size)
        return super().read(size)


def upload(content: bytes, name: str = "report.pdf") -> FileStorage:
    return FileStorage(stream=CountingStream(content), filename=name)


def files_under(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_saves_under_a_generated_key_with_size_hash_and_modes(app, tmp_path):
    content = pdf() + b"x" * (3 * storage.CHUNK_BYTES)
    incoming = upload(content, "../../Board report.pdf")
    saved = storage.save_upload(db.session, incoming, root=tmp_path, max_bytes=10 * storage.CHUNK_BYTES)

    assert saved.size == len(content)
    assert saved.sha256 == hashlib.sha256(content).hexdigest()
    assert saved.content_type == "application/pdf"
    assert saved.original_name == "Board report.pdf"
    path = storage.path_for(saved.key, tmp_path)
    assert path.read_bytes() == content
    assert path.parent.parent == tmp_path and path.name == saved.key and len(saved.key) == 32
    assert files_under(tmp_path) == [path]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o750
    # Streamed: never one read of the whole file.
    assert -1 not in incoming.stream.asked and max(incoming.stream.asked) <= storage.CHUNK_BYTES


def test_a_file_one_byte_over_the_limit_is_refused_and_leaves_nothing(app, tmp_path):
    limit = 64 * 1024
    with pytest.raises(storage.FileTooLarge) as refused:
        storage.save_upload(db.session, upload(pdf().ljust(limit + 1, b" ")), root=tmp_path, max_bytes=limit)
    assert refused.value.message == "The selected file must be smaller than 64 KB"
    assert files_under(tmp_path) == []
    assert storage.uncommitted_files(db.session) == []


def test_a_file_exactly_at_the_limit_is_accepted(app, tmp_path):
    limit = 64 * 1024
    saved = storage.save_upload(db.session, upload(pdf().ljust(limit, b" ")), root=tmp_path, max_bytes=limit)
    assert saved.size == limit


def test_the_default_limit_is_25_mb(app):
    with app.app_context():
        assert storage.max_file_bytes() == 25 * 1024 * 1024
        assert storage.too_large_message(storage.max_file_bytes()) == "The selected file must be smaller than 25 MB"
        assert app.config["MAX_CONTENT_LENGTH"] > storage.max_file_bytes()


def test_a_refused_type_leaves_nothing(app, tmp_path):
    with pytest.raises(FileTypeRefused):
        storage.save_upload(db.session, upload(b"<html></html>", "evil.pdf"), root=tmp_path, max_bytes=10**6)
    assert files_under(tmp_path) == []


def test_a_disk_error_is_a_plain_refusal_and_leaves_nothing(app, tmp_path):
    class FailingStream(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().read(10)

    broken = FileStorage(stream=FailingStream(pdf() * 10), filename="report.pdf")
    with pytest.raises(storage.StorageFailed) as refused:
        storage.save_upload(db.session, broken, root=tmp_path, max_bytes=10**6)
    assert "could not be saved" in refused.value.message
    assert files_under(tmp_path) == []


def test_files_stay_when_the_transaction_commits_and_go_when_it_does_not(app, tmp_path):
    kept = storage.save_upload(db.session, upload(pdf()), root=tmp_path, max_bytes=10**6)
    db.session.commit()
    dropped = storage.save_upload(db.session, upload(pdf()), root=tmp_path, max_bytes=10**6)
    assert storage.path_for(dropped.key, tmp_path).exists()
    db.session.rollback()
    assert storage.path_for(kept.key, tmp_path).exists()
    assert not storage.path_for(dropped.key, tmp_path).exists()


def test_a_savepoint_released_inside_the_transaction_does_not_keep_the_files(app, tmp_path):
    saved = storage.save_upload(db.session, upload(pdf()), root=tmp_path, max_bytes=10**6)
    with db.session.begin_nested():
        pass
    db.session.rollback()
    assert not storage.path_for(saved.key, tmp_path).exists()


def test_a_copy_has_its_own_key_and_the_same_bytes(app, tmp_path):
    original = storage.save_upload(db.session, upload(pdf()), root=tmp_path, max_bytes=10**6)
    db.session.commit()
    key = storage.copy_stored(db.session, original.key, root=tmp_path)
    assert key != original.key
    assert storage.path_for(key, tmp_path).read_bytes() == storage.path_for(original.key, tmp_path).read_bytes()
    db.session.rollback()
    assert not storage.path_for(key, tmp_path).exists()
    assert storage.path_for(original.key, tmp_path).exists()


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab", "A" * 32, "0" * 31 + "/", None])
def test_only_generated_keys_name_a_path(tmp_path, key):
    with pytest.raises(ValueError):
        storage.path_for(key, tmp_path)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\windows\\x.pdf", "x.pdf"),
        ("a\r\nb.pdf", "ab.pdf"),
        ("x.pdf\x00.exe", "x.pdf.exe"),
        ("报告.pdf", "报告.pdf"),
        (unicodedata.normalize("NFD", "Café.pdf"), "Café.pdf"),
        ("\u202egpj.pdf", "gpj.pdf"),
        ("  .hidden report.txt. ", "hidden report.txt"),
        ("", "file"),
        (None, "file"),
        (".pdf", "file.pdf"),
        ("..", "file"),
        ("\r\n.pdf", "file.pdf"),
        ("report.\u00e9\u00e9", "report.éé"),
        ("CON.txt", "CON.txt"),
    ],
)
def test_original_names_are_kept_only_as_clean_metadata(raw, clean):
    assert storage.clean_name(raw) == clean


def test_long_names_keep_their_extension_within_255_characters():
    cleaned = storage.clean_name("a" * 400 + ".docx")
    assert len(cleaned) == 255 and cleaned.endswith(".docx")


@pytest.mark.parametrize(
    ("size", "words"), [(25 * 1024 * 1024, "25 MB"), (1536 * 1024, "1.5 MB"), (300 * 1024, "300 KB"), (1, "1 byte")]
)
def test_sizes_in_words(size, words):
    assert storage.size_in_words(size) == words
