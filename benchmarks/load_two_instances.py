"""50 simulated people for 60 s against two app instances (locust, headless): errors and response times.

Starts the production shape on loopback ports: two gunicorn instances (2 workers x 4 threads each) sharing
the database (PostgreSQL when DATABASE_URL names one, else a SQLite file), moto's S3 server for evidence
files, Redis for the job queue and the worker. Seeds the database with the published reviews, 10 agency
leads and one evidence file kept in S3. Then runs locust twice: a baseline of 1 person for 15 s, and the
load of 50 people (5 new a second) for 60 s. Prints the figures of both, the ratio of the loaded p95 to the
baseline p95, and the machine's load average before and after.

    .venv/bin/python benchmarks/load_two_instances.py [--users 50] [--seconds 60]

Target: 0 errors, p95 < 500 ms over all requests under the load.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.datastructures import FileStorage  # noqa: E402

from tests.evidence import pdf  # noqa: E402
from tests.ops.instances import Processes, instance_env, wait_until_up  # noqa: E402
from tests.ports import free_port  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.actions.models import Action  # noqa: E402
from tracker.auth.services import create_user  # noqa: E402
from tracker.evidence import services as evidence  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.orgs.models import Agency  # noqa: E402
from tracker.reviews.models import Review  # noqa: E402
from tracker.seeding.loader import load_seeds  # noqa: E402

PASSWORD = "benchmark password that is long enough"  # noqa: S105 - throwaway accounts in a scratch database
EMAILS = [f"lead{n}@benchmark.invalid" for n in range(10)]
TARGET_P95_MS = 500


def scratch_database(folder: Path) -> tuple[str, object]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{folder / 'bench.sqlite3'}", None
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def prepare(url: str, s3: dict, folder: Path) -> tuple[int, int]:
    app = create_app(
        {"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url, "EVIDENCE_STORAGE_DIR": str(folder), **s3}
    )
    with app.app_context():
        upgrade()
        load_seeds(db.session, ROOT / "seeds")
        leads = [
            create_user(
                db.session,
                email=email,
                name=f"Lead {n}",
                role="agency_lead",
                password=PASSWORD,
                agency_key="thames-valley-police",
            )
            for n, email in enumerate(EMAILS)
        ]
        action = db.session.execute(
            select(Action)
            .join(Review)
            .join(Agency, Action.agency_id == Agency.id)
            .where(Review.ref == "mk-child-j", Agency.key == "thames-valley-police")
            .order_by(Action.id)
            .limit(1)
        ).scalar_one()
        item = evidence.add_evidence(
            db.session,
            leads[0],
            action,
            kind="implementation",
            title="Training records",
            narrative="Done.",
            link=None,
            relates_to=date(2024, 3, 1),
            uploads=[FileStorage(stream=io.BytesIO(pdf("benchmark")), filename="t.pdf")],
        )
        db.session.commit()
        ids = action.id, item.files[0].id
        db.session.remove()
        db.engine.dispose()
    return ids


def run_locust(folder: Path, name: str, users: int, seconds: int, env: dict) -> dict:
    prefix = folder / name
    subprocess.run(  # noqa: S603 - our own command
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "benchmarks" / "locust_two_instances.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            "5",
            "-t",
            f"{seconds}s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv", newline="") as table:
        rows = {row["Name"]: row for row in csv.DictReader(table)}
    return rows


def figures(rows: dict) -> dict:
    total = rows["Aggregated"]
    return {
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "median_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "by_name": {
            name: (int(r["Request Count"]), float(r["95%"])) for name, r in rows.items() if name != "Aggregated"
        },
    }


def show(label: str, found: dict) -> None:
    print(
        f"{label}: {found['requests']} requests, {found['errors']} errors, {found['rps']:.1f} req/s, "
        f"median {found['median_ms']:.0f} ms, p95 {found['p95_ms']:.0f} ms, p99 {found['p99_ms']:.0f} ms"
    )
    for name, (count, p95) in sorted(found["by_name"].items()):
        print(f"    {name}: {count} requests, p95 {p95:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tracker-load-"))
    processes = Processes(folder)
    url, drop = scratch_database(folder)
    try:
        s3_port = free_port()
        s3_process, s3_log = processes.start(
            "s3", [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)]
        )
        endpoint = f"http://127.0.0.1:{s3_port}"
        wait_until_up(endpoint + "/moto-api/", s3_process, s3_log)
        access = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-2", **access).create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        s3 = {
            "FILE_STORAGE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": endpoint,
            "S3_REGION": "eu-west-2",
            "S3_ACCESS_KEY_ID": "bench",
            "S3_SECRET_ACCESS_KEY": "bench",
        }
        action_id, file_id = prepare(url, s3, folder / "unused-folder")
        env = instance_env(url, processes.redis(free_port()), s3, LOG_FORMAT="text")
        hosts = [processes.instance(f"instance-{n}", free_port(), env, workers=2, threads=4) for n in "ab"]
        processes.worker(env)
        bench_env = {
            **os.environ,
            "BENCH_HOSTS": ",".join(hosts),
            "BENCH_EMAILS": ",".join(EMAILS),
            "BENCH_PASSWORD": PASSWORD,
            "BENCH_ACTION_ID": str(action_id),
            "BENCH_FILE_ID": str(file_id),
        }
        print(f"database: {make_url(url).get_backend_name()}; instances: {', '.join(hosts)}; {os.cpu_count()} cores")
        load_before = os.getloadavg()
        baseline = figures(run_locust(folder, "baseline", 1, 15, bench_env))
        loaded = figures(run_locust(folder, "load", options.users, options.seconds, bench_env))
        load_after = os.getloadavg()
        show("baseline (1 person, 15 s)", baseline)
        show(f"load ({options.users} people, {options.seconds} s)", loaded)
        ratio = loaded["p95_ms"] / baseline["p95_ms"] if baseline["p95_ms"] else float("nan")
        print(f"p95 under load / p95 of the baseline: {ratio:.2f}")
        print(
            f"machine load average (1, 5, 15 min): before {load_before[0]:.2f} {load_before[1]:.2f} "
            f"{load_before[2]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
        )
        met = loaded["errors"] == 0 and loaded["p95_ms"] < TARGET_P95_MS
        print(f"target (0 errors, p95 < {TARGET_P95_MS} ms): {'met' if met else 'NOT met'}")
        return 0 if met else 1
    finally:
        processes.close()
        if drop:
            drop()


if __name__ == "__main__":
    sys.exit(main())
