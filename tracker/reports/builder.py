"""Building an assurance report for a scope, live or as at a past date, in a fixed number of queries.

Live, the figures come from one grouped count (``queries.action_groups``) and the lists from limited
queries (``lists.py``). As at a past date, the same grouped count of the rows is corrected by the action
periods covering the end of that day (``timeline/queries.py``, written beside the history) for the few
actions whose rows differ from how they stood then; so are the lists, each limited; what changed since is a
comparison, in SQL too, of how each of those few stood with its row now.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_
from sqlalchemy.orm import Session

from tracker import clock
from tracker.actions.models import Action
from tracker.errors_domain import DomainError
from tracker.reports import asat, lists, queries
from tracker.reports.attention import attention_items
from tracker.reports.brag import KEY
from tracker.reports.figures import (
    AgencyRow,
    Listing,
    NeedRow,
    RecommendationRow,
    ReviewSection,
    Tally,
    ThemeRow,
    by_need,
)
from tracker.reports.queries import Groups
from tracker.reports.scope import Scope
from tracker.reviews.models import RESPONSES
from tracker.timeline import queries as timeline


@dataclass
class Report:
    scope: Scope
    today: date
    as_at: date | None
    headline: Tally
    now: Tally | None  # as at a past date: the same scope today
    reviews: list[ReviewSection]
    agencies: list[AgencyRow]
    themes: list[ThemeRow]
    overdue: Listing
    rechecks: Listing
    returned: Listing
    owed: Listing | None  # an agency's report: what it still owes
    changes: Listing | None  # as at a past date: actions whose status or rating differs today
    recommendations_by_rating: Counter
    responses_recorded: int
    # The recommendations that most need attention, worst first (``limits.recommendations`` of them).
    needing: list[NeedRow] = field(default_factory=list)
    key: list = field(default_factory=lambda: KEY)
    attention: list = field(default_factory=list)  # attention.AttentionItem, what the headline leads with

    @property
    def on(self) -> date:
        """The day the figures describe."""
        return self.as_at or self.today

    @property
    def recommendation_count(self) -> int:
        return sum(self.recommendations_by_rating.values())

    @property
    def recurring_themes(self) -> list[ThemeRow]:
        return [theme for theme in self.themes if theme.recurring]


def build_report(
    session: Session, scope: Scope, *, as_at: date | None = None, limits: lists.Limits = lists.FULL
) -> Report:
    """The report on ``scope`` as it stands today, or as it stood at the end of ``as_at`` (rebuilt from the
    history, with today's figures beside it). Reads only; a fixed number of queries either way. ``limits``:
    how many rows each list holds (the page's few, or the PDF's fuller appendix)."""
    today = clock.today()
    if as_at is not None and as_at > today:
        raise DomainError("The date must be today or in the past", field="as_at")
    reviews, recs, rec_themes, in_scope = _recommendations(session, scope)
    names = queries.agency_names(session)
    describe = lists.Describer(reviews, names)
    if as_at is None:
        figures = _Figures(queries.action_groups(session, scope.context_actions, today, scope.review_id), in_scope)
        now = None
        responses = {r.id: r.response for r in recs}
        found = lists.live(session, scope, today, figures.total, describe, limits)
    else:
        end = asat.end_of_day(as_at)
        rec_states = asat.recommendation_states_at(
            {r.id: r.response for r in recs},
            queries.recommendation_entries(session, scope.context_recommendations),
            end,
        )
        recs = [r for r in recs if rec_states[r.id].exists]
        responses = {rec_id: state.response for rec_id, state in rec_states.items()}
        # The live report's count of the rows, timed against that day and today, gives today's figures and,
        # corrected for the few actions whose rows differ from how they stood (``timeline.rows_differing``),
        # that day's; nothing is rebuilt action by action here.
        on_day, on_today = queries.action_groups_on(session, scope.context_actions, (as_at, today), scope.review_id)
        then = timeline.groups_at(session, scope.context_actions, end, as_at, scope.review_id, on_day)
        figures, now = _Figures(then, in_scope), _Figures(on_today, in_scope)
        # The context's actions in the scope, as the figures count them.
        where = scope.context_actions
        if scope.review_id is not None:
            where = and_(where, Action.review_id == scope.review_id)
        found = lists.as_at(session, scope, where, (as_at, today, end), figures.total, describe, limits)

    sections, by_rating, responded = _sections(reviews, recs, rec_themes, responses, figures, now, in_scope)
    agencies = sorted(
        (
            AgencyRow(
                agency_id, names.get(agency_id, ""), tally, now.by_agency.get(agency_id, Tally()) if now else None
            )
            for agency_id, tally in figures.by_agency.items()
        ),
        key=lambda agency: agency.name,
    )
    report = Report(
        scope=scope,
        today=today,
        as_at=as_at,
        headline=figures.total,
        now=now.total if now else None,
        reviews=sections,
        agencies=agencies,
        themes=_themes(
            recs, rec_themes, reviews, figures, now, in_scope, queries.action_themes(session, scope.context_actions)
        ),
        overdue=found["overdue"],
        rechecks=found["rechecks"],
        returned=found["returned"],
        owed=found["owed"] if scope.kind == "agency" else None,
        changes=found.get("changes"),
        recommendations_by_rating=by_rating,
        responses_recorded=responded,
        needing=by_need(sections)[: limits.recommendations],
    )
    report.attention = attention_items(report, session, scope.actions)
    return report


def recommendations_by_need(session: Session, scope: Scope) -> list[NeedRow]:
    """Every recommendation in the live report on ``scope``, the most in need of attention first, as the
    report ranks them: its "See all" page. Four statements, whatever the size of the scope."""
    reviews, recs, rec_themes, in_scope = _recommendations(session, scope)
    figures = _Figures(queries.action_groups(session, scope.context_actions, clock.today(), scope.review_id), in_scope)
    responses = {r.id: r.response for r in recs}
    return by_need(_sections(reviews, recs, rec_themes, responses, figures, None, in_scope)[0])


def _recommendations(session: Session, scope: Scope):
    """The scope's reviews (by id, in the report's order), recommendations and their themes, and the test
    of whether a review of the context is in the scope."""
    reviews = {row.id: row for row in queries.reviews(session, scope.context_reviews)}
    recs = queries.recommendations(session, scope.context_recommendations)
    rec_themes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for rec_id, key, label in queries.themes(session, scope.context_recommendations):
        rec_themes[rec_id].append((key, label))

    def in_scope(review_id: int) -> bool:
        return scope.review_id is None or review_id == scope.review_id

    return reviews, recs, rec_themes, in_scope


class _Figures:
    """Tallies of grouped counts: in all, per review, recommendation and agency (those in the scope), and per
    recommendation across the context (for themes)."""

    def __init__(self, groups: Groups, in_scope: Callable[[int], bool]):
        self.total = Tally()
        self.by_review: dict[int, Tally] = defaultdict(Tally)
        self.by_rec: dict[int, Tally] = defaultdict(Tally)
        self.unlinked: dict[int, Tally] = defaultdict(Tally)
        self.by_agency: dict[int, Tally] = defaultdict(Tally)
        review_of: dict[int, int] = {}
        for review_id, rec_id, status, counts in groups.recommendations:
            if rec_id is None:
                self.unlinked[review_id].add_counts(status, counts)
            else:
                self.by_rec[rec_id].add_counts(status, counts)  # across the context, for themes
                review_of[rec_id] = review_id
        # Reviews are sums of their recommendations' tallies (and their agencies' own actions): merging a few
        # hundred tallies costs less than counting every group twice.
        parts = [(review_of[rec_id], tally) for rec_id, tally in self.by_rec.items()] + list(self.unlinked.items())
        for review_id, tally in parts:
            if in_scope(review_id):
                self.by_review[review_id].merge(tally)
        for agency_id, status, counts in groups.agencies:
            self.by_agency[agency_id].add_counts(status, counts)
        # The agencies' groups hold exactly the scope's actions (the recommendations' hold the context's): the
        # whole scope is the sum of a few dozen agencies rather than of every review.
        for tally in self.by_agency.values():
            self.total.merge(tally)


def _sections(reviews, recs, rec_themes, responses, figures: _Figures, now: _Figures | None, in_scope):
    """Each review in the scope with its recommendations' rows; the count of recommendations by rating and of
    responses recorded."""
    sections, by_rating, responded = [], Counter(), 0
    recs_of: dict[int, list] = defaultdict(list)
    for rec in recs:
        recs_of[rec.review_id].append(rec)
    for review_id, review in reviews.items():
        if not in_scope(review_id) or not (recs_of[review_id] or review_id in figures.by_review):
            continue
        rows = []
        for rec in recs_of[review_id]:
            tally = figures.by_rec.get(rec.id) or Tally()
            response = responses.get(rec.id)
            responded += response is not None
            by_rating[tally.rating] += 1
            rows.append(
                RecommendationRow(
                    rec.id,
                    rec.ref,
                    rec.text,
                    RESPONSES.get(response or "", "No response recorded"),
                    sorted(label for _, label in rec_themes.get(rec.id, [])),
                    tally,
                    (now.by_rec.get(rec.id) or Tally()) if now else None,
                )
            )
        if review_id in figures.unlinked or (now and review_id in now.unlinked):
            then_tally = figures.unlinked.get(review_id) or Tally()
            rows.append(
                RecommendationRow(
                    None, None, None, None, [], then_tally, (now.unlinked.get(review_id) or Tally()) if now else None
                )
            )
        sections.append(
            ReviewSection(review_id, review.ref, review.title, figures.by_review.get(review_id) or Tally(), rows)
        )
    return sections, by_rating, responded


def _themes(
    recs, rec_themes, reviews, figures: _Figures, now: _Figures | None, in_scope, action_themes=()
) -> list[ThemeRow]:
    """Which themes come back in which reviews, and how the actions under them stand, most reviews first.
    A theme counts where a recommendation or an action carries it. Only themes of items in the scope are
    listed; the reviews they recur in are looked for across the scope's context."""
    found: dict[str, dict] = {}

    def theme_for(key: str, label: str) -> dict:
        return found.setdefault(key, {"label": label, "reviews": set(), "recs": [], "actions": 0, "in_scope": False})

    for rec in recs:
        for key, label in rec_themes.get(rec.id, []):
            theme = theme_for(key, label)
            theme["reviews"].add(rec.review_id)
            theme["recs"].append(rec.id)
            theme["in_scope"] = theme["in_scope"] or in_scope(rec.review_id)
    for review_id, key, label, count in action_themes:
        theme = theme_for(key, label)
        theme["reviews"].add(review_id)
        theme["actions"] += count
        theme["in_scope"] = theme["in_scope"] or in_scope(review_id)
    order = {review_id: n for n, review_id in enumerate(reviews)}
    rows = []
    for key, theme in found.items():
        if not theme["in_scope"]:
            continue
        tally, tally_now = Tally(), (Tally() if now else None)
        for rec_id in theme["recs"]:
            tally.merge(figures.by_rec.get(rec_id))
            if now:
                tally_now.merge(now.by_rec.get(rec_id))
        named = sorted(theme["reviews"], key=lambda r: order.get(r, len(order)))
        rows.append(
            ThemeRow(
                key,
                theme["label"],
                [(r, reviews[r].title) for r in named if r in reviews],
                tally,
                True,
                tally_now,
                recommendations=len(theme["recs"]),
                actions=theme["actions"],
            )
        )
    rows.sort(key=lambda t: (-len(t.reviews), -t.tally.total, t.label))
    return rows
