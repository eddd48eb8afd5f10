"""The exports that go to the worker when their scope is large (more than JOBS_LARGE_SCOPE_ACTIONS actions)."""

from __future__ import annotations

import os
import tempfile

from flask import current_app
from sqlalchemy import func, select

from tracker import clock
from tracker.actions.models import Action
from tracker.errors_domain import NotPermitted
from tracker.evidence.filetypes import XLSX
from tracker.exports.plan import load_plan
from tracker.exports.xlsx import write_plan_xlsx
from tracker.extensions import db
from tracker.jobs.runner import JobRefused
from tracker.orgs.models import Agency, Board
from tracker.permissions import can_export_agency_plan, can_export_plan, can_view_board, can_view_review
from tracker.reports.scope import Scope, scope_for
from tracker.reviews.models import Review
from tracker.reviews.queries import visible_reviews_query

SUBJECTS = {
    "board": (Board, can_view_board),
    "review": (Review, can_view_review),
    "agency": (Agency, can_export_agency_plan),
}


def large_scope_actions() -> int:
    return int(current_app.config.get("JOBS_LARGE_SCOPE_ACTIONS", 2000))


def action_count(user, scope: Scope | None) -> int:
    if scope is None:
        condition = Action.review_id.in_(visible_reviews_query(user).with_only_columns(Review.id).order_by(None))
    else:
        condition = scope.actions
    return db.session.execute(select(func.count()).select_from(Action).where(condition)).scalar_one()


def scope_again(user, params: dict) -> Scope | None:
    """The export's scope, asked again as the worker starts: a person who has lost access gets nothing."""
    if not can_export_plan(user) or not user.is_active:
        raise JobRefused("You can no longer export the plan.")
    kind = params.get("scope")
    if kind is None:
        return None
    model, may_export = SUBJECTS[kind]
    obj = db.session.get(model, params["id"])
    if obj is None or not may_export(user, obj):
        raise JobRefused("You can no longer export this part of the plan.")
    try:
        return scope_for(**{kind: obj}, viewer=user)
    except NotPermitted:
        raise JobRefused("You can no longer export this part of the plan.") from None


def plan_xlsx(job, report) -> tuple[str, str, str]:
    user = job.owner
    scope = scope_again(user, job.params)
    report(10, "Collecting the actions")
    plan_rows = load_plan(db.session, user, scope)
    report(40, "Writing the spreadsheet")
    handle, path = tempfile.mkstemp(prefix="tracker-job-")
    try:
        with os.fdopen(handle, "wb") as target:
            write_plan_xlsx(plan_rows, target, clock.today(), user)  # only what the person may see
    except BaseException:
        os.unlink(path)
        raise
    report(90, "Saving the spreadsheet")
    return job.params["filename"], XLSX, path
