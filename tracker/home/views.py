"""The home page: one per role, listing what is waiting for the signed-in person, each item linked to the
page where the work is done. The lists and the navigation's count come from ``home/queries.py``."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from tracker import clock
from tracker.auth.models import Role
from tracker.extensions import db
from tracker.home import queries

bp = Blueprint("home", __name__)

# The axe-core version the browser tests run (package.json holds the same exact version).
AXE_VERSION = "4.14.1"


@bp.app_context_processor
def _waiting_count():
    """The navigation's count, computed only when a page draws the navigation (signed-in pages)."""

    def waiting_count() -> int:
        if not current_user.is_authenticated:
            return 0
        return queries.waiting_count(db.session, current_user, clock.today())

    return {"waiting_count": waiting_count}


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement (GOV.UK model), open to everyone, signed in or not."""
    return render_template("home/accessibility.html", axe_version=AXE_VERSION)


@bp.route("/home")
@login_required
def index():
    user = current_user._get_current_object()
    today = clock.today()
    session = db.session
    lists: dict = {}
    if user.role in (Role.BOARD_MEMBER, Role.ADMIN):
        where = queries.member_actions(user)
        lists = {
            "awaiting": queries.first(session, queries.awaiting_decision_query(where, user)),
            "rechecks": queries.first(session, queries.rechecks_due_query(where, today)),
            "not_planned": queries.first(session, queries.not_planned_query(where)),
            "unanswered": queries.first(session, queries.unanswered_recommendations_query(user)),
            "exercises": queries.first(session, queries.exercises_run_query(user)),
        }
    elif user.role == Role.AGENCY_LEAD:
        where = queries.agency_actions(user)
        lists = {
            "returned": queries.first(session, queries.returned_query(where)),
            "due": queries.first(session, queries.overdue_or_due_soon_query(where, today)),
            "not_started": queries.first(session, queries.not_started_query(where)),
            "returns": queries.first(session, queries.open_returns_query(user)),
            "owned": queries.first(session, queries.owned_query(user)),
        }
    boards = queries.boards_in_reach(session, user, today) if user.role != Role.AGENCY_LEAD else []
    return render_template("home/index.html", lists=lists, boards=boards, on=today, role=user.role)
