"""Assurance exercise pages: open an exercise, see its progress, an agency's worksheet, decide, close."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from tracker.actions.services import current_evidence
from tracker.assurance import exercise_queries, exercises
from tracker.assurance.exercise_forms import (
    AnswerForm,
    CloseForm,
    DecisionForm,
    OpenExerciseForm,
    ReturnForm,
    as_yes_no,
    yes_no,
)
from tracker.assurance.models import Exercise, ExerciseItem
from tracker.extensions import db
from tracker.ids import parse_id
from tracker.loading import load_visible
from tracker.orgs.models import Agency
from tracker.permissions import (
    can_decide_exercise_item,
    can_run_exercise,
    can_view_exercise,
    can_view_exercise_agency,
    can_view_review,
)
from tracker.refusals import attempt
from tracker.reviews.models import Review

bp = Blueprint("exercises", __name__)


def _refused(form, call, default: str) -> bool:
    """Run one service call through ``refusals.attempt`` (commit, or roll back and 403 when the user may not
    do it at all); True when refused, with the reason on the field it names, else on ``default``."""
    refusal = attempt(call, form, top_of_form=False)
    if refusal is not None and not refusal.placed:
        field = getattr(form, default)
        field.errors = [*field.errors, refusal.message]
    return refusal is not None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@bp.route("/reviews/<id:review_id>/exercises/new", methods=["GET", "POST"])
@login_required
def new(review_id: int):
    review = load_visible(Review, review_id, can_view_review)
    if not can_run_exercise(current_user, review):
        abort(403)
    in_reach = exercise_queries.agencies_with_open_actions(db.session, review)
    form = OpenExerciseForm()
    form.agencies.choices = [
        SelectChoice(
            str(agency.id),
            f"{agency.name} – {_plural(count, 'open action')}"
            if count
            else f"{agency.name} – took part in the review, no open actions (answers with its statement)",
        )
        for agency, count in in_reach
    ]
    if request.method == "GET":
        form.agencies.data = [agency.id for agency, _ in in_reach]
    if form.validate_on_submit():
        opened: list[Exercise] = []

        def open_it():
            return opened.append(
                exercises.open_exercise(
                    db.session,
                    current_user,
                    review,
                    title=form.title.data,
                    deadline=form.deadline.data,
                    agency_ids=form.agencies.data,
                )
            )

        if not _refused(form, open_it, "title"):
            flash(f"Assurance exercise “{opened[0].title}” opened", "success")
            return redirect(url_for("exercises.show", exercise_id=opened[0].id))
    return render_template("exercises/new.html", form=form, review=review, in_reach=in_reach)


def _decision_forms(
    data: exercise_queries.PageData, failed: tuple[int, DecisionForm] | None
) -> dict[int, DecisionForm]:
    forms = {item_id: DecisionForm(prefix=f"decision-{item_id}", formdata=None) for item_id in data.decidable}
    if failed:
        forms[failed[0]] = failed[1]
    return forms


def _render_show(exercise: Exercise, form=None, failed_decision=None, close_form=None):
    data = exercise_queries.page_data(db.session, current_user, exercise)
    return render_template(
        "exercises/show.html",
        exercise=exercise,
        data=data,
        form=form,
        decision_forms=_decision_forms(data, failed_decision),
        close_form=close_form or CloseForm(prefix="close", formdata=None),
    )


@bp.route("/exercises/<id:exercise_id>")
@login_required
def show(exercise_id: int):
    exercise = load_visible(Exercise, exercise_id, can_view_exercise)
    return _render_show(exercise)


def _item_in(exercise: Exercise, item_id: int) -> ExerciseItem:
    item = db.session.get(ExerciseItem, item_id)
    if item is None or item.exercise_id != exercise.id:
        abort(404)
    if not can_view_exercise_agency(current_user, exercise, item.agency_id):
        abort(404)
    return item


@bp.route("/exercises/<id:exercise_id>/items/<id:item_id>/decision", methods=["POST"])
@login_required
def decide(exercise_id: int, item_id: int):
    exercise = load_visible(Exercise, exercise_id, can_view_exercise)
    item = _item_in(exercise, item_id)
    if not can_decide_exercise_item(current_user, item):
        abort(403)
    form = DecisionForm(prefix=f"decision-{item.id}")
    if form.validate_on_submit():

        def decide_it():
            return exercises.decide_item(
                db.session, current_user, item, accept=bool(form.accept.data), comment=form.comment.data
            )

        if not _refused(form, decide_it, "comment"):
            flash("Answer accepted" if form.accept.data else f"Answer returned to {item.agency.name}", "success")
            return redirect(url_for("exercises.show", exercise_id=exercise.id, _anchor=f"item-{item.id}"))
    return _render_show(exercise, form=form, failed_decision=(item.id, form))


@bp.route("/exercises/<id:exercise_id>/close", methods=["POST"])
@login_required
def close(exercise_id: int):
    exercise = load_visible(Exercise, exercise_id, can_view_exercise)
    if not can_run_exercise(current_user, exercise.review):
        abort(403)
    form = CloseForm(prefix="close")
    if form.validate_on_submit() and not _refused(
        form, lambda: exercises.close_exercise(db.session, current_user, exercise), "submit"
    ):
        flash("The exercise is closed. Its results are kept as they are now", "success")
        return redirect(url_for("exercises.show", exercise_id=exercise.id))
    return _render_show(exercise, form=form, close_form=form)


def _answer_form(item: ExerciseItem, evidence: list, formdata=None) -> AnswerForm:
    form = AnswerForm(
        prefix=f"item-{item.id}",
        formdata=formdata,
        data={
            "implemented": as_yes_no(item.implemented),
            "maintained": as_yes_no(item.maintained),
            "comment": item.comment,
            "evidence": list(item.evidence_item_ids or []),
        },
    )
    form.evidence.choices = [SelectChoice(str(e.id), f"{e.title} – {e.kind_label}") for e in evidence]
    return form


@bp.route("/exercises/<id:exercise_id>/agencies/<id:agency_id>", methods=["GET", "POST"])
@login_required
def worksheet(exercise_id: int, agency_id: int):
    exercise = load_visible(Exercise, exercise_id, can_view_exercise)
    if not can_view_exercise_agency(current_user, exercise, agency_id):
        abort(404)
    agency = db.session.get(Agency, agency_id)
    form = None
    if request.method == "POST":
        refusal = attempt(lambda: exercises.ensure_can_answer(current_user, exercise, agency_id))  # 403 raised
        if refusal is not None:
            flash(refusal.message, "error")
            return redirect(url_for("exercises.worksheet", exercise_id=exercise.id, agency_id=agency_id))
        form = _handle_worksheet_post(exercise, agency)
        if form is None:
            return redirect(url_for("exercises.worksheet", exercise_id=exercise.id, agency_id=agency_id))
    data = exercise_queries.page_data(db.session, current_user, exercise, agency_id)
    answer_forms = {
        item.id: _answer_form(item, data.current_evidence[item.id]) for item in data.items if item.id in data.editable
    }
    return_form = ReturnForm(prefix="return", formdata=None)
    if isinstance(form, AnswerForm):
        answer_forms[parse_id(request.form.get("item")) or 0] = form
    elif isinstance(form, ReturnForm):
        return_form = form
    return render_template(
        "exercises/worksheet.html",
        exercise=exercise,
        agency=agency,
        data=data,
        form=form,
        answer_forms=answer_forms,
        return_form=return_form,
    )


def _handle_worksheet_post(exercise: Exercise, agency: Agency):
    """Save one answer or submit the return: None when done, or the form with its errors."""
    step = request.form.get("step")
    if step == "answer":
        item = _item_in(exercise, parse_id(request.form.get("item")) or 0)
        if item.agency_id != agency.id:
            abort(404)
        form = _answer_form(item, current_evidence(db.session, item.action), formdata=request.form)
        if form.validate_on_submit():

            def answer_it():
                return exercises.answer_item(
                    db.session,
                    current_user,
                    item,
                    implemented=yes_no(form.implemented.data),
                    maintained=yes_no(form.maintained.data),
                    comment=form.comment.data,
                    evidence_item_ids=form.evidence.data or [],
                )

            if not _refused(form, answer_it, "implemented"):
                flash("Answer saved", "success")
                return None
        return form
    if step == "return":
        form = ReturnForm(prefix="return")
        if form.validate_on_submit():

            def submit_it():
                return exercises.submit_return(db.session, current_user, exercise, agency.id, form.statement.data)

            if not _refused(form, submit_it, "statement"):
                flash(f"{agency.name}'s return has been submitted to the board", "success")
                return None
        return form
    abort(400)
