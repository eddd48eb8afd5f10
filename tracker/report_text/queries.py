"""Read queries for the report pages: the passage of an item, an action's joint partners."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from tracker.actions.models import Action
from tracker.importer.sources import source_blocks_for
from tracker.report_text.document import Document, Passage, build, load_document
from tracker.reviews.models import Recommendation, Review


def document_for(review: Review) -> Document | None:
    """The report a review quotes: the one kept when it was imported from its report, else the published
    report in REVIEWS_SOURCE_DIR (the seeded reviews). An uploaded file's name never picks a seeded report."""
    stored = source_blocks_for(review)
    if stored is not None:
        return build(_text_of_blocks(stored), [], [])
    if not review.source_file:
        return None
    return load_document(Path(current_app.config["REVIEWS_SOURCE_DIR"]), review.source_file)


def _text_of_blocks(blocks: list[dict]) -> str:
    # The importer's blocks are already cleaned (headers, footers, hyphenation); a paragraph keeps its number
    # at its start so the page anchors it as it does a published report's.
    parts = []
    for block in blocks:
        text, number = block.get("text") or "", block.get("number")
        if number and block.get("kind") != "footnote" and not text.startswith(str(number)):
            text = f"{number} {text}"
        parts.append(text)
    return "\n\n".join(parts)


def recommendation_quotes(rec: Recommendation) -> list[str]:
    return [rec.text, *([rec.sub_points_lead_in] if rec.sub_points_lead_in else []), *(rec.sub_points or [])]


def action_quotes(action: Action) -> list[str]:
    # A single-agency recommendation tracked as an action holds its sub-points on separate lines.
    return [line for line in action.text.split("\n") if line.strip()]


def recommendation_passage(document: Document, rec: Recommendation) -> Passage:
    return document.passage(recommendation_quotes(rec), rec.paragraphs)


def action_passage(document: Document, action: Action) -> Passage:
    return document.passage(action_quotes(action), action.source_paragraphs)


def passage_text(review: Review, action: Action) -> str | None:
    """The report's words an action comes from, as plain text (for evidence packs), or None."""
    if not action.source_paragraphs:
        return None
    document = document_for(review)
    if document is None:
        return None
    passage = action_passage(document, action)
    if not passage.found:
        return None
    text = " […] ".join(" ".join(document.text[s.start : s.end].split()) for s in passage.spans)
    if passage.footnote_number:
        text = f"{text} (footnote {passage.footnote_number})"
    return text


def report_source(action: Action) -> dict:
    """What an evidence pack says of where an action comes from: its title, every recommendation it
    answers, its joint action, and the report's own words (the passage) with their paragraphs."""
    passage = passage_text(action.review, action) if has_app_context() else None
    return {
        "title": action.display_title,
        "recommendations": [rec.ref for rec in action.recommendations],
        "joint_key": action.joint_key,
        "source": {"paragraphs": list(action.source_paragraphs or []), "passage": passage},
    }


# Built once, with parameters: every action page with a joint action runs it, and building it cost as much
# as running it.
_JOINT_PARTNERS = (
    select(Action)
    .where(Action.joint_key == bindparam("joint_key"), Action.id != bindparam("action_id"))
    .options(joinedload(Action.agency))
    .order_by(Action.id)
)


def joint_partners(session: Session, action: Action) -> list[Action]:
    """The other agencies' actions of the same joint action."""
    if not action.joint_key:
        return []
    return list(session.execute(_JOINT_PARTNERS, {"joint_key": action.joint_key, "action_id": action.id}).scalars())
