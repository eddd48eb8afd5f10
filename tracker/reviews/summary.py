"""The review page's summary: headline figures, and each action's and recommendation's rating, worked out
from rows the page already loaded (no queries). The ratings come from ``reports/brag.py``, the one place that
says how actions are rated."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from tracker.actions.states import Status
from tracker.reports.brag import SEVERITY, Brag, rate_action, worst


@dataclass
class ReviewSummary:
    actions: int = 0
    by_status: Counter = field(default_factory=Counter)
    overdue: int = 0
    recommendations: int = 0
    responded: int = 0
    action_ratings: dict[int, Brag] = field(default_factory=dict)
    recommendation_ratings: dict[int, Brag | None] = field(default_factory=dict)  # None: not for this viewer
    recommendations_by_rating: Counter = field(default_factory=Counter)
    ratings_not_shown: int = 0

    @property
    def done(self) -> int:
        return self.by_status[Status.ASSURED.value] + self.by_status[Status.EMBEDDED.value]

    @property
    def ratings_in_order(self) -> list[tuple[Brag, int]]:
        return [(rating, self.recommendations_by_rating[rating]) for rating in SEVERITY]


def same_words(a: str | None, b: str | None) -> bool:
    """Whether an action only repeats its recommendation (a single-agency recommendation is its action)."""
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def review_summary(review, recommendations, today: date, rating_shown=lambda action: True) -> ReviewSummary:
    """``rating_shown(action)``: whether the viewer may see that action's rating. A recommendation's rating is
    made from its actions' ratings, so it is shown only where all of theirs are (another agency's rating is
    that agency's and the board's: ``permissions.visible_action_fields``)."""
    result = ReviewSummary(recommendations=len(recommendations))
    for action in review.actions:
        result.actions += 1
        result.by_status[action.status] += 1
        result.overdue += action.is_overdue(today)
        # rate_action reads the owner too: without it every dated action would read as not planned.
        result.action_ratings[action.id] = rate_action(action, today)
    for rec in recommendations:
        result.responded += rec.response is not None
        if not all(rating_shown(a) for a in rec.actions):
            result.recommendation_ratings[rec.id] = None
            result.ratings_not_shown += 1
            continue
        rating = worst(result.action_ratings[a.id] for a in rec.actions if a.id in result.action_ratings)
        result.recommendation_ratings[rec.id] = rating
        result.recommendations_by_rating[rating] += 1
    return result
