"""Pages: one action, and an agency lead's list of their agency's actions across every board."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select

from tracker.actions.models import Action
from tracker.actions.states import Status
from tracker.auth.models import Role
from tracker.extensions import db
from tracker.loading import load_visible
from tracker.permissions import can_view_action
from tracker.reviews import queries

bp = Blueprint("actions", __name__)


@bp.route("/actions/<int:action_id>")
@login_required
def show(action_id: int):
    action = load_visible(Action, action_id, can_view_action)
    return render_template("actions/show.html", action=action)


@bp.route("/my-agency")
@login_required
def my_agency():
    if current_user.role != Role.AGENCY_LEAD or current_user.agency_id is None:
        abort(404)
    status = request.args.get("status") if request.args.get("status") in {s.value for s in Status} else None
    page = max(request.args.get("page", 1, type=int), 1)
    size = current_app.config["PAGE_SIZE"]
    query = queries.filtered_actions_query(agency_id=current_user.agency_id, status=status)
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    actions = list(db.session.execute(query.limit(size).offset((page - 1) * size)).scalars())
    return render_template(
        "actions/my_agency.html",
        actions=actions,
        status=status,
        page=page,
        pages=max((total + size - 1) // size, 1),
        total=total,
    )
