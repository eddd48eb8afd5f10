"""The history: append-only in the database, hash-chained, and verifiable."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from tracker import audit
from tracker.audit import HistoryEntry
from tracker.extensions import db


def _last() -> HistoryEntry:
    return db.session.execute(select(HistoryEntry).order_by(HistoryEntry.id.desc()).limit(1)).scalar_one()


def test_the_seeded_history_verifies(app):
    assert audit.verify_chain(db.session) is None
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "chain unbroken" in result.output


def test_entries_link_to_the_one_before(app):
    first = audit.record(db.session, actor="test", event="test.one", obj_type="test", obj_id=1, summary="one")
    second = audit.record(db.session, actor="test", event="test.two", obj_type="test", obj_id=2, summary="two")
    assert second.prev_hash == first.entry_hash


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE history SET summary = 'rewritten' WHERE id = (SELECT MAX(id) FROM history)",
        "DELETE FROM history WHERE id = (SELECT MAX(id) FROM history)",
    ],
)
def test_the_database_refuses_to_change_or_remove_entries(app, statement):
    audit.record(db.session, actor="test", event="test.x", obj_type="test", obj_id=1, summary="x")
    with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))


def test_verify_names_the_first_altered_entry(app):
    entry = audit.record(db.session, actor="test", event="test.x", obj_type="test", obj_id=1, summary="honest")
    audit.record(db.session, actor="test", event="test.y", obj_type="test", obj_id=2, summary="later")
    # An insider who bypasses the triggers: simulate by changing the loaded object without flushing it.
    db.session.expunge(entry)
    broken = audit.verify_chain(db.session)
    assert broken is None  # untouched rows verify
    with db.session.no_autoflush:
        stored = db.session.get(HistoryEntry, entry.id)
        stored.summary = "tampered"
        assert audit.verify_chain(db.session).id == entry.id
        db.session.expunge(stored)
