"""Downloading the plan, for what the signed-in user may see."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user, login_required

from tracker import audit
from tracker.exports.plan import plan_csv_lines, plan_data, plan_json
from tracker.extensions import db
from tracker.permissions import can_export_plan

bp = Blueprint("exports", __name__)


@bp.route("/export")
@login_required
def index():
    if not can_export_plan(current_user):
        abort(403)
    return render_template("exports/index.html")


@bp.route("/export/plan.<fmt>", methods=["POST"])
@login_required
def plan(fmt: str):
    if fmt not in ("json", "csv") or not can_export_plan(current_user):
        abort(404)
    user = current_user._get_current_object()
    audit.record(
        db.session,
        actor=user,
        event="export.plan",
        obj_type="plan",
        obj_id=None,
        summary=f"{user.name} exported the plan as {fmt.upper()}",
        after={"format": fmt},
    )
    db.session.commit()
    headers = {"Content-Disposition": f'attachment; filename="action-plan.{fmt}"'}
    if fmt == "json":
        return Response(plan_json(db.session, user), mimetype="application/json", headers=headers)
    return Response(plan_csv_lines(plan_data(db.session, user)), mimetype="text/csv", headers=headers)
