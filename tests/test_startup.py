"""A worker starts fast: the heavy libraries are imported where they are used, not when the app is made.

``import wsgi`` runs in a fresh interpreter (as gunicorn's worker does) and must leave out every library
below; each belongs to one feature and is imported by it when it is used. Importing one of them back at
the top of a module that the app loads fails this test with that module's name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import create_app
from tracker.jobs import queue

ROOT = Path(__file__).resolve().parent.parent

NOT_AT_START = {
    "weasyprint": "the report PDF (tracker/reports/pdf.py)",
    "openpyxl": "spreadsheets read and written",
    "xlsxwriter": "spreadsheets written",
    "alembic": "migrations (flask db, flask seed)",
    "flask_migrate": "migrations (flask db, flask seed)",
    "huey": "the job queue, made when a task is first queued (tracker/jobs/queue.py)",
    "redis": "huey's Redis storage",
    "pikepdf": "checking an uploaded PDF (tracker/evidence/filetypes/pdf.py)",
    "PIL": "checking an uploaded image (tracker/evidence/filetypes/images.py)",
    "segno": "the two-factor QR code",
    "bagit": "backups (tracker/custody/backup.py)",
    "pypdf": "reading a review's report",
    "docx": "reading a review's report",
    "boto3": "the S3 file store",
    "zipstream": "the evidence pack's ZIP (tracker/packs/services.py)",
}

PROBE = """
import json, sys
import wsgi
print(json.dumps(sorted(name for name in {names} if name in sys.modules)))
"""


def test_importing_wsgi_leaves_the_heavy_libraries_out():
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["TRACKER_ENV"] = "development"
    probe = PROBE.format(names=sorted(NOT_AT_START))
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert imported == [], "imported at start-up: " + "; ".join(f"{name} ({NOT_AT_START[name]})" for name in imported)


def test_a_wrong_broker_url_still_stops_the_app_at_start(tmp_path):
    with pytest.raises(ValueError, match="JOBS_BROKER_URL must be"):
        create_app({"ENV_NAME": "test", "JOBS_BROKER_URL": "ftp://broker.invalid", "SECRET_KEY": "x" * 40})


def test_the_queue_is_made_once_on_first_use(app):
    with app.app_context():
        first = queue.tasks()
        assert queue.tasks() is first and first.huey.name == "tracker"
