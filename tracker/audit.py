"""The history: an append-only, hash-chained record of every change, and the one function that writes it.

Each entry's hash covers the previous entry's hash and its own content, so removing, inserting or altering
an entry breaks the chain from that point. The database refuses UPDATE and DELETE on the table (triggers in
the migration). Appends are serialised by a UNIQUE constraint on ``prev_hash``: two writers racing for the
same predecessor cannot both succeed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import ForeignKey, Index, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.db import Base, take_write_lock, utcnow

GENESIS = "0" * 64


class HistoryEntry(Base):
    __tablename__ = "history"
    # An object's entries in order (an action's page, the periods' rebuild): migration 0010.
    __table_args__ = (Index("ix_history_object_type_object_id_id", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254))
    event: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(String(500))
    before: Mapped[dict | None]
    after: Mapped[dict | None]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def entry_digest(prev_hash: str, payload: dict) -> str:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    inner = hashlib.sha256(body).hexdigest()
    return hashlib.sha256(f"history-v1|{prev_hash}|{inner}".encode()).hexdigest()


def _utc_text(moment: datetime | None) -> str | None:
    # SQLite hands back naive datetimes, PostgreSQL aware ones: hash the same text for both.
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def _payload(entry: HistoryEntry) -> dict:
    return {
        "at": _utc_text(entry.at),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "event": entry.event,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
        "ip_address": entry.ip_address,
    }


# Any fixed number: the key of the PostgreSQL advisory lock that serialises appends to the history.
_HISTORY_LOCK_KEY = 7_410_001


def _serialise_appends(session: Session) -> None:
    """Hold the history's append lock until the transaction ends, so that the next writer reads the last
    entry only after this one is committed. (On SQLite, the transaction's write lock does it: see db.py.)"""
    take_write_lock(session.connection())
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _HISTORY_LOCK_KEY})


def record(
    session: Session,
    *,
    actor,
    event: str,
    obj_type: str,
    obj_id: int | None,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
) -> HistoryEntry:
    """Append one history entry in the caller's transaction (flushes, never commits)."""
    _serialise_appends(session)
    last = session.execute(select(HistoryEntry.entry_hash).order_by(HistoryEntry.id.desc()).limit(1)).scalar()
    ip = request.remote_addr if has_request_context() else None
    entry = HistoryEntry(
        at=utcnow().replace(microsecond=0),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or str(actor or "system"),
        event=event,
        object_type=obj_type,
        object_id=obj_id,
        summary=summary[:500],
        before=_jsonable(before),
        after=_jsonable(after),
        ip_address=ip,
        prev_hash=last or GENESIS,
    )
    entry.entry_hash = entry_digest(entry.prev_hash, _payload(entry))
    session.add(entry)
    session.flush()
    return entry


def verify_chain(session: Session) -> HistoryEntry | None:
    """The first entry whose hash or link does not hold, or None when the whole chain is intact."""
    expected_prev = GENESIS
    for entry in session.execute(select(HistoryEntry).order_by(HistoryEntry.id)).scalars():
        if entry.prev_hash != expected_prev or entry.entry_hash != entry_digest(entry.prev_hash, _payload(entry)):
            return entry
        expected_prev = entry.entry_hash
    return None
