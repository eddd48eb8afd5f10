"""The pack streams its evidence while its assurance report is drawn, and a report that cannot be drawn
cuts the pack off before anything that would make it look complete (bag-info.txt, the manifests, the ZIP's
directory)."""

from __future__ import annotations

import io
import struct
import threading
import zipfile

import pytest

from tests.evidence import pdf
from tests.packs.helpers import add_evidence, members, pdf_file, people, police_action
from tracker.extensions import db
from tracker.packs import scope, services
from tracker.packs.verify import verify_pack
from tracker.reports import drawing

WAIT_SECONDS = 60  # only reached when the stream waits for the report first: the test then fails


@pytest.fixture
def baby_k(users):
    cast = people(users)
    add_evidence(cast["agency_lead"], police_action("bucks-baby-k"), "Audit", [pdf_file("audit record", "Audit.pdf")])
    db.session.commit()
    return scope.by_key(db.session, "review", "bucks-baby-k")


def _members_begun(received: bytes) -> list[str]:
    """The names in the local file headers received so far (each member's header comes before its bytes)."""
    names, at = [], received.find(b"PK\x03\x04")
    while at != -1 and at + 30 <= len(received):
        name_length, extra_length = struct.unpack("<HH", received[at + 26 : at + 30])
        names.append(received[at + 30 : at + 30 + name_length].decode("utf-8", "replace"))
        at = received.find(b"PK\x03\x04", at + 30 + name_length + extra_length)
    return names


def _pack(target) -> services.EvidencePack:
    pack = services.make_pack(db.session, "command line", target)
    db.session.commit()
    return pack


def test_the_evidence_streams_before_the_report_is_drawn(baby_k, monkeypatch, tmp_path):
    started, release = threading.Event(), threading.Event()
    draw = drawing.in_child

    def held_back(html: str) -> bytes:
        started.set()
        if not release.wait(WAIT_SECONDS):
            raise RuntimeError("the pack waited for its report before streaming its evidence")
        return draw(html)

    monkeypatch.setattr(drawing, "in_child", held_back)
    received = b""
    for chunk in _pack(baby_k).chunks():
        received += chunk
        if not release.is_set() and pdf("audit record") in received:
            assert started.is_set()  # drawn meanwhile (in a process of its own), begun with the stream
            begun = _members_begun(received)
            assert "manifest-sha256.txt" not in begun and "data/assurance-report.pdf" not in begun
            release.set()
    assert release.is_set()

    names = list(members(received))
    evidence = next(i for i, name in enumerate(names) if name.endswith("Audit.pdf"))
    assert evidence < names.index("data/assurance-report.pdf") < names.index("bag-info.txt")
    assert names[-2:] == ["manifest-sha256.txt", "tagmanifest-sha256.txt"]
    assert members(received)["data/assurance-report.pdf"].startswith(b"%PDF")
    (tmp_path / "pack.zip").write_bytes(received)
    assert verify_pack(tmp_path / "pack.zip").ok


def _fails(html: str) -> bytes:
    raise RuntimeError("the fonts have gone")


def test_a_report_that_cannot_be_drawn_cuts_the_pack_off_before_its_manifests(baby_k, monkeypatch, caplog):
    monkeypatch.setattr(drawing, "in_child", _fails)
    pack = _pack(baby_k)
    received = b""
    with pytest.raises(RuntimeError, match="the fonts have gone"):
        for chunk in pack.chunks():
            received += chunk
    assert pdf("audit record") in received  # the evidence went
    begun = _members_begun(received)
    assert any(name.endswith("Audit.pdf") for name in begun)
    for never_sent in ("data/assurance-report.pdf", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"):
        assert never_sent not in begun
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(received))
    assert f"Evidence pack {pack.history_entry_id}: the assurance report could not be drawn" in caplog.text


def test_the_command_leaves_no_file_when_the_report_cannot_be_drawn(app, baby_k, monkeypatch, tmp_path):
    monkeypatch.setattr(drawing, "in_child", _fails)
    output = tmp_path / "pack.zip"
    result = app.test_cli_runner().invoke(args=["evidence-pack", "--review", "bucks-baby-k", "--output", str(output)])
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert not output.exists() and not output.with_name("pack.zip.part").exists()


def test_the_drawing_child_draws_and_reports_its_failure(monkeypatch, tmp_path):
    assert drawing.in_child("<h1>Assurance report</h1>").startswith(b"%PDF")
    monkeypatch.setattr(drawing, "__file__", str(tmp_path / "gone.py"))
    with pytest.raises(RuntimeError, match=r"The report could not be drawn \(exit 2\): .*gone\.py"):
        drawing.in_child("<h1>Assurance report</h1>")
