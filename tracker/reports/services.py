"""Recording what is done with reports: every download is an entry in the history (who, when, what, as at)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy.orm import Session

from tracker import audit
from tracker.reports.scope import Scope


def record_download(session: Session, actor, scope: Scope, as_at: date | None, fmt: str = "pdf") -> None:
    """One history entry for a report downloaded (flushes, never commits)."""
    audit.record(
        session,
        actor=actor,
        event="report.downloaded",
        obj_type=scope.kind,
        obj_id=scope.subject_id,
        summary=f"{actor.name} downloaded the assurance report for {scope.title}"
        + (f" as at {as_at.isoformat()}" if as_at else "")
        + f" ({fmt.upper()})",
        after={"scope": scope.kind, "as_at": as_at, "format": fmt},
    )


def pdf_filename(name: str, on: date) -> str:
    return f"assurance-report-{re.sub(r'[^A-Za-z0-9-]+', '-', name)[:80]}-{on.isoformat()}.pdf"
