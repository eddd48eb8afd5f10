"""Pages: the list of reviews, a review with its plan, a recommendation."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from tracker.actions.states import Status
from tracker.extensions import db
from tracker.loading import load_visible
from tracker.orgs.models import Agency
from tracker.permissions import can_view_review
from tracker.reviews import queries
from tracker.reviews.models import Recommendation, Review

bp = Blueprint("reviews", __name__)


@bp.route("/reviews")
@login_required
def index():
    reviews = list(db.session.execute(queries.visible_reviews_query(current_user)).scalars())
    counts = queries.action_counts_by_review(db.session, [r.id for r in reviews])
    return render_template("reviews/index.html", reviews=reviews, counts=counts)


@bp.route("/reviews/<int:review_id>")
@login_required
def show(review_id: int):
    review = load_visible(Review, review_id, can_view_review)
    agency_id = request.args.get("agency", type=int)
    status = request.args.get("status") if request.args.get("status") in {s.value for s in Status} else None
    recommendations = queries.recommendations_with_actions(db.session, review.id)
    actions = list(db.session.execute(queries.filtered_actions_query(review.id, agency_id, status)).scalars())
    agencies = sorted({a.agency for a in review.actions}, key=lambda a: a.name)
    shown_ids = {a.id for a in actions}
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
        own_agency_actions=[a for a in actions if a.recommendation_id is None],
    )


@bp.route("/recommendations/<int:recommendation_id>")
@login_required
def recommendation(recommendation_id: int):
    rec = load_visible(Recommendation, recommendation_id, lambda user, r: can_view_review(user, r.review))
    return render_template("reviews/recommendation.html", rec=rec, review=rec.review, agencies=Agency)
