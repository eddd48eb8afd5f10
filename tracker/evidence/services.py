"""Recording evidence against an action, correcting it, and recording who downloaded it.

Like every service: takes the session, checks who may do it, flushes but never commits, writes one history
entry per change and raises a DomainError with words a person understands. Files are stored through
``storage``, which removes them again if the transaction does not commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import clock, permissions
from tracker.actions import services as actions
from tracker.actions.models import Action
from tracker.errors_domain import DomainError, NotPermitted
from tracker.evidence import storage
from tracker.evidence.models import EVIDENCE_KINDS, EvidenceFile, EvidenceItem
from tracker.text import problem as text_problem

TITLE_MAX = 200
NARRATIVE_MAX = 20000
LINK_MAX = 2000

MESSAGES = {
    "kind": "Select the kind of evidence",
    "title": "Enter a title for this evidence",
    "title_long": f"Title must be {TITLE_MAX} characters or fewer",
    "narrative_long": f"Description must be {NARRATIVE_MAX:,} characters or fewer",
    "link": "Enter a link that starts with https:// or http://, like https://www.example.org/report",
    "link_long": f"Link must be {LINK_MAX:,} characters or fewer",
    "relates_to": "Enter the date the evidence relates to",
    "relates_to_future": "The date the evidence relates to must be today or in the past",
    "something": "Describe the evidence, add a link or select a file",
    "unchanged": "Change something before saving a correction, or go back to the action",
    "controls": "{label} must not contain hidden control characters",
}


class EvidenceInvalid(DomainError):
    """One or more fields are not right; ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = errors


@dataclass(frozen=True)
class _Fields:
    kind: str
    title: str
    narrative: str | None
    link: str | None
    relates_to: date


# Checks -------------------------------------------------------------------------------------------------


def _has_controls(text: str, allow_lines: bool = False) -> bool:
    return text_problem(text, multiline=allow_lines) is not None


def is_web_link(link: str | None) -> bool:
    """Only http(s) links with a host are stored and shown as links (never javascript:, data: and so on)."""
    if not link:
        return False
    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and not _has_controls(link)


def field_errors(kind, title, narrative, link, relates_to, has_files: bool) -> dict[str, str]:
    """Every field that is not right, with its message (empty when all are)."""
    try:
        _checked_fields(kind, title, narrative, link, relates_to, has_files)
    except EvidenceInvalid as invalid:
        return invalid.errors
    return {}


def _checked_fields(kind, title, narrative, link, relates_to, has_files: bool) -> _Fields:
    errors: dict[str, str] = {}
    kind = (kind or "").strip()
    if kind not in EVIDENCE_KINDS:
        errors["kind"] = MESSAGES["kind"]
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = MESSAGES["title"]
    elif len(title) > TITLE_MAX:
        errors["title"] = MESSAGES["title_long"]
    elif _has_controls(title):
        errors["title"] = MESSAGES["controls"].format(label="Title")
    narrative = (narrative or "").strip() or None
    if narrative and len(narrative) > NARRATIVE_MAX:
        errors["narrative"] = MESSAGES["narrative_long"]
    elif narrative and _has_controls(narrative, allow_lines=True):
        errors["narrative"] = MESSAGES["controls"].format(label="Description")
    link = (link or "").strip() or None
    if link and len(link) > LINK_MAX:
        errors["link"] = MESSAGES["link_long"]
    elif link and not is_web_link(link):
        errors["link"] = MESSAGES["link"]
    if relates_to is None:
        errors["relates_to"] = MESSAGES["relates_to"]
    elif relates_to > clock.today():
        errors["relates_to"] = MESSAGES["relates_to_future"]
    if not (narrative or link or has_files) and "narrative" not in errors:
        errors["narrative"] = MESSAGES["something"]
    if errors:
        raise EvidenceInvalid(errors)
    return _Fields(kind, title, narrative, link, relates_to)


def _require_change_allowed(actor, action: Action) -> None:
    if not permissions.can_work_on_action(actor, action):
        raise NotPermitted("Only a lead of the agency responsible can record evidence for this action")
    actions.ensure_evidence_can_change(action)


def is_superseded(session: Session, item: EvidenceItem) -> bool:
    return session.execute(select(exists().where(EvidenceItem.supersedes_id == item.id))).scalar()


def change_refused(session: Session, actor, action: Action, item: EvidenceItem | None = None) -> str | None:
    """Why the actor cannot add (or, with ``item``, correct) evidence now, or None when they can. For pages
    that explain instead of showing a form that would be refused."""
    try:
        _require_change_allowed(actor, action)
    except DomainError as refused:
        return refused.message
    if item is not None and is_superseded(session, item):
        return "This evidence has already been corrected. Correct its latest version instead."
    return None


def digest_of(kind: str, title: str, narrative: str | None, link: str | None, relates_to: date, hashes) -> str:
    """SHA-256 over a canonical JSON of the item's content and its files' SHA-256, so a submission can say
    exactly which version of the evidence was put forward."""
    body = {
        "kind": kind,
        "title": title,
        "narrative": narrative,
        "link": link,
        "relates_to": relates_to.isoformat(),
        "files": sorted(hashes),
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# Adding and correcting ------------------------------------------------------------------------------------


def _real_uploads(uploads) -> list:
    return [upload for upload in uploads or () if upload is not None and getattr(upload, "filename", None)]


def _store(session: Session, uploads) -> list[storage.StoredFile]:
    """Store every upload, or none: a refusal removes the files already stored for this item."""
    stored: list[storage.StoredFile] = []
    try:
        for upload in uploads:
            stored.append(storage.save_upload(session, upload))
    except DomainError:
        for done in stored:
            storage.delete_stored(done.key)
        raise
    return stored


def _files_after(item: EvidenceItem) -> list[dict]:
    return [{"file_id": f.id, "name": f.original_name, "sha256": f.sha256, "size": f.size} for f in item.files]


def _count(files: list) -> str:
    return f"{len(files)} file{'s' if len(files) != 1 else ''}" if files else "no files"


def add_evidence(
    session: Session,
    actor,
    action: Action,
    *,
    kind: str,
    title: str,
    narrative: str | None,
    link: str | None,
    relates_to: date | None,
    uploads=(),
) -> EvidenceItem:
    """Record a new evidence item with its files. After sign-off, the action goes back for assurance."""
    _require_change_allowed(actor, action)
    uploads = _real_uploads(uploads)
    fields = _checked_fields(kind, title, narrative, link, relates_to, bool(uploads))
    stored = _store(session, uploads)
    item = _new_item(session, actor, action, fields, stored, [], supersedes=None)
    actions.record(
        session,
        actor,
        action,
        "evidence.added",
        f"{EVIDENCE_KINDS[item.kind].split(' (')[0]} added: “{item.title}”, with {_count(item.files)}",
        after={"item_id": item.id, "kind": item.kind, "version": item.version, "files": _files_after(item)},
    )
    actions.evidence_changed(session, actor, action)
    return item


def correct_evidence(
    session: Session,
    actor,
    item: EvidenceItem,
    *,
    kind: str,
    title: str,
    narrative: str | None,
    link: str | None,
    relates_to: date | None,
    keep_files: bool,
    uploads=(),
) -> EvidenceItem:
    """A new version of ``item`` that supersedes it; ``item`` itself is kept exactly as it was."""
    action = item.action
    _require_change_allowed(actor, action)
    if is_superseded(session, item):
        raise DomainError("This evidence has already been corrected. Correct its latest version instead.")
    uploads = _real_uploads(uploads)
    kept = list(item.files) if keep_files else []
    fields = _checked_fields(kind, title, narrative, link, relates_to, bool(uploads or kept))
    if not uploads and item.digest == digest_of(
        fields.kind, fields.title, fields.narrative, fields.link, fields.relates_to, [f.sha256 for f in kept]
    ):
        raise EvidenceInvalid({"title": MESSAGES["unchanged"]})
    stored = _store(session, uploads)
    new = _new_item(session, actor, action, fields, stored, kept, supersedes=item)
    actions.record(
        session,
        actor,
        action,
        "evidence.corrected",
        f"Evidence “{item.title}” corrected: version {new.version} replaces version {item.version}, "
        f"with {_count(new.files)}",
        before={"item_id": item.id, "version": item.version, "digest": item.digest},
        after={
            "item_id": new.id,
            "supersedes_id": item.id,
            "kind": new.kind,
            "version": new.version,
            "files": _files_after(new),
        },
    )
    actions.evidence_changed(session, actor, action)
    return new


def _new_item(session, actor, action, fields: _Fields, stored, kept, supersedes: EvidenceItem | None):
    hashes = [f.sha256 for f in kept] + [s.sha256 for s in stored]
    item = EvidenceItem(
        action_id=action.id,
        kind=fields.kind,
        title=fields.title,
        narrative=fields.narrative,
        link=fields.link,
        relates_to=fields.relates_to,
        added_by_id=actor.id,
        supersedes_id=supersedes.id if supersedes else None,
        version=supersedes.version + 1 if supersedes else 1,
        digest=digest_of(fields.kind, fields.title, fields.narrative, fields.link, fields.relates_to, hashes),
    )
    for old in kept:
        item.files.append(
            EvidenceFile(
                storage_key=storage.copy_stored(session, old.storage_key),
                original_name=old.original_name,
                content_type=old.content_type,
                size=old.size,
                sha256=old.sha256,
                checks=old.checks,
            )
        )
    for new in stored:
        item.files.append(
            EvidenceFile(
                storage_key=new.key,
                original_name=new.original_name,
                content_type=new.content_type,
                size=new.size,
                sha256=new.sha256,
                checks=list(new.checks),
            )
        )
    session.add(item)
    try:
        # In its own savepoint, so that losing a race to correct the same version is a plain refusal.
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise DomainError(
            "Someone else corrected this evidence while you were working on it. Go back to the action and "
            "correct its latest version."
        ) from None
    return item


# Downloads ------------------------------------------------------------------------------------------------


def record_download(session: Session, actor, file: EvidenceFile) -> None:
    """Who consulted which file, and when: one history entry on the action."""
    item = file.item
    if not permissions.can_view_evidence(actor, item):
        raise NotPermitted("You cannot download this file")
    actions.record(
        session,
        actor,
        item.action,
        "evidence.downloaded",
        f"Downloaded “{file.original_name}” from evidence “{item.title}” (version {item.version})",
        after={"file_id": file.id, "item_id": item.id, "name": file.original_name, "sha256": file.sha256},
    )
