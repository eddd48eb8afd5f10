"""Boards and agencies pages (admins): the lists, creating and renaming boards, creating and changing
agencies (name, sector, boards served), and merging two agency records of the same organisation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from tracker import permissions
from tracker.errors_domain import DomainError
from tracker.extensions import db
from tracker.orgs import services
from tracker.orgs.forms import AgencyForm, BoardForm, MergeForm
from tracker.orgs.models import Agency, Board
from tracker.refusals import attempt

bp = Blueprint("orgs", __name__)


def _user():
    return current_user._get_current_object()


def _require_admin() -> None:
    if not permissions.can_manage_organisations(current_user):
        abort(403)


def _load(model, object_id: int):
    _require_admin()
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _attempt(form, call, default_field: str) -> bool:
    """Run one service call for a valid form through ``refusals.attempt``; False (with the reason on the
    form, on ``default_field`` when it names none of the form's fields) if refused."""
    if not form.validate_on_submit():
        return False
    refusal = attempt(call, form, top_of_form=False)
    if refusal is not None and not refusal.placed:
        target = getattr(form, default_field)
        target.errors = [*target.errors, refusal.message]
    return refusal is None


def _status(form) -> int:
    return 422 if form.errors else 200


@bp.route("/organisations")
@login_required
def index():
    _require_admin()
    agencies = services.agencies_in_use(db.session)
    return render_template(
        "orgs/index.html",
        boards=services.all_boards(db.session),
        agencies=agencies,
        merged=services.merged_agencies(db.session),
        kept_names={agency.id: agency.name for agency in agencies},
    )


@bp.route("/boards/new", methods=["GET", "POST"])
@login_required
def new_board():
    _require_admin()
    form = BoardForm()
    if _attempt(form, lambda: services.create_board(db.session, _user(), form.name.data), "name"):
        flash(f"Board {' '.join(form.name.data.split())} created", "success")
        return redirect(url_for("orgs.index"))
    return render_template("orgs/board.html", form=form, board=None), _status(form)


@bp.route("/boards/<id:board_id>/edit", methods=["GET", "POST"])
@login_required
def edit_board(board_id: int):
    board = _load(Board, board_id)
    form = BoardForm(obj=board) if request.method == "GET" else BoardForm()
    if _attempt(form, lambda: services.rename_board(db.session, _user(), board, form.name.data), "name"):
        flash("The board's name has been saved", "success")
        return redirect(url_for("orgs.index"))
    return render_template("orgs/board.html", form=form, board=board), _status(form)


def _agency_form(agency: Agency | None = None) -> AgencyForm:
    if request.method == "GET" and agency is not None:
        form = AgencyForm(name=agency.name, sector=agency.sector, boards=[b.id for b in agency.boards])
    else:
        form = AgencyForm()
    form.boards.choices = [SelectChoice(b.id, b.name) for b in services.all_boards(db.session)]
    return form


@bp.route("/agencies/new", methods=["GET", "POST"])
@login_required
def new_agency():
    _require_admin()
    form = _agency_form()

    def create():
        services.create_agency(
            db.session, _user(), name=form.name.data, sector=form.sector.data, board_ids=form.boards.data or []
        )

    if _attempt(form, create, "name"):
        flash(f"Agency {' '.join(form.name.data.split())} created", "success")
        return redirect(url_for("orgs.index"))
    return render_template("orgs/agency.html", form=form, agency=None), _status(form)


@bp.route("/agencies/<id:agency_id>/edit", methods=["GET", "POST"])
@login_required
def edit_agency(agency_id: int):
    agency = _load(Agency, agency_id)
    if agency.merged_into_id is not None:
        return _merged_already(agency)
    form = _agency_form(agency)

    def change():
        services.update_agency(
            db.session, _user(), agency, name=form.name.data, sector=form.sector.data, board_ids=form.boards.data or []
        )

    if _attempt(form, change, "name"):
        flash("The agency has been saved", "success")
        return redirect(url_for("orgs.index"))
    return render_template("orgs/agency.html", form=form, agency=agency), _status(form)


def _merged_already(agency: Agency):
    kept = db.session.get(Agency, agency.merged_into_id)
    return render_template("orgs/merged_already.html", agency=agency, kept=kept), 409


@bp.route("/agencies/<id:agency_id>/merge", methods=["GET", "POST"])
@login_required
def merge_agency(agency_id: int):
    agency = _load(Agency, agency_id)
    if agency.merged_into_id is not None:
        return _merged_already(agency)
    form = MergeForm()
    form.kept.choices = [SelectChoice("", "Choose an agency")] + [
        SelectChoice(str(a.id), a.name) for a in services.agencies_in_use(db.session) if a.id != agency.id
    ]
    name = agency.name
    kept_name = None

    def merge():
        nonlocal kept_name
        kept = db.session.get(Agency, form.kept_id())
        if kept is None:
            raise DomainError("Choose the agency record to keep", field="kept")
        kept_name = kept.name
        services.merge_agencies(db.session, _user(), agency, kept)

    if _attempt(form, merge, "kept"):
        flash(
            f"{name} has been merged into {kept_name}. Everything recorded against it is now under {kept_name}.",
            "success",
        )
        return redirect(url_for("orgs.index"))
    return render_template(
        "orgs/merge.html", form=form, agency=agency, holdings=services.holdings(db.session, agency)
    ), _status(form)
