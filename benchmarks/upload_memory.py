"""How much memory an evidence upload costs: prints the peak RSS growth of the process and the throughput.

Starts the app on its own temporary SQLite database and storage folder (the test configuration, with CSRF
on), serves it with werkzeug in a thread, signs in an agency lead and streams a generated file (200 MB by
default) through the real "Add evidence" page over HTTP, then checks what was stored. The promise: the
server's memory rises by no more than a few megabytes, whatever the file's size.

    .venv/bin/python benchmarks/upload_memory.py [--size-mb 200]

Peak RSS is read from /proc/self/status (VmHWM), reset just before the upload through /proc/self/clear_refs
so that set-up (migrations, seeds) does not hide the upload's own peak. Client and server share the
process, so the figure covers both; the client only ever holds one 1 MiB chunk.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import logging
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.actions.models import Action  # noqa: E402
from tracker.auth.services import create_user  # noqa: E402
from tracker.evidence.models import EvidenceFile  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.orgs.models import Agency  # noqa: E402
from tracker.seeding.loader import load_seeds  # noqa: E402

MIB = 1024 * 1024
EMAIL, PASSWORD = "lead@benchmark.invalid", "benchmark password that is long enough"


def memory_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Browser:
    """Just enough of a browser over http.client: cookies, CSRF tokens, and streamed multipart bodies."""

    def __init__(self, host: str, port: int):
        self.host, self.port, self.cookies = host, port, SimpleCookie()

    def request(self, method: str, path: str, body=None, headers: dict | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=600)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        connection.close()
        return response.status, response.headers, data.decode("utf-8", "replace")

    def csrf_token(self, path: str) -> str:
        _, _, page = self.request("GET", path)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def sign_in(self) -> None:
        token = self.csrf_token("/sign-in")
        body = urlencode({"csrf_token": token, "email": EMAIL, "password": PASSWORD})
        status, _, _ = self.request("POST", "/sign-in", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"Could not sign in (status {status})")


def time_sha256sum(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, stdout=subprocess.DEVNULL)  # noqa: S603,S607
    return time.perf_counter() - started


def pdf_parts(file_size: int) -> tuple[bytes, int, bytes]:
    """A real one-page PDF of exactly ``file_size`` bytes, as (what comes before, how many random bytes, what
    comes after): the bulk is a stream of random bytes that no page uses, so the upload's PDF check (which
    opens the file with qpdf and walks its objects) accepts it, as it accepts a large scanned report."""

    def prefix(length: int) -> bytes:
        objects = [
            b"<</Type/Catalog/Pages 2 0 R>>",
            b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<<>>>>",
        ]
        head, offsets = b"%PDF-1.7\n", []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(head))
            head += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        offsets.append(len(head))
        return head + b"4 0 obj\n<</Length %d>>\nstream\n" % length, offsets

    def suffix(offsets: list[int], xref_at: int) -> bytes:
        table = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        return (
            b"\nendstream\nendobj\nxref\n0 5\n0000000000 65535 f \n"
            + table
            + b"trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref_at
        )

    length = file_size
    for _ in range(5):  # the lengths' own digits move the total by a few bytes: settle them
        head, offsets = prefix(length)
        tail = suffix(offsets, len(head) + length + len(b"\nendstream\nendobj\n"))
        length = file_size - len(head) - len(tail)
    head, offsets = prefix(length)
    tail = suffix(offsets, len(head) + length + len(b"\nendstream\nendobj\n"))
    assert len(head) + length + len(tail) == file_size
    return head, length, tail


def multipart(fields: list[tuple[str, str]], file_name: str, file_size: int, digest):
    """A multipart body as a generator of chunks, and its exact length. The file part (``pdf_parts``) is
    generated as it is sent, 1 MiB of random bytes over and over, and hashed on the way."""
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{file_name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = os.urandom(MIB)
    before, random_bytes, after = pdf_parts(file_size)

    def file_chunks():
        yield before
        sent = 0
        while sent < random_bytes:
            piece = block[: min(MIB, random_bytes - sent)]
            sent += len(piece)
            yield piece
        yield after

    def chunks():
        yield head
        for piece in file_chunks():
            digest.update(piece)
            yield piece
        yield tail

    return chunks(), boundary, len(head) + file_size + len(tail), file_chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=200, help="size of the generated file (default 200)")
    args = parser.parse_args()
    size = args.size_mb * MIB
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory(prefix="upload-benchmark-") as tmp:
        tmp_dir = Path(tmp)
        app = create_app(
            {
                "ENV_NAME": "test",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_dir / 'benchmark.sqlite3'}",
                "EVIDENCE_STORAGE_DIR": str(tmp_dir / "evidence"),
                "EVIDENCE_MAX_FILE_BYTES": size + MIB,
                "MAX_CONTENT_LENGTH": size + 2 * MIB,
                "SEEDS_DIR": str(ROOT / "seeds"),
                "WTF_CSRF_ENABLED": True,
            }
        )
        logging.getLogger().setLevel(logging.WARNING)
        with app.app_context():
            upgrade()
            load_seeds(db.session, ROOT / "seeds")
            create_user(
                db.session,
                email=EMAIL,
                name="Benchmark Lead",
                role="agency_lead",
                password=PASSWORD,
                agency_key="thames-valley-police",
            )
            db.session.commit()
            action_id = db.session.execute(
                select(Action.id).join(Agency).where(Agency.key == "thames-valley-police").limit(1)
            ).scalar_one()
            db.session.remove()

        # The baseline, measured in the same run: `sha256sum` over a file of the same size and bytes, timed
        # before and after the upload (the faster of the two, so the machine's load favours the baseline).
        same_bytes = tmp_dir / "same-bytes.pdf"
        with open(same_bytes, "wb") as out:
            for piece in multipart([], "x.pdf", size, hashlib.sha256())[3]():
                out.write(piece)
        sha_times = [time_sha256sum(same_bytes)]

        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            browser = Browser("127.0.0.1", server.server_port)
            browser.sign_in()
            path = f"/actions/{action_id}/evidence/new"
            token = browser.csrf_token(path)
            fields = [
                ("csrf_token", token),
                ("kind", "impact"),
                ("title", "Benchmark upload"),
                ("narrative", "A generated file, to measure memory."),
                ("relates_to", "1"),
                ("relates_to", "3"),
                ("relates_to", "2024"),
            ]
            digest = hashlib.sha256()
            body, boundary, length, _ = multipart(fields, "benchmark.pdf", size, digest)

            rss_before = memory_kib("VmRSS")
            peak_reset = reset_peak()
            started = time.perf_counter()
            status, _, page = browser.request(
                "POST",
                path,
                body,
                {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length)},
            )
            elapsed = time.perf_counter() - started
            peak_after = memory_kib("VmHWM")
            sha_times.append(time_sha256sum(same_bytes))
        finally:
            server.shutdown()
            thread.join(timeout=10)

        if status != 302:
            raise SystemExit(f"The upload was refused (status {status}): {page[:2000]}")
        with app.app_context():
            stored = db.session.execute(select(EvidenceFile).order_by(EvidenceFile.id.desc()).limit(1)).scalar_one()
            stored_ok = stored.size == size and stored.sha256 == digest.hexdigest()
            db.session.remove()
            db.engine.dispose()

    print(f"File uploaded:        {args.size_mb} MB ({size:,} bytes) through {path}, status {status}")
    print(f"Stored as expected:   {'yes' if stored_ok else 'NO'} (size and SHA-256 match what was sent)")
    print(f"Time:                 {elapsed:.2f} s")
    print(f"Throughput:           {size / MIB / elapsed:.1f} MB/s")
    baseline = min(sha_times)
    print(f"sha256sum, same size: {size / MIB / baseline:.1f} MB/s (best of {len(sha_times)}, before and after)")
    print(f"Upload / sha256sum:   {baseline / elapsed:.0%} (target: at least 70%)")
    with open("/proc/loadavg") as loadavg:
        print(f"Load average:         {loadavg.read().split()[0]} on {os.cpu_count()} CPUs")
    if rss_before is not None and peak_after is not None and peak_reset:
        print(f"RSS before upload:    {rss_before / 1024:.1f} MB")
        print(f"Peak RSS during it:   {peak_after / 1024:.1f} MB")
        print(f"Peak RSS growth:      {(peak_after - rss_before) / 1024:.1f} MB")
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"Peak RSS of the whole process (this system cannot reset the peak): {peak:.1f} MB")
    if not stored_ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
