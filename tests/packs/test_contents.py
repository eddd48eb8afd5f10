"""What an evidence pack holds, for each scope: every action with its history, sign-offs and evidence, every
evidence file with the hash recorded at upload, the assurance report and the history excerpt, in a BagIt
layout that standard tools check."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
from datetime import date

import bagit
import pytest
from sqlalchemy import select

from tests.packs.helpers import (
    add_evidence,
    agency,
    assure,
    extract,
    make,
    members,
    pdf_file,
    people,
    police_action,
    review,
    reviewer,
)
from tracker.actions.models import Action
from tracker.audit import HistoryEntry
from tracker.extensions import db
from tracker.orgs.models import Board
from tracker.packs import scope
from tracker.packs.contents import safe_file_name, safe_part
from tracker.reviews.models import Review, review_boards


@pytest.fixture
def cast(users):
    return people(users)


def _manifest(files: dict) -> dict:
    return json.loads(files["data/manifest.json"])


def _listed(files: dict, name: str = "manifest-sha256.txt") -> dict[str, str]:
    return {path: digest for digest, path in (line.split("  ", 1) for line in files[name].decode().splitlines())}


def _action_ids(query) -> set[int]:
    return set(db.session.execute(query).scalars())


def test_a_review_pack_holds_every_action_with_its_history_sign_offs_and_evidence(cast):
    lead = cast["agency_lead"]
    action = police_action("mk-child-j")
    item = add_evidence(
        lead, action, "Training records", [pdf_file("one", "Training record.pdf"), pdf_file("two", "Rota.pdf", 5000)]
    )
    sign_off = assure(lead, reviewer(), action)
    child_j = review("mk-child-j")

    data, _ = make(cast["admin"], scope.of_review(child_j), reason="Annual audit")
    files = members(data)
    manifest = _manifest(files)

    assert manifest["scope"] == {"kind": "review", "key": "mk-child-j", "name": child_j.title}
    assert manifest["reason"] == "Annual audit" and manifest["made_by"] == "admin@test.invalid"
    assert {a["id"] for a in manifest["actions"]} == _action_ids(
        select(Action.id).where(Action.review_id == child_j.id)
    )
    record = next(a for a in manifest["actions"] if a["id"] == action.id)
    assert record["agency"]["name"] == "Thames Valley Police" and record["status"] == "assured"
    assert record["recommendation"]["ref"] == action.recommendation.ref

    [listed_item] = record["evidence"]
    assert (listed_item["title"], listed_item["relates_to"], listed_item["version"]) == (
        "Training records",
        "2024-03-01",
        1,
    )
    assert listed_item["added_by"]["email"] == "lead@test.invalid"
    payload = _listed(files)
    for stored, listed in zip(item.files, listed_item["files"], strict=True):
        assert (listed["name"], listed["size"], listed["sha256"]) == (stored.original_name, stored.size, stored.sha256)
        assert hashlib.sha256(files[listed["path"]]).hexdigest() == stored.sha256
        assert payload[listed["path"]] == stored.sha256

    [listed_sign_off] = record["sign_offs"]
    assert listed_sign_off["decision"] == "assured" and listed_sign_off["comments"] == "The evidence shows it."
    assert listed_sign_off["decided_by"]["email"] == "reviewer.milton-keynes@packs.invalid"
    assert listed_sign_off["evidence_seen"] == sign_off.evidence_seen
    assert listed_sign_off["submission"]["submitted_by"]["email"] == "lead@test.invalid"

    in_db = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.object_type == "action", HistoryEntry.object_id == action.id)
    ).scalars()
    chain = {line["id"]: line for line in map(json.loads, files["data/history.jsonl"].decode().splitlines())}
    for entry in in_db:
        assert chain[entry.id]["entry_hash"] == entry.entry_hash and chain[entry.id]["prev_hash"] == entry.prev_hash
    assert [h["event"] for h in record["history"]][-3:] == ["evidence.added", "action.submitted", "action.assured"]

    assert files["data/assurance-report.pdf"].startswith(b"%PDF")

    rows = list(csv.DictReader(io.StringIO(files["data/manifest.csv"].decode("utf-8-sig"))))
    assert {r["sha256"] for r in rows if r["record"] == "file"} == {f.sha256 for f in item.files}
    assert {r["action_id"] for r in rows if r["record"] == "action"} == {str(a["id"]) for a in manifest["actions"]}
    assert any(r["record"] == "sign_off" and r["by"] == "Rita Reviewer" for r in rows)


def test_the_pack_is_a_bag_that_standard_tools_check(cast, tmp_path):
    lead = cast["agency_lead"]
    add_evidence(lead, police_action("bucks-baby-k"), "Audit of referrals", [pdf_file("audit", "Audit.pdf")])
    data, _ = make(cast["auditor"], scope.chosen(db.session, cast["auditor"], "review", review("bucks-baby-k").id))
    bag_dir = extract(data, tmp_path / "pack")

    bagit.Bag(str(bag_dir)).validate(fast=False)
    for manifest in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
        checked = subprocess.run(["sha256sum", "-c", manifest], cwd=bag_dir, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "OK" in checked.stdout

    (bag_dir / "data" / "manifest.csv").write_text("changed")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(bag_dir)).validate(fast=False)


def test_a_board_pack_holds_every_review_of_that_board_and_no_other(cast):
    bucks = db.session.execute(select(Board).where(Board.key == "buckinghamshire")).scalar_one()
    data, _ = make(cast["admin"], scope.of_board(bucks))
    refs = {a["review"]["ref"] for a in _manifest(members(data))["actions"]}
    expected = set(
        db.session.execute(
            select(Review.ref)
            .join(review_boards, review_boards.c.review_id == Review.id)
            .join(Action, Action.review_id == Review.id)
            .where(review_boards.c.board_id == bucks.id)
        ).scalars()
    )
    assert refs == expected and "bucks-baby-k" in refs and "mk-child-j" not in refs


def test_an_agency_pack_holds_only_that_agencys_actions_within_the_makers_reach(cast):
    police = agency("thames-valley-police")
    everywhere = _manifest(members(make(cast["admin"], scope.of_agency(police))[0]))["actions"]
    assert {a["agency"]["key"] for a in everywhere} == {"thames-valley-police"}
    assert {a["id"] for a in everywhere} == _action_ids(select(Action.id).where(Action.agency_id == police.id))

    # The auditor serves Buckinghamshire only: the police's Milton Keynes actions stay out of their pack.
    auditor_scope = scope.chosen(db.session, cast["auditor"], "agency", police.id)
    in_reach = _manifest(members(make(cast["auditor"], auditor_scope)[0]))["actions"]
    assert in_reach and {a["agency"]["key"] for a in in_reach} == {"thames-valley-police"}
    assert "mk-child-j" not in {a["review"]["ref"] for a in in_reach}
    assert {a["id"] for a in in_reach} < {a["id"] for a in everywhere}


def test_a_date_range_keeps_only_history_sign_offs_and_evidence_from_those_dates(cast):
    lead = cast["agency_lead"]
    action = police_action("mk-child-j")
    add_evidence(lead, action, "Old audit", [pdf_file("old", "Old.pdf")], relates_to=date(2024, 3, 1))
    add_evidence(lead, action, "New audit", [pdf_file("new", "New.pdf")], relates_to=date(2025, 6, 1))
    assure(lead, reviewer(), action)
    child_j = scope.of_review(review("mk-child-j"))

    files = members(make(cast["admin"], child_j, period=scope.Period(date(2025, 1, 1), date(2025, 12, 31)))[0])
    record = next(a for a in _manifest(files)["actions"] if a["id"] == action.id)
    assert [item["title"] for item in record["evidence"]] == ["New audit"]
    # Everything else happened today, outside the range.
    assert record["history"] == [] and record["sign_offs"] == [] and files["data/history.jsonl"] == b""
    evidence_files = [name for name in files if name.startswith("data/evidence/")]
    assert len(evidence_files) == 1 and evidence_files[0].endswith("New.pdf")
    assert _manifest(files)["date_from"] == "2025-01-01" and _manifest(files)["date_to"] == "2025-12-31"

    up_to_today = members(make(cast["admin"], child_j, period=scope.Period(date(2024, 1, 1), date.today()))[0])
    record = next(a for a in _manifest(up_to_today)["actions"] if a["id"] == action.id)
    assert [item["title"] for item in record["evidence"]] == ["Old audit", "New audit"]
    assert len(record["sign_offs"]) == 1 and record["history"]


def test_making_a_pack_is_recorded_in_the_history(cast):
    child_j = review("mk-child-j")
    period = scope.Period(date(2025, 4, 1), date(2026, 3, 31))
    files = members(make(cast["board_member"], scope.of_review(child_j), period=period, reason="Board meeting")[0])
    entry = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.event == "pack.exported").order_by(HistoryEntry.id.desc()).limit(1)
    ).scalar_one()
    assert (entry.actor_label, entry.object_type, entry.object_id) == ("member@test.invalid", "review", child_j.id)
    assert entry.after["key"] == "mk-child-j" and entry.after["reason"] == "Board meeting"
    assert (entry.after["date_from"], entry.after["date_to"]) == ("2025-04-01", "2026-03-31")
    assert "Evidence pack made for the review" in entry.summary
    assert f"Export-History-Entry: {entry.id} {entry.entry_hash}" in files["bag-info.txt"].decode()


def test_names_in_the_pack_are_generated_ascii_and_the_original_names_are_kept(cast):
    lead = cast["agency_lead"]
    action = police_action("mk-child-j")
    add_evidence(lead, action, "Rapport", [pdf_file("r", "../../Rapport d’été ..pdf"), pdf_file("c", "报告.pdf")])
    files = members(make(cast["admin"], scope.of_review(review("mk-child-j")))[0])
    for name in files:
        assert name.isascii() and not name.startswith("/") and ".." not in name.split("/")
        assert name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt") or (
            name.startswith("data/")
        )
    record = next(a for a in _manifest(files)["actions"] if a["id"] == action.id)
    names = [f["name"] for f in record["evidence"][0]["files"]]
    assert names[1] == "报告.pdf" and "été" in names[0]
    assert all(f["path"] in files for f in record["evidence"][0]["files"])


@pytest.mark.parametrize(
    ("original", "safe"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("..", "file"),
        ("Rapport d’été.PDF", "Rapport-d-ete.pdf"),
        ("报告.pdf", "file.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("a/b\\c.docx", "a-b-c.docx"),
    ],
)
def test_safe_file_names(original, safe):
    assert safe_file_name(original) == safe


def test_safe_parts_never_climb_out():
    for text in ("..", "../..", "/", "...a...", "\x00", "é"):
        part = safe_part(text)
        assert part and ".." not in part and "/" not in part and not part.startswith(".") and part.isascii()
