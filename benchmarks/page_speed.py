"""Requests per second and latency of the action page and the agency lead's list under gunicorn, against a
hello-world Flask route served by the same gunicorn command in the same run.

Builds a temporary database (SQLite by default; PostgreSQL with --database-url, whose database is emptied
first), migrated and seeded, with a board of --actions actions (benchmarks/report_speed.py builds it) and
an agency lead at the agency with the most actions. Starts two gunicorn servers (2 sync workers each): the
app, and a one-route hello-world app. Signs the lead in over HTTP, then runs --clients client threads for
--seconds against each target in turn, interleaved for --rounds rounds (hello, action page, list, hello, ...),
so that the load of the shared machine falls on all of them alike. Prints each target's median req/s, p50 and
p99 latency, and its req/s as a ratio of hello-world's.

    .venv/bin/python benchmarks/page_speed.py [--actions 20000] [--clients 4] [--seconds 5] [--rounds 3]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/tracker_i12] [--port 6200]

The targets (issue 12): each page at least 10% of hello-world's req/s, p99 under 100 ms with 4 clients.
--profile N also records a py-spy profile of one worker for N seconds of load on each page (needs py-spy).
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from flask import Flask  # noqa: E402

LEAD = "lead@page-speed.invalid"
PASSWORD = "benchmark password that is long enough"  # noqa: S105 - a throwaway account on a temporary database


def hello_app() -> Flask:
    """The baseline: the smallest Flask app, served by the same gunicorn command."""
    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "Hello, world")
    return app


def build(url: str, actions: int) -> int:
    """Migrate and seed the database, add the board and the lead; returns one of the lead's action ids."""
    from flask_migrate import upgrade
    from report_speed import build_board
    from sqlalchemy import func, select, text

    from tracker import clock, create_app
    from tracker.actions.models import Action
    from tracker.auth.services import create_user
    from tracker.extensions import db
    from tracker.orgs.models import Agency
    from tracker.seeding.loader import load_seeds

    app = create_app({"ENV_NAME": "test", "SQLALCHEMY_DATABASE_URI": url, "SEEDS_DIR": str(ROOT / "seeds")})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        logging.getLogger().setLevel(logging.WARNING)
        load_seeds(db.session, ROOT / "seeds")
        build_board("page-speed", actions, 0, random.Random(12), clock.today())  # noqa: S311 - test data
        agency_id = db.session.execute(
            select(Action.agency_id).group_by(Action.agency_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()
        key = db.session.get(Agency, agency_id).key
        create_user(
            db.session, email=LEAD, name="Benchmark Lead", role="agency_lead", password=PASSWORD, agency_key=key
        )
        action_id = db.session.execute(select(Action.id).where(Action.agency_id == agency_id).limit(1)).scalar_one()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return action_id


def start_gunicorn(app_spec: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn on port {port} did not start")


def sign_in(port: int) -> str:
    """The lead's session cookie header, signed in through the real form."""
    cookies = SimpleCookie()

    def request(method: str, path: str, body: str | None = None) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v.value}" for k, v in cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        text = response.read().decode()
        connection.close()
        return text

    page = request("GET", "/sign-in")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    request("POST", "/sign-in", urlencode({"csrf_token": token, "email": LEAD, "password": PASSWORD}))
    return "; ".join(f"{k}={v.value}" for k, v in cookies.items())


def load(port: int, path: str, cookie: str, clients: int, seconds: float) -> tuple[float, list[float], int]:
    """Run ``clients`` threads requesting ``path`` for ``seconds``: (req/s, latencies in ms, failures)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        mine, bad = [], 0
        while time.monotonic() < stop:
            began = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            response.read()
            connection.close()
            mine.append((time.perf_counter() - began) * 1000)
            bad += response.status != 200
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.monotonic() - began), latencies, failures[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)] if ordered else float("nan")


def profile(pid: int, seconds: int, out: Path) -> subprocess.Popen | None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        return None
    return subprocess.Popen(  # noqa: S603 - py-spy, fixed arguments
        [py_spy, "record", "--pid", str(pid), "--duration", str(seconds), "--format", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def worker_pids(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True, check=False)  # noqa: S603,S607
    return [int(p) for p in found.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url")
    parser.add_argument("--port", type=int, default=6200)
    parser.add_argument("--profile", type=int, default=0, help="seconds of py-spy profile per page (0: none)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="page-speed-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    servers: list[subprocess.Popen] = []
    try:
        began = time.monotonic()
        action_id = build(url, args.actions)
        print(f"built {args.actions} actions on {url.split(':')[0]} in {time.monotonic() - began:.0f} s")
        env = dict(
            os.environ,
            TRACKER_ENV="development",
            DATABASE_URL=url,
            EVIDENCE_STORAGE_DIR=str(tmp / "evidence"),
            TWO_FACTOR_REQUIRED="false",
        )
        app_port, hello_port = args.port, args.port + 1
        servers.append(start_gunicorn("wsgi:app", app_port, env))
        servers.append(start_gunicorn("benchmarks.page_speed:hello_app()", hello_port, env))
        cookie = sign_in(app_port)
        targets = {
            "hello-world": (hello_port, "/", ""),
            "action page": (app_port, f"/actions/{action_id}", cookie),
            "lead's list": (app_port, "/my-agency", cookie),
            "lead's list, last page": (app_port, "/my-agency?page=1000000", cookie),
        }
        for port, path, cookie_header in targets.values():  # warm up every worker
            load(port, path, cookie_header, args.clients, 1)
        if args.profile:
            pids = worker_pids(servers[0].pid)
            for name in ("action page", "lead's list"):
                port, path, cookie_header = targets[name]
                out = tmp / f"{name.split()[0]}.txt"
                spies = [profile(pid, args.profile, Path(f"{out}.{pid}")) for pid in pids]
                load(port, path, cookie_header, args.clients, args.profile + 1)
                for spy in spies:
                    if spy:
                        spy.wait()
                keep = ROOT / "benchmarks" / "profiles"
                keep.mkdir(exist_ok=True)
                for pid in pids:
                    if Path(f"{out}.{pid}").exists():
                        shutil.copy(f"{out}.{pid}", keep / f"{name.split()[0].strip(chr(39))}-{pid}.txt")
            print(f"py-spy profiles in {ROOT / 'benchmarks' / 'profiles'}")
        results: dict[str, list[tuple[float, list[float], int]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, (port, path, cookie_header) in targets.items():
                results[name].append(load(port, path, cookie_header, args.clients, args.seconds))
        with open("/proc/loadavg") as loadavg:
            print(f"load average at the end: {loadavg.read().split()[:3]}; {date.today()}")
        hello_rps = statistics.median(r[0] for r in results["hello-world"])
        print(f"{'target':<24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs hello':>9} {'failed':>7}")
        for name, runs in results.items():
            rps = statistics.median(r[0] for r in runs)
            latencies = [ms for r in runs for ms in r[1]]
            failed = sum(r[2] for r in runs)
            ratio = rps / hello_rps
            print(
                f"{name:<24} {rps:8.1f} {percentile(latencies, 0.5):8.1f} {percentile(latencies, 0.99):8.1f} "
                f"{ratio:9.1%} {failed:7d}"
            )
        print("targets: every page >= 10% of hello-world req/s and p99 < 100 ms")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
