"""An assurance exercise can include every agency that took part in the review, with or without an action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker import clock
from tracker.assurance.exercise_queries import agencies_with_open_actions, progress
from tracker.assurance.exercises import open_exercise, submit_return
from tracker.auth.services import create_user
from tracker.errors_domain import DomainError
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review


def _review(ref: str) -> Review:
    return db.session.execute(select(Review).where(Review.ref == ref)).scalar_one()


def _agency(key: str) -> Agency:
    return db.session.execute(select(Agency).where(Agency.key == key)).scalar_one()


@pytest.fixture
def member(app):
    return create_user(
        db.session,
        email="child-m.member@test.invalid",
        name="Child M Member",
        role="board_member",
        password=PASSWORD,
        board_keys=["northamptonshire"],
    )


def test_participants_without_actions_can_be_chosen_and_answer_with_their_statement(member):
    review = _review("northants-mk-child-m")
    hospital_a = _agency("child-m-hospital-a")
    choices = {agency.key: count for agency, count in agencies_with_open_actions(db.session, review)}
    assert choices["child-m-hospital-a"] == 0 and choices["child-m-hospital-b"] == 0
    assert choices["child-m-maternity-service"] > 0

    exercise = open_exercise(
        db.session,
        member,
        review,
        title="Recommendation 4: each agency's IMR",
        deadline=clock.today() + timedelta(days=30),
        agency_ids=[hospital_a.id, _agency("child-m-maternity-service").id],
    )
    assert hospital_a in exercise.agencies
    row = next(p for p in progress(db.session, exercise) if p.agency.id == hospital_a.id)
    assert row.items == 0

    lead = create_user(
        db.session,
        email="hospital-a.lead@test.invalid",
        name="Hospital A Lead",
        role="agency_lead",
        password=PASSWORD,
        agency_key="child-m-hospital-a",
    )
    submitted = submit_return(db.session, lead, exercise, hospital_a.id, "Our IMR's recommendations are in place.")
    assert submitted.statement.startswith("Our IMR")


def test_by_default_an_exercise_asks_every_participant(member):
    review = _review("southampton-child-i-and-m")
    southampton = create_user(
        db.session,
        email="soton.member@test.invalid",
        name="Southampton Member",
        role="board_member",
        password=PASSWORD,
        board_keys=["southampton"],
    )
    exercise = open_exercise(
        db.session, southampton, review, title="All agencies", deadline=clock.today() + timedelta(days=30)
    )
    assert len(exercise.agencies) == 14


def test_an_agency_neither_taking_part_nor_with_actions_is_refused(member):
    review = _review("northants-mk-child-m")
    outsider = _agency("smart")
    with pytest.raises(DomainError, match="take part in this review"):
        open_exercise(
            db.session,
            member,
            review,
            title="Wrong agency",
            deadline=clock.today() + timedelta(days=30),
            agency_ids=[outsider.id],
        )
