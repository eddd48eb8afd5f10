"""A report costs the same number of SQL statements whatever the size of its board: figures are grouped in
SQL and lists are limited, so adding actions, reviews, agencies and history adds no query."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from tests.reports.helpers import POLICE, SOCIAL_CARE
from tracker.extensions import db
from tracker.reports.builder import build_report
from tracker.reports.scope import scope_for


@contextmanager
def counting():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements(subject: dict, as_at=None) -> int:
    db.session.expire_all()
    with counting() as statements:
        build_report(db.session, scope_for(**subject), as_at=as_at)
    return len(statements)


def _grow(plan, today):
    """Four times the reviews, many more actions in every state, and their history."""
    for n in range(3):
        review = plan.review(f"report-test-more-{n}", [["neglect"], ["information-sharing", "supervision"]] * 3)
        for i, rec in enumerate(review.recommendations):
            for agency in (POLICE, SOCIAL_CARE):
                action = plan.action(rec, agency, due=today + timedelta(days=(i * 7) - 20))
                step = (i + n) % 5
                if step == 1:
                    plan.start(action)
                elif step == 2:
                    plan.return_(action)
                elif step == 3:
                    plan.assure(action, recheck_due=today + timedelta(days=i))
                elif step == 4:
                    plan.close(action)


def test_board_report_query_count_does_not_grow_with_the_data(plan, today):
    subject = {"board": plan.board}
    small_live, small_past = _statements(subject), _statements(subject, today - timedelta(days=1))
    _grow(plan, today)
    assert _statements(subject) == small_live
    assert _statements(subject, today - timedelta(days=1)) == small_past
    assert small_live <= 12


def test_review_and_agency_report_query_counts_do_not_grow_with_the_data(plan, today):
    review = {"review": plan.reviews[0]}
    agency = {"agency": plan.agencies[POLICE]}
    before = [_statements(review), _statements(agency), _statements(review, today), _statements(agency, today)]
    _grow(plan, today)
    assert [_statements(review), _statements(agency), _statements(review, today), _statements(agency, today)] == before
