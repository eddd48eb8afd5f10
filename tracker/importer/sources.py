"""The report a review was imported from, for the "Read it in the report" page.

Seeded reviews read their report from ``seeds/reports/<source_file>``; an imported review has no file
there, so the page falls back to the cleaned blocks kept when the review was confirmed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.importer.models import ReviewSource


def source_for(session: Session, review) -> ReviewSource | None:
    return session.execute(select(ReviewSource).where(ReviewSource.review_id == review.id)).scalar_one_or_none()


def source_blocks_for(review, session: Session | None = None) -> list[dict] | None:
    """The stored report as blocks ({index, kind, text, number, label, context, start, end}), or None.

    ``context`` is the paragraph number (or heading) a reader would cite: the same values the imported
    recommendations and actions carry in their ``paragraphs``, so a page can find each one's passage.
    """
    if session is None:
        from tracker.extensions import db

        session = db.session
    source = source_for(session, review)
    return list(source.blocks) if source is not None else None


def blocks_for_paragraph(blocks: list[dict], paragraph: str) -> list[dict]:
    """The blocks a cited paragraph ("6.3.4", "footnote 5", a heading) refers to."""
    return [b for b in blocks if b.get("context") == paragraph or b.get("number") == paragraph]
