"""Pages: one action (with every step a person may take on it), new actions, and an agency's list.

Views stay thin: load the object (404 when out of reach), parse the form, call one service, commit once,
redirect. A refused step comes back as the same page with the reason in the error summary; an edit made
on a stale page comes back with what changed (409).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from tracker import history_words, permissions
from tracker.actions import evidence_changes, services
from tracker.actions.forms import (
    DecisionForm,
    NewActionForm,
    PlanForm,
    ReassignForm,
    StatusForm,
    SubmitForAssuranceForm,
)
from tracker.actions.models import Action
from tracker.actions.states import Status
from tracker.auth.fresh import fresh_login_required
from tracker.auth.models import Role
from tracker.extensions import db
from tracker.ids import id_arg, parse_id
from tracker.loading import load_visible
from tracker.orgs.models import Agency
from tracker.pagination import keyset_page
from tracker.refusals import attempt
from tracker.reviews import queries
from tracker.reviews.models import Recommendation, Review

bp = Blueprint("actions", __name__)


def _user():
    return current_user._get_current_object()


def _owner_options(action: Action) -> list[SelectChoice]:
    people = services.owner_choices(db.session, action.agency_id)
    return [SelectChoice("", "Not assigned")] + [SelectChoice(str(u.id), u.name) for u in people]


def _forms(action: Action) -> dict:
    version = str(action.version)
    plan = PlanForm(
        formdata=None,
        version=version,
        owner=str(action.owner_id or ""),
        due_date=action.due_date,
        success_measure=action.success_measure,
    )
    reassign = ReassignForm(formdata=None, version=version, owner=str(action.owner_id or ""))
    # One query for both forms' choices, and none when the page shows neither form.
    choices = _owner_options(action) if permissions.can_reassign_owner(_user(), action) else []
    for form in (plan, reassign):
        form.owner.choices = choices
    return {
        "plan_form": plan,
        "reassign_form": reassign,
        "status_form": StatusForm(formdata=None, version=version),
        "submit_form": SubmitForAssuranceForm(formdata=None, version=version),
        "decision_form": DecisionForm(formdata=None, version=version),
    }


def _page(action: Action, status: int = 200, failed: tuple[str, object] | None = None, changes=None):
    forms = _forms(action)
    if failed:
        forms[failed[0]] = failed[1]
    user = _user()
    party = permissions.party_for(user, action)
    submissions, sign_offs, pending = services.assurance_record(db.session, action)
    pending_people = {pending.submitted_by_id, *services.evidence_adders(db.session, pending)} if pending else set()
    context = {
        "evidence_comparison": evidence_changes.since_last_decision(
            db.session, action.id, pending, submissions, sign_offs
        ),
        "action": action,
        "party": party,
        "moves": permissions.allowed_moves(user, action, pending.kind if pending else None, pending_people),
        "evidence_items": services.current_evidence(db.session, action),
        "pending": pending,
        "submissions": submissions,
        "sign_offs": sign_offs,
        "history": history_words.sentences(db.session, services.action_history(db.session, action)),
        "form": failed[1] if failed else None,
        "changes": changes,
        **forms,
    }
    return render_template("actions/show.html", **context), status


def _attempt(action: Action, allowed: Callable, form_name: str, form, call: Callable[[], object], done: str):
    """Run one service call for a posted form: commit and redirect, or show the page with the reason.
    Whether the user may take the step at all is asked first, so a refusal never depends on the form."""
    if not allowed(_user(), action):
        abort(403)
    if not form.validate_on_submit():
        return _page(action, 422, (form_name, form))
    refusal = attempt(call, form)
    if refusal is not None:
        return _page(db.session.get(Action, action.id), refusal.status, (form_name, form), refusal.changes or None)
    flash(done, "success")
    return redirect(url_for("actions.show", action_id=action.id))


def _may_change_status(user, action: Action) -> bool:
    return permissions.party_for(user, action) is not None


# What every action page shows of the action (its review and the review's boards, which say who may read
# it, its agency and recommendations), read with it in one statement.
_WITH_ACTION = (
    joinedload(Action.review).joinedload(Review.boards),
    joinedload(Action.agency),
    joinedload(Action.recommendation),
    joinedload(Action.recommendations),
)


def _load(action_id: int) -> Action:
    return load_visible(Action, action_id, permissions.can_view_action, options=_WITH_ACTION)


@bp.route("/actions/<id:action_id>")
@login_required
def show(action_id: int):
    return _page(_load(action_id))


@bp.route("/actions/<id:action_id>/plan", methods=["POST"])
@login_required
def plan(action_id: int):
    action = _load(action_id)
    form = PlanForm()
    form.owner.choices = _owner_options(action)
    return _attempt(
        action,
        permissions.can_plan_action,
        "plan_form",
        form,
        lambda: services.update_plan(
            db.session,
            _user(),
            action,
            form.version.data,
            owner_id=form.owner.data or None,
            due_date=form.due_date.data,
            due_date_reason=form.due_date_reason.data,
            success_measure=form.success_measure.data,
        ),
        "The plan has been saved",
    )


@bp.route("/actions/<id:action_id>/owner", methods=["POST"])
@login_required
def reassign(action_id: int):
    action = _load(action_id)
    form = ReassignForm()
    form.owner.choices = _owner_options(action)
    return _attempt(
        action,
        permissions.can_reassign_owner,
        "reassign_form",
        form,
        lambda: services.reassign_owner(db.session, _user(), action, form.version.data, form.owner.data or None),
        "The action has been reassigned",
    )


@bp.route("/actions/<id:action_id>/status", methods=["POST"])
@login_required
def change_status(action_id: int):
    action = _load(action_id)
    form = StatusForm()
    return _attempt(
        action,
        _may_change_status,
        "status_form",
        form,
        lambda: services.change_status(
            db.session, _user(), action, form.version.data, form.status.data, form.reason.data
        ),
        "The status has been changed",
    )


@bp.route("/actions/<id:action_id>/submit", methods=["POST"])
@login_required
def submit(action_id: int):
    action = _load(action_id)
    form = SubmitForAssuranceForm()
    return _attempt(
        action,
        permissions.can_work_on_action,
        "submit_form",
        form,
        lambda: services.submit_for_assurance(db.session, _user(), action, form.version.data, form.statement.data),
        "Submitted for assurance: a board member will review it",
    )


@bp.route("/actions/<id:action_id>/decision", methods=["POST"])
@login_required
@fresh_login_required(back="actions.show")
def decide(action_id: int):
    action = _load(action_id)
    form = DecisionForm()
    return _attempt(
        action,
        permissions.can_review_action,
        "decision_form",
        form,
        lambda: services.decide(
            db.session,
            _user(),
            action,
            form.version.data,
            accept=form.decision.data == "accept",
            comments=form.comments.data,
            recheck_due=form.recheck_due.data,
            meets_measure=form.meets_measure.data == "yes",
        ),
        "Your decision has been recorded",
    )


@bp.route("/recommendations/<id:recommendation_id>/actions/new", methods=["GET", "POST"])
@login_required
def new(recommendation_id: int):
    rec = load_visible(Recommendation, recommendation_id, lambda user, r: permissions.can_view_review(user, r.review))
    if not permissions.can_plan_review(_user(), rec.review):
        abort(403)
    form = NewActionForm()
    agencies = list(
        db.session.execute(select(Agency).where(Agency.merged_into_id.is_(None)).order_by(Agency.name)).scalars()
    )
    form.agency.choices = [SelectChoice("", "Choose an agency")] + [SelectChoice(str(a.id), a.name) for a in agencies]
    if form.validate_on_submit():
        created: list[Action] = []
        refusal = attempt(
            lambda: created.append(
                services.create_action(
                    db.session,
                    _user(),
                    rec,
                    agency_id=parse_id(form.agency.data),
                    text=form.text.data,
                    due_date=form.due_date.data,
                    success_measure=form.success_measure.data,
                )
            )
        )
        if refusal is None:
            flash("The action has been added. Assign its owner on this page.", "success")
            return redirect(url_for("actions.show", action_id=created[0].id))
        form.form_errors.append(refusal.message)
    status = 422 if form.errors else 200
    return render_template("actions/new.html", form=form, rec=rec, review=rec.review), status


@bp.route("/my-agency")
@login_required
def my_agency():
    if current_user.role != Role.AGENCY_LEAD or current_user.agency_id is None:
        abort(404)
    status = request.args.get("status") if request.args.get("status") in {s.value for s in Status} else None
    page = keyset_page(
        db.session,
        queries.agency_actions_query(current_user.agency_id, status),
        Action.id,
        queries.action_conditions(agency_id=current_user.agency_id, status=status),
        current_app.config["PAGE_SIZE"],
        after=id_arg("after"),
        before=id_arg("before"),
    )
    return render_template("actions/my_agency.html", actions=page.items, page=page, status=status, total=page.total)
