"""The report's figures: tallies of actions by status and rating, and the rows of its tables.

Plain data, built by ``builder.py`` from grouped counts (live, from SQL) or from rebuilt states (as at a past
date), and shown by the page and the PDF alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from tracker.actions.states import FINISHED, Status
from tracker.reports.brag import SEVERITY, Brag, Timing, brag, worst

STATUS_ORDER = list(Status)
# brag() for every status and timing, looked up rather than recomputed for each group of actions.
RATINGS = {(status.value, when.value): brag(status, when) for status in Status for when in Timing}
# The same, per status: the rating of each Timing in its order (how grouped counts arrive from SQL).
RATINGS_IN_ORDER = {status.value: [brag(status, when) for when in Timing] for status in Status}
PAST_INDEX = list(Timing).index(Timing.PAST)
SAME_RATING = {status: ratings[0] for status, ratings in RATINGS_IN_ORDER.items() if len(set(ratings)) == 1}
UNFINISHED = frozenset(status.value for status in Status if status not in FINISHED)


@dataclass
class Tally:
    """Actions counted by status, by rating and by how many are overdue or at risk."""

    by_status: Counter = field(default_factory=Counter)
    by_brag: Counter = field(default_factory=Counter)
    overdue: int = 0

    def add(self, status: str, timing: str, count: int = 1) -> None:
        self.by_status[status] += count
        self.by_brag[RATINGS[(status, timing)]] += count
        if timing == Timing.PAST and status in UNFINISHED:
            self.overdue += count

    def add_counts(self, status: str, counts) -> None:
        """``add`` for a group of actions of one status counted per Timing (in its order)."""
        total = sum(counts)
        self.by_status[status] += total
        same = SAME_RATING.get(status)
        if same is not None:  # a finished status: rated the same whatever its due date
            self.by_brag[same] += total
        else:
            for rating, n in zip(RATINGS_IN_ORDER[status], counts, strict=True):
                if n:
                    self.by_brag[rating] += n
        if status in UNFINISHED:
            self.overdue += counts[PAST_INDEX]

    def merge(self, other: Tally | None) -> None:
        if other is not None:
            # By hand: Counter.update asks isinstance(…, Mapping) of every argument, and a report merges
            # thousands of tallies.
            for mine, theirs in ((self.by_status, other.by_status), (self.by_brag, other.by_brag)):
                for key, n in theirs.items():
                    mine[key] = mine.get(key, 0) + n
            self.overdue += other.overdue

    @property
    def unfinished(self) -> int:
        return sum(n for status, n in self.by_status.items() if status in UNFINISHED)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def done(self) -> int:
        """Assured or embedded."""
        return self.by_status[Status.ASSURED] + self.by_status[Status.EMBEDDED]

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def rating(self) -> Brag:
        return worst(b for b, n in self.by_brag.items() if n)

    def status_items(self) -> list[tuple[Status, int]]:
        return [(s, self.by_status[s]) for s in STATUS_ORDER if self.by_status[s]]

    def brag_items(self) -> list[tuple[Brag, int]]:
        return [(b, self.by_brag[b]) for b in SEVERITY if self.by_brag[b]]

    def summary(self) -> str:
        if not self.total:
            return "No actions"
        return ", ".join(f"{n} {s.label.lower()}" for s, n in self.status_items())

    def same_as(self, other: Tally) -> bool:
        return +self.by_status == +other.by_status and self.rating == other.rating


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
    pressing = tally.overdue + tally.by_brag[Brag.NOT_PLANNED] + tally.by_status[Status.RETURNED]
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
