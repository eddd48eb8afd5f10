"""The seed files hold every recommendation and single-agency action of the five reports, word for word."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tracker.seeding.datafile import check_file, comparable, load, report_without_artefacts

ROOT = Path(__file__).resolve().parents[2]
REVIEWS_DIR = ROOT / "seeds" / "reports"
SEED_FILES = sorted((ROOT / "seeds" / "reviews").glob("*.yaml"))

# What each report holds, counted by hand from the report (see the closing note of the foundation issue).
EXPECTED = {
    "northants-mk-child-m": {
        "recommendations": 5,
        "kinds": {"board": 2, "multi_agency": 2, "single_agency": 1},
        "actions": 36,
    },
    "southampton-child-i-and-m": {"recommendations": 10, "kinds": {"board": 10}, "actions": 3},
    "bucks-baby-k": {"recommendations": 35, "kinds": {"single_agency": 33, "board": 2}, "actions": 5},
    "bucks-child-aa": {"recommendations": 6, "kinds": {"board": 6}, "actions": 0},
    "mk-child-j": {"recommendations": 6, "kinds": {"board": 6}, "actions": 7},
}


def test_there_is_one_seed_file_per_review():
    refs = {load(path)["review"]["ref"] for path in SEED_FILES}
    assert refs == set(EXPECTED)
    sources = {load(path)["review"]["source_file"] for path in SEED_FILES}
    assert sources == {p.name for p in REVIEWS_DIR.glob("*.txt")}


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_seed_file_is_well_formed_and_quotes_the_report_word_for_word(path):
    assert check_file(path, REVIEWS_DIR) == []


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_seed_file_counts_match_the_report(path):
    data = load(path)
    expected = EXPECTED[data["review"]["ref"]]
    assert len(data["recommendations"]) == expected["recommendations"]
    assert Counter(r["kind"] for r in data["recommendations"]) == expected["kinds"]
    assert len(data.get("agency_actions") or []) == expected["actions"]


def _report(name: str) -> str:
    return comparable(report_without_artefacts((REVIEWS_DIR / name).read_text(encoding="utf-8"), []))


SAMPLES = [
    # (review ref, recommendation or action, the reference or agency, a passage quoted by hand from the report)
    (
        "northants-mk-child-m",
        "recommendation",
        "4",
        "Each agency involved in the SCR should complete a quality assurance exercise against the recommendations "
        "from their individual IMR, to ensure that changes in practice have been implemented and maintained "
        "effectively.",
    ),
    (
        "northants-mk-child-m",
        "recommendation",
        "1a",
        "A workforce competency model should be developed as part of the pathway that specifies the skills, "
        "knowledge and practice expected of each professional.",
    ),
    (
        "northants-mk-child-m",
        "action",
        "child-m-gp-practice",
        "The GP practice has developed a regular Practice MDT Meeting with Midwives and Health Visitors "
        "specifically to share information in relation to vulnerable families.",
    ),
    (
        "bucks-baby-k",
        "recommendation",
        "8.1.1",
        "Ensure there is a framework for measuring and reporting the frequency and quality of supervision and "
        "that action is taken where requirements are not being met.",
    ),
    (
        "mk-child-j",
        "recommendation",
        "A",
        "That MKSB ensures that practitioners are competent in understanding, describing and recording children's "
        "lived experience",
    ),
    (
        "bucks-child-aa",
        "recommendation",
        "unnumbered-1",
        "Buckinghamshire Safeguarding Children Partnership to monitor the implementation of actions from single "
        "agency action plans.",
    ),
]


@pytest.mark.parametrize(("ref", "what", "key", "passage"), SAMPLES)
def test_sample_texts_are_the_reports_words(ref, what, key, passage):
    data = next(load(p) for p in SEED_FILES if load(p)["review"]["ref"] == ref)
    report = _report(data["review"]["source_file"])
    if what == "recommendation":
        rec = next(r for r in data["recommendations"] if str(r["ref"]) == key)
        texts = [rec["text"]]
    else:
        local = [k for k in data["agencies"] if key.endswith(k)]
        texts = [a["text"] for a in data["agency_actions"] if a["agency"] in local]
    assert all(comparable(t) in report for t in texts)
    if passage is not None:
        assert any(comparable(passage) in comparable(t) for t in texts), f"{passage!r} not in {texts!r}"


def test_checker_notices_a_text_that_is_not_in_the_report(tmp_path):
    original = SEED_FILES[0].read_text(encoding="utf-8")
    data = load(SEED_FILES[0])
    first = str(data["recommendations"][0]["text"]).strip().split()[0]
    changed = tmp_path / "changed.yaml"
    changed.write_text(original.replace(first, first + "XYZ", 1), encoding="utf-8")
    problems = check_file(changed, REVIEWS_DIR)
    assert any("not found word for word" in str(p) for p in problems)


def test_comparison_ignores_artefacts_but_not_words():
    assert comparable("practice12 and\n the[footnoteRef:3] end") == comparable("practice and the end")
    assert comparable("6.1.2 Recommendation 1") != comparable("6.1. Recommendation")
    assert comparable("a new protocol") != comparable("a new policy")
