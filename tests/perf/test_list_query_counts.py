"""Every list page runs the same number of SQL statements whatever the data: counts and names are loaded in
a fixed number of queries, never one per row. Each page is counted at the seeds' size and again after many
more reviews, recommendations, actions, people and history entries have been added."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import sign_in
from tracker.actions.models import Action
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import Recommendation, Review

POLICE = "thames-valley-police"
BOARD = "milton-keynes"


@contextmanager
def counting():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(client, path: str) -> int:
    client.get(path)  # the first request stores the CSRF token and shows the flash messages: not counted
    # The test client's requests share the test's session: forget what it has loaded, as a new request would.
    db.session.expire_all()
    with counting() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    assert "<h1" in response.get_data(as_text=True)
    return len(statements)


def grow(reviews: int = 6, recommendations: int = 5, per_recommendation: int = 4, people: int = 6) -> None:
    """More of everything a list page shows, on a board the test users can see and at the lead's agency."""
    board = db.session.execute(select(Board).where(Board.key == BOARD)).scalar_one()
    agencies = list(db.session.execute(select(Agency).order_by(Agency.id).limit(4)).scalars())
    police = db.session.execute(select(Agency).where(Agency.key == POLICE)).scalar_one()
    shown = db.session.get(Review, some_review_id())
    for n in range(recommendations):
        rec = Recommendation(
            review=shown, ref=f"extra-{n}", position=100 + n, addressed_to="board", kind="board", text=f"More {n}"
        )
        for a in range(per_recommendation):
            db.session.add(Action(review=shown, recommendation=rec, agency_id=agencies[a % len(agencies)].id, text="x"))
    for r in range(reviews):
        review = Review(
            ref=f"query-count-{r}",
            title=f"Query count review {r}",
            child=f"Child {r}",
            review_type="Child Safeguarding Practice Review",
            report_date=date(2020, 1, 1) + timedelta(days=r),
        )
        review.boards.append(board)
        db.session.add(review)
        for n in range(recommendations):
            rec = Recommendation(
                review=review, ref=str(n + 1), position=n + 1, addressed_to="board", kind="board", text=f"Rec {n}"
            )
            db.session.add(rec)
            for a in range(per_recommendation):
                agency = police if a % 2 == 0 else agencies[a % len(agencies)]
                db.session.add(
                    Action(review=review, recommendation=rec, agency_id=agency.id, text=f"Action {r}.{n}.{a}")
                )
    for p in range(people):
        create_user(
            db.session,
            email=f"query-count-{p}@test.invalid",
            name=f"Query Count {p}",
            role="agency_lead" if p % 2 else "board_member",
            password="correct horse battery staple",
            agency_key=POLICE if p % 2 else None,
            board_keys=[] if p % 2 else [BOARD],
        )
    db.session.commit()


def some_review_id() -> int:
    return db.session.execute(select(Review.id).where(Review.ref == "mk-child-j")).scalar_one()


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("admin", "/reviews"),
        ("board_member", "/reviews"),
        ("admin", "/reviews/{review}"),
        ("admin", "/people"),
        ("admin", "/packs"),
        ("auditor", "/packs"),
        ("admin", "/export"),
        ("agency_lead", "/my-agency"),
        ("agency_lead", "/my-agency?status=not_started"),
    ],
)
def test_a_list_page_runs_as_many_statements_for_more_data(client, users, role, path):
    sign_in(client, users[role])
    path = path.format(review=some_review_id())
    small = statements_for(client, path)
    grow()
    assert statements_for(client, path) == small
