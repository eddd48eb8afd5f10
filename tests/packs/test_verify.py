"""Checking a pack: a good pack verifies; a byte flipped, a file removed or added, or a history entry altered
is named. Both through ``verify_pack`` and the ``verify-pack`` command, and packs made by ``evidence-pack``."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.packs.helpers import add_evidence, assure, make, members, pdf_file, people, police_action, review, reviewer
from tracker.audit import HistoryEntry
from tracker.evidence import storage
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.orgs.services import merge_agencies
from tracker.packs import scope
from tracker.packs.verify import verify_pack

EVIDENCE_PREFIX = "data/evidence/"


@pytest.fixture
def pack(users, tmp_path) -> Path:
    """A Child J pack with two evidence files and a sign-off, written to disk."""
    cast = people(users)
    action = police_action("mk-child-j")
    add_evidence(cast["agency_lead"], action, "Training", [pdf_file("one", "One.pdf"), pdf_file("two", "Two.pdf")])
    assure(cast["agency_lead"], reviewer(), action)
    data, _ = make(cast["admin"], scope.of_review(review("mk-child-j")))
    path = tmp_path / "pack.zip"
    path.write_bytes(data)
    return path


def _rewrite(source: Path, change) -> Path:
    """A copy of the pack with its members changed by ``change(dict of name -> bytes)``."""
    files = members(source.read_bytes())
    change(files)
    target = source.with_name("changed.zip")
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target


def _evidence(files: dict) -> str:
    return next(name for name in files if name.startswith(EVIDENCE_PREFIX))


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_a_good_pack_verifies(app, pack):
    report = verify_pack(pack)
    assert report.ok, report.problems
    assert report.files_checked == len(members(pack.read_bytes())) - 1  # all but the tag manifest itself
    assert report.history_entries > 0
    result = _cli(app, "verify-pack", str(pack))
    assert result.exit_code == 0 and "Pack verified" in result.output


def test_one_byte_flipped_is_named(app, pack):
    names = {}

    def flip(files):
        names["changed"] = name = _evidence(files)
        data = bytearray(files[name])
        data[20] ^= 0x01
        files[name] = bytes(data)

    changed = _rewrite(pack, flip)
    problems = verify_pack(changed).problems
    assert len(problems) == 1 and problems[0].startswith(f"changed: {names['changed']} (SHA-256 ")
    result = _cli(app, "verify-pack", str(changed))
    assert result.exit_code == 1 and f"changed: {names['changed']}" in result.output


def test_a_file_removed_is_named(app, pack):
    names = {}

    def remove(files):
        names["removed"] = name = _evidence(files)
        del files[name]

    result = _cli(app, "verify-pack", str(_rewrite(pack, remove)))
    assert result.exit_code == 1 and f"missing: {names['removed']}" in result.output


def test_a_file_added_is_named(app, pack):
    def add(files):
        files["data/evidence/extra.pdf"] = b"%PDF-1.4 slipped in"

    result = _cli(app, "verify-pack", str(_rewrite(pack, add)))
    assert result.exit_code == 1 and "added: data/evidence/extra.pdf is not in the manifests" in result.output


def test_a_manifest_rewritten_to_match_a_change_is_caught_by_the_tag_manifest(pack):
    def cover_up(files):
        files["data/manifest.csv"] = b"nothing to see"
        fixed = hashlib.sha256(b"nothing to see").hexdigest()
        files["manifest-sha256.txt"] = "".join(
            (f"{fixed}  data/manifest.csv" if line.endswith("  data/manifest.csv") else line) + "\n"
            for line in files["manifest-sha256.txt"].decode().splitlines()
        ).encode()

    problems = verify_pack(_rewrite(pack, cover_up)).problems
    assert len(problems) == 1 and problems[0].startswith("changed: manifest-sha256.txt")


def test_an_altered_history_entry_is_caught_even_when_its_file_hash_is_updated(pack):
    def alter(files):
        lines = [json.loads(line) for line in files["data/history.jsonl"].decode().splitlines()]
        lines[-1]["summary"] = "Nothing happened"
        files["data/history.jsonl"] = "".join(json.dumps(line) + "\n" for line in lines).encode()

    problems = verify_pack(_rewrite(pack, alter)).problems
    assert any("hash does not match its content" in p for p in problems)
    assert any(p.startswith("changed: data/history.jsonl") for p in problems)


def test_history_entries_that_follow_each_other_must_link(pack):
    def relink(files):
        lines = [json.loads(line) for line in files["data/history.jsonl"].decode().splitlines()]
        lines[-1]["prev_hash"] = "f" * 64
        files["data/history.jsonl"] = "".join(json.dumps(line) + "\n" for line in lines).encode()

    problems = verify_pack(_rewrite(pack, relink)).problems
    assert any("does not link to entry" in p for p in problems)


def test_not_a_zip_is_reported(app, tmp_path):
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"not a zip")
    result = _cli(app, "verify-pack", str(bogus))
    assert result.exit_code == 1 and "is not a ZIP file" in result.output


def test_a_stored_file_changed_on_disk_is_caught_when_the_pack_is_checked(app, users, tmp_path):
    cast = people(users)
    item = add_evidence(cast["agency_lead"], police_action(), "Training", [pdf_file("one", "One.pdf")])
    stored = item.files[0]
    path = storage.path_for(stored.storage_key)
    path.write_bytes(path.read_bytes().replace(b"one", b"two"))
    data, _ = make(cast["admin"], scope.of_review(review("mk-child-j")))
    (tmp_path / "pack.zip").write_bytes(data)
    problems = verify_pack(tmp_path / "pack.zip").problems
    assert len(problems) == 1 and problems[0].startswith("changed: data/evidence/") and "One.pdf" in problems[0]


def test_a_file_missing_from_storage_is_listed_and_reported(app, users, tmp_path):
    cast = people(users)
    item = add_evidence(cast["agency_lead"], police_action(), "Training", [pdf_file("one", "Gone.pdf")])
    storage.path_for(item.files[0].storage_key).unlink()
    data, pack = make(cast["admin"], scope.of_review(review("mk-child-j")))
    manifest = json.loads(members(data)["data/manifest.json"])
    [listed] = [f for a in manifest["actions"] for i in a["evidence"] for f in i["files"]]
    assert listed["missing_from_storage"] is True and pack.counts.missing_files == [listed["path"]]
    (tmp_path / "pack.zip").write_bytes(data)
    assert verify_pack(tmp_path / "pack.zip").problems == [f"missing: {listed['path']}"]


def test_the_command_makes_a_pack_by_reference_that_verifies(app, users, tmp_path):
    cast = people(users)
    add_evidence(cast["agency_lead"], police_action("bucks-baby-k"), "Audit", [pdf_file("audit", "Audit.pdf")])
    db.session.commit()
    output = tmp_path / "pack.zip"
    result = _cli(app, "evidence-pack", "--review", "bucks-baby-k", "--from", "2024-01-01", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert "Evidence pack for the review" in result.output and "1 evidence files" in result.output
    assert not output.with_name("pack.zip.part").exists()
    assert verify_pack(output).ok
    files = members(output.read_bytes())
    assert any(name.endswith("Audit.pdf") for name in files)
    entry = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.event == "pack.exported").order_by(HistoryEntry.id.desc()).limit(1)
    ).scalar_one()
    assert entry.actor_label == "command line" and entry.after["date_from"] == "2024-01-01"
    assert _cli(app, "verify-pack", str(output)).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--review", "no-such-review"], "There is no review with the reference “no-such-review”"),
        (["--agency", "no-such-agency"], "There is no agency with the key “no-such-agency”"),
        (["--board", "milton-keynes", "--review", "mk-child-j"], "Name exactly one of --review, --agency or --board"),
        ([], "Name exactly one of --review, --agency or --board"),
        (["--board", "milton-keynes", "--from", "2026-01-01", "--to", "2025-01-01"], "The end date must be the same"),
    ],
)
def test_the_command_explains_what_is_wrong(app, tmp_path, args, message):
    output = tmp_path / "pack.zip"
    result = _cli(app, "evidence-pack", *args, "--output", str(output))
    assert result.exit_code != 0 and message in result.output
    assert not output.exists()


def test_the_command_makes_board_and_agency_packs(app, tmp_path):
    for option, key in (("--board", "buckinghamshire"), ("--agency", "thames-valley-police")):
        output = tmp_path / f"{key}.zip"
        result = _cli(app, "evidence-pack", option, key, "--output", str(output))
        assert result.exit_code == 0, result.output
        manifest = json.loads(members(output.read_bytes())["data/manifest.json"])
        assert manifest["scope"]["key"] == key and manifest["actions"]
        assert verify_pack(output).ok


def test_members_are_stored_not_deflated(pack):
    # Evidence is mostly compressed already (PDF, Office, images); stored members keep the ZIP's size known
    # before it is sent, and streaming as fast as the disk.
    with zipfile.ZipFile(pack) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}


def test_a_merged_agency_points_to_the_one_in_use(app, users, signed_in, tmp_path):
    duplicate = Agency(key="tvp-duplicate", name="TVP (duplicate record)")
    db.session.add(duplicate)
    db.session.flush()
    police = db.session.execute(select(Agency).where(Agency.key == "thames-valley-police")).scalar_one()
    merge_agencies(db.session, people(users)["admin"], duplicate, police)
    db.session.commit()

    result = _cli(app, "evidence-pack", "--agency", "tvp-duplicate", "--output", str(tmp_path / "pack.zip"))
    assert result.exit_code != 0
    assert "The agency “tvp-duplicate” was merged into “thames-valley-police”" in result.output
    assert "TVP (duplicate record)" not in signed_in("admin").get("/packs").get_data(as_text=True)
