"""Pages: add a review from its report, check the proposals beside the report, confirm; the stored report."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker.extensions import db
from tracker.importer import drafts, services
from tracker.importer.forms import AddFromTextForm, UploadForm
from tracker.importer.models import ReviewImport
from tracker.loading import load_visible
from tracker.orgs.models import Board
from tracker.permissions import can_import_review, can_work_on_import
from tracker.refusals import attempt

bp = Blueprint("importer", __name__)


def _boards_for(user) -> list[Board]:
    query = select(Board).order_by(Board.name)
    if user.role != "admin":
        query = query.where(Board.id.in_(user.board_ids))
    return list(db.session.execute(query).scalars())


def _max_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_FILE_BYTES", services.DEFAULT_MAX_REPORT_BYTES))


@bp.route("/reviews/add", methods=["GET", "POST"])
@login_required
def new():
    if not can_import_review(current_user):
        abort(403)
    form = UploadForm()
    form.boards.choices = [(b.key, b.name) for b in _boards_for(current_user)]
    if form.validate_on_submit():
        upload = request.files.get("report")
        data = upload.read(_max_bytes() + 1) if upload else b""
        if not upload or not upload.filename or not data:
            form.report.errors = ["Choose the report to upload"]
        else:
            details = {
                "ref": form.ref.data or services.slug(f"{form.title.data}"),
                "title": form.title.data.strip(),
                "child": form.child.data.strip(),
                "boards": form.boards.data,
                "review_type": form.review_type.data.strip(),
                "incident_year": form.incident_year.data,
                "report_date": form.report_date.data or None,
                "author": (form.author.data or "").strip() or None,
            }
            started: list[ReviewImport] = []
            refusal = attempt(
                lambda: started.append(
                    services.start_import(
                        db.session, current_user._get_current_object(), upload.filename, data, details, _max_bytes()
                    )
                )
            )  # reading a long report takes seconds: the page shows a progress indicator meanwhile
            if refusal is None:
                return redirect(url_for("importer.draft", draft_id=started[0].id))
            form.report.errors = [refusal.message]
    return render_template("importer/new.html", form=form), 422 if form.errors else 200


def _load_draft(draft_id: int) -> ReviewImport:
    return load_visible(ReviewImport, draft_id, can_work_on_import)


def _draft_page(draft: ReviewImport, add_form: AddFromTextForm | None = None, status: int = 200):
    agencies = drafts.agency_choices(db.session, draft)
    recs, acts = drafts.lists(draft)
    return render_template(
        "importer/draft.html",
        draft=draft,
        recs=recs,
        acts=acts,
        agencies=agencies,
        add_form=add_form or AddFromTextForm(formdata=None),
        form=add_form if add_form is not None and add_form.errors else None,
        undecided=sum(1 for item in [*recs, *acts] if item.get("status") == "proposed"),
    ), status


@bp.route("/imports/<id:draft_id>")
@login_required
def draft(draft_id: int):
    draft = _load_draft(draft_id)
    if draft.review_id is not None:
        return redirect(url_for("reviews.show", review_id=draft.review_id))
    return _draft_page(draft)


@bp.route("/imports/<id:draft_id>", methods=["POST"])
@login_required
def update(draft_id: int):
    draft = _load_draft(draft_id)
    keys = {a.key for a in drafts.agency_choices(db.session, draft)}
    drafts.apply_edits(draft, request.form, keys)
    taken: list[str] = []
    # The edits typed are kept even when the step is refused.
    refusal = attempt(lambda: taken.append(drafts.take_step(draft, request.form.get("step", ""))), keep_refused=True)
    if refusal is None:
        flash(taken[0], "success")
    else:
        flash(refusal.message, "error")
    return redirect(url_for("importer.draft", draft_id=draft.id))


@bp.route("/imports/<id:draft_id>/add", methods=["POST"])
@login_required
def add(draft_id: int):
    draft = _load_draft(draft_id)
    form = AddFromTextForm()
    which = request.form.get("which") if request.form.get("which") in ("rec", "act") else "act"
    if form.validate_on_submit():
        added: list[str] = []
        refusal = attempt(
            lambda: added.append(drafts.add_from_text(db.session, draft, which, form.text.data, form.ref.data))
        )
        if refusal is None:
            flash(added[0], "success")
            return redirect(url_for("importer.draft", draft_id=draft.id))
        form.text.errors = [refusal.message]
    return _draft_page(draft, form, 422)


@bp.route("/imports/<id:draft_id>/confirm", methods=["POST"])
@login_required
def confirm(draft_id: int):
    draft = _load_draft(draft_id)
    keys = {a.key for a in drafts.agency_choices(db.session, draft)}
    drafts.apply_edits(draft, request.form, keys)
    confirmed: list = []
    refusal = attempt(lambda: confirmed.append(drafts.confirm(db.session, draft, current_user._get_current_object())))
    if refusal is not None:
        # Rolled back: keep the edits typed, on the draft as it is now saved.
        attempt(lambda: drafts.apply_edits(_load_draft(draft_id), request.form, keys))
        flash(refusal.message, "error")
        return redirect(url_for("importer.draft", draft_id=draft_id))
    review = confirmed[0]
    flash(f"{review.title} has been added with its recommendations and actions", "success")
    return redirect(url_for("reviews.show", review_id=review.id))
