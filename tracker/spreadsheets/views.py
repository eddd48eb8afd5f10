"""Importing a plan from a spreadsheet (board members and admins), and its templates."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from tracker.evidence.filetypes import CSV, XLSX
from tracker.evidence.storage import size_in_words
from tracker.exports.downloads import temporary_download
from tracker.extensions import db
from tracker.permissions import can_import_plan
from tracker.refusals import attempt
from tracker.spreadsheets import services
from tracker.spreadsheets.columns import COLUMNS
from tracker.spreadsheets.forms import ImportPlanForm

bp = Blueprint("spreadsheets", __name__)

# Past this many, the page lists the first ones and says how many more there are.
PROBLEMS_SHOWN = 500
CONFLICT = (
    "Someone else imported part of this plan at the same moment, so nothing has been imported. Upload the file "
    "again: what they imported will be skipped"
)


def _limits() -> dict:
    config = current_app.config
    return {
        "max_bytes": int(config.get("PLAN_IMPORT_MAX_BYTES", services.DEFAULT_MAX_BYTES)),
        "max_rows": int(config.get("PLAN_IMPORT_MAX_ROWS", services.DEFAULT_MAX_ROWS)),
    }


def _require_importer() -> None:
    if not can_import_plan(current_user):
        abort(403)


def _page(form: ImportPlanForm, status: int = 200, problems=(), checked=None):
    limits = _limits()
    return render_template(
        "spreadsheets/import.html",
        form=form,
        problems=list(problems)[:PROBLEMS_SHOWN],
        more_problems=max(len(problems) - PROBLEMS_SHOWN, 0),
        checked=checked,
        columns=COLUMNS,
        limit_in_words=size_in_words(limits["max_bytes"]),
        max_rows=limits["max_rows"],
    ), status


@bp.route("/plans/import", methods=["GET", "POST"])
@login_required
def import_plan():
    _require_importer()
    form = ImportPlanForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():  # only the CSRF token can fail here: a missing file is checked below
        return _page(form, 400)
    upload = form.file.data
    if upload is None or not upload.filename:
        form.file.errors = ["Select a spreadsheet (.xlsx or .csv) to import"]
        return _page(form, 422)
    dry_run = bool(form.check.data)
    imported: list = []

    def run_import() -> None:
        imported.append(
            services.import_plan(
                db.session,
                current_user._get_current_object(),
                upload.filename,
                upload.stream,
                dry_run=dry_run,
                **_limits(),
            )
        )
        if dry_run:
            db.session.rollback()  # a check keeps nothing: ``attempt`` then commits an empty transaction

    try:
        refusal = attempt(run_import)
    except IntegrityError:  # two imports at the same moment (``attempt`` has rolled back)
        form.file.errors = [CONFLICT]
        return _page(form, 409)
    if refusal is not None:
        form.file.errors = [refusal.message]
        # One problem with the file as a whole is said in the error summary; anything else is listed too.
        problems = getattr(refusal.error, "problems", [])
        whole_file = len(problems) == 1 and problems[0].row is None
        return _page(form, 422, problems=() if whole_file else problems)
    result = imported[0]
    if dry_run:
        return _page(ImportPlanForm(formdata=None), checked=result)
    flash(result.summary, "success")
    if len(result.review_ids) == 1:
        return redirect(url_for("reviews.show", review_id=result.review_ids[0]))
    return redirect(url_for("reviews.index"))


@bp.route("/plans/import/template.<fmt>")
@login_required
def template(fmt: str):
    _require_importer()
    # openpyxl: imported when a template is asked for, not when a worker starts
    from tracker.spreadsheets.template import template_csv, write_template_xlsx

    if fmt == "csv":
        return Response(
            template_csv(),
            mimetype=CSV,
            headers={"Content-Disposition": 'attachment; filename="plan-import-template.csv"'},
        )
    if fmt != "xlsx":
        abort(404)
    return temporary_download(lambda target: write_template_xlsx(db.session, target), "plan-import-template.xlsx", XLSX)


@bp.errorhandler(RequestEntityTooLarge)
def _request_too_large(error: RequestEntityTooLarge):
    """A request past MAX_CONTENT_LENGTH cannot be read at all: show the page again, with the limit, after the
    same sign-in and permission checks as the page itself."""
    if request.endpoint != "spreadsheets.import_plan":
        return error
    try:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        _require_importer()
    except HTTPException as refused:
        return current_app.handle_http_exception(refused)
    form = ImportPlanForm(formdata=None)
    form.file.errors = [f"The selected file must be smaller than {size_in_words(_limits()['max_bytes'])}"]
    return _page(form, 413)
