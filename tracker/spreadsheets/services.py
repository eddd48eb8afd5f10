"""Importing a plan from a spreadsheet: read it, check all of it, then create what is new, or nothing.

``import_plan`` takes the session, flushes but never commits, and writes the history: one entry for each
review and recommendation created, the action service's entry for each action, and one for the import. It
raises ImportRefused (every problem, by row and column) before anything is written, or NotPermitted. The
page and ``flask import-plan`` both call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from tracker import audit, permissions
from tracker.actions.services import create_action
from tracker.errors_domain import NotPermitted
from tracker.evidence.storage import clean_name
from tracker.reviews.models import Recommendation, Review
from tracker.spreadsheets import checks, reader
from tracker.spreadsheets.checks import ImportPlan, RecommendationPlan, ReviewPlan

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 5000


@dataclass(frozen=True)
class ImportResult:
    reviews: int
    recommendations: int
    actions: int
    skipped: int
    review_ids: tuple[int, ...]
    summary: str
    dry_run: bool = False


def import_plan(
    session: Session,
    actor,
    filename: str,
    stream: BinaryIO,
    *,
    board_key: str | None = None,
    dry_run: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> ImportResult:
    if not permissions.can_import_plan(actor):
        raise NotPermitted("Only a board member can import a plan")
    name = clean_name(filename)
    if not dry_run:
        # Two imports of the same file at the same moment must not both find a review missing and both create
        # it: take the history's append lock (held to the end of the transaction) before looking.
        audit._serialise_appends(session)
    rows, problems = reader.read_plan(name, stream, max_bytes=max_bytes, max_rows=max_rows)
    plan = checks.check_plan(session, actor, rows, problems, board_key=board_key)
    summary = checks.summary(plan, dry_run=dry_run)
    review_ids = tuple(r.existing.id for r in plan.reviews.values() if r.existing is not None)
    if not dry_run:
        review_ids = tuple(_apply(session, actor, plan, name))
        audit.record(
            session,
            actor=actor,
            event="plan.imported",
            obj_type="plan",
            obj_id=None,
            summary=f"Plan imported from {name}: {summary[0].lower()}{summary[1:]}",
            after={
                "file": name,
                "reviews": sorted(plan.reviews),
                "created": {
                    "reviews": plan.new_reviews,
                    "recommendations": plan.new_recommendations,
                    "actions": plan.new_actions,
                },
                "skipped_rows": plan.skipped,
            },
        )
    return ImportResult(
        plan.new_reviews, plan.new_recommendations, plan.new_actions, plan.skipped, review_ids, summary, dry_run
    )


def _apply(session: Session, actor, plan: ImportPlan, name: str) -> list[int]:
    review_ids = []
    for review_plan in plan.reviews.values():
        review = review_plan.existing or _create_review(session, actor, review_plan, name)
        review_ids.append(review.id)
        position = max((rec.position for rec in review.recommendations), default=0)
        for rec_plan in review_plan.recommendations.values():
            rec = rec_plan.existing
            if rec is None:
                position += 1
                rec = _create_recommendation(session, actor, review, rec_plan, position, name)
            for action in rec_plan.actions:
                create_action(
                    session,
                    actor,
                    rec,
                    agency_id=action.agency.id,
                    text=action.text,
                    owner_id=action.owner.id if action.owner else None,
                    due_date=action.due_date,
                    success_measure=action.success_measure,
                )
    return review_ids


def _detail(plan: ReviewPlan | RecommendationPlan, name: str):
    value = plan.details.get(name)
    return value[0] if value else None


def _create_review(session: Session, actor, plan: ReviewPlan, name: str) -> Review:
    board = _detail(plan, "board")
    review = Review(
        ref=plan.ref,
        title=_detail(plan, "review_title"),
        child=_detail(plan, "child"),
        review_type=_detail(plan, "review_type"),
        report_date=_detail(plan, "report_date"),
        boards=[board],
    )
    session.add(review)
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="review.imported",
        obj_type="review",
        obj_id=review.id,
        summary=f"Review {review.ref} created from the spreadsheet {name}",
        after={
            "ref": review.ref,
            "title": review.title,
            "review_type": review.review_type,
            "report_date": review.report_date,
            "boards": [board.key],
        },
    )
    return review


def _create_recommendation(
    session: Session, actor, review: Review, plan: RecommendationPlan, position: int, name: str
) -> Recommendation:
    addressed_to, agency = checks.addressed_to(plan)
    rec = Recommendation(
        review_id=review.id,
        ref=plan.ref,
        position=position,
        text=_detail(plan, "recommendation_text"),
        sub_points=[],
        addressed_to=addressed_to,
        agency_id=agency.id if agency else None,
        kind=_detail(plan, "recommendation_kind"),
        paragraphs=[],
        themes=list(_detail(plan, "themes") or []),
    )
    session.add(rec)
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="recommendation.imported",
        obj_type="recommendation",
        obj_id=rec.id,
        summary=f"Recommendation {rec.ref} of review {review.ref} created from the spreadsheet {name}",
        after={
            "ref": rec.ref,
            "kind": rec.kind,
            "addressed_to": rec.addressed_to,
            "agency_id": rec.agency_id,
            "themes": [theme.key for theme in rec.themes],
            "text": rec.text,
        },
    )
    return rec
