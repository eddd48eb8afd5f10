"""Working on a draft import: the board member's corrections to the proposals, kept until they confirm.

Every step first applies what the board member typed (so nothing is lost), then accepts, rejects,
splits, merges or adds. Only ``confirm`` creates anything outside the draft.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from tracker.importer.actions import ActionProposal, progress_of, sentences
from tracker.importer.agencies import AgencyMatcher, KnownAgency
from tracker.importer.models import ReviewImport
from tracker.importer.services import ImportRefused, ReviewDetails, create_review, known_agencies
from tracker.importer.themes import suggest_themes
from tracker.seeding.datafile import ADDRESSED_TO, KINDS, REPORTED_PROGRESS, comparable

STATUSES = ("proposed", "accepted", "rejected")
_STEP = re.compile(r"^(split|merge|accept|reject):(rec|act):(\d{1,4})$")
MAX_TEXT = 5000


def lists(draft: ReviewImport) -> tuple[list[dict], list[dict]]:
    return draft.proposals.setdefault("recommendations", []), draft.proposals.setdefault("actions", [])


def _changed(draft: ReviewImport) -> None:
    flag_modified(draft, "proposals")


def _clean(value, limit: int = MAX_TEXT) -> str:
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", str(value or "")).strip()
    return text[:limit]


def apply_edits(draft: ReviewImport, form, agency_keys: set[str]) -> None:
    """Take the edited fields from the posted form (``rec-3-text``, ``act-1-agency_key``…); ignore unknown values."""
    recs, acts = lists(draft)
    for i, rec in enumerate(recs):
        prefix = f"rec-{i}-"
        if f"{prefix}text" not in form:
            continue
        rec["ref"] = _clean(form.get(f"{prefix}ref"), 32) or rec["ref"]
        rec["text"] = _clean(form.get(f"{prefix}text")) or rec["text"]
        rec["sub_points"] = [
            line.strip() for line in _clean(form.get(f"{prefix}sub_points")).splitlines() if line.strip()
        ]
        if form.get(f"{prefix}addressed_to") in ADDRESSED_TO:
            rec["addressed_to"] = form.get(f"{prefix}addressed_to")
        if form.get(f"{prefix}kind") in KINDS:
            rec["kind"] = form.get(f"{prefix}kind")
        if form.get(f"{prefix}agency_key") in agency_keys | {""}:
            rec["agency_key"] = form.get(f"{prefix}agency_key") or None
        if form.get(f"{prefix}status") in STATUSES:
            rec["status"] = form.get(f"{prefix}status")
    for i, act in enumerate(acts):
        prefix = f"act-{i}-"
        if f"{prefix}text" not in form:
            continue
        act["text"] = _clean(form.get(f"{prefix}text")) or act["text"]
        if form.get(f"{prefix}agency_key") in agency_keys | {""}:
            act["agency_key"] = form.get(f"{prefix}agency_key") or None
        if form.get(f"{prefix}reported_progress") in REPORTED_PROGRESS:
            act["reported_progress"] = form.get(f"{prefix}reported_progress")
        if form.get(f"{prefix}status") in STATUSES:
            act["status"] = form.get(f"{prefix}status")
    _changed(draft)


def take_step(draft: ReviewImport, step: str) -> str:
    """Accept, reject, split or merge one proposal; returns what was done, in words."""
    match = _STEP.match(step or "")
    if not match:
        return "Your changes have been kept"
    verb, which, index = match.group(1), match.group(2), int(match.group(3))
    items = lists(draft)[0 if which == "rec" else 1]
    if index >= len(items):
        raise ImportRefused("That proposal is no longer in the list")
    item = items[index]
    noun = "recommendation" if which == "rec" else "action"
    if verb in ("accept", "reject"):
        item["status"] = "accepted" if verb == "accept" else "rejected"
        _changed(draft)
        return f"The {noun} has been {item['status']}"
    if verb == "split":
        parts = [p.strip() for p in item["text"].splitlines() if p.strip()]
        if len(parts) < 2:
            parts = sentences(item["text"])
        if len(parts) < 2:
            raise ImportRefused(f"The {noun} is one sentence: put a line break in its text where it should be split")
        first, rest = (parts[0], " ".join(parts[1:])) if len(parts) == 2 else (parts[0], "\n".join(parts[1:]))
        item["text"] = first
        copy = {**item, "text": rest, "status": "proposed", "why": [*item.get("why", []), "split by hand"]}
        if which == "rec":
            copy["ref"] = _next_ref(item["ref"], {r["ref"] for r in items})
            copy["sub_points"], item["sub_points"] = item.get("sub_points", []), []
        items.insert(index + 1, copy)
        _changed(draft)
        return f"The {noun} has been split in two"
    if index + 1 >= len(items):
        raise ImportRefused(f"There is no {noun} after this one to merge it with")
    nxt = items.pop(index + 1)
    item["text"] = f"{item['text']} {nxt['text']}".strip()
    item["paragraphs"] = list(dict.fromkeys([*item.get("paragraphs", []), *nxt.get("paragraphs", [])]))
    item["blocks"] = list(dict.fromkeys([*item.get("blocks", []), *nxt.get("blocks", [])]))
    if which == "rec":
        item["sub_points"] = [*item.get("sub_points", []), *nxt.get("sub_points", [])]
    item["why"] = [*item.get("why", []), "merged by hand with the next one"]
    _changed(draft)
    return f"The {noun} has been merged with the next one"


def _next_ref(ref: str, used: set[str]) -> str:
    for suffix in "abcdefghijklmnopqrstuvwxyz":
        if f"{ref}{suffix}" not in used:
            return f"{ref}{suffix}"
    return f"{ref}-2"


def add_from_text(session: Session, draft: ReviewImport, which: str, text: str, ref: str | None) -> str:
    """A recommendation or action the service missed, from a passage of the report the board member selected."""
    text = _clean(text)
    wanted = comparable(text)
    # The block(s) the passage comes from: one that holds it, or several it spans (tiny headings aside).
    blocks = [b for b in draft.blocks if wanted and wanted in comparable(b["text"])] or [
        b for b in draft.blocks if wanted and len(comparable(b["text"])) >= 20 and comparable(b["text"]) in wanted
    ]
    if not wanted or not blocks:
        raise ImportRefused("That passage is not in the report: select it in the report text on the right")
    paragraphs = list(dict.fromkeys(b["context"] for b in blocks if b.get("context")))
    why = ["added by hand from the report"]
    recs, acts = lists(draft)
    if which == "rec":
        ref = _clean(ref, 32) or _next_ref("new", {r["ref"] for r in recs})
        recs.append(
            {
                "ref": ref,
                "text": text,
                "sub_points": [],
                "paragraphs": paragraphs,
                "addressed_to": "board",
                "kind": "board",
                "agency": None,
                "agency_key": None,
                "themes": suggest_themes(text),
                "why": why,
                "blocks": [b["index"] for b in blocks],
                "status": "accepted",
            }
        )
        _changed(draft)
        return f"Recommendation {ref} has been added"
    matcher = AgencyMatcher(known_agencies(session, draft.details.get("boards") or []))
    mention = matcher.first(text)
    value, quote = progress_of(text)
    action = ActionProposal(
        agency=mention.label if mention else None,
        agency_key=mention.key if mention else None,
        text=text,
        paragraphs=paragraphs,
        reported_progress=value,
        progress_quote=quote,
        themes=suggest_themes(text),
        why=why,
        blocks=[b["index"] for b in blocks],
    )
    acts.append({**action.__dict__, "status": "accepted"})
    _changed(draft)
    return "The action has been added"


def agency_choices(session: Session, draft: ReviewImport) -> list[KnownAgency]:
    return known_agencies(session, draft.details.get("boards") or [])


def confirm(session: Session, draft: ReviewImport, actor):
    """Create the review from the accepted proposals (rejected ones are left out, undecided ones refuse)."""
    if draft.review_id is not None:
        raise ImportRefused("This report has already been imported")
    recs, acts = lists(draft)
    undecided = sum(1 for item in [*recs, *acts] if item.get("status") == "proposed")
    if undecided:
        raise ImportRefused(f"Accept or reject every proposal first: {undecided} still to decide")
    details = draft.details
    review = create_review(
        session,
        ReviewDetails(
            ref=details["ref"],
            title=details["title"],
            child=details["child"],
            boards=details["boards"],
            review_type=details["review_type"],
            incident_year=details["incident_year"],
            report_date=details.get("report_date"),
            author=details.get("author"),
        ),
        filename=draft.filename,
        actor=actor,
        recommendations=[r for r in recs if r.get("status") == "accepted"],
        actions=[a for a in acts if a.get("status") == "accepted"],
        blocks=draft.blocks,
        content_type=draft.content_type,
        sha256=draft.sha256,
    )
    draft.review_id = review.id
    session.flush()
    return review
