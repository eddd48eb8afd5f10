"""The pack's generated files (manifest.json, manifest.csv, history.jsonl) and the list of evidence files.

Each generated file is written once, a batch of actions at a time, into a spooled temporary file (memory
while small, disk past a few megabytes) and hashed as it is written, so a board of fifty thousand actions
costs no more memory than a review of ten. Evidence files are never read here: their SHA-256 and size are
the ones recorded and checked at upload. If a stored file's bytes no longer match that record (damage or
tampering on disk), the pack still carries the recorded hash, and checking the pack names the file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO

from sqlalchemy.orm import Session

from tracker import files
from tracker.actions.models import Action
from tracker.assurance.models import SignOff
from tracker.audit import HistoryEntry, _payload
from tracker.evidence.models import EvidenceFile, EvidenceItem
from tracker.exports.cells import safe_cell
from tracker.packs import queries
from tracker.packs.scope import PackScope, Period
from tracker.packs.table import CSV_COLUMNS, table_rows
from tracker.report_text.queries import report_source

SPOOL_BYTES = 8 * 1024 * 1024
NAME_MAX = 60
EVIDENCE_DIR = "data/evidence"


# Safe names ------------------------------------------------------------------------------------------------


def safe_part(text: str, fallback: str = "file") -> str:
    """ASCII letters, digits, dot, dash and underscore only: no path separators, no '..', no leading dot."""
    # Accents come off (é -> e); any other character that is not ASCII becomes a separator.
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(ch if ch.isascii() else "" if unicodedata.category(ch) == "Mn" else "-" for ch in decomposed)
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text)
    cleaned = re.sub(r"\.{2,}", ".", cleaned).strip(".-_")
    return cleaned[:NAME_MAX].strip(".-_") or fallback


def safe_file_name(original: str) -> str:
    stem, dot, extension = (original or "").rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,16}", extension):
        return safe_part(original)
    return f"{safe_part(stem)}.{extension.lower()}"


def evidence_path(action: Action, item: EvidenceItem, stored: EvidenceFile) -> str:
    """Where a file goes in the pack: generated from ids, with a cleaned copy of its name for people."""
    return (
        f"{EVIDENCE_DIR}/{safe_part(action.review.ref, 'review')}/action-{action.id}/"
        f"evidence-{item.id}-v{item.version}/{stored.id}-{safe_file_name(stored.original_name)}"
    )


# Writing and hashing ---------------------------------------------------------------------------------------


class GeneratedFile:
    """A file built for the pack: spooled, hashed and measured as it is written."""

    def __init__(self, arcname: str):
        self.arcname = arcname
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by close()
        self._digest = hashlib.sha256()
        self.size = 0
        self.sha256 = ""

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self._digest.update(data)
        self.size += len(data)
        self.file.write(data)

    def finish(self) -> GeneratedFile:
        self.sha256 = self._digest.hexdigest()
        return self

    def chunks(self, size: int = 1024 * 1024):
        self.file.seek(0)
        while data := self.file.read(size):
            yield data

    def close(self) -> None:
        self.file.close()


@dataclass(frozen=True)
class EvidenceEntry:
    arcname: str
    source: str  # the storage key
    sha256: str  # recorded at upload
    size: int  # recorded at upload
    size_on_disk: int | None  # None when the file is missing from storage


@dataclass
class Counts:
    actions: int = 0
    evidence_items: int = 0
    files: int = 0
    file_bytes: int = 0
    sign_offs: int = 0
    history_entries: int = 0
    missing_files: list[str] = field(default_factory=list)


@dataclass
class Contents:
    generated: list[GeneratedFile]
    evidence: list[EvidenceEntry]
    counts: Counts

    def close(self) -> None:
        for made in self.generated:
            made.close()


def iso(moment) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat(timespec="seconds") + "Z"
    return moment.isoformat()


def _person(user) -> dict | None:
    return {"name": user.name, "email": user.email} if user else None


# Building --------------------------------------------------------------------------------------------------


def build(session: Session, scope: PackScope, period: Period, pack_header: dict) -> Contents:
    """Write manifest.json, manifest.csv and history.jsonl for the scope; list the evidence files."""
    manifest, table, chain = (
        GeneratedFile("data/manifest.json"),
        GeneratedFile("data/manifest.csv"),
        GeneratedFile("data/history.jsonl"),
    )
    contents = Contents([manifest, table, chain], [], Counts())
    try:
        store = files.current_store()
        writer = csv.writer(table, lineterminator="\r\n")
        table.write("\ufeff")  # so that spreadsheet programs read the names as UTF-8
        writer.writerow(CSV_COLUMNS)
        header = json.dumps(pack_header, indent=2, ensure_ascii=False)
        manifest.write(header[: header.rindex("}")].rstrip() + ',\n  "actions": [')
        first = True
        for ids in queries.batches(queries.ordered_action_ids(session, scope)):
            for record in _batch(session, ids, period, store, contents):
                manifest.write(("\n" if first else ",\n") + _indented(record))
                first = False
                for row in table_rows(record):
                    writer.writerow([safe_cell(cell) for cell in row])
        manifest.write("\n  ]\n}\n")
        for entry in queries.history(session, scope, period):
            chain.write(json.dumps(history_line(entry), ensure_ascii=False, sort_keys=True) + "\n")
            contents.counts.history_entries += 1
    except BaseException:
        contents.close()
        raise
    for made in contents.generated:
        made.finish()
    return contents


def history_line(entry: HistoryEntry) -> dict:
    """An entry exactly as its hash covers it, with its links, so anyone can recompute the chain excerpt."""
    return {"id": entry.id, "prev_hash": entry.prev_hash, "entry_hash": entry.entry_hash, **_payload(entry)}


def _indented(record: dict) -> str:
    return "\n".join("    " + line for line in json.dumps(record, indent=2, ensure_ascii=False).splitlines())


def _batch(session: Session, ids: list[int], period: Period, store: files.FileStore, contents: Contents):
    loaded = queries.actions(session, ids)
    items_by_action: dict[int, list[EvidenceItem]] = {}
    for item in queries.evidence(session, ids, period):
        items_by_action.setdefault(item.action_id, []).append(item)
    replaced_by = queries.corrections(session, ids)
    sign_offs_by_action: dict[int, list[SignOff]] = {}
    for sign_off in queries.sign_offs(session, ids, period):
        sign_offs_by_action.setdefault(sign_off.action_id, []).append(sign_off)
    history_by_action: dict[int, list] = {}
    for row in queries.action_history(session, ids, period):
        history_by_action.setdefault(row.object_id, []).append(row)
    for action_id in ids:
        action = loaded[action_id]
        contents.counts.actions += 1
        yield _action_record(
            action,
            [
                _item_record(action, item, replaced_by.get(item.id), store, contents)
                for item in items_by_action.get(action_id, [])
            ],
            [_sign_off_record(s, contents) for s in sign_offs_by_action.get(action_id, [])],
            [_history_ref(row) for row in history_by_action.get(action_id, [])],
        )


def _action_record(action: Action, evidence: list, sign_offs: list, history: list) -> dict:
    rec = action.recommendation
    return {
        "id": action.id,
        "review": {"ref": action.review.ref, "title": action.review.title},
        "recommendation": {"ref": rec.ref, "text": rec.text} if rec else None,
        "agency": {"key": action.agency.key, "name": action.agency.name},
        "owner": _person(action.owner),
        "text": action.text,
        **report_source(action),
        "status": action.status,
        "status_label": action.status_enum.label,
        "due_date": iso(action.due_date),
        "original_due_date": iso(action.original_due_date),
        "completed_on": iso(action.completed_on),
        "recheck_due": iso(action.recheck_due),
        "closed_reason": action.closed_reason,
        "success_measure": action.success_measure,
        "version": action.version,
        "history": history,
        "sign_offs": sign_offs,
        "evidence": evidence,
    }


def _item_record(
    action: Action, item: EvidenceItem, replaced_by: int | None, store: files.FileStore, contents: Contents
):
    contents.counts.evidence_items += 1
    return {
        "id": item.id,
        "title": item.title,
        "kind": item.kind,
        "kind_label": item.kind_label,
        "narrative": item.narrative,
        "link": item.link,
        "relates_to": iso(item.relates_to),
        "added_by": _person(item.added_by),
        "added_at": iso(item.added_at),
        "version": item.version,
        "supersedes_id": item.supersedes_id,
        "superseded_by_id": replaced_by,
        "digest": item.digest,
        "files": [_file_record(action, item, stored, store, contents) for stored in item.files],
    }


def _file_record(
    action: Action, item: EvidenceItem, stored: EvidenceFile, store: files.FileStore, contents: Contents
) -> dict:
    arcname = evidence_path(action, item, stored)
    on_disk = store.size(stored.storage_key)
    if on_disk is None:
        contents.counts.missing_files.append(arcname)
    contents.evidence.append(EvidenceEntry(arcname, stored.storage_key, stored.sha256, stored.size, on_disk))
    contents.counts.files += 1
    contents.counts.file_bytes += stored.size
    made = {
        "id": stored.id,
        "name": stored.original_name,
        "content_type": stored.content_type,
        "size": stored.size,
        "sha256": stored.sha256,
        "uploaded_at": iso(stored.uploaded_at),
        "path": arcname,
    }
    if on_disk is None:
        made["missing_from_storage"] = True
    return made


def _sign_off_record(sign_off: SignOff, contents: Contents) -> dict:
    contents.counts.sign_offs += 1
    submission = sign_off.submission
    return {
        "id": sign_off.id,
        "decision": sign_off.decision,
        "decision_label": sign_off.decision_label,
        "decided_by": _person(sign_off.decided_by),
        "decided_at": iso(sign_off.decided_at),
        "comments": sign_off.comments,
        "recheck_due": iso(sign_off.recheck_due),
        "evidence_seen": sign_off.evidence_seen,
        "submission": {
            "id": submission.id,
            "kind": submission.kind,
            "submitted_by": _person(submission.submitted_by),
            "submitted_at": iso(submission.submitted_at),
            "statement": submission.statement,
        },
    }


def _history_ref(row) -> dict:
    return {
        "id": row.id,
        "at": iso(row.at),
        "by": row.actor_label,
        "event": row.event,
        "summary": row.summary,
        "entry_hash": row.entry_hash,
    }
