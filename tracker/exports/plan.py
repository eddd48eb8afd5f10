"""The plan (reviews, recommendations, actions) as data, JSON and CSV, for what a user may see.

The CLI exports everything; the download view passes the signed-in user, and the same query that lists
reviews on the page limits what is exported, or a report's scope (a board, a review or an agency, from
``reports.scope``) does. The Excel download (``xlsx.py``) reads the same ``load_plan``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.actions.models import Action
from tracker.db import utcnow
from tracker.exports.cells import safe_cell
from tracker.permissions import visible_action_fields
from tracker.reports.brag import rate_action
from tracker.reports.scope import Scope
from tracker.reviews.models import Recommendation, Review
from tracker.reviews.queries import visible_reviews_query

CSV_COLUMNS = [
    "review_ref",
    "review_title",
    "boards",
    "recommendation_ref",
    "recommendation_kind",
    "addressed_to",
    "recommendation_text",
    "sub_points",
    "recommendation_paragraphs",
    "themes",
    "action_id",
    "agency",
    "owner",
    "action_text",
    "status",
    "due_date",
    "action_source",
    "reported_progress",
    # Added after the first release: at the end, so that readers of the earlier columns keep working.
    "status_label",
    "brag",
    "original_due_date",
    "completed_on",
    "recheck_due",
    "success_measure",
]


@dataclass
class PlanReview:
    """One review of an export, with its recommendations (each with its actions) and its actions that
    answer no recommendation (an agency's own), as far as the export's scope reaches."""

    review: Review
    recommendations: list[tuple[Recommendation, list[Action]]]
    agency_actions: list[Action]


def load_plan(session: Session, user=None, scope: Scope | None = None) -> list[PlanReview]:
    """What an export holds, in three queries (and the eager loads): everything (no user, no scope: the
    command line), what ``user`` may see, or a report's scope (``reports.scope.scope_for``, which already
    narrows it to what its viewer may see)."""
    if scope is None:
        query = select(Review).order_by(Review.ref) if user is None else visible_reviews_query(user)
        action_filter = recommendation_filter = true()
    else:
        action_filter, recommendation_filter = scope.actions, scope.recommendations
        query = (
            select(Review)
            .where(
                or_(
                    Review.id.in_(select(Action.review_id).where(action_filter)),
                    Review.id.in_(select(Recommendation.review_id).where(recommendation_filter)),
                )
            )
            .order_by(Review.report_date.desc().nulls_last(), Review.title)
        )
    reviews = list(session.execute(query.options(selectinload(Review.boards))).scalars())
    review_ids = [review.id for review in reviews]
    recs = session.execute(
        select(Recommendation)
        .where(Recommendation.review_id.in_(review_ids), recommendation_filter)
        .options(selectinload(Recommendation.themes), selectinload(Recommendation.agency))
        .order_by(Recommendation.position, Recommendation.id)
    ).scalars()
    actions = session.execute(
        select(Action)
        .where(Action.review_id.in_(review_ids), action_filter)
        .options(selectinload(Action.agency), selectinload(Action.owner))
        .order_by(Action.id)
    ).scalars()
    by_rec: dict[int | None, list[Action]] = {}
    own: dict[int, list[Action]] = {}
    for action in actions:
        if action.recommendation_id is None:
            own.setdefault(action.review_id, []).append(action)
        else:
            by_rec.setdefault(action.recommendation_id, []).append(action)
    recs_by_review: dict[int, list[tuple[Recommendation, list[Action]]]] = {}
    for rec in recs:
        recs_by_review.setdefault(rec.review_id, []).append((rec, by_rec.get(rec.id, [])))
    return [PlanReview(review, recs_by_review.get(review.id, []), own.get(review.id, [])) for review in reviews]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def action_data(action: Action, today: date | None = None, user=None) -> dict:
    """One action as exported: every field for the command line (no user), else only those ``user`` may see
    (``permissions.visible_action_fields``); a hidden field is there, empty, so the format never changes."""
    rating = rate_action(action, today or clock.today())
    data = {
        "id": action.id,
        "agency": action.agency.name,
        "owner": action.owner.name if action.owner else None,
        "text": action.text,
        "status": action.status,
        "due_date": _iso(action.due_date),
        "success_measure": action.success_measure,
        "source_paragraphs": action.source_paragraphs,
        "reported_progress": action.reported_progress,
        "progress_quote": action.progress_quote,
        "themes": action.themes,
        "status_label": action.status_enum.label,
        "brag": rating.label,
        "original_due_date": _iso(action.original_due_date),
        "completed_on": _iso(action.completed_on),
        "recheck_due": _iso(action.recheck_due),
    }
    if user is None:
        return data
    shown = visible_action_fields(user, action)
    return {key: (value if key in shown else None) for key, value in data.items()}


def recommendation_data(rec: Recommendation, actions: list[Action], today: date | None = None, user=None) -> dict:
    return {
        "ref": rec.ref,
        "text": rec.text,
        "sub_points": rec.sub_points,
        "addressed_to": rec.addressed_to,
        "addressed_agency": rec.agency.name if rec.agency else None,
        "kind": rec.kind,
        "source_paragraphs": rec.paragraphs,
        "themes": [theme.key for theme in rec.themes],
        "response": rec.response,
        "actions": [action_data(a, today, user) for a in actions],
    }


def plan_data(session: Session, user=None, scope: Scope | None = None) -> dict:
    today = clock.today()
    reviews = [
        {
            "ref": item.review.ref,
            "title": item.review.title,
            "child": item.review.child,
            "boards": [board.name for board in item.review.boards],
            "published_by": item.review.published_by,
            "review_type": item.review.review_type,
            "incident_year": item.review.incident_year,
            "report_date": _iso(item.review.report_date),
            "author": item.review.author,
            "source_file": item.review.source_file,
            "recommendations": [recommendation_data(r, actions, today, user) for r, actions in item.recommendations],
            "agency_actions": [action_data(a, today, user) for a in item.agency_actions],
        }
        for item in load_plan(session, user, scope)
    ]
    data = {"generated_at": utcnow().isoformat(timespec="seconds")}
    if scope is not None:
        data["scope"] = {"kind": scope.kind, "name": scope.title}
    data["reviews"] = reviews
    return data


def plan_json(session: Session, user=None, scope: Scope | None = None) -> str:
    return json.dumps(plan_data(session, user, scope), indent=2, ensure_ascii=False)


def _csv_rows(plan: dict) -> Iterator[list[str]]:
    for review in plan["reviews"]:
        base = [review["ref"], review["title"], "; ".join(review["boards"])]
        for rec in review["recommendations"]:
            rec_cells = [
                rec["ref"],
                rec["kind"],
                rec["addressed_agency"] or rec["addressed_to"],
                rec["text"],
                "\n".join(rec["sub_points"]),
                "; ".join(rec["source_paragraphs"]),
                "; ".join(rec["themes"]),
            ]
            for action in rec["actions"] or [None]:
                yield base + rec_cells + _action_cells(action)
        for action in review["agency_actions"]:
            yield base + [""] * 7 + _action_cells(action)


def _action_cells(action: dict | None) -> list:
    if action is None:
        return [""] * 14
    return [
        action["id"],
        action["agency"],
        action["owner"],
        action["text"],
        action["status"],
        action["due_date"],
        "; ".join(action["source_paragraphs"]),
        action["reported_progress"],
        action["status_label"],
        action["brag"],
        action["original_due_date"],
        action["completed_on"],
        action["recheck_due"],
        action["success_measure"],
    ]


def plan_csv_lines(plan: dict) -> Iterator[str]:
    """The plan (from ``plan_data``) as CSV, one line at a time, every cell guarded against formula
    injection. Takes the data rather than a session so that streaming needs no database connection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        writer.writerow([safe_cell(c) for c in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(CSV_COLUMNS)
    for row in _csv_rows(plan):
        yield line(row)
