"""The whole plan (reviews, recommendations, actions) as data, JSON and CSV, for what a user may see.

The CLI exports everything; the download view passes the signed-in user, and the same query that lists
reviews on the page limits what is exported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.actions.models import Action
from tracker.db import utcnow
from tracker.exports.cells import safe_cell
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
]


def _reviews(session: Session, user=None) -> list[Review]:
    query = select(Review).order_by(Review.ref) if user is None else visible_reviews_query(user)
    query = query.options(
        selectinload(Review.boards),
        selectinload(Review.recommendations).selectinload(Recommendation.themes),
        selectinload(Review.recommendations).selectinload(Recommendation.agency),
        selectinload(Review.actions).selectinload(Action.agency),
        selectinload(Review.actions).selectinload(Action.owner),
    )
    return list(session.execute(query).scalars())


def action_data(action: Action) -> dict:
    return {
        "id": action.id,
        "agency": action.agency.name,
        "owner": action.owner.name if action.owner else None,
        "text": action.text,
        "status": action.status,
        "due_date": action.due_date.isoformat() if action.due_date else None,
        "success_measure": action.success_measure,
        "source_paragraphs": action.source_paragraphs,
        "reported_progress": action.reported_progress,
        "progress_quote": action.progress_quote,
        "themes": action.themes,
    }


def recommendation_data(rec: Recommendation, actions: list[Action]) -> dict:
    return {
        "ref": rec.ref,
        "text": rec.text,
        "sub_points": rec.sub_points,
        "addressed_to": rec.addressed_to,
        "addressed_agency": rec.agency.name if rec.agency else None,
        "kind": rec.kind,
        "source_paragraphs": rec.paragraphs,
        "themes": [theme.key for theme in rec.themes],
        "actions": [action_data(a) for a in actions],
    }


def plan_data(session: Session, user=None) -> dict:
    reviews = []
    for review in _reviews(session, user):
        by_rec: dict[int | None, list[Action]] = {}
        for action in sorted(review.actions, key=lambda a: a.id):
            by_rec.setdefault(action.recommendation_id, []).append(action)
        reviews.append(
            {
                "ref": review.ref,
                "title": review.title,
                "child": review.child,
                "boards": [board.name for board in review.boards],
                "published_by": review.published_by,
                "review_type": review.review_type,
                "incident_year": review.incident_year,
                "report_date": review.report_date.isoformat() if review.report_date else None,
                "author": review.author,
                "source_file": review.source_file,
                "recommendations": [recommendation_data(r, by_rec.get(r.id, [])) for r in review.recommendations],
                "agency_actions": [action_data(a) for a in by_rec.get(None, [])],
            }
        )
    return {"generated_at": utcnow().isoformat(timespec="seconds"), "reviews": reviews}


def plan_json(session: Session, user=None) -> str:
    return json.dumps(plan_data(session, user), indent=2, ensure_ascii=False)


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
        return [""] * 8
    return [
        action["id"],
        action["agency"],
        action["owner"],
        action["text"],
        action["status"],
        action["due_date"],
        "; ".join(action["source_paragraphs"]),
        action["reported_progress"],
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
