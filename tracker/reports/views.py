"""Assurance report pages and their PDF downloads: for a board, a review, and an agency lead's own agency.

Each page can be shown as it stood on a past date (``?as_at=``). Out-of-reach boards and reviews answer 404;
those in sight but not reportable by the user (an agency lead has their agency's report instead) answer 403.
The page shows a few rows of each list; its "See all" pages (every recommendation by need, every row of a
list) load the subject with the same checks and build the same scope, a numbered page at a time.
Every PDF download is recorded in the history. A PDF of a large scope (REPORT_PDF_JOB_ACTIONS) is drawn by
the worker: the download answers with its progress page.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import clock, permissions
from tracker.auth.models import Role
from tracker.extensions import db
from tracker.home import queries as home_queries
from tracker.ids import page_number
from tracker.jobs import reports as pdf_jobs
from tracker.jobs.exports import action_count
from tracker.loading import load_visible
from tracker.orgs.models import Agency, Board
from tracker.reports import charts, lists, services
from tracker.reports.builder import build_report, recommendations_by_need
from tracker.reports.forms import as_at_form, quick_dates
from tracker.reports.scope import scope_for
from tracker.reviews.models import Review
from tracker.reviews.queries import visible_reviews_query

bp = Blueprint("reports", __name__)


def _user():
    return current_user._get_current_object()


@bp.route("/reports")
@login_required
def index():
    user = _user()
    boards, reviews = [], []
    if user.role != Role.AGENCY_LEAD:
        reach = permissions.board_ids_in_reach(user)
        query = select(Board).order_by(Board.name)
        if reach is not None:
            query = query.where(Board.id.in_(sorted(reach)))
        boards = list(db.session.execute(query).scalars())
        reviews = list(db.session.execute(visible_reviews_query(user)).scalars())
    return render_template("reports/index.html", boards=boards, reviews=reviews, agency=user.agency)


def _load_board(board_id: int) -> Board:
    board = load_visible(Board, board_id, permissions.can_view_board)
    if not permissions.can_view_board_report(current_user, board):
        abort(403)
    return board


def _load_review(review_id: int) -> Review:
    review = load_visible(Review, review_id, permissions.can_view_review)
    if not permissions.can_view_review_report(current_user, review):
        abort(403)
    return review


def _own_agency() -> Agency:
    agency = current_user.agency
    if agency is None or not permissions.can_view_agency_report(current_user, agency):
        abort(404)
    return agency


def _page(subject: dict, endpoint: str, endpoint_args: dict):
    form = as_at_form(request.args)
    as_at = form.as_at.data if not form.errors else None
    scope = scope_for(**subject, viewer=_user())
    report = build_report(db.session, scope, as_at=as_at, limits=lists.PAGE)
    today = clock.today()
    see_all = {name: url_for(endpoint + "_list", name=name, **endpoint_args) for name in lists.NAMES}
    see_all["recommendations"] = url_for(endpoint + "_recommendations", **endpoint_args)
    return render_template(
        "reports/report.html",
        report=report,
        waiting=home_queries.first(db.session, home_queries.awaiting_decision_query(scope.actions)),
        charts=charts.report_charts(report),
        form=form if form.errors else None,
        as_at_form=form,
        quick_dates=quick_dates(today),
        page_url=url_for(endpoint, **endpoint_args),
        pdf_url=url_for(endpoint + "_pdf", **endpoint_args, **({"as_at": as_at.isoformat()} if as_at else {})),
        pdf=False,
        see_all=see_all,
    ), (422 if form.errors else 200)


def _numbered(total: int) -> tuple[int, int, int]:
    """The page asked for, how many pages there are and their size; 404 for a page that is not one."""
    size = current_app.config["PAGE_SIZE"]
    pages = max((total + size - 1) // size, 1)
    page = page_number()
    if page is None or page > pages:
        abort(404)
    return page, pages, size


def _see_all_actions(subject: dict, endpoint: str, endpoint_args: dict, name: str):
    scope = scope_for(**subject, viewer=_user())
    if name not in lists.NAMES or (name == "owed" and scope.kind != "agency"):
        abort(404)
    page = page_number()
    if page is None:
        abort(404)
    today = clock.today()
    items, total = lists.page_of(db.session, scope, name, today, page, current_app.config["PAGE_SIZE"])
    page, pages, size = _numbered(total)
    return render_template(
        "reports/see_all.html",
        scope=scope,
        name=name,
        heading=lists.NAMES[name],
        items=items,
        total=total,
        today=today,
        page=page,
        pages=pages,
        first=(page - 1) * size + 1,
        report_url=url_for(endpoint, **endpoint_args),
        page_url=lambda n: url_for(endpoint + "_list", name=name, page=n, **endpoint_args),
    )


def _see_all_recommendations(subject: dict, endpoint: str, endpoint_args: dict):
    scope = scope_for(**subject, viewer=_user())
    if page_number() is None:
        abort(404)
    ranked = recommendations_by_need(db.session, scope)
    page, pages, size = _numbered(len(ranked))
    return render_template(
        "reports/recommendations.html",
        scope=scope,
        items=ranked[(page - 1) * size : page * size],
        total=len(ranked),
        today=clock.today(),
        page=page,
        pages=pages,
        first=(page - 1) * size + 1,
        report_url=url_for(endpoint, **endpoint_args),
        page_url=lambda n: url_for(endpoint + "_recommendations", page=n, **endpoint_args),
    )


def _download(subject: dict, endpoint: str, endpoint_args: dict, name: str):
    form = as_at_form(request.args)
    if form.errors:
        return redirect(url_for(endpoint, **endpoint_args, **request.args.to_dict(flat=False)))
    as_at = form.as_at.data
    user = _user()
    scope = scope_for(**subject, viewer=user)
    actions = action_count(user, scope)
    if pdf_jobs.is_large(actions):
        # Too large to draw inside one request: the worker draws it and the progress page offers it. Queuing
        # work changes state, so the link only offers it, and the button (a POST, with its CSRF token) asks.
        if request.method != "POST":
            back = url_for(endpoint, **endpoint_args, **({"as_at": as_at.isoformat()} if as_at else {}))
            return render_template("reports/pdf_prepare.html", scope=scope, as_at=as_at, actions=actions, back=back)
        job = pdf_jobs.start(db.session, user, scope, as_at, name)
        db.session.commit()
        return redirect(url_for("jobs.show", job_id=job.id), code=303)
    report = build_report(db.session, scope, as_at=as_at)
    prepared_for = user.name
    # End the reading transaction before the seconds WeasyPrint takes: on SQLite a transaction holds the
    # database's write lock (see db.py), and drawing the PDF needs nothing more from the database.
    db.session.commit()
    from tracker.reports.pdf import render_pdf  # WeasyPrint: imported when a PDF is asked for

    body = render_pdf(report, prepared_for=prepared_for)
    services.record_download(db.session, user, scope, as_at)
    db.session.commit()
    filename = services.pdf_filename(name, report.on)
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"},
    )


@bp.route("/reports/boards/<id:board_id>")
@login_required
def board(board_id: int):
    return _page({"board": _load_board(board_id)}, "reports.board", {"board_id": board_id})


@bp.route("/reports/boards/<id:board_id>/pdf", methods=["GET", "POST"])
@login_required
def board_pdf(board_id: int):
    board = _load_board(board_id)
    return _download({"board": board}, "reports.board", {"board_id": board_id}, board.key)


@bp.route("/reports/reviews/<id:review_id>")
@login_required
def review(review_id: int):
    return _page({"review": _load_review(review_id)}, "reports.review", {"review_id": review_id})


@bp.route("/reports/reviews/<id:review_id>/pdf", methods=["GET", "POST"])
@login_required
def review_pdf(review_id: int):
    review = _load_review(review_id)
    return _download({"review": review}, "reports.review", {"review_id": review_id}, review.ref)


@bp.route("/reports/agency")
@login_required
def agency():
    return _page({"agency": _own_agency()}, "reports.agency", {})


@bp.route("/reports/agency/pdf", methods=["GET", "POST"])
@login_required
def agency_pdf():
    agency = _own_agency()
    return _download({"agency": agency}, "reports.agency", {}, agency.key)


# "See all" pages: the same loaders (404 out of reach, 403 in sight but not reportable) and the same scope.


@bp.route("/reports/boards/<id:board_id>/recommendations")
@login_required
def board_recommendations(board_id: int):
    return _see_all_recommendations({"board": _load_board(board_id)}, "reports.board", {"board_id": board_id})


@bp.route("/reports/boards/<id:board_id>/actions/<name>")
@login_required
def board_list(board_id: int, name: str):
    return _see_all_actions({"board": _load_board(board_id)}, "reports.board", {"board_id": board_id}, name)


@bp.route("/reports/reviews/<id:review_id>/recommendations")
@login_required
def review_recommendations(review_id: int):
    return _see_all_recommendations({"review": _load_review(review_id)}, "reports.review", {"review_id": review_id})


@bp.route("/reports/reviews/<id:review_id>/actions/<name>")
@login_required
def review_list(review_id: int, name: str):
    return _see_all_actions({"review": _load_review(review_id)}, "reports.review", {"review_id": review_id}, name)


@bp.route("/reports/agency/recommendations")
@login_required
def agency_recommendations():
    return _see_all_recommendations({"agency": _own_agency()}, "reports.agency", {})


@bp.route("/reports/agency/actions/<name>")
@login_required
def agency_list(name: str):
    return _see_all_actions({"agency": _own_agency()}, "reports.agency", {}, name)
