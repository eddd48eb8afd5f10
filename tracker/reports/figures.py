"""The report's figures: tallies of actions by status and rating, and the rows of its tables.

Plain data, built by ``builder.py`` from grouped counts (live, from SQL) or from rebuilt states (as at a past
date), and shown by the page and the PDF alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import add
from typing import NamedTuple

from tracker.actions.states import FINISHED, Status
from tracker.reports.brag import SEVERITY, Brag, Timing, brag, worst

STATUS_ORDER = list(Status)
# brag() for every status and timing, looked up rather than recomputed for each group of actions.
RATINGS = {(status.value, when.value): brag(status, when) for status in Status for when in Timing}
UNFINISHED = frozenset(status.value for status in Status if status not in FINISHED)

# A tally keeps its counts in one list, in a fixed order: each status, then each rating, then the overdue.
# A report adds up thousands of grouped counts and merges thousands of tallies: adding two lists element by
# element (one call) costs far less than updating two Counters key by key.
RATING_ORDER = list(Brag)
STATUS_SLOT = {status.value: n for n, status in enumerate(STATUS_ORDER)}
RATING_SLOT = {rating.value: len(STATUS_ORDER) + n for n, rating in enumerate(RATING_ORDER)}
OVERDUE_SLOT = len(STATUS_ORDER) + len(RATING_ORDER)
SLOTS = OVERDUE_SLOT + 1
# Per status: its slot, the slot of the rating of each Timing (in its order: how grouped counts arrive), and
# whether its actions past their date are overdue.
ADDING = {
    status.value: (
        STATUS_SLOT[status.value],
        tuple(RATING_SLOT[brag(status, when)] for when in Timing),
        status.value in UNFINISHED,
    )
    for status in Status
}
# The rating of each slot of a tally's ratings, for ``Tally.rating``.
RATED_SLOTS = [(RATING_SLOT[rating], rating) for rating in RATING_ORDER]


@dataclass
class Tally:
    """Actions counted by status, by rating and by how many are overdue or at risk."""

    counts: list[int] = field(default_factory=lambda: [0] * SLOTS)

    def add(self, status: str, timing: str, count: int = 1) -> None:
        counts = self.counts
        counts[STATUS_SLOT[status]] += count
        counts[RATING_SLOT[RATINGS[(status, timing)]]] += count
        if timing == Timing.PAST and status in UNFINISHED:
            counts[OVERDUE_SLOT] += count

    def add_counts(self, status: str, per_timing) -> None:
        """``add`` for a group of actions of one status counted per Timing (in its order). Written out, not
        looped: a report adds a few thousand groups."""
        counts = self.counts
        status_slot, (none, past, not_owned, soon, later), overdue = ADDING[status]
        n_none, n_past, n_not_owned, n_soon, n_later = per_timing
        counts[none] += n_none
        counts[past] += n_past
        counts[not_owned] += n_not_owned
        counts[soon] += n_soon
        counts[later] += n_later
        counts[status_slot] += n_none + n_past + n_not_owned + n_soon + n_later
        if overdue:
            counts[OVERDUE_SLOT] += n_past

    def merge(self, other: Tally | None) -> None:
        if other is not None:
            self.counts = list(map(add, self.counts, other.counts))

    @property
    def by_status(self) -> Counter:
        counts = self.counts
        return Counter({status.value: counts[n] for n, status in enumerate(STATUS_ORDER) if counts[n]})

    @property
    def by_brag(self) -> Counter:
        counts, first = self.counts, len(STATUS_ORDER)
        return Counter({rating: counts[first + n] for n, rating in enumerate(RATING_ORDER) if counts[first + n]})

    @property
    def overdue(self) -> int:
        return self.counts[OVERDUE_SLOT]

    @property
    def unfinished(self) -> int:
        return sum(self.counts[STATUS_SLOT[status]] for status in UNFINISHED)

    @property
    def total(self) -> int:
        return sum(self.counts[: len(STATUS_ORDER)])

    @property
    def done(self) -> int:
        """Assured or embedded."""
        return self.counts[STATUS_SLOT[Status.ASSURED]] + self.counts[STATUS_SLOT[Status.EMBEDDED]]

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def rating(self) -> Brag:
        counts = self.counts
        return worst([rating for slot, rating in RATED_SLOTS if counts[slot]])

    def status_items(self) -> list[tuple[Status, int]]:
        return [(s, n) for s, n in zip(STATUS_ORDER, self.counts[: len(STATUS_ORDER)], strict=True) if n]

    def brag_items(self) -> list[tuple[Brag, int]]:
        counts = self.counts
        return [(b, counts[RATING_SLOT[b]]) for b in SEVERITY if counts[RATING_SLOT[b]]]

    def summary(self) -> str:
        if not self.total:
            return "No actions"
        return ", ".join(f"{n} {s.label.lower()}" for s, n in self.status_items())

    def same_as(self, other: Tally) -> bool:
        return self.counts[: len(STATUS_ORDER)] == other.counts[: len(STATUS_ORDER)] and self.rating == other.rating


@dataclass
class ReportAction:
    """One action in a list (overdue, re-checks due, returned, owed, changed)."""

    id: int
    text: str
    review_id: int
    review_title: str
    recommendation_ref: str | None
    agency: str
    owner: str | None
    status: str
    due_date: date | None
    recheck_due: date | None
    rating: Brag
    days_late: int = 0
    comments: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None


@dataclass
class Listing:
    items: list[ReportAction]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class Change:
    """An action whose status or rating is different now from the date the report is shown at."""

    action: ReportAction  # as it stands now
    status_then: str | None  # None: it did not exist yet
    rating_then: Brag | None


@dataclass
class RecommendationRow:
    id: int | None  # None: the agencies' own actions not tied to a recommendation
    ref: str | None
    text: str | None
    response: str | None
    themes: list[str]
    tally: Tally
    now: Tally | None = None  # as at a past date: the same actions today

    @property
    def changed(self) -> bool:
        return self.now is not None and not self.tally.same_as(self.now)


class NeedRow(NamedTuple):
    """A recommendation in the list of those that most need attention, with the review it comes from."""

    review_id: int
    review_title: str
    recommendation: RecommendationRow


def need_order(item: NeedRow, position: int) -> tuple:
    """Worst rating first (overdue, not planned, no action, then returned or at risk: the order of the key),
    then the most actions overdue, not planned or returned, then the report's own order."""
    tally = item.recommendation.tally
    counts = tally.counts
    pressing = counts[OVERDUE_SLOT] + counts[RATING_SLOT[Brag.NOT_PLANNED]] + counts[STATUS_SLOT[Status.RETURNED]]
    return (SEVERITY.index(tally.rating), -pressing, position)


def by_need(sections: list[ReviewSection]) -> list[NeedRow]:
    """Every recommendation of ``sections`` (not the agencies' own actions), the most in need first."""
    rows = [NeedRow(s.id, s.title, rec) for s in sections for rec in s.recommendations if rec.id is not None]
    ranked = sorted(enumerate(rows), key=lambda pair: need_order(pair[1], pair[0]))
    return [row for _, row in ranked]


@dataclass
class ReviewSection:
    id: int
    ref: str
    title: str
    tally: Tally
    recommendations: list[RecommendationRow]


@dataclass
class AgencyRow:
    id: int
    name: str
    tally: Tally
    now: Tally | None = None

    @property
    def changed(self) -> bool:
        return self.now is not None and not self.tally.same_as(self.now)


@dataclass
class ThemeRow:
    key: str
    label: str
    reviews: list[tuple[int, str]]  # (id, title), in the report's order
    tally: Tally
    in_scope: bool = True
    now: Tally | None = None
    # How many recommendations and actions carry the theme (each action counted once).
    recommendations: int = 0
    actions: int = 0

    @property
    def recurring(self) -> bool:
        return len(self.reviews) > 1

    @property
    def changed(self) -> bool:
        return self.now is not None and not self.tally.same_as(self.now)
