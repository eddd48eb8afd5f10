"""check-storage finds files without a row and rows without a file, and --repair removes only old orphans;
a server killed with SIGKILL in the middle of 100 uploads leaves nothing it cannot repair."""

from __future__ import annotations

import http.cookiejar
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.custody.conftest import LEAD, add_evidence
from tracker.custody.consistency import check_storage
from tracker.evidence.models import EvidenceFile
from tracker.extensions import db

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PORTS = range(6400, 6500)  # this work's own ports


def check(source, **options):
    with source.app.app_context():
        result = check_storage(db.session, source.store, **options)
        db.session.remove()
    return result


def plant(store_root: Path, name: str) -> str:
    """A file in storage that no row names, as a crash would leave."""
    key = f"incoming/{uuid.uuid4().hex}.part" if name == "part" else uuid.uuid4().hex
    path = store_root / (key if name == "part" else f"{key[:2]}/{key}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind")
    return key


def test_orphans_are_listed_and_removed_only_past_the_grace_period(source):
    with source.app.app_context():
        add_evidence(source, 1000)
        db.session.remove()
    orphan, part = plant(source.storage, "file"), plant(source.storage, "part")

    found = check(source)
    assert {o.key for o in found.orphans} >= {orphan, part} and found.missing == []
    kept = check(source, repair=True, grace=timedelta(hours=24))
    assert kept.removed == [] and source.store.exists(orphan), "young orphans may be uploads in progress"
    repaired = check(source, repair=True, grace=timedelta(0))
    assert {orphan, part} <= set(repaired.removed) and repaired.consistent
    assert not source.store.exists(orphan) and part not in {stored.key for stored in source.store.list_stored()}
    after = check(source)
    assert after.orphans == [] and after.missing == [] and after.stored == after.rows


def test_a_row_whose_file_is_gone_is_reported_and_never_repaired(source):
    with source.app.app_context():
        add_evidence(source, 1001)
        key = db.session.execute(select(EvidenceFile.storage_key).order_by(EvidenceFile.id.desc())).scalars().first()
        db.session.remove()
    with source.store.open(key) as stored:
        content = stored.read()
    source.store.delete(key)
    try:
        result = check(source, repair=True, grace=timedelta(0))
        assert result.missing == [key] and not result.consistent
        assert any("evidence lost from storage" in line for line in result.lines())
    finally:
        source.store.put(key, io.BytesIO(content))
    assert check(source).missing == []


# The real server, killed in the middle of uploads ---------------------------------------------------------


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 6400-6499")


def server_environment(source) -> dict:
    return {
        **os.environ,
        "TRACKER_ENV": "test",
        "DATABASE_URL": source.url,
        "EVIDENCE_STORAGE_DIR": str(source.storage),
        "TRACKER_WTF_CSRF_ENABLED": "false",
    }


def wait_until_serving(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120  # a loaded machine can take a minute to import the app
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped while starting"
        try:
            # The socket accepts before the worker has loaded the app: the first answer may take a while.
            urllib.request.urlopen(f"{base}/sign-in", timeout=30).close()  # noqa: S310 - our loopback server
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)  # waiting for start-up, not timing anything
    raise AssertionError("the server did not start")


def multipart(fields: list[tuple[str, str]], file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{file_name}"\r\n'
        f"Content-Type: text/plain\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Uploader(threading.Thread):
    """Signs in, then uploads evidence files one after another until the list runs out or the server dies."""

    def __init__(self, base: str, action_id: int, numbers: list[int], done: list, enough: threading.Event):
        super().__init__(daemon=True)
        self.base, self.action_id, self.numbers, self.done, self.enough = base, action_id, numbers, done, enough
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def post(self, path: str, body: bytes, content_type: str) -> int:
        request = urllib.request.Request(self.base + path, data=body, headers={"Content-Type": content_type})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def run(self):
        signed_in = urllib.parse.urlencode({"email": LEAD, "password": PASSWORD}).encode()
        try:
            assert self.post("/sign-in", signed_in, "application/x-www-form-urlencoded") == 302
            for number in self.numbers:
                fields = [("kind", "implementation"), ("title", f"Upload {number}"), ("narrative", ""), ("link", "")]
                fields += [("relates_to", "1"), ("relates_to", "3"), ("relates_to", "2024")]
                body, content_type = multipart(fields, f"upload-{number}.txt", f"Upload {number}\n".encode() * 20_000)
                status = self.post(f"/actions/{self.action_id}/evidence/new", body, content_type)
                assert status == 302, status
                self.done.append(number)
                if len(self.done) >= 30:
                    self.enough.set()
        except (urllib.error.URLError, ConnectionError, OSError):
            return  # the server was killed under us


def wait_for_an_upload_in_flight(storage: Path, files_before: int) -> None:
    """Return once a file is half written (incoming/*.part) or stored but not yet answered for: the moment
    where a kill leaves a file without a row."""
    deadline = time.monotonic() + 120  # a loaded machine can take a minute to import the app
    while time.monotonic() < deadline:
        incoming = storage / "incoming"
        parts = any(incoming.glob("*.part")) if incoming.is_dir() else False
        if parts or sum(1 for path in storage.glob("??/*") if path.is_file()) > files_before:
            return
        time.sleep(0.001)  # watching for a state, not timing anything


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_server_killed_in_the_middle_of_100_uploads_leaves_nothing_check_storage_cannot_repair(source):
    with source.app.app_context():
        rows_before = len(db.session.execute(select(EvidenceFile.id)).all())
        db.session.remove()
    files_before = sum(1 for path in source.storage.glob("??/*") if path.is_file())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=server_environment(source),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_serving(base, server)
        done, enough = [], threading.Event()
        uploaders = [Uploader(base, source.action_id, list(range(n, 100, 4)), done, enough) for n in range(4)]
        for uploader in uploaders:
            uploader.start()
        assert enough.wait(timeout=60), f"only {len(done)} uploads finished"
        wait_for_an_upload_in_flight(source.storage, files_before + len(done))
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # the master and its worker, mid-request
        server.wait()
    for uploader in uploaders:
        uploader.join(timeout=60)
    assert 30 <= len(done) < 100, "the kill came in the middle of the uploads"

    with source.app.app_context():
        rows_after = len(db.session.execute(select(EvidenceFile.id)).all())
        db.session.remove()
    assert rows_after - rows_before >= len(done), "every upload the server answered is kept"
    found = check(source)
    assert found.missing == [], "no row lost its file"

    repaired = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "check-storage", "--repair", "--grace-hours", "0"],
        cwd=ROOT,
        env=server_environment(source),
        capture_output=True,
        text=True,
        check=False,
    )
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "Rows without a file: 0" in repaired.stdout
    print(repaired.stdout)  # shown with -s: how many orphans the kill left and the repair removed
    after = check(source)
    assert after.orphans == [] and after.missing == [] and after.stored == after.rows == rows_after
