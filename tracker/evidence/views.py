"""Evidence pages: record evidence against an action, correct it, and download its files."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from tracker.actions.models import Action
from tracker.evidence import filetypes, personal_data, services, storage
from tracker.evidence.forms import CorrectionForm, EvidenceForm
from tracker.evidence.models import EvidenceFile, EvidenceItem
from tracker.extensions import db
from tracker.loading import load_visible
from tracker.permissions import can_view_action, can_view_evidence, can_work_on_action
from tracker.refusals import attempt

log = logging.getLogger(__name__)

bp = Blueprint("evidence", __name__)

DOWNLOAD_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
UPLOAD_ENDPOINTS = {"evidence.new", "evidence.correct"}


def _actor():
    return current_user._get_current_object()


def _action_to_work_on(action_id: int) -> Action:
    action = load_visible(Action, action_id, can_view_action)
    if not can_work_on_action(current_user, action):
        abort(403)
    return action


def _item_to_correct(item_id: int) -> EvidenceItem:
    item = load_visible(EvidenceItem, item_id, can_view_evidence)
    if not can_work_on_action(current_user, item.action):
        abort(403)
    return item


def _can_view_file(user, stored: EvidenceFile) -> bool:
    return can_view_evidence(user, stored.item)


def _page_options() -> dict:
    return {
        "accept": filetypes.ACCEPT,
        "file_types_hint": filetypes.TYPES_HINT,
        "limit_in_words": storage.size_in_words(storage.max_file_bytes()),
    }


def _save(form, save) -> tuple[EvidenceItem | None, str | None, int]:
    """Run one service through ``refusals.attempt`` (which rolls back, removing the files stored in this
    transaction). Returns (the saved item, None, 302), or, when the rules refuse, (None, why the whole page
    is blocked or None, status) with the field errors put on the form."""
    saved: list[EvidenceItem] = []
    refusal = attempt(lambda: saved.append(save()), form, top_of_form=False)
    if refusal is None:
        return saved[0], None, 302
    if not refusal.placed:
        return None, refusal.message, 409
    return None, None, refusal.status


def _add_field_errors(form, has_files: bool) -> None:
    """A form that could not be read in full (a date that is not a date) still shows every other field's
    problem at once, as the GOV.UK pattern asks. (A bad CSRF token never gets here: CSRFProtect refuses
    the request first.)"""
    found = services.field_errors(
        form.kind.data, form.title.data, form.narrative.data, form.link.data, form.relates_to.data, has_files
    )
    for name, message in found.items():
        field = getattr(form, name)
        if not field.errors:
            field.errors = [message]


def _held_for_personal_data(form) -> bool:
    """Whether to stop before saving, to warn that the evidence seems to hold an NHS number or a date of
    birth (in its title, description or file names). Saved once the person confirms."""
    form.personal_data_warnings = personal_data.warnings(
        title=form.title.data,
        narrative=form.narrative.data,
        file_names=[getattr(upload, "filename", "") or "" for upload in form.uploads],
    )
    if not form.personal_data_warnings or form.confirm_personal_data.data:
        return False
    form.confirm_personal_data.errors = [
        "Check the evidence for personal details. Remove or redact them, or confirm that the board needs them"
    ]
    return True


def _status(too_large: bool, blocked: str | None) -> int:
    """A posted form that cannot be saved: too large (413), blocked by the action's state (409), or with
    errors to correct (422)."""
    if too_large:
        return 413
    if request.method != "POST":
        return 200
    return 409 if blocked else 422


def _build_form(form_class, **initial):
    """The form, or, when the request was too large to read, an empty one showing why."""
    refused = g.pop("upload_too_large", None)
    if refused:
        form = form_class(formdata=None, **initial)
        field, message = refused
        getattr(form, field).errors = [message]
        return form, True
    return form_class(**initial), False


@bp.route("/actions/<id:action_id>/evidence/new", methods=["GET", "POST"])
@login_required
def new(action_id: int):
    action = _action_to_work_on(action_id)
    form, too_large = _build_form(EvidenceForm)
    blocked = services.change_refused(db.session, current_user, action)
    status = _status(too_large, blocked)
    if form.is_submitted() and not (too_large or blocked):
        if not form.validate():
            _add_field_errors(form, bool(form.uploads))
        elif _held_for_personal_data(form):
            status = 422
        else:
            item, blocked, status = _save(
                form,
                lambda: services.add_evidence(
                    db.session,
                    _actor(),
                    action,
                    kind=form.kind.data,
                    title=form.title.data,
                    narrative=form.narrative.data,
                    link=form.link.data,
                    relates_to=form.relates_to.data,
                    uploads=form.uploads,
                ),
            )
            if item is not None:
                flash(f"Evidence added: {item.title}", "success")
                return redirect(url_for("actions.show", action_id=action.id))
    return render_template("evidence/new.html", form=form, action=action, blocked=blocked, **_page_options()), status


@bp.route("/evidence/<id:item_id>/correct", methods=["GET", "POST"])
@login_required
def correct(item_id: int):
    item = _item_to_correct(item_id)
    initial = {}
    if request.method == "GET":
        initial = {
            "data": {
                "kind": item.kind,
                "title": item.title,
                "narrative": item.narrative,
                "link": item.link,
                "relates_to": item.relates_to,
                "keep_files": True,
            }
        }
    form, too_large = _build_form(CorrectionForm, **initial)
    blocked = services.change_refused(db.session, current_user, item.action, item)
    status = _status(too_large, blocked)
    if form.is_submitted() and not (too_large or blocked):
        if not form.validate():
            _add_field_errors(form, bool(form.uploads or (form.keep_files.data and item.files)))
        elif _held_for_personal_data(form):
            status = 422
        else:
            new_version, blocked, status = _save(
                form,
                lambda: services.correct_evidence(
                    db.session,
                    _actor(),
                    item,
                    kind=form.kind.data,
                    title=form.title.data,
                    narrative=form.narrative.data,
                    link=form.link.data,
                    relates_to=form.relates_to.data,
                    keep_files=form.keep_files.data,
                    uploads=form.uploads,
                ),
            )
            if new_version is not None:
                flash(f"Correction saved: {new_version.title} is now version {new_version.version}", "success")
                return redirect(url_for("actions.show", action_id=item.action_id))
    return render_template(
        "evidence/correct.html", form=form, item=item, action=item.action, blocked=blocked, **_page_options()
    ), status


@bp.route("/evidence/files/<id:file_id>")
@login_required
def download(file_id: int):
    stored = load_visible(EvidenceFile, file_id, _can_view_file)
    try:
        reader = storage.open_stored(stored.storage_key)
    except FileNotFoundError:
        log.error("Evidence file %s is missing from storage (key %s)", stored.id, stored.storage_key)
        abort(500)
    services.record_download(db.session, _actor(), stored)
    db.session.commit()
    response = send_file(
        reader,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=storage.clean_name(stored.original_name),
        conditional=False,
        etag=False,
    )
    response.content_length = stored.size
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.errorhandler(RequestEntityTooLarge)
def _request_too_large(error: RequestEntityTooLarge):
    """A request past MAX_CONTENT_LENGTH (or with a text field past MAX_FORM_MEMORY_SIZE) cannot be read at
    all, not even its CSRF token: show the form again, empty, with the limit, after the same sign-in and
    permission checks as the page itself."""
    if request.endpoint not in UPLOAD_ENDPOINTS:
        return error
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        g.upload_too_large = ("files", storage.too_large_message(storage.max_file_bytes()))
    else:  # the request fits, but one text field is past what a form may hold in memory
        g.upload_too_large = ("narrative", services.MESSAGES["narrative_long"])
    try:
        return current_app.view_functions[request.endpoint](**(request.view_args or {}))
    except HTTPException as refused:
        return current_app.handle_http_exception(refused)
