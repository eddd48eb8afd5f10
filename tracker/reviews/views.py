"""Pages: the list of reviews, a review with its plan, a recommendation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import clock
from tracker.actions.forms import ResponseForm
from tracker.actions.states import Status
from tracker.assurance.exercise_queries import exercises_for_review
from tracker.extensions import db
from tracker.ids import id_arg
from tracker.loading import load_visible
from tracker.permissions import can_plan_review, can_view_review, visible_action_fields
from tracker.refusals import attempt
from tracker.reviews import queries, services, summary
from tracker.reviews.models import Recommendation, Review

bp = Blueprint("reviews", __name__)


@bp.route("/reviews")
@login_required
def index():
    reviews = list(db.session.execute(queries.visible_reviews_query(current_user)).scalars())
    ids = [r.id for r in reviews]
    counts = queries.action_counts_by_review(db.session, ids)
    recommendation_counts = queries.recommendation_counts_by_review(db.session, ids)
    return render_template(
        "reviews/index.html", reviews=reviews, counts=counts, recommendation_counts=recommendation_counts
    )


@bp.route("/reviews/<id:review_id>")
@login_required
def show(review_id: int):
    review = load_visible(Review, review_id, can_view_review)
    agency_id = id_arg("agency")
    status = request.args.get("status") if request.args.get("status") in {s.value for s in Status} else None
    recommendations = queries.recommendations_with_actions(db.session, review.id)
    actions = list(db.session.execute(queries.filtered_actions_query(review.id, agency_id, status)).scalars())
    agencies = sorted({a.agency for a in review.actions}, key=lambda a: a.name)
    shown_ids = {a.id for a in actions}
    today = clock.today()
    return render_template(
        "reviews/show.html",
        review=review,
        recommendations=recommendations,
        actions=actions,
        shown_ids=shown_ids,
        agencies=agencies,
        agency_id=agency_id,
        status=status,
        filtered=bool(agency_id or status),
        progress={rec.id: services.progress(rec, today) for rec in recommendations},
        exercises=exercises_for_review(db.session, review.id),
        own_agency_actions=[a for a in actions if a.recommendation_id is None],
        summary=summary.review_summary(
            review, recommendations, today, lambda a: "brag" in visible_action_fields(current_user, a)
        ),
        summary_words=summary.same_words,
    )


def _load_recommendation(recommendation_id: int) -> Recommendation:
    return load_visible(Recommendation, recommendation_id, lambda user, r: can_view_review(user, r.review))


@bp.route("/recommendations/<id:recommendation_id>")
@login_required
def recommendation(recommendation_id: int):
    rec = _load_recommendation(recommendation_id)
    form = ResponseForm(formdata=None, response=rec.response, rationale=rec.response_rationale)
    return _recommendation_page(rec, form)


def _recommendation_page(rec: Recommendation, form: ResponseForm, status: int = 200):
    return render_template(
        "reviews/recommendation.html",
        rec=rec,
        review=rec.review,
        response_form=form,
        form=form if form.errors else None,
        progress=services.progress(rec, clock.today()),
    ), status


@bp.route("/recommendations/<id:recommendation_id>/response", methods=["POST"])
@login_required
def respond(recommendation_id: int):
    rec = _load_recommendation(recommendation_id)
    if not can_plan_review(current_user, rec.review):
        abort(403)
    form = ResponseForm()
    if form.validate_on_submit():
        refusal = attempt(
            lambda: services.respond_to_recommendation(
                db.session, current_user._get_current_object(), rec, form.response.data, form.rationale.data
            ),
            form,
        )
        if refusal is None:
            flash("The board's response has been saved", "success")
            return redirect(url_for("reviews.recommendation", recommendation_id=rec.id))
    return _recommendation_page(rec, form, 422)
