"""How an evidence pack of 2 GB streams: the server's peak memory and the speed, against `zip -0` over the same
files.

Builds its own temporary SQLite database (migrated and seeded) and storage folder, writes evidence files of
random bytes (2 GB in 300 files by default, written a megabyte at a time and hashed as they are written)
and records them as evidence on Buckinghamshire's Baby K review by inserting the rows directly. It then
serves the app from a separate process (werkzeug, threaded), signs in as an auditor over HTTP, asks for the
review's pack through the real page (CSRF and all), reads the response a megabyte at a time and throws it
away. The server's peak memory is its VmHWM from /proc/<pid>/status. Finally it times `zip -0 -r` over the
same folder, written to a pipe that is thrown away as well. Everything is removed at the end.

    .venv/bin/python benchmarks/pack_stream.py [--total-mb 2048] [--files 300] [--verify]

The promises: the server's peak RSS stays under 200 MB, and the pack streams at no less than half the
speed of `zip -0` (both measured from the request to the last byte, so the pack's time includes building
its manifests and assurance report). It prints the time to the first byte of each, too: the pack's assurance
report is drawn while its evidence streams, so its first byte should come well under a second after
zip's. --verify also saves the pack and checks it (not timed).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
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
from tracker.evidence import storage  # noqa: E402
from tracker.evidence.models import EvidenceFile, EvidenceItem  # noqa: E402
from tracker.evidence.services import digest_of  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.reviews.models import Review  # noqa: E402
from tracker.seeding.loader import load_seeds  # noqa: E402

MIB = 1024 * 1024
REVIEW = "bucks-baby-k"
AUDITOR, LEAD = "auditor@benchmark.invalid", "lead@benchmark.invalid"
PASSWORD = "benchmark password that is long enough"  # noqa: S105 - a throwaway account in a temporary database
PEAK_LIMIT_MB = 200


def config(tmp_dir: Path) -> dict:
    return {
        "ENV_NAME": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_dir / 'benchmark.sqlite3'}",
        "EVIDENCE_STORAGE_DIR": str(tmp_dir / "evidence"),
        "SEEDS_DIR": str(ROOT / "seeds"),
        "WTF_CSRF_ENABLED": True,
        # The pack writer streamed in the request, as a small pack is; a large one goes to the worker
        # (PACK_JOB_BYTES), which writes the same stream to storage: measured here without the queue.
        "PACK_JOB_BYTES": 1 << 50,
        "PACK_JOB_ACTIONS": 1 << 30,
    }


# The server, in its own process ----------------------------------------------------------------------------


def serve(tmp_dir: Path) -> None:
    """Run by the child process: serve the app and print the port."""
    app = create_app(config(tmp_dir))
    logging.getLogger().setLevel(logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


def memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} is not in /proc/{pid}/status")


# Data ------------------------------------------------------------------------------------------------------


def build_data(tmp_dir: Path, total: int, count: int) -> tuple[int, Path]:
    """Migrate, seed, add the two accounts and ``count`` evidence files of ``total`` bytes in all."""
    app = create_app(config(tmp_dir))
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        logging.getLogger().setLevel(logging.WARNING)  # the migrations' own logging set-up turns it up
        load_seeds(db.session, ROOT / "seeds")
        create_user(
            db.session,
            email=AUDITOR,
            name="Benchmark Auditor",
            role="auditor",
            password=PASSWORD,
            board_keys=["buckinghamshire"],
        )
        lead = create_user(
            db.session,
            email=LEAD,
            name="Benchmark Lead",
            role="agency_lead",
            password=PASSWORD,
            agency_key="thames-valley-police",
        )
        review = db.session.execute(select(Review).where(Review.ref == REVIEW)).scalar_one()
        actions = list(db.session.execute(select(Action).where(Action.review_id == review.id)).scalars())
        root = storage.storage_root()
        size, rest = divmod(total, count)
        for number in range(count):
            key = uuid.uuid4().hex
            path = storage.path_for(key, root)
            path.parent.mkdir(parents=True, exist_ok=True)
            digest, written, wanted = hashlib.sha256(), 0, size + (1 if number < rest else 0)
            with open(path, "wb") as out:
                while written < wanted:
                    chunk = (b"%PDF-1.7\n" if written == 0 else b"") + os.urandom(MIB)
                    chunk = chunk[: wanted - written]
                    digest.update(chunk)
                    out.write(chunk)
                    written += len(chunk)
            relates_to = date(2025, 1, 1)
            title = f"Benchmark evidence {number + 1}"
            item = EvidenceItem(
                action_id=actions[number % len(actions)].id,
                kind="implementation",
                title=title,
                narrative="Generated for the benchmark.",
                relates_to=relates_to,
                added_by_id=lead.id,
                digest=digest_of("implementation", title, "Generated for the benchmark.", None, relates_to, []),
            )
            item.files.append(
                EvidenceFile(
                    storage_key=key,
                    original_name=f"Benchmark record {number + 1}.pdf",
                    content_type="application/pdf",
                    size=written,
                    sha256=digest.hexdigest(),
                )
            )
            db.session.add(item)
        db.session.commit()
        review_id = review.id
        db.session.remove()
        db.engine.dispose()
    return review_id, root


# The client ------------------------------------------------------------------------------------------------


class Browser:
    """Just enough of a browser over http.client: cookies and CSRF tokens."""

    def __init__(self, port: int):
        self.port, self.cookies = port, SimpleCookie()

    def _headers(self, extra: dict | None = None) -> dict:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        return headers

    def open(self, method: str, path: str, body: str | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3600)
        extra = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
        connection.request(method, path, body=body, headers=self._headers(extra))
        response = connection.getresponse()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        return connection, response

    def page(self, method: str, path: str, fields: dict | None = None) -> tuple[int, str]:
        connection, response = self.open(method, path, urlencode(fields) if fields is not None else None)
        text = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, text

    def csrf_token(self, path: str) -> str:
        _, page = self.page("GET", path)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def download_pack(browser: Browser, review_id: int, keep: Path | None) -> tuple[int, float, float, int]:
    """(bytes, seconds to the first byte, seconds to the last, status)."""
    fields = {
        "csrf_token": browser.csrf_token("/packs"),
        "scope": "review",
        "review": str(review_id),
        "reason": "Benchmark",
    }
    started = time.perf_counter()
    connection, response = browser.open("POST", "/packs", urlencode(fields))
    first = None
    received = 0
    out = open(keep, "wb") if keep else None  # noqa: SIM115 - closed below
    try:
        while chunk := response.read(MIB):
            if first is None:
                first = time.perf_counter() - started
            received += len(chunk)
            if out:
                out.write(chunk)
    finally:
        if out:
            out.close()
        connection.close()
    return received, first or 0.0, time.perf_counter() - started, response.status


def time_zip(folder: Path) -> tuple[float, int, float] | None:
    """(seconds, bytes, seconds to the first byte) for `zip -0 -r` over the folder, written to a pipe that is
    read and thrown away."""
    zip_program = shutil.which("zip")
    if zip_program is None:
        return None
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - a fixed program on a folder this script made
        [zip_program, "-0", "-r", "-q", "-", "."], cwd=folder, stdout=subprocess.PIPE
    )
    size, first = 0, None
    while chunk := process.stdout.read1(MIB):
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
    process.wait()
    return time.perf_counter() - started, size, first or 0.0


# Main ------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--total-mb", type=int, default=2048, help="evidence in all, in MB (default 2048)")
    parser.add_argument("--files", type=int, default=300, help="how many evidence files (default 300)")
    parser.add_argument("--verify", action="store_true", help="also save the pack and check it (not timed)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    logging.basicConfig(level=logging.WARNING)
    total = args.total_mb * MIB

    with tempfile.TemporaryDirectory(prefix="pack-benchmark-") as tmp:
        tmp_dir = Path(tmp)
        started = time.perf_counter()
        review_id, evidence_dir = build_data(tmp_dir, total, args.files)
        took = time.perf_counter() - started
        print(f"Data built:            {args.files} files, {total / MIB:,.0f} MB, in {took:.1f} s", flush=True)

        server = subprocess.Popen(  # noqa: S603 - this script, serving its own temporary database
            [sys.executable, __file__, "--serve", str(tmp_dir)], stdout=subprocess.PIPE, text=True
        )
        try:
            line = server.stdout.readline()
            if not line.strip().isdigit():
                raise SystemExit("The server did not start: see its error above")
            port = int(line)
            browser = Browser(port)
            status, _ = browser.page(
                "POST",
                "/sign-in",
                {"csrf_token": browser.csrf_token("/sign-in"), "email": AUDITOR, "password": PASSWORD},
            )
            if status != 302:
                raise SystemExit(f"Could not sign in (status {status})")
            rss_before = memory_mb(server.pid, "VmRSS")
            keep = tmp_dir / "pack.zip" if args.verify else None
            received, first_byte, elapsed, status = download_pack(browser, review_id, keep)
            peak = memory_mb(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)
        if status != 200:
            raise SystemExit(f"The pack was refused (status {status})")

        verified = None
        if keep:
            from tracker.packs.verify import verify_pack

            report = verify_pack(keep)
            verified = report.ok
            keep.unlink()
        zipped = time_zip(evidence_dir)

    pack_speed = received / MIB / elapsed
    print(
        f"Pack streamed:         {received / MIB:,.1f} MB in {elapsed:.2f} s ({pack_speed:,.0f} MB/s), "
        f"first byte after {first_byte:.2f} s"
    )
    print(f"Server RSS before:     {rss_before:.1f} MB")
    print(f"Server peak RSS:       {peak:.1f} MB (VmHWM, the whole life of the server process)")
    if verified is not None:
        print(f"Pack verified:         {'yes' if verified else 'NO'}")
    ok = peak < PEAK_LIMIT_MB
    print(f"Peak under {PEAK_LIMIT_MB} MB:     {'yes' if ok else 'NO'}")
    if zipped is None:
        print("zip -0:                not installed (apt-get install zip), so no comparison")
    else:
        zip_seconds, zip_size, zip_first = zipped
        zip_speed = zip_size / MIB / zip_seconds
        fast_enough = pack_speed >= zip_speed / 2
        print(
            f"zip -0 -r (to a pipe): {zip_size / MIB:,.1f} MB in {zip_seconds:.2f} s ({zip_speed:,.0f} MB/s), "
            f"first byte after {zip_first:.3f} s"
        )
        print(f"Pack speed / zip -0:   {pack_speed / zip_speed:.2f} (at least 0.5: {'yes' if fast_enough else 'NO'})")
        print(
            f"First byte, pack - zip: {first_byte - zip_first:+.2f} s (the pack's includes the request, signing "
            "the history and reading the report's figures; its PDF is drawn while the evidence streams)"
        )
        ok = ok and fast_enough
    print("Temporary data removed.")
    if not ok or verified is False:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
