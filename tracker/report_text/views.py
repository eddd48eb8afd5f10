"""Pages: a review's whole report; a recommendation or action shown in its place in the report; the
board's title for an action. Out-of-reach objects answer 404, as everywhere (tracker/loading.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import permissions
from tracker.actions.models import Action
from tracker.extensions import db
from tracker.loading import load_visible
from tracker.refusals import attempt
from tracker.report_text import queries, services
from tracker.report_text.forms import TitleForm
from tracker.reviews.models import Recommendation, Review

bp = Blueprint("report_text", __name__)


@bp.app_template_global()
def joint_partners(action: Action) -> list[Action]:
    return queries.joint_partners(db.session, action)


def _readable(review: Review) -> Review:
    if not permissions.can_read_report_text(current_user, review):
        abort(404)
    return review


def _page(review: Review, item=None, item_label: str | None = None, passage=None, kind: str | None = None):
    document = queries.document_for(review)
    return render_template(
        "report_text/report.html",
        review=review,
        document=document,
        blocks=document.rendered(passage) if document else [],
        item=item,
        item_label=item_label,
        passage=passage,
        kind=kind,
        paragraphs=(item.paragraphs if kind == "recommendation" else item.source_paragraphs) if item else [],
    )


@bp.route("/reviews/<id:review_id>/report")
@login_required
def review(review_id: int):
    review = _readable(load_visible(Review, review_id, permissions.can_view_review))
    return _page(review)


@bp.route("/recommendations/<id:recommendation_id>/report")
@login_required
def recommendation(recommendation_id: int):
    rec = load_visible(Recommendation, recommendation_id, lambda user, r: permissions.can_view_review(user, r.review))
    review = _readable(rec.review)
    document = queries.document_for(review)
    passage = queries.recommendation_passage(document, rec) if document else None
    return _page(review, rec, f"Recommendation {rec.ref_label}", passage, "recommendation")


@bp.route("/actions/<id:action_id>/report")
@login_required
def action(action_id: int):
    item = load_visible(Action, action_id, permissions.can_view_action)
    review = _readable(item.review)
    document = queries.document_for(review)
    passage = queries.action_passage(document, item) if document else None
    return _page(review, item, f"Action for {item.agency.name}: {item.display_title}", passage, "action")


@bp.route("/actions/<id:action_id>/title", methods=["GET", "POST"])
@login_required
def title(action_id: int):
    item = load_visible(Action, action_id, permissions.can_view_action)
    if not permissions.can_edit_action_title(current_user, item):
        abort(403)
    # Defaults only for the empty form: a submitted form must carry the version it was loaded at.
    form = TitleForm() if request.method == "POST" else TitleForm(version=str(item.version), title=item.title)
    status, changes = 200, None
    if request.method == "POST":
        status = 422
        if form.validate():
            refusal = attempt(
                lambda: services.set_action_title(
                    db.session, current_user._get_current_object(), item, form.title.data, form.version.data
                ),
                form,
                top_of_form=False,
            )
            if refusal is None:
                flash("The action's title has been saved", "success")
                return redirect(url_for("actions.show", action_id=item.id))
            if refusal.status == 409:  # a stale edit: show what changed, and the version now saved
                form.form_errors.append(refusal.message)
                form.version.data = str(item.version)
                status, changes = 409, refusal.changes
            elif not refusal.placed:
                form.title.errors = [*form.title.errors, refusal.message]
    return render_template("report_text/title.html", action=item, form=form, changes=changes), status
