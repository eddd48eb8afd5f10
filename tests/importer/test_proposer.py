"""The proposer on short invented reviews in the styles partnerships publish (never the five seeded reports)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.importer.actions import progress_of
from tracker.importer.blocks import build_blocks
from tracker.importer.propose import propose_from_pages

SAMPLES = Path(__file__).parent / "samples"


def proposals(name: str):
    return propose_from_pages((SAMPLES / name).read_text(encoding="utf-8").split("\f"))


def test_recommendation_headings_with_bullet_sub_points_and_page_furniture_removed():
    found = proposals("sar-wrapped.txt")
    recs = {r.ref: r for r in found.recommendations}
    assert list(recs) == ["1", "2"]
    assert recs["1"].text.startswith("Riverside Safeguarding Adults Board should seek assurance")
    assert recs["1"].text.endswith("and that:")
    assert recs["1"].sub_points == ["staff know where to find it", "managers audit its use every year"]
    assert (recs["1"].addressed_to, recs["1"].kind) == ("board", "board")
    assert (recs["2"].addressed_to, recs["2"].kind) == ("all_agencies", "multi_agency")
    # The running header ("Riverside Safeguarding Adults Board" next to "Page N of 3") is gone from the text.
    assert "Page 2 of 3" not in found.text
    assert "self-neglect training includes the voice of the adult" in recs["2"].text
    assert all(r.why for r in found.recommendations)


def test_actions_from_a_list_of_changes_the_body_and_a_footnote():
    found = proposals("sar-wrapped.txt")
    actions = {a.text.split()[1]: a for a in found.actions}
    nursing = next(a for a in found.actions if "joint visit" in a.text)
    assert nursing.reported_progress == "reported_done"
    police = next(a for a in found.actions if "welfare checks" in a.text)
    assert (police.agency, police.reported_progress) == ("Police", "in_progress")
    housing = next(a for a in found.actions if "train its officers" in a.text)
    assert housing.reported_progress == "planned"
    footnote = next(a for a in found.actions if "shared referral form" in a.text)
    assert footnote.paragraphs == ["1.2", "footnote 1"]
    ambulance = next(a for a in found.actions if "repeat callers" in a.text)
    assert ambulance.agency == "Ambulance Service" and ambulance.paragraphs == ["2.1.1"]
    assert actions and all(a.why for a in found.actions)


def test_lettered_recommendations_with_roman_sub_points_and_superscript_footnotes():
    found = proposals("cspr-lettered.txt")
    assert [r.ref for r in found.recommendations] == ["a", "b", "c"]
    b = found.recommendations[1]
    assert b.text == "The Partnership should seek assurance from the hospital trust that:"
    assert len(b.sub_points) == 2 and b.sub_points[0].startswith("discharge summaries for babies")
    # The table of contents line is not taken for the section, and the footnote number is not in the text.
    assert "fracture." in found.blocks[[b.number for b in found.blocks].index("1.1")].text
    action = found.actions[0]
    assert action.reported_progress == "in_progress" and action.agency == "Health Visiting"
    assert action.text.startswith("The Health Visiting Service did not receive")  # "This is being…" refers back


def test_numbered_single_agency_recommendations_under_agency_headings():
    found = proposals("dhr-numbered.txt")
    assert [r.ref for r in found.recommendations] == ["6.1.1", "6.1.2", "6.2.1", "6.3.1"]
    police = found.recommendations[1]
    assert (police.addressed_to, police.kind, police.agency) == ("agency", "single_agency", "Police")
    assert found.recommendations[3].addressed_to == "board"


def test_unnumbered_recommendations_stay_unnumbered_as_printed():
    text = (
        "Recommendations\n"
        "The review recommends:\n"
        "The Partnership to publish a seven-minute briefing on this review.\n"
        "i. The Partnership to audit joint visits.\n"
        "ii. The Partnership to review the escalation policy.\n"
    )
    found = propose_from_pages([text])
    assert [r.ref for r in found.recommendations] == ["unnumbered-1", "i", "ii"]
    assert "not numbered in the report: shown unnumbered, as printed" in found.recommendations[0].why


def test_hyphenation_and_glued_footnote_numbers_are_mended():
    text = (
        "2.1 The practitioners did not consider the safe-\nguarding risk to the baby2 at the time of the visit"
        " and the\nrecords were incom-\nplete.\n"
    )
    block = build_blocks([text])[0]
    assert "safeguarding risk to the baby at the time" in block.text
    assert "incomplete." in block.text
    assert block.footnotes == ["2"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The trust has now introduced a checklist.", "reported_done"),
        ("Guidance is being revised by the council.", "in_progress"),
        ("The service plans to audit referrals.", "planned"),
        ("The police are considering a new form.", "proposed"),
        ("The health visitor should have been told.", "not_stated"),
        ("The nurse would have noticed the bruise.", "not_stated"),
    ],
)
def test_progress_read_from_the_reports_words(sentence, expected):
    assert progress_of(sentence)[0] == expected
