"""The report's figures, lists and themes, on a board whose every figure is known and on the seeded boards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.reports.conftest import TODAY
from tracker.actions.models import Action
from tracker.extensions import db
from tracker.orgs.models import Agency, Board
from tracker.reports.brag import Brag, rate_action
from tracker.reports.builder import build_report
from tracker.reports.lists import Limits
from tracker.reports.scope import scope_for
from tracker.reviews.models import Review, review_boards


def _report(**subject):
    return build_report(db.session, scope_for(**subject))


def test_headline_figures_count_every_action_by_status_and_rating(plan):
    report = _report(board=plan.board)
    h = report.headline
    assert h.total == 7
    assert dict(+h.by_status) == {
        "not_started": 2,
        "in_progress": 1,
        "assured": 1,
        "returned": 1,
        "submitted": 1,
        "closed": 1,
    }
    assert dict(+h.by_brag) == {Brag.RED: 2, Brag.NOT_PLANNED: 1, Brag.AMBER: 2, Brag.GREEN: 1, Brag.NOT_RATED: 1}
    assert h.overdue == 2
    assert (h.done, h.percent_done) == (1, 14)
    assert report.recommendation_count == 6
    assert dict(+report.recommendations_by_rating) == {
        Brag.RED: 2,
        Brag.AMBER: 1,
        Brag.NOT_PLANNED: 1,
        Brag.NO_ACTION: 1,
        Brag.NOT_RATED: 1,
    }
    assert report.responses_recorded == 0


def test_each_recommendation_shows_its_actions_by_status_and_its_worst_rating(plan):
    report = _report(board=plan.board)
    rows = {(section.ref, row.ref): row for section in report.reviews for row in section.recommendations}
    assert rows[("report-test-a", "1")].tally.rating == Brag.RED  # one red, one amber
    assert rows[("report-test-a", "1")].tally.summary() == "1 not started, 1 in progress"
    assert rows[("report-test-a", "2")].tally.rating == Brag.AMBER  # assured (green) and returned (amber)
    assert rows[("report-test-a", "3")].tally.summary() == "No actions"
    assert rows[("report-test-a", "3")].tally.rating == Brag.NO_ACTION
    assert rows[("report-test-b", "2")].tally.rating == Brag.NOT_RATED  # only a closed action
    assert rows[("report-test-c", "1")].tally.rating == Brag.NOT_PLANNED  # no owner, no due date: never green
    assert rows[("report-test-a", "1")].themes == ["Information sharing", "Supervision"]
    assert rows[("report-test-a", "1")].response == "No response recorded"


def test_overdue_actions_are_listed_longest_overdue_first_with_owner_and_days_late(plan):
    report = _report(board=plan.board)
    overdue = report.overdue
    assert overdue.total == 2 and overdue.more == 0
    assert [(i.id, i.days_late, i.owner, i.agency) for i in overdue.items] == [
        (plan.acts["A1"].id, 10, "Lead 0 of report-test-board", "Thames Valley Police"),
        (plan.acts["B1"].id, 3, "Lead 0 of report-test-board", "Thames Valley Police"),
    ]
    assert overdue.items[0].review_title == "Review report-test-a" and overdue.items[0].recommendation_ref == "1"
    # The closed action is past its date but finished, so it is not overdue.
    assert plan.acts["B2"].id not in {i.id for i in overdue.items}


def test_rechecks_due_and_returned_submissions_are_listed(plan):
    report = _report(board=plan.board)
    assert [(i.id, i.recheck_due) for i in report.rechecks.items] == [(plan.acts["A3"].id, plan.acts["A3"].recheck_due)]
    (returned,) = report.returned.items
    assert returned.id == plan.acts["A4"].id
    assert returned.comments == "Add the audit results"
    assert returned.decided_by == "Member of report-test-board"
    assert report.returned.total == 1


def test_the_rechecks_total_counts_those_the_list_does_not_show(plan):
    # The total is counted apart from the rows shown (list_queries.rows_and_total): with more re-checks due
    # than the list holds, it still counts every one.
    due = [plan.acts[key] for key in ("A1", "A2", "B1")]
    for action in due:
        db.session.execute(
            Action.__table__.update()
            .where(Action.id == action.id)
            .values(status="assured", recheck_due=plan.acts["A3"].recheck_due)
        )
    report = build_report(db.session, scope_for(board=plan.board), limits=Limits(rows=2, owed=2, recommendations=2))
    assert len(report.rechecks.items) == 2
    assert report.rechecks.total == 4


def test_progress_per_agency(plan):
    report = _report(board=plan.board)
    agencies = {a.name: a.tally for a in report.agencies}
    assert set(agencies) == {"Thames Valley Police", "Milton Keynes Children’s Social Care"}
    police = agencies["Thames Valley Police"]
    assert (police.total, police.overdue, police.done, police.rating) == (4, 2, 1, Brag.RED)
    care = agencies["Milton Keynes Children’s Social Care"]
    assert dict(+care.by_status) == {"in_progress": 1, "returned": 1, "closed": 1}
    assert care.rating == Brag.AMBER


def test_recurring_themes_name_their_reviews_and_how_their_actions_stand(plan):
    report = _report(board=plan.board)
    themes = [(t.label, [title for _, title in t.reviews]) for t in report.themes]
    assert themes[:3] == [
        ("Information sharing", ["Review report-test-a", "Review report-test-b", "Review report-test-c"]),
        ("Neglect", ["Review report-test-a", "Review report-test-b"]),
        ("Supervision", ["Review report-test-a", "Review report-test-b"]),
    ]
    sharing = report.themes[0]
    assert sharing.recurring
    assert dict(+sharing.tally.by_status) == {"not_started": 2, "in_progress": 1, "submitted": 1}
    assert (sharing.tally.overdue, sharing.tally.rating) == (2, Brag.RED)
    assert [t.label for t in report.recurring_themes] == ["Information sharing", "Neglect", "Supervision"]


def test_a_reviews_report_looks_for_its_themes_across_its_boards_reviews(plan):
    review = plan.reviews[2]  # report-test-c: one recommendation, on information sharing
    report = _report(review=review)
    assert report.headline.total == 1
    assert [s.ref for s in report.reviews] == ["report-test-c"]
    (theme,) = report.themes
    assert theme.label == "Information sharing"
    assert [title for _, title in theme.reviews] == [
        "Review report-test-a",
        "Review report-test-b",
        "Review report-test-c",
    ]
    # How the theme's actions stand across those reviews, not just this one.
    assert theme.tally.total == 4
    assert [a.name for a in report.agencies] == ["Thames Valley Police"]


def test_an_agencys_report_holds_what_it_owes_across_boards_soonest_due_first(plan):
    police = plan.agencies["thames-valley-police"]
    report = _report(agency=police)
    all_police = db.session.execute(select(Action).where(Action.agency_id == police.id)).scalars().all()
    assert report.headline.total == len(all_police)
    owed = report.owed.items
    unfinished = [a for a in all_police if a.status not in ("assured", "embedded", "closed")]
    assert report.owed.total == len(unfinished) == len(owed)
    assert [i.id for i in owed[:2]] == [plan.acts["A1"].id, plan.acts["B1"].id]  # soonest (most overdue) first
    dates = [i.due_date for i in owed if i.due_date]
    assert dates == sorted(dates) and owed[-1].due_date is None  # dated first, then those without a date
    reviews = {i.review_title for i in owed}
    assert "Serious Case Review: Child J" in reviews and "Review report-test-a" in reviews  # across boards


def test_an_agency_report_shown_to_someone_else_holds_only_their_boards_reviews(plan, users):
    from tests.actions.helpers import user

    police = plan.agencies["thames-valley-police"]
    auditor = user(users["auditor"])  # Buckinghamshire only
    report = build_report(db.session, scope_for(agency=police, viewer=auditor))
    in_bucks = (
        db.session.execute(
            select(Action)
            .join(Review)
            .where(Action.agency_id == police.id, Review.ref.in_(["bucks-baby-k", "bucks-child-aa"]))
        )
        .scalars()
        .all()
    )
    assert {s.ref for s in report.reviews} == {a.review.ref for a in in_bucks} == {"bucks-baby-k"}
    assert report.headline.total == len(in_bucks) > 0


def test_seeded_boards_figures_match_their_actions(app, today):
    for board in db.session.execute(select(Board)).scalars():
        report = _report(board=board)
        actions = (
            db.session.execute(
                select(Action).where(
                    Action.review_id.in_(select(review_boards.c.review_id).where(review_boards.c.board_id == board.id))
                )
            )
            .scalars()
            .all()
        )
        assert report.headline.total == len(actions)
        assert sum(1 for a in actions if a.is_overdue(today)) == report.headline.overdue
        ratings = [rate_action(a, today) for a in actions]
        assert all(
            r != Brag.GREEN
            for a, r in zip(actions, ratings, strict=True)
            if a.status not in ("assured",) and (a.owner_id is None or a.due_date is None)
        )
        assert {r: ratings.count(r) for r in set(ratings)} == dict(+report.headline.by_brag)


def test_seeded_themes_recur_across_the_five_reviews(app, today, users):
    from tests.actions.helpers import user

    # An administrator sees every board; one report per board, then the themes across Buckinghamshire's two.
    bucks = db.session.execute(select(Board).where(Board.key == "buckinghamshire")).scalar_one()
    report = build_report(db.session, scope_for(board=bucks, viewer=user(users["admin"])))
    assert report.themes[0].recurring
    counts = [len(t.reviews) for t in report.themes]
    assert counts == sorted(counts, reverse=True)
    by_label = {t.label: [title for _, title in t.reviews] for t in report.themes}
    assert len(by_label["Information sharing"]) == 2
    # The Milton Keynes review of Child M is also Northamptonshire's: a report on it looks across both boards.
    child_m = db.session.execute(select(Review).where(Review.ref == "northants-mk-child-m")).scalar_one()
    report = _report(review=child_m)
    assert any(len(t.reviews) > 1 for t in report.themes)
    assert report.headline.total == len(child_m.actions)


def test_due_date_timing_in_sql_agrees_with_the_rule(plan):
    """The SQL buckets (queries.timing_case) and brag.timing must agree, or the figures would lie."""
    from tracker.reports.brag import Timing
    from tracker.reports.queries import action_groups

    ids = {a.id for a in plan.acts.values()}
    groups = action_groups(db.session, Action.id.in_(ids), TODAY)

    def each(status, counts):
        return [(status, when.value) for when, n in zip(Timing, counts, strict=True) for _ in range(n)]

    from_sql = sorted(pair for _, _, status, counts in groups.recommendations for pair in each(status, counts))
    per_agency = sorted(pair for _, status, counts in groups.agencies for pair in each(status, counts))
    assert per_agency == from_sql
    from tracker.reports.brag import timing

    from_rule = sorted((a.status, timing(a.due_date, TODAY, a.owner_id is not None).value) for a in plan.acts.values())
    assert from_sql == from_rule


def test_agency_and_review_reports_need_exactly_one_subject(plan):
    import pytest

    with pytest.raises(ValueError, match="exactly one"):
        scope_for(board=plan.board, agency=db.session.get(Agency, plan.acts["A1"].agency_id))


def test_the_headline_leads_with_what_needs_the_boards_attention(plan):
    report = _report(board=plan.board)
    items = {item.key: item for item in report.attention}
    assert [item.key for item in report.attention][:3] == ["not_planned", "overdue", "waiting"]
    assert items["not_planned"].count == 1 and "no owner or no due date" in items["not_planned"].words
    assert items["overdue"].count == 2
    assert items["waiting"].count == 1 and "the longest for " in items["waiting"].words
    assert items["returned"].count == 1
    assert items["rechecks"].count == 1
    assert items["no_action"].count == 1
    assert items["no_response"].count == report.recommendation_count - report.responses_recorded > 0
    assert items["no_update"].count == 0  # everything was made today


def test_actions_with_no_update_for_the_configured_days_are_counted(plan, app):
    action = plan.acts["A2"]
    db.session.execute(Action.__table__.update().where(Action.id == action.id).values(updated_at=datetime(2026, 1, 1)))
    app.config["REPORT_NO_UPDATE_DAYS"] = 90
    items = {item.key: item for item in _report(board=plan.board).attention}
    assert items["no_update"].count == 1 and "no update for 90 days" in items["no_update"].words
    app.config["REPORT_NO_UPDATE_DAYS"] = 200
    assert {item.key: item for item in _report(board=plan.board).attention}["no_update"].count == 0
