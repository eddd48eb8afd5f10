"""The progress page of a job and the download of its result: only for the person who asked."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, abort, render_template, send_file, url_for
from flask_login import login_required

from tracker import clock, files
from tracker.auth.fresh import confirm_first, is_fresh
from tracker.extensions import db
from tracker.jobs.kinds import kind_of
from tracker.jobs.models import Job
from tracker.loading import load_visible
from tracker.permissions import can_view_job

bp = Blueprint("jobs", __name__)

DOWNLOAD_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


def _ready(job: Job) -> bool:
    if job.status != "done" or job.result_key is None or job.expires_at is None:
        return False
    expires = job.expires_at if job.expires_at.tzinfo else job.expires_at.replace(tzinfo=UTC)  # SQLite: naive UTC
    return expires > clock.now()


@bp.route("/jobs/<id:job_id>")
@login_required
def show(job_id: int):
    job = load_visible(Job, job_id, can_view_job)
    kind = kind_of(job)
    noun, back = (kind.noun, kind.back(job)) if kind else ("export", url_for("home.index"))
    return render_template("jobs/show.html", job=job, ready=_ready(job), noun=noun, back=back)


@bp.route("/jobs/<id:job_id>/download")
@login_required
def download(job_id: int):
    job = load_visible(Job, job_id, can_view_job)
    kind = kind_of(job)
    # Its owner's alone, and only while the immediate download's rule still lets them have it.
    if kind is None or not _ready(job) or not kind.may_download(job.owner, job):
        abort(404)
    if kind.fresh and not is_fresh():
        return confirm_first()
    if kind.downloaded is not None:
        kind.downloaded(db.session, job.owner, job)
        db.session.commit()
    try:
        reader = files.current_store().open(job.result_key)
    except FileNotFoundError:
        abort(404)
    response = send_file(
        reader,
        mimetype=job.result_type,
        as_attachment=True,
        download_name=job.result_name,
        conditional=False,
        etag=False,
    )
    response.content_length = job.result_size
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response
