"""Rules for recommendations: the board's response, and progress rolled up from the actions."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from tracker import audit, permissions
from tracker.actions.states import FINISHED, Status
from tracker.db import utcnow
from tracker.errors_domain import DomainError, NotPermitted
from tracker.reviews.models import RESPONSES, Recommendation
from tracker.text import clean


def respond_to_recommendation(session: Session, actor, rec: Recommendation, response: str, rationale: str) -> None:
    """Record the board's response (accepted, in part, not accepted) and why: kept apart from progress."""
    if not permissions.can_plan_review(actor, rec.review):
        raise NotPermitted("Only a board member can record the board's response")
    if response not in RESPONSES:
        raise DomainError("Choose the board's response", field="response")
    rationale = (clean(rationale, name="The reason", field="rationale") or "").strip()
    if not rationale:
        raise DomainError("Give the board's rationale", field="rationale")
    before = {"response": rec.response, "rationale": rec.response_rationale}
    rec.response, rec.response_rationale = response, rationale
    rec.responded_by_id = actor.id
    rec.responded_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="recommendation.response",
        obj_type="recommendation",
        obj_id=rec.id,
        summary=f"Board response to recommendation {rec.ref}: {RESPONSES[response]}",
        before=before,
        after={"response": response, "rationale": rationale},
    )


def progress(rec: Recommendation, today) -> dict:
    """A recommendation's progress, rolled up from its actions: counts by status, overdue, and a summary."""
    counts = Counter(action.status for action in rec.actions)
    total = sum(counts.values())
    done = counts[Status.ASSURED] + counts[Status.EMBEDDED]
    overdue = sum(1 for action in rec.actions if action.is_overdue(today))
    if total == 0:
        summary = "No actions yet"
    elif done == total:
        summary = "All actions assured" if counts[Status.EMBEDDED] < total else "All actions embedded"
    else:
        open_count = sum(n for status, n in counts.items() if Status(status) not in FINISHED)
        summary = (
            f"{done} of {total} assured"
            + (f", {overdue} overdue" if overdue else "")
            + (f", {open_count} open" if open_count else "")
        )
    return {"counts": counts, "total": total, "done": done, "overdue": overdue, "summary": summary}
