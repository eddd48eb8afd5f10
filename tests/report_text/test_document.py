"""The report cleaned for reading finds every quoted item, hides page furniture, anchors paragraphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.report_text.document import build, load_document
from tracker.seeding.datafile import load, quoted_texts

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "seeds" / "reports"
SEED_FILES = sorted((ROOT / "seeds" / "reviews").glob("*.yaml"))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_every_quoted_item_is_found_in_the_report_as_displayed(path):
    data = load(path)
    document = load_document(REPORTS, data["review"]["source_file"])
    missing = [where for where, text in quoted_texts(data) if text.strip() and document.find(text) is None]
    assert missing == []


def test_page_headers_footers_and_page_numbers_are_left_out():
    child_m = load_document(REPORTS, "northants-mk-child-m.txt")
    assert "CONFIDENTIAL" not in child_m.text
    assert "\n11\n" not in child_m.text
    southampton = load_document(REPORTS, "southampton-child-i-and-m.txt")
    assert "Page 19 of 58" not in southampton.text and "Jane Wonnacott Independent Reviewer" not in southampton.text


def test_paragraph_numbers_are_anchors_once_each_and_hard_wrapped_lines_are_joined():
    child_m = load_document(REPORTS, "northants-mk-child-m.txt")
    anchors = [b.anchor for b in child_m.blocks if b.anchor]
    assert "paragraph-7.8.1" in anchors and len(anchors) == len(set(anchors))
    block = next(b for b in child_m.blocks if b.anchor == "paragraph-7.8.1")
    assert "In this case, specialist perinatal mental health provision" in child_m.text[block.start : block.end]
    child_j = load_document(REPORTS, "mk-child-j.txt")
    assert "paragraph-4.55" in {b.anchor for b in child_j.blocks}


def test_footnotes_are_found_by_number_in_each_style():
    assert load_document(REPORTS, "mk-child-j.txt").footnotes["47"] == "This has been addressed by the police since"
    assert load_document(REPORTS, "bucks-baby-k.txt").footnotes["10"].startswith("Thames Valley Police's Record")
    assert "Hightown Housing Association" in load_document(REPORTS, "bucks-child-aa.txt").footnotes["4"]


def test_a_listed_correction_is_shown_mended():
    child_m = load_document(REPORTS, "northants-mk-child-m.txt")
    assert "unexpected ill-health." in child_m.text and "illhealth" not in child_m.text


def test_the_passage_is_marked_once_with_its_id_and_footnote_marks_are_set_apart():
    document = build("1.1 First para.\n\n1.2 The words we quote12 here,\nwrapped onto a line.\n", [], [])
    passage = document.passage(["The words we quote here, wrapped"])
    rendered = document.rendered(passage)
    segments = [seg for _, lines in rendered for line in lines for seg in line]
    marked = [s for s in segments if s.kind == "mark"]
    assert "".join(s.text for s in marked).startswith("The words we quote")
    assert [s.first_mark for s in marked].count(True) == 1
    assert any(s.kind == "note" and s.text == "12" for s in segments)
    assert [b.anchor for b, _ in rendered] == ["paragraph-1.1", "paragraph-1.2"]


def test_words_not_in_the_report_are_not_marked():
    document = build("1.1 Something else entirely.\n", [], [])
    passage = document.passage(["Words the report never printed"])
    assert not passage.found
    assert all(seg.kind != "mark" for _, lines in document.rendered(passage) for line in lines for seg in line)


def test_a_report_file_outside_the_reports_folder_is_never_read(tmp_path):
    assert load_document(REPORTS, "../reviews/mk-child-j.yaml") is None
    assert load_document(tmp_path, "missing.txt") is None
