"""Optional ClamAV scanning: clamd's INSTREAM protocol, spoken by a small clamd stand-in on a loopback port.

(ClamAV itself is not installed by the setup: its signature download is unreliable. The stand-in answers the
way clamd does, finding the standard EICAR test string; the README says how to point the app at a real clamd.)
"""

from __future__ import annotations

import io
import socketserver
import struct
import threading

import pytest
from werkzeug.datastructures import FileStorage

from tests.evidence import pdf
from tracker.evidence import storage
from tracker.evidence.filetypes import FileTypeRefused
from tracker.extensions import db

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd(socketserver.BaseRequestHandler):
    def handle(self):
        command = self.request.recv(10)
        assert command == b"zINSTREAM\0"
        received = b""
        while True:
            size = struct.unpack(">I", self._exactly(4))[0]
            if size == 0:
                break
            received += self._exactly(size)
        found = b"stream: Eicar-Test-Signature FOUND\0" if EICAR in received else b"stream: OK\0"
        self.request.sendall(found)

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            data += self.request.recv(size - len(data))
        return data


@pytest.fixture
def clamd(app, monkeypatch):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeClamd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "CLAMAV_ADDRESS", f"127.0.0.1:{server.server_address[1]}")
    yield server
    server.shutdown()
    server.server_close()


def save(content: bytes, name: str, tmp_path):
    return storage.save_upload(db.session, FileStorage(stream=io.BytesIO(content), filename=name), root=tmp_path)


def test_a_clean_file_is_scanned_and_says_so(clamd, tmp_path):
    assert "scanned with ClamAV: nothing found" in save(pdf(), "report.pdf", tmp_path).checks


def test_the_eicar_test_file_is_refused(clamd, tmp_path):
    with pytest.raises(FileTypeRefused, match="contains a virus or other malware"):
        save(EICAR + b"\n", "eicar.txt", tmp_path)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_scanner_that_cannot_be_reached_refuses_the_upload(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "CLAMAV_ADDRESS", "127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(FileTypeRefused, match="virus scanner is not available"):
        save(pdf(), "report.pdf", tmp_path)


def test_without_an_address_nothing_is_scanned(app, tmp_path):
    assert not app.config.get("CLAMAV_ADDRESS")
    assert not any("ClamAV" in check for check in save(pdf(), "report.pdf", tmp_path).checks)
