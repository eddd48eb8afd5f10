"""Importing a review: check the upload, propose, keep the draft, and create the review on confirmation.

The review, its recommendations and its actions are created by the seed loader's own function
(``tracker.seeding.loader.load_review``) from a review file built out of the confirmed proposals, so an
imported review is exactly what a seed file with the same content would have made, history included.
Functions flush and never commit; the view or the CLI commits once.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import audit
from tracker.errors_domain import DomainError
from tracker.evidence import filetypes
from tracker.importer.agencies import KnownAgency
from tracker.importer.extract import ExtractionError
from tracker.importer.models import ReviewImport, ReviewSource
from tracker.importer.propose import Proposals, propose_from_file
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import Review, Theme
from tracker.seeding.datafile import THEMES, check_layout
from tracker.seeding.loader import SeedError, SeedReport, load_review

REPORT_TYPES = (".pdf", ".docx", ".txt")
DEFAULT_MAX_REPORT_BYTES = 25 * 1024 * 1024
FALLBACK_THEME = "multi-agency-working"


class ImportRefused(DomainError):
    """An upload or a confirmation the importer cannot accept, with the reason in plain words."""

    def __str__(self) -> str:
        return self.message


@dataclass
class ReviewDetails:
    ref: str
    title: str
    child: str
    boards: list[str]
    review_type: str = "Child Safeguarding Practice Review"
    incident_year: int | None = None
    report_date: str | None = None
    author: str | None = None
    published_by: str | None = None
    summary: str | None = None
    extra: dict = field(default_factory=dict)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64] or "review"


def check_upload(filename: str, data: bytes, max_bytes: int = DEFAULT_MAX_REPORT_BYTES) -> str:
    """The same checks as evidence uploads (size, extension and content), limited to report formats."""
    if len(data) > max_bytes:
        raise ImportRefused(f"The report must be smaller than {max_bytes // (1024 * 1024)} MB")
    if filetypes.extension_of(filename) not in REPORT_TYPES:
        raise ImportRefused("The report must be a PDF, a Word document (.docx) or a plain text file (.txt)")
    try:
        return filetypes.identify(filename, io.BytesIO(data))
    except filetypes.FileTypeRefused as error:
        raise ImportRefused(str(error)) from error


def known_agencies(session: Session, board_keys: list[str] | tuple[str, ...] = ()) -> list[KnownAgency]:
    """The service's agencies, those of the review's boards first, so that "the Police" finds the right force."""
    agencies = session.execute(select(Agency).where(Agency.merged_into_id.is_(None)).order_by(Agency.name)).scalars()
    mine, others = [], []
    for agency in agencies:
        known = KnownAgency(agency.key, agency.name, agency.sector)
        (mine if {b.key for b in agency.boards} & set(board_keys) else others).append(known)
    return mine + (others if not board_keys else [])


def propose(session: Session, filename: str, data: bytes, board_keys=(), progress=None) -> Proposals:
    return propose_from_file(filename, data, known_agencies(session, list(board_keys)), progress)


def start_import(
    session: Session, actor, filename: str, data: bytes, details: dict, max_bytes: int = DEFAULT_MAX_REPORT_BYTES
) -> ReviewImport:
    """Check and read the upload and keep the proposals as a draft; nothing else is created."""
    content_type = check_upload(filename, data, max_bytes)
    try:
        proposals = propose(session, filename, data, details.get("boards") or ())
    except ExtractionError as error:
        raise ImportRefused(str(error)) from error
    draft = ReviewImport(
        created_by_id=getattr(actor, "id", None),
        filename=filetypes_clean_name(filename),
        content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        details=details,
        blocks=[b.as_dict() for b in proposals.blocks],
        proposals=draft_proposals(proposals),
    )
    session.add(draft)
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="review_import.started",
        obj_type="review_import",
        obj_id=draft.id,
        summary=f"Uploaded the report {draft.filename} to add a review",
        after={
            "sha256": draft.sha256,
            "recommendations": len(proposals.recommendations),
            "actions": len(proposals.actions),
        },
    )
    return draft


def filetypes_clean_name(filename: str) -> str:
    from tracker.evidence.storage import clean_name

    return clean_name(filename)


def draft_proposals(proposals: Proposals) -> dict:
    """Proposals as the draft keeps them: every field the board member can correct, and why each was proposed."""
    recs = []
    for rec in proposals.recommendations:
        item = asdict(rec)
        item.pop("blocks", None)
        item.update(blocks=rec.blocks, status="proposed")
        recs.append(item)
    actions = []
    for action in proposals.actions:
        item = asdict(action)
        item.update(status="proposed")
        actions.append(item)
    return {"recommendations": recs, "actions": actions}


def review_file(details: ReviewDetails, recommendations: list[dict], actions: list[dict], board_names) -> dict:
    """A review file in the seed layout, from confirmed proposals (dicts with the proposal's fields)."""
    agencies: dict[str, str] = {}
    recs = []
    for rec in recommendations:
        key = rec.get("agency_key") if rec.get("addressed_to") == "agency" else None
        if key:
            agencies[key] = rec.get("agency") or key
        recs.append(
            {
                "ref": str(rec["ref"]),
                "text": rec["text"],
                "sub_points": list(rec.get("sub_points") or []),
                "addressed_to": rec["addressed_to"] if key or rec["addressed_to"] != "agency" else "all_agencies",
                "agency": key,
                "kind": rec["kind"] if key or rec["kind"] != "single_agency" else "multi_agency",
                "paragraphs": list(rec.get("paragraphs") or []) or ["not stated"],
                "themes": _themes(rec.get("themes")),
                "note": rec.get("note") or _why(rec),
            }
        )
    items = []
    for number, action in enumerate(actions, start=1):
        key = action.get("agency_key")
        agencies[key] = action.get("agency") or key
        items.append(
            {
                "key": f"i{number:03d}",
                "agency": key,
                "text": action["text"],
                "paragraphs": list(action.get("paragraphs") or []) or ["not stated"],
                "reported_progress": action.get("reported_progress") or "not_stated",
                "progress_quote": action.get("progress_quote"),
                "themes": _themes(action.get("themes")),
                "note": action.get("note") or _why(action),
            }
        )
    return {
        "review": {
            "ref": details.ref,
            "title": details.title,
            "child": details.child,
            "boards": details.boards,
            "published_by": details.published_by or ", ".join(board_names),
            "review_type": details.review_type,
            "incident_year": details.incident_year,
            "report_date": details.report_date,
            "report_date_note": None,
            "author": details.author or "Not stated in the report",
            "source_file": details.extra.get("source_file"),
            "summary": details.summary,
        },
        "agencies": agencies,
        "recommendations": recs,
        "agency_actions": items,
    }


def _themes(themes) -> list[str]:
    chosen = [t for t in themes or [] if t in THEMES][:4]
    return chosen or [FALLBACK_THEME]


def _why(item: dict) -> str | None:
    reasons = item.get("why") or []
    return ("Imported from the report: " + "; ".join(reasons))[:1000] if reasons else None


def problems_with(data: dict, session: Session) -> list[str]:
    """Everything that stops the import, in words a board member can act on."""
    problems = [str(p) for p in check_layout(data)]
    meta = data["review"]
    if session.execute(select(Review.id).where(Review.ref == meta["ref"])).first():
        problems.append(f"review: the reference '{meta['ref']}' is already used by another review")
    for i, action in enumerate(data["agency_actions"], start=1):
        if not action["agency"]:
            problems.append(f"action {i}: choose the agency (“{action['text'][:60]}…”)")
    if not data["recommendations"] and not data["agency_actions"]:
        problems.append("nothing to import: accept at least one recommendation or action")
    return problems


def create_review(
    session: Session,
    details: ReviewDetails,
    proposals: Proposals | None = None,
    *,
    filename: str,
    data: bytes | None = None,
    actor,
    recommendations: list[dict] | None = None,
    actions: list[dict] | None = None,
    blocks: list[dict] | None = None,
    content_type: str | None = None,
    sha256: str | None = None,
) -> Review:
    """Create the review from confirmed proposals as the seed loader does, and keep the report as its source."""
    if proposals is not None:
        drafted = draft_proposals(proposals)
        recommendations = drafted["recommendations"] if recommendations is None else recommendations
        actions = drafted["actions"] if actions is None else actions
        blocks = [b.as_dict() for b in proposals.blocks] if blocks is None else blocks
    boards = {b.key: b for b in session.execute(select(Board).where(Board.key.in_(details.boards))).scalars()}
    unknown = sorted(set(details.boards) - set(boards))
    if unknown:
        raise ImportRefused(f"Unknown board: {', '.join(unknown)}")
    details.extra.setdefault("source_file", filetypes_clean_name(filename))
    file = review_file(details, recommendations or [], actions or [], [boards[k].name for k in details.boards])
    problems = problems_with(file, session)
    if problems:
        raise ImportRefused("The review cannot be imported yet:\n" + "\n".join(f"  - {p}" for p in problems))
    agencies = {
        a.key: a for a in session.execute(select(Agency).where(Agency.key.in_(list(file["agencies"])))).scalars()
    }
    themes = {t.key: t for t in session.execute(select(Theme)).scalars()}
    try:
        load_review(session, SeedReport(), file, filename, boards, agencies, {k: k for k in agencies}, themes)
    except SeedError as error:
        raise ImportRefused(str(error)) from error
    review = session.execute(select(Review).where(Review.ref == details.ref)).scalar_one()
    source_text = "\n\n".join(b["text"] for b in blocks or [])
    session.add(
        ReviewSource(
            review_id=review.id,
            filename=filetypes_clean_name(filename),
            content_type=content_type or (check_upload(filename, data) if data is not None else "text/plain"),
            sha256=sha256 or hashlib.sha256(data or source_text.encode()).hexdigest(),
            text=source_text,
            blocks=blocks or [],
        )
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="review.imported",
        obj_type="review",
        obj_id=review.id,
        summary=f"Imported {review.ref} from the report {filetypes_clean_name(filename)}",
        after={"recommendations": len(file["recommendations"]), "actions": len(file["agency_actions"])},
    )
    session.refresh(review)
    return review
