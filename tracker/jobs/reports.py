"""The assurance report's PDF drawn by the worker, when its scope is large (more than REPORT_PDF_JOB_ACTIONS
actions): WeasyPrint takes longer than a request may on a big board.

The report's subject is loaded again, with the rules of the report pages, when the worker starts and when the
PDF is downloaded; the download is recorded in the history as the immediate download is.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date

from flask import current_app, url_for

from tracker import permissions
from tracker.extensions import db
from tracker.jobs import services as jobs
from tracker.jobs.runner import JobRefused
from tracker.orgs.models import Agency, Board
from tracker.reports import services
from tracker.reports.builder import build_report
from tracker.reports.scope import Scope, scope_for
from tracker.reviews.models import Review

KIND = "report_pdf"
_PAGES = {"board": "reports.board", "review": "reports.review", "agency": "reports.agency"}


def is_large(actions: int) -> bool:
    """Whether a report of this many actions is drawn by the worker rather than inside the request."""
    return actions > int(current_app.config.get("REPORT_PDF_JOB_ACTIONS", 2000))


def start(session, user, scope: Scope, as_at: date | None, name: str):
    """Ask the worker for the PDF (in the caller's transaction: flushes, never commits)."""
    params = {"scope": scope.kind, "id": scope.subject_id, "as_at": as_at.isoformat() if as_at else None, "name": name}
    when = f" as at {as_at.isoformat()}" if as_at else ""
    return jobs.start(session, user, KIND, f"Assurance report for {scope.title}{when} (PDF)", params)


def _subject(user, params: dict) -> dict | None:
    """The board, review or agency, when the user may still have its report (the report pages' rules)."""
    if not user.is_active:
        return None
    kind, object_id = params.get("scope"), params.get("id")
    if kind == "board":
        board = db.session.get(Board, object_id)
        allowed = board is not None and permissions.can_view_board(user, board)
        return {"board": board} if allowed and permissions.can_view_board_report(user, board) else None
    if kind == "review":
        review = db.session.get(Review, object_id)
        allowed = review is not None and permissions.can_view_review(user, review)
        return {"review": review} if allowed and permissions.can_view_review_report(user, review) else None
    if kind == "agency":
        agency = db.session.get(Agency, object_id)
        mine = agency is not None and user.agency_id == agency.id
        return {"agency": agency} if mine and permissions.can_view_agency_report(user, agency) else None
    return None


def _as_at(params: dict) -> date | None:
    return date.fromisoformat(params["as_at"]) if params.get("as_at") else None


def may_download(user, job) -> bool:
    return _subject(user, job.params) is not None


def downloaded(session, user, job) -> None:
    scope = scope_for(**_subject(user, job.params), viewer=user)
    services.record_download(session, user, scope, _as_at(job.params))


def back(job) -> str:
    page = _PAGES.get(job.params.get("scope"), "reports.index")
    args = {} if page in ("reports.agency", "reports.index") else {f"{job.params['scope']}_id": job.params["id"]}
    return url_for(page, **args)


def report_pdf(job, report) -> tuple[str, str, str]:
    user = job.owner
    subject = _subject(user, job.params)
    if subject is None:
        raise JobRefused("You can no longer see this report.")
    report(10, "Collecting the figures")
    built = build_report(db.session, scope_for(**subject, viewer=user), as_at=_as_at(job.params))
    report(40, "Drawing the PDF")
    from tracker.reports.pdf import render_pdf  # WeasyPrint: imported when a PDF is drawn

    body = render_pdf(built, prepared_for=user.name)
    handle, path = tempfile.mkstemp(prefix="tracker-job-")
    try:
        with os.fdopen(handle, "wb") as target:
            target.write(body)
    except BaseException:
        os.unlink(path)
        raise
    report(90, "Saving the PDF")
    return services.pdf_filename(job.params["name"], built.on), "application/pdf", path
