"""Downloading the plan (Excel, CSV, JSON): everything the signed-in user may see, or one board, one review or
one agency of it. The page takes the choice as an id in the address; the download is a POST (with its CSRF
token) carrying the same id, and is recorded in the history."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import audit, clock
from tracker.evidence.filetypes import CSV, XLSX
from tracker.exports.downloads import temporary_download
from tracker.exports.plan import load_plan, plan_csv_lines, plan_data, plan_json
from tracker.extensions import db
from tracker.ids import parse_id
from tracker.jobs import exports as export_jobs
from tracker.jobs import services as jobs
from tracker.loading import load_visible
from tracker.orgs.models import Agency, Board
from tracker.permissions import can_export_agency_plan, can_export_plan, can_view_board, can_view_review
from tracker.reports.scope import Scope, scope_for
from tracker.reviews.models import Review
from tracker.reviews.queries import visible_reviews_query

bp = Blueprint("exports", __name__)

FORMATS = {"xlsx": ("Excel", XLSX), "csv": ("CSV", CSV), "json": ("JSON", "application/json")}
SUBJECTS = {
    "board": (Board, can_view_board),
    "review": (Review, can_view_review),
    "agency": (Agency, can_export_agency_plan),
}


def _subject(values) -> tuple[str, object] | None:
    """The board, review or agency chosen (by id), loaded only if the user may export it (404 otherwise)."""
    chosen = [(kind, values.get(kind)) for kind in SUBJECTS if values.get(kind)]
    if not chosen:
        return None
    if len(chosen) > 1:
        abort(400)
    kind, raw = chosen[0]
    object_id = parse_id(raw)
    if object_id is None:
        abort(404)
    model, may_export = SUBJECTS[kind]
    return kind, load_visible(model, object_id, may_export)


def _scope(subject) -> Scope | None:
    if subject is None:
        return None
    kind, obj = subject
    # Never refused here: ``_subject`` loaded the object through a predicate at least as strict as the
    # scope's own (404 when out of reach). Were it refused, the app's DomainError handler answers 403.
    return scope_for(**{kind: obj}, viewer=current_user._get_current_object())


def _identifier(kind: str, obj) -> str:
    return {"board": lambda: obj.key, "review": lambda: obj.ref, "agency": lambda: obj.key}[kind]()


def _filename(subject, fmt: str) -> str:
    if subject is None:
        return f"action-plan.{fmt}"
    kind, obj = subject
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", _identifier(kind, obj)).strip("-.")[:80] or str(obj.id)
    return f"action-plan-{kind}-{slug}.{fmt}"


def _choices() -> dict:
    user = current_user._get_current_object()
    boards = db.session.execute(select(Board).order_by(Board.name)).scalars()
    agencies = db.session.execute(select(Agency).order_by(Agency.name)).scalars()
    return {
        "boards": [b for b in boards if can_view_board(user, b)],
        "reviews": list(db.session.execute(visible_reviews_query(user)).scalars()),
        "agencies": [a for a in agencies if can_export_agency_plan(user, a)],
    }


@bp.route("/export")
@login_required
def index():
    if not can_export_plan(current_user):
        abort(403)
    subject = _subject(request.args)
    return render_template(
        "exports/index.html",
        subject=subject,
        scope=_scope(subject),
        formats=FORMATS,
        **_choices(),
    )


@bp.route("/export/plan.<fmt>", methods=["POST"])
@login_required
def plan(fmt: str):
    if fmt not in FORMATS or not can_export_plan(current_user):
        abort(404)
    user = current_user._get_current_object()
    subject = _subject(request.form)
    scope = _scope(subject)
    what = "the plan" if scope is None else f"the plan of {scope.title}"
    after = {"format": fmt}
    if subject is not None:
        after |= {"scope": subject[0], subject[0]: _identifier(*subject)}
    audit.record(
        db.session,
        actor=user,
        event="export.plan",
        obj_type="plan" if subject is None else subject[0],
        obj_id=None if subject is None else subject[1].id,
        summary=f"{user.name} exported {what} as {FORMATS[fmt][0]}",
        after=after,
    )
    filename = _filename(subject, fmt)
    if fmt == "xlsx" and export_jobs.action_count(user, scope) > export_jobs.large_scope_actions():
        # Too large to write inside one request: the worker prepares it and the progress page offers it.
        params = {"filename": filename} | ({"scope": subject[0], "id": subject[1].id} if subject else {})
        job = jobs.start(db.session, user, "plan_xlsx", f"Export of {what} as Excel", params)
        db.session.commit()
        return redirect(url_for("jobs.show", job_id=job.id))
    db.session.commit()
    if fmt == "xlsx":
        plan_rows = load_plan(db.session, user, scope)
        from tracker.exports.xlsx import write_plan_xlsx  # the spreadsheet writer: imported when used

        return temporary_download(
            lambda target: write_plan_xlsx(plan_rows, target, clock.today(), user), filename, XLSX
        )
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "json":
        return Response(plan_json(db.session, user, scope), mimetype="application/json", headers=headers)
    return Response(plan_csv_lines(plan_data(db.session, user, scope)), mimetype=CSV, headers=headers)
