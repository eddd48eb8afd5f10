"""An evidence pack carries, for each action, the report's words it comes from and where they are."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.packs.helpers import make, members, people, review
from tracker.actions.models import Action
from tracker.extensions import db
from tracker.packs import scope


@pytest.fixture
def cast(users):
    return people(users)


def test_each_action_in_a_pack_holds_its_passage_title_and_recommendations(cast):
    child_j = review("mk-child-j")
    data, _ = make(cast["admin"], scope.of_review(child_j), reason="Annual audit")
    manifest = json.loads(members(data)["data/manifest.json"])
    by_key = {
        action.id: action.seed_key
        for action in db.session.execute(select(Action).where(Action.review_id == child_j.id)).scalars()
    }
    records = {by_key[a["id"]]: a for a in manifest["actions"]}
    footnote = records["mk-child-j:action:a06"]
    assert footnote["source"]["paragraphs"] == ["4.55", "footnote 47"]
    assert footnote["source"]["passage"] == "This has been addressed by the police since (footnote 47)"
    assert footnote["title"] == "Pregnancy and babies noted properly on DASH forms"
    assert footnote["recommendations"] == ["F"]
    joint = records["mk-child-j:action:a04"]
    assert joint["joint_key"] == "child-j-mash-hospital-awareness"
    assert joint["source"]["passage"].startswith("Discussion at the learning event between MASH and hospital staff")
