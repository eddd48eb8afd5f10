"""Two gunicorn instances on two loopback ports, sharing the database (PostgreSQL when DATABASE_URL says so,
as in .ci/run; else one SQLite file), the S3 server and a real Redis for the job queue, with the worker in a
process of its own: nothing a person does depends on which instance answers."""

from __future__ import annotations

import re
import shutil
import time

import pytest
import requests
from flask_migrate import upgrade
from sqlalchemy import select

from tests.conftest import PASSWORD, SEEDS_DIR, make_app, scratch_database
from tests.evidence import pdf
from tests.ops.instances import Processes, csrf_token, instance_env
from tests.ports import free_port
from tracker.actions.models import Action
from tracker.auth.services import create_user
from tracker.evidence.models import EvidenceFile
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review
from tracker.seeding.loader import load_seeds

LEAD = "lead@instances.invalid"
pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs redis-server (make test installs it)"
)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, s3_server):
    tmp = tmp_path_factory.mktemp("instances")
    with scratch_database(tmp) as url:
        setup = make_app(tmp, SQLALCHEMY_DATABASE_URI=url)
        with setup.app_context():
            upgrade()
            load_seeds(db.session, SEEDS_DIR)
            create_user(
                db.session,
                email=LEAD,
                name="Lead",
                role="agency_lead",
                password=PASSWORD,
                agency_key="thames-valley-police",
            )
            db.session.commit()
            action_id = db.session.execute(
                select(Action.id)
                .join(Review)
                .join(Agency, Action.agency_id == Agency.id)
                .where(Review.ref == "mk-child-j", Agency.key == "thames-valley-police")
                .limit(1)
            ).scalar_one()
            db.session.remove()
        processes = Processes(tmp)
        try:
            broker = processes.redis(free_port())
            s3 = s3_server.config(s3_server.new_bucket())
            env = instance_env(url, broker, s3, JOBS_LARGE_SCOPE_ACTIONS=0)
            first = processes.instance("instance-a", free_port(), env)
            second = processes.instance("instance-b", free_port(), env)
            processes.worker(env)
            yield {"a": first, "b": second, "setup": setup, "action_id": action_id, "tmp": tmp}
        finally:
            processes.close()
            with setup.app_context():
                db.engine.dispose()


def signed_in_on(base: str) -> requests.Session:
    person = requests.Session()
    token = csrf_token(person.get(f"{base}/sign-in").text)
    answer = person.post(
        f"{base}/sign-in", data={"email": LEAD, "password": PASSWORD, "csrf_token": token}, allow_redirects=False
    )
    assert answer.status_code == 302, answer.text[:500]
    return person


def test_signed_in_on_one_carry_on_on_the_other(deployment):
    person = signed_in_on(deployment["a"])
    page = person.get(f"{deployment['b']}/reviews", allow_redirects=False)
    assert page.status_code == 200 and "Reviews" in page.text
    token = csrf_token(person.get(f"{deployment['b']}/reviews").text)
    assert person.post(f"{deployment['b']}/sign-out", data={"csrf_token": token}).status_code == 200
    assert person.get(f"{deployment['a']}/reviews", allow_redirects=False).status_code == 302  # signed out on both


def test_a_file_uploaded_through_one_downloads_through_the_other(deployment):
    person = signed_in_on(deployment["a"])
    action_id = deployment["action_id"]
    form_page = person.get(f"{deployment['a']}/actions/{action_id}/evidence/new")
    content = pdf("uploaded through instance A")
    answer = person.post(
        f"{deployment['a']}/actions/{action_id}/evidence/new",
        data={
            "csrf_token": csrf_token(form_page.text),
            "kind": "implementation",
            "title": "Across instances",
            "narrative": "Uploaded on A.",
            "link": "",
            "relates_to": ["1", "3", "2024"],
        },
        files={"files": ("across.pdf", content, "application/pdf")},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:1000]
    with deployment["setup"].app_context():
        file_id = db.session.execute(
            select(EvidenceFile.id).where(EvidenceFile.original_name == "across.pdf")
        ).scalar_one()
        db.session.remove()
    download = person.get(f"{deployment['b']}/evidence/files/{file_id}")
    assert download.status_code == 200 and download.content == content


def test_the_sign_in_throttle_counts_across_both(deployment):
    person = requests.Session()
    for attempt in range(10):
        base = deployment["a" if attempt % 2 else "b"]
        token = csrf_token(person.get(f"{base}/sign-in").text)
        person.post(f"{base}/sign-in", data={"email": LEAD, "password": "wrong password here", "csrf_token": token})
    token = csrf_token(person.get(f"{deployment['a']}/sign-in").text)
    refused = person.post(
        f"{deployment['a']}/sign-in",
        data={"email": LEAD, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert refused.status_code == 429
    with deployment["setup"].app_context():
        from tracker.auth.models import FailedSignIn

        db.session.query(FailedSignIn).delete()  # so the other tests can sign in
        db.session.commit()
        db.session.remove()


def test_a_job_queued_on_one_is_run_by_the_worker_and_reached_from_the_other(deployment):
    person = signed_in_on(deployment["b"])
    token = csrf_token(person.get(f"{deployment['b']}/export").text)
    queued = person.post(f"{deployment['b']}/export/plan.xlsx", data={"csrf_token": token}, allow_redirects=False)
    assert queued.status_code == 302 and "/jobs/" in queued.headers["Location"]
    job_path = re.search(r"/jobs/\d+", queued.headers["Location"]).group(0)
    deadline = time.monotonic() + 60
    page = person.get(f"{deployment['a']}{job_path}").text
    while "Your export is ready" not in page:  # the worker is another process: watch the page, as a person would
        assert time.monotonic() < deadline, page[-2000:]
        assert "could not be prepared" not in page
        time.sleep(0.2)
        page = person.get(f"{deployment['a']}{job_path}").text
    download = person.get(f"{deployment['a']}{job_path}/download")
    assert download.status_code == 200 and download.content[:2] == b"PK"
