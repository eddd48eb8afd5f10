"""What the second reading of the reports changed: items under every recommendation and agency they name,
participants, themes with their meaning, titles for fragments, references as printed."""

from __future__ import annotations

import copy
import re

from sqlalchemy import select

from tests.conftest import SEEDS_DIR
from tracker.actions.models import Action
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Recommendation, Review, Theme
from tracker.seeding.datafile import check_layout, load
from tracker.seeding.loader import load_seeds


def _review(ref: str) -> Review:
    return db.session.execute(select(Review).where(Review.ref == ref)).scalar_one()


def _rec(review_ref: str, ref: str) -> Recommendation:
    return db.session.execute(
        select(Recommendation).join(Review).where(Review.ref == review_ref, Recommendation.ref == ref)
    ).scalar_one()


def _action(seed_key: str) -> Action:
    return db.session.execute(select(Action).where(Action.seed_key == seed_key)).scalar_one()


def test_child_m_1a_shows_every_action_that_names_it_and_figures_count_each_once(app):
    rec = _rec("northants-mk-child-m", "1a")
    keys = {a.seed_key.rsplit(":", 1)[1] for a in rec.actions}
    assert keys == {"a01", "a02", "a03", "a04", "a05", "a06", "a07", "a36"}
    gp = _action("northants-mk-child-m:action:a03")
    assert [r.ref for r in gp.recommendations] == ["1", "1a", "3"]
    # Still one action, under its first recommendation, for the figures.
    assert gp.recommendation.ref == "1"


def test_joint_actions_are_one_action_per_agency_linked_by_a_joint_key(app):
    pairs = {
        "child-m-hv-mh-communication": {"child-m-health-visiting-services", "child-m-mental-health-services"},
        "child-j-mash-hospital-awareness": {"child-j-hospital-trust", "milton-keynes-childrens-social-care"},
    }
    for joint_key, agencies in pairs.items():
        actions = db.session.execute(select(Action).where(Action.joint_key == joint_key)).scalars().all()
        assert {a.agency.key for a in actions} == agencies
        assert len({a.text for a in actions}) == 1


def test_the_named_doctor_is_no_longer_given_to_the_ccgs(app):
    action = _action("northants-mk-child-m:action:a20")
    assert action.agency.key == "child-m-named-doctor-for-child-protection"
    assert "Named Doctor for Child Protection in the region" in action.agency.name


def test_references_words_and_lead_ins_as_printed(app):
    aa = _rec("bucks-child-aa", "unnumbered-1")
    assert aa.ref_label == "(unnumbered)" and aa.position == 1
    assert "ill-health" in _action("northants-mk-child-m:action:a10").text
    rec2 = _rec("northants-mk-child-m", "2")
    assert rec2.sub_points_lead_in == (
        "specialist perinatal mental health provision would have offered the opportunity to:"
    )


def test_every_agency_involved_is_a_participant_with_or_without_an_action(app):
    child_m = {a.key for a in _review("northants-mk-child-m").participants}
    assert {"child-m-hospital-a", "child-m-hospital-b", "child-m-gp-practice"} <= child_m
    assert len(_review("southampton-child-i-and-m").participants) == 14
    assert len(_review("bucks-child-aa").participants) == 8
    # Agencies with an action are participants too (Child M's CSC is its Northamptonshire service).
    assert "northamptonshire-childrens-social-care" in child_m


def test_themes_say_what_they_mean_and_the_narrower_theme_names_its_broader_one(app):
    perinatal = db.session.execute(select(Theme).where(Theme.key == "perinatal-mental-health")).scalar_one()
    assert perinatal.broader_key == "parental-mental-health" and perinatal.description
    southampton = {t.key for r in _review("southampton-child-i-and-m").recommendations for t in r.themes}
    assert {"neglect", "pre-birth-and-unborn-babies"} <= southampton
    assert "pre-birth-and-unborn-babies" in _action("mk-child-j:action:a06").themes


def test_a_fragment_gets_a_title_from_its_sentence_and_the_boards_title_survives_reseeding(app):
    action = _action("mk-child-j:action:a06")
    assert action.text == "This has been addressed by the police since"
    assert action.display_title == "Pregnancy and babies noted properly on DASH forms"
    action.title = "The board's own words"
    plain = _action("mk-child-j:action:a05")
    assert plain.title is None and plain.display_title.startswith("Since July 2017 practice has been refined")
    db.session.flush()
    load_seeds(db.session, SEEDS_DIR)
    db.session.refresh(action)
    assert action.title == "The board's own words"


def test_a_former_reference_is_renamed_in_place(app):
    rec = _rec("bucks-child-aa", "unnumbered-1")
    rec.ref = "1"
    db.session.flush()
    load_seeds(db.session, SEEDS_DIR)
    db.session.refresh(rec)
    assert rec.ref == "unnumbered-1"
    refs = [r.ref for r in _review("bucks-child-aa").recommendations]
    assert refs.count("unnumbered-1") == 1 and "1" not in refs


def test_kind_follows_the_addressee_by_one_rule():
    data = load(SEEDS_DIR / "reviews" / "bucks-child-aa.yaml")
    assert check_layout(data) == []
    broken = copy.deepcopy(data)
    broken["recommendations"][1]["kind"] = "multi_agency"
    assert [str(p) for p in check_layout(broken)] == ["recommendation i: kind follows the addressee: 'board' is board"]


def test_a_narrower_theme_needs_its_broader_one():
    data = load(SEEDS_DIR / "reviews" / "northants-mk-child-m.yaml")
    broken = copy.deepcopy(data)
    broken["recommendations"][0]["themes"] = ["perinatal-mental-health"]
    assert any("needs its broader theme 'parental-mental-health'" in str(p) for p in check_layout(broken))


def test_joint_actions_must_quote_the_same_words_for_different_agencies():
    data = load(SEEDS_DIR / "reviews" / "mk-child-j.yaml")
    broken = copy.deepcopy(data)
    broken["agency_actions"][-1]["agency"] = "hospital-trust"
    assert any("one action per agency" in str(p) for p in check_layout(broken))


def test_participants_must_be_listed_agencies(app):
    data = load(SEEDS_DIR / "reviews" / "bucks-baby-k.yaml")
    broken = copy.deepcopy(data)
    broken["review"]["participants"].append("nobody")
    assert any("'nobody' not listed" in str(p) for p in check_layout(broken))
    assert db.session.execute(select(Agency).where(Agency.key == "wexham-park-hospital")).scalar_one()


def test_the_word_rules_of_the_themes_are_applied_to_every_recommendation_and_action():
    missing = []
    for path in sorted((SEEDS_DIR / "reviews").glob("*.yaml")):
        data = load(path)
        items = [
            (f"rec {r['ref']}", " ".join([r["text"], *(r.get("sub_points") or [])]), r) for r in data["recommendations"]
        ]
        items += [(f"action {a['key']}", a["text"], a) for a in data.get("agency_actions") or []]
        for where, text, item in items:
            words = text.lower()
            prebirth = re.search(r"pregnan|unborn|pre-birth|antenatal|booking", words)
            if prebirth and "pre-birth-and-unborn-babies" not in item["themes"]:
                missing.append(f"{path.stem} {where}: pre-birth-and-unborn-babies")
            if re.search(r"mental (health|ill)", words) and "parental-mental-health" not in item["themes"]:
                missing.append(f"{path.stem} {where}: parental-mental-health")
    assert missing == []
