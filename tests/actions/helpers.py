"""Building blocks for lifecycle tests: users on both sides of an action, and evidence rows."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker import clock
from tracker.actions.models import Action
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.evidence.models import EvidenceItem
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def plan_action(action: Action, owner: User | None = None) -> Action:
    """Give an action the plan it needs before it can be submitted: an owner (a lead of its agency), a due
    date and a measure of success. Test set-up, written straight to the row."""
    if owner is None:
        owner = db.session.execute(
            select(User)
            .where(User.agency_id == action.agency_id, User.role == "agency_lead")
            .order_by(User.id)
            .limit(1)
        ).scalar_one_or_none()
    action.owner = owner
    action.due_date = action.due_date or clock.today() + timedelta(days=180)
    action.success_measure = action.success_measure or "Audit shows the new practice in every case"
    db.session.flush()
    return action


def police_action(review_ref: str = "mk-child-j", planned: bool = True) -> Action:
    """A Thames Valley Police action in a Milton Keynes review: the `users` fixture's lead works on it and
    its board member reviews it. Starts not started, whatever the report said; planned (owner, due date,
    measure of success) unless ``planned`` is False."""
    action = db.session.execute(
        select(Action)
        .join(Agency)
        .join(Review)
        .where(Agency.key == "thames-valley-police", Review.ref == review_ref)
        .order_by(Action.id)
        .limit(1)
    ).scalar_one()
    action.status = "not_started"
    db.session.flush()
    return plan_action(action) if planned else action


def second_lead() -> User:
    return create_user(
        db.session,
        email="lead2@test.invalid",
        name="Second Lead",
        role="agency_lead",
        password=PASSWORD,
        agency_key="thames-valley-police",
    )


def second_member() -> User:
    return create_user(
        db.session,
        email="member2@test.invalid",
        name="Second Member",
        role="board_member",
        password=PASSWORD,
        board_keys=["milton-keynes"],
    )


def add_evidence(action: Action, by: User, kind: str = "implementation", title: str = "New protocol") -> EvidenceItem:
    item = EvidenceItem(
        action_id=action.id,
        kind=kind,
        title=title,
        narrative="What was done",
        relates_to=date(2026, 10, 1),
        added_by_id=by.id,
        digest=hashlib.sha256(title.encode()).hexdigest(),
    )
    db.session.add(item)
    db.session.flush()
    return item
