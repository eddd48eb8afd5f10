"""Loading the seeds: complete, idempotent, and corrections never lose what users recorded."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import SEEDS_DIR
from tracker.actions.models import Action
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Recommendation, Review
from tracker.seeding.loader import SeedError, load_seeds


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_every_review_recommendation_and_action_is_loaded(app):
    assert _count(Review) == 5
    assert _count(Recommendation) == 62
    # 51 single-agency actions from the reports (two of them the second agency's half of a joint action),
    # plus one tracked action per single-agency recommendation.
    assert _count(Action) == 51 + 34
    thames_valley = db.session.execute(select(Agency).where(Agency.key == "thames-valley-police")).scalar_one()
    assert {b.key for b in thames_valley.boards} == {"buckinghamshire", "milton-keynes"}
    police_reviews = db.session.execute(
        select(Review.ref).join(Action).where(Action.agency_id == thames_valley.id).distinct()
    ).scalars()
    assert set(police_reviews) == {"bucks-baby-k", "mk-child-j"}


def test_joint_review_belongs_to_both_boards(app):
    review = db.session.execute(select(Review).where(Review.ref == "northants-mk-child-m")).scalar_one()
    assert {b.key for b in review.boards} == {"northamptonshire", "milton-keynes"}


def test_loading_again_changes_nothing(app):
    before = _count(HistoryEntry)
    report = load_seeds(db.session, SEEDS_DIR)
    assert report.created == {} and report.updated == {}
    assert _count(HistoryEntry) == before


def test_a_corrected_seed_file_updates_in_place_and_keeps_user_work(app, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    action = db.session.execute(select(Action).where(Action.seed_key == "mk-child-j:action:a01")).scalar_one()
    owner = User(email="owner@test.invalid", name="Owner", role="admin", password_hash="x")
    db.session.add(owner)
    action.owner = owner
    action.due_date = date(2027, 3, 31)
    action.status = "in_progress"
    db.session.flush()
    old_text = action.text

    path = seeds / "reviews" / "mk-child-j.yaml"
    first_word = old_text.split()[0]
    content = path.read_text(encoding="utf-8")
    assert content.count(first_word) >= 1
    # Correct the first action's text, as a person would after spotting a typo.
    start = content.index("agency_actions:")
    at = content.index(first_word, start)
    path.write_text(content[:at] + "Corrected " + content[at:], encoding="utf-8")

    actions_before = _count(Action)
    report = load_seeds(db.session, seeds)
    assert report.updated == {"action": 1}
    db.session.refresh(action)
    assert action.text.startswith("Corrected ")
    assert (action.owner_id, action.due_date, action.status) == (owner.id, date(2027, 3, 31), "in_progress")
    assert _count(Action) == actions_before
    entry = db.session.execute(select(HistoryEntry).order_by(HistoryEntry.id.desc()).limit(1)).scalar_one()
    assert entry.event == "action.corrected" and entry.before == {"text": old_text}


def test_a_broken_seed_file_is_refused_with_every_problem_and_nothing_saved(app, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    path = seeds / "reviews" / "mk-child-j.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: board", "kind: boardd", 1), encoding="utf-8")
    (seeds / "reviews" / "aaa-new.yaml").write_text(
        "review:\n  ref: new-review\nrecommendations: []\n", encoding="utf-8"
    )
    with pytest.raises(SeedError) as error:
        load_seeds(db.session, seeds)
    message = str(error.value)
    assert "aaa-new.yaml cannot be loaded" in message and "'title' is missing" in message


def test_seeding_again_keeps_administrators_changes_to_boards_and_agencies(app):
    from tracker.orgs.models import Board

    board = db.session.execute(select(Board).where(Board.key == "milton-keynes")).scalar_one()
    board.name = "Milton Keynes Together Safeguarding Partnership"
    police = db.session.execute(select(Agency).where(Agency.key == "thames-valley-police")).scalar_one()
    kept = db.session.execute(select(Agency).where(Agency.key == "child-j-hospital-trust")).scalar_one()
    police.boards = [b for b in police.boards if b.key != "milton-keynes"]
    merged = db.session.execute(select(Agency).where(Agency.key == "child-j-gp-practice")).scalar_one()
    for action in db.session.execute(select(Action).where(Action.agency_id == merged.id)).scalars():
        action.agency_id = kept.id
    merged.merged_into_id = kept.id
    db.session.flush()

    load_seeds(db.session, SEEDS_DIR)
    db.session.refresh(board)
    db.session.refresh(police)
    assert board.name == "Milton Keynes Together Safeguarding Partnership"
    assert {b.key for b in police.boards} == {"buckinghamshire"}
    assert (
        db.session.execute(select(func.count()).select_from(Action).where(Action.agency_id == merged.id)).scalar_one()
        == 0
    )
