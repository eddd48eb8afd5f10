"""The report's lists as at a past date, read in SQL from the action periods, are the lists the history's replay
gives: for boards with a random history (made by the services, day by day, and a few actions made outside
them), each list and its total equal those picked, ordered and limited in Python from ``asat.states_at``, as
the report did before its lists moved into SQL (``expected_lists`` keeps that derivation as the oracle)."""

from __future__ import annotations

import importlib
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_

from tests.reports.helpers import POLICE, SOCIAL_CARE, evidence, new_plan
from tracker import audit, clock
from tracker.actions import services
from tracker.actions.models import Action
from tracker.actions.states import FINISHED, Status
from tracker.extensions import db
from tracker.reports import asat, lists, queries
from tracker.reports.brag import brag_for_action, soon_until
from tracker.reports.builder import build_report
from tracker.reports.figures import Change, Listing
from tracker.reports.scope import scope_for

TODAY = date(2026, 6, 15)
START = date(2026, 1, 5)  # the first day of the random histories
DAYS = (TODAY - START).days
tracker_db = importlib.import_module("tracker.db")  # (the package's ``db`` is the extension)
# What may happen to an action on a day; "advance" moves it one step along (started, submitted, assured).
OPS = ("advance", "advance", "advance", "return", "return", "start", "close", "replan", "reassign")


def replayed(scope, day: date):
    """The scope's actions (their rows now), and each one's state at the end of ``day`` by the history's
    replay (those that did not exist yet left out), with the condition on them and that moment."""
    end = asat.end_of_day(day)
    where = scope.context_actions
    if scope.review_id is not None:
        where = and_(where, Action.review_id == scope.review_id)
    rows = [asat.ActionRow(*row) for row in queries.action_rows(db.session, where)]
    states = asat.states_at(
        rows,
        queries.latest_action_values(db.session, where, end),
        queries.actions_with_history_after(db.session, where, end),
        end,
    )
    return rows, states, where, end


def expected_lists(scope, day: date, today: date, limits: lists.Limits = lists.FULL) -> dict[str, Listing]:
    """The lists as the report built them from the history's replay, before they were read in SQL."""
    rows, states, where, end = replayed(scope, day)
    existing = [row._replace(**states[row.id]._asdict()) for row in rows if row.id in states]
    unfinished = [r for r in existing if Status(r.status) not in FINISHED]
    returns = queries.returns_until(db.session, where, end)

    def returned_order(row):
        decided_at = returns.get(row.id, (None, None, None))[1]
        return ((1, asat.utc(decided_at).isoformat()) if decided_at else (0, ""), row.id)

    chosen = {
        "overdue": sorted((r for r in unfinished if r.due_date and r.due_date < day), key=lambda r: (r.due_date, r.id)),
        "rechecks": sorted(
            (
                r
                for r in existing
                if r.status in queries.SIGNED_OFF and r.recheck_due and r.recheck_due <= soon_until(day)
            ),
            key=lambda r: (r.recheck_due, r.id),
        ),
        "returned": sorted((r for r in existing if r.status == Status.RETURNED), key=returned_order),
        "owed": sorted(unfinished, key=lambda r: (r.due_date is None, r.due_date or day, r.id)),
    }
    changed = []
    for row in sorted(rows, key=lambda r: r.id):  # (the replay took the rows as the database gave them)
        state = states.get(row.id)
        rating_now = brag_for_action(row.status, row.due_date, today, row.owner is not None)
        rating_then = brag_for_action(state.status, state.due_date, day, state.owner is not None) if state else None
        if state is None or state.status != row.status or rating_then != rating_now:
            changed.append((row, state, rating_then))
    shown = {name: items[: limits.owed if name == "owed" else limits.rows] for name, items in chosen.items()}
    shown_changes = changed[: limits.rows]
    texts = queries.action_texts(
        db.session, {r.id for items in shown.values() for r in items} | {row.id for row, _, _ in shown_changes}
    )
    describe = lists.Describer(
        {r.id: r for r in queries.reviews(db.session, scope.context_reviews)}, queries.agency_names(db.session)
    )

    def item(row, on: date):
        text, ref = texts[row.id]
        comments, decided_at, decided_by = returns.get(row.id, (None, None, None)) if on == day else (None,) * 3
        return describe(row, on, text, ref, comments=comments, decided_at=decided_at, decided_by=decided_by)

    found = {name: Listing([item(r, day) for r in shown[name]], len(chosen[name])) for name in chosen}
    found["changes"] = Listing(
        [Change(item(row, today), state.status if state else None, rating) for row, state, rating in shown_changes],
        len(changed),
    )
    return found


def expected_figures(scope, day: date) -> tuple[Counter, Counter, dict[int, Counter]]:
    """The scope's actions as the history's replay has them at the end of ``day``: counted by status, by
    rating, and by status per agency."""
    rows, states, _, _ = replayed(scope, day)
    by_status, by_rating, by_agency = Counter(), Counter(), {}
    for row in rows:
        state = states.get(row.id)
        if state is None:
            continue
        by_status[state.status] += 1
        by_rating[brag_for_action(state.status, state.due_date, day, state.owner is not None)] += 1
        by_agency.setdefault(row.agency_id, Counter())[state.status] += 1
    return by_status, by_rating, by_agency


actions_drawn = st.lists(
    st.fixed_dictionaries(
        {
            "agency": st.sampled_from([POLICE, SOCIAL_CARE]),
            "due": st.one_of(st.none(), st.integers(-60, DAYS + 60)),
            "owned": st.booleans(),
            "day": st.integers(0, DAYS),
            # A few actions are made outside the services: no history, no periods, their own created_at.
            "outside": st.sampled_from([False, False, False, False, True]),
            "status": st.sampled_from(["not_started", "in_progress", "returned", "assured"]),
            # A few rows are changed behind the history's back at the end: out of step with their timeline.
            "tamper": st.sampled_from([False, False, False, True]),
        }
    ),
    min_size=2,
    max_size=7,
)
steps_drawn = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(OPS), st.integers(0, DAYS), st.integers(-40, DAYS + 80)),
    min_size=6,
    max_size=40,
)


def _frozen(moment: datetime) -> type[datetime]:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment

    return Frozen


class History:
    """A board's history written by the services on chosen days, in order, each entry a second after the last."""

    def __init__(self, monkeypatch, plan):
        self.monkeypatch, self.plan, self.tick = monkeypatch, plan, 0

    def moment(self, day: int) -> datetime:
        self.tick += 1
        return datetime.combine(START + timedelta(days=day), datetime.min.time(), UTC) + timedelta(
            hours=9, seconds=self.tick
        )

    def on(self, day: int) -> datetime:
        moment = self.moment(day)
        self.monkeypatch.setattr(audit, "utcnow", lambda: moment)
        # Rows' own times (when a decision was made, an action created) are their columns' default, db.utcnow.
        self.monkeypatch.setattr(tracker_db, "datetime", _frozen(moment))
        return moment

    def apply(self, action: Action, op: str, day: int, offset: int) -> None:
        """``op`` on ``action`` when its status allows it (the status machine's moves; others are skipped)."""
        plan = self.plan
        self.on(day)
        status, lead = Status(action.status), plan.leads_for(action)
        date_then = START + timedelta(days=offset)
        if (op in ("start", "advance") and status == Status.NOT_STARTED) or (
            op == "start" and status == Status.RETURNED
        ):
            services.change_status(db.session, lead, action, action.version, "in_progress")
        elif (
            op in ("advance", "return")
            and status in (Status.IN_PROGRESS, Status.RETURNED)
            and action.owner_id is not None
            and action.due_date is not None
        ):
            evidence(action, lead, title=f"Audit {self.tick}")
            services.submit_for_assurance(db.session, lead, action, action.version, "Done")
        elif op in ("advance", "return") and status == Status.SUBMITTED:
            accept = op == "advance"
            services.decide(
                db.session,
                plan.member,
                action,
                action.version,
                accept=accept,
                comments=None if accept else f"Reasons {self.tick}",
                recheck_due=date_then if accept and offset % 3 else None,
            )
        elif op == "close" and status in (Status.NOT_STARTED, Status.IN_PROGRESS, Status.RETURNED):
            services.change_status(db.session, plan.member, action, action.version, "closed", "Superseded")
        elif op == "replan" and status not in FINISHED:
            owner = plan.leads_for(action).id if offset % 2 else None
            services.update_plan(
                db.session,
                plan.member,
                action,
                action.version,
                owner_id=owner,
                due_date=None if offset % 5 == 0 else date_then,
                due_date_reason="Moved",
                success_measure="An audit of cases shows the change",
            )
        elif op == "reassign" and status not in FINISHED:
            owner = None if action.owner_id else plan.leads_for(action).id
            services.reassign_owner(db.session, plan.member, action, action.version, owner)
        db.session.flush()  # while the clock stands at this moment


@pytest.fixture
def board(app, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return new_plan("as-at-lists-board")


@pytest.mark.parametrize("kind", ["board", "review", "agency"])
def test_the_lists_as_at_a_past_date_are_the_historys(board, monkeypatch, kind):
    @settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(
        drawn=actions_drawn,
        steps=steps_drawn,
        as_at=st.integers(-3, DAYS),
        limit=st.sampled_from([1, 2, 50]),
    )
    def check(drawn, steps, as_at, limit):
        savepoint = db.session.begin_nested()
        try:
            history = History(monkeypatch, board)
            history.on(0)
            review = board.review("as-at-lists", [["neglect"], ["information-sharing"]])
            made: list[tuple[dict, Action]] = []
            for n, spec in enumerate(sorted(drawn, key=lambda s: s["day"])):
                rec = review.recommendations[n % 2]
                due = START + timedelta(days=spec["due"]) if spec["due"] is not None else None
                if spec["outside"]:
                    action = Action(
                        review_id=review.id,
                        recommendation_id=rec.id,
                        agency_id=board.agencies[spec["agency"]].id,
                        text=f"Made outside the services {n}",
                        owner_id=board.leads[spec["agency"]].id if spec["owned"] else None,
                        due_date=due,
                        status=spec["status"],
                        recheck_due=due if spec["status"] == "assured" else None,
                        created_at=history.moment(spec["day"]),
                    )
                    db.session.add(action)
                    db.session.flush()
                else:
                    history.on(spec["day"])
                    action = board.action(rec, spec["agency"], due=due, owner=spec["owned"])
                made.append((spec, action))
            for index, op, day, offset in sorted(steps, key=lambda s: s[2]):
                spec, action = made[index % len(made)]
                if not spec["outside"] and day >= spec["day"]:
                    history.apply(action, op, day, offset)
            for spec, action in made:
                if spec["tamper"]:
                    action.due_date = (action.due_date or START) + timedelta(days=20)
                    action.status = Status.IN_PROGRESS.value if action.status != "in_progress" else "submitted"
            db.session.flush()
            limits = lists.Limits(rows=limit, owed=limit, recommendations=None)
            scope = {
                "board": lambda: scope_for(board=board.board),
                "review": lambda: scope_for(review=review),
                "agency": lambda: scope_for(agency=board.agencies[POLICE]),
            }[kind]()
            day = min(START + timedelta(days=as_at), TODAY)
            report = build_report(db.session, scope, as_at=day, limits=limits)
            expected = expected_lists(scope, day, TODAY, limits)
            assert report.overdue == expected["overdue"]
            assert report.rechecks == expected["rechecks"]
            assert report.returned == expected["returned"]
            assert report.changes == expected["changes"]
            if kind == "agency":
                assert report.owed == expected["owed"]
            # The figures are the history's too, in all and agency by agency.
            by_status, by_rating, by_agency = expected_figures(scope, day)
            assert report.headline.by_status == by_status
            assert report.headline.by_brag == by_rating
            assert {row.id: row.tally.by_status for row in report.agencies} == by_agency
            # The totals agree with the figures counted beside them.
            assert report.overdue.total == report.headline.overdue
            assert report.returned.total == report.headline.by_status[Status.RETURNED]
        finally:
            savepoint.rollback()
            db.session.expire_all()

    check()


def test_returned_actions_as_at_a_past_date_come_without_a_return_first_then_the_longest_waiting(board, monkeypatch):
    history = History(monkeypatch, board)
    history.on(0)
    rec = board.review("as-at-returned", [["neglect"]]).recommendations[0]
    first, second = (board.action(rec, POLICE, due=START + timedelta(days=90)) for _ in range(2))
    for action, day in ((second, 2), (first, 6)):  # started, submitted and returned: the second first
        for step, op in enumerate(("advance", "advance", "return")):
            history.apply(action, op, day + step, 0)
    outside = Action(
        review_id=rec.review_id,
        recommendation_id=rec.id,
        agency_id=board.agencies[SOCIAL_CARE].id,
        text="Returned, with no return on record",
        status="returned",
        created_at=history.moment(1),
    )
    db.session.add(outside)
    db.session.flush()
    scope = scope_for(board=board.board)
    report = build_report(db.session, scope, as_at=START + timedelta(days=30))
    assert [item.id for item in report.returned.items] == [outside.id, second.id, first.id]
    assert report.returned.items[1].comments.startswith("Reasons")
    assert report.returned == expected_lists(scope, START + timedelta(days=30), TODAY)["returned"]
