"""The action page runs the same number of SQL statements however much the action holds: more evidence, more
submissions and sign-offs, more history, more recommendations and more agencies sharing its joint action.
(An action with none of some kind runs fewer: nothing to read the people or files of.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.actions.helpers import add_evidence, police_action, user
from tests.conftest import sign_in
from tests.perf.test_list_query_counts import statements_for
from tracker.actions import services
from tracker.actions.models import Action
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Recommendation


def _grow(action: Action, lead, member) -> None:
    """Two rounds of evidence, submission and decision, more history, two more recommendations and three
    other agencies' actions of the same joint action."""
    for n in range(2):
        if action.status != "in_progress":
            services.change_status(db.session, lead, action, action.version, "in_progress")
        for k in range(3):
            add_evidence(action, lead, title=f"Evidence {n}.{k}")
        services.submit_for_assurance(db.session, lead, action, action.version, f"Round {n}")
        services.decide(db.session, member, action, action.version, accept=False, comments=f"More, round {n}")
    others = list(db.session.execute(select(Recommendation).where(Recommendation.review_id == action.review_id)))
    for (rec,) in others[:2]:
        if rec not in action.recommendations:
            action.recommendations.append(rec)
    action.joint_key = action.joint_key or "query-count-joint"
    agencies = db.session.execute(select(Agency).where(Agency.id != action.agency_id).limit(3)).scalars()
    for agency in agencies:
        db.session.add(
            Action(review_id=action.review_id, agency_id=agency.id, text="Shared", joint_key=action.joint_key)
        )
    db.session.commit()


@pytest.mark.parametrize("role", ["agency_lead", "board_member", "admin"])
def test_the_action_page_runs_as_many_statements_for_more_data(client, users, role):
    action = police_action()
    db.session.commit()
    sign_in(client, users[role])
    path = f"/actions/{action.id}"
    lead, member = user(users["agency_lead"]), user(users["board_member"])
    _grow(action, lead, member)
    some = statements_for(client, path)
    _grow(action, lead, member)
    _grow(action, lead, member)
    assert statements_for(client, path) == some
