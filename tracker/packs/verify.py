"""Checking an evidence pack: every file against the manifests, nothing missing, nothing added, and the
history excerpt's hashes and links.

Works on the ZIP as it is (nothing is extracted), reading each member in chunks, so a pack of any size is
checked in constant memory. Pure Python: no database, no Flask. It trusts nothing in the pack but the
manifests, and those are checked against the tag manifest.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tracker.audit import entry_digest
from tracker.packs import bag

CHUNK_BYTES = 1024 * 1024
HISTORY = "data/history.jsonl"
MANIFEST_JSON = "data/manifest.json"
# What each entry's hash covers (see audit.entry_digest).
PAYLOAD_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "event",
    "object_type",
    "object_id",
    "summary",
    "before",
    "after",
    "ip_address",
)


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    bytes_checked: int = 0
    history_entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(info) as member:
        while data := member.read(CHUNK_BYTES):
            digest.update(data)
    return digest.hexdigest()


def _unsafe(name: str) -> bool:
    return name.startswith("/") or "\\" in name or ".." in name.split("/") or not name.isascii()


def verify_pack(path: str | Path) -> Report:
    report = Report()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        report.problems.append(f"{path} is not a ZIP file that can be read ({error})")
        return report
    with archive:
        _verify(archive, report)
    return report


def _verify(archive: zipfile.ZipFile, report: Report) -> None:
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if info.is_dir():
            continue
        if _unsafe(info.filename):
            report.problems.append(f"unsafe file name in the pack: {info.filename!r}")
        if info.filename in members:
            report.problems.append(f"added: {info.filename} appears more than once")
        members[info.filename] = info

    _check_declaration(archive, members, report)
    payload = _read_manifest(archive, members, bag.MANIFEST, report)
    tags = _read_manifest(archive, members, bag.TAG_MANIFEST, report)
    if payload is None or tags is None:
        return
    for name in bag.TAG_FILES:
        if name in members and name not in tags:
            report.problems.append(f"{name} is not covered by {bag.TAG_MANIFEST}")
    for name, expected in [*payload.items(), *tags.items()]:
        if name not in members:
            report.problems.append(f"missing: {name}")
            continue
        actual = _sha256(archive, members[name])
        report.files_checked += 1
        report.bytes_checked += members[name].file_size
        if actual != expected:
            report.problems.append(f"changed: {name} (SHA-256 {actual}, expected {expected})")
    listed = {*payload, *tags, bag.TAG_MANIFEST}
    report.problems += [f"added: {name} is not in the manifests" for name in members if name not in listed]
    if HISTORY in members:
        _check_history(archive, members[HISTORY], report)
    if MANIFEST_JSON in members:
        _check_manifest_json(archive, members[MANIFEST_JSON], payload, report)


def _check_declaration(archive: zipfile.ZipFile, members: dict, report: Report) -> None:
    if "bagit.txt" not in members:
        report.problems.append("missing: bagit.txt (this is not a BagIt bag)")
        return
    text = archive.read(members["bagit.txt"]).decode("utf-8", errors="replace")
    declared = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    declared = {key.strip(): value.strip() for key, value in declared.items()}
    if declared.get("BagIt-Version") not in ("0.97", "1.0") or declared.get("Tag-File-Character-Encoding") != "UTF-8":
        report.problems.append("bagit.txt does not declare BagIt-Version 1.0 and Tag-File-Character-Encoding UTF-8")


def _read_manifest(archive: zipfile.ZipFile, members: dict, name: str, report: Report) -> dict[str, str] | None:
    if name not in members:
        report.problems.append(f"missing: {name}")
        return None
    try:
        listed = bag.parse_manifest(archive.read(members[name]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        report.problems.append(f"{name} cannot be read: {error}")
        return None
    if name == bag.MANIFEST:
        outside = [path for path, _ in listed if not path.startswith("data/")]
        report.problems += [f"{name} lists {path}, which is outside data/" for path in outside]
    return dict(listed)


def _check_history(archive: zipfile.ZipFile, info: zipfile.ZipInfo, report: Report) -> None:
    """Each entry's hash must match its content and its prev_hash; an entry that directly follows another in
    the excerpt (consecutive ids) must point at that entry's hash."""
    previous = None
    with archive.open(info) as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
                entry_id, prev_hash, entry_hash = entry["id"], entry["prev_hash"], entry["entry_hash"]
                payload = {key: entry[key] for key in PAYLOAD_FIELDS}
            except (ValueError, KeyError, TypeError):
                report.problems.append(f"{HISTORY} line {number} is not a history entry")
                continue
            report.history_entries += 1
            if entry_digest(prev_hash, payload) != entry_hash:
                report.problems.append(f"{HISTORY}: entry {entry_id}'s hash does not match its content")
            if previous is not None and entry_id == previous[0] + 1 and prev_hash != previous[1]:
                report.problems.append(f"{HISTORY}: entry {entry_id} does not link to entry {previous[0]}")
            if previous is not None and entry_id <= previous[0]:
                report.problems.append(f"{HISTORY}: entry {entry_id} is out of order")
            previous = (entry_id, entry_hash)


def _check_manifest_json(archive: zipfile.ZipFile, info: zipfile.ZipInfo, payload: dict, report: Report) -> None:
    """The hashes in manifest.json must agree with manifest-sha256.txt for every evidence file."""
    try:
        with archive.open(info) as source:
            document = json.load(source)
        files = [f for action in document["actions"] for item in action["evidence"] for f in item["files"]]
    except (ValueError, KeyError, TypeError):
        report.problems.append(f"{MANIFEST_JSON} cannot be read as an evidence pack manifest")
        return
    for listed in files:
        if payload.get(listed.get("path")) != listed.get("sha256"):
            report.problems.append(
                f"{MANIFEST_JSON} and {bag.MANIFEST} disagree about {listed.get('path')} ({listed.get('name')})"
            )
