"""Signed checkpoints find a rewritten history (every hash recomputed, so the chain itself still verifies)
and a history cut short at its end, not only an altered row; every evidence pack carries one."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from tests.conftest import make_app, scratch_database
from tests.packs.helpers import make, members, people, review
from tracker import audit
from tracker.custody import checkpoints
from tracker.extensions import db
from tracker.packs import scope


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    private_pem, public_pem = checkpoints.generate_key_pair()
    (folder / "private.pem").write_bytes(private_pem)
    (folder / "public.pem").write_bytes(public_pem)
    return folder / "private.pem", folder / "public.pem"


@pytest.fixture
def history_app(tmp_path, keys):
    """An empty, migrated database of its own with 10 history entries, and a signing key configured."""
    with scratch_database(tmp_path) as url:
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url, HISTORY_SIGNING_KEY_FILE=str(keys[0]))
        with app.app_context():
            upgrade()
            append(10)
            db.session.remove()
        yield app


def append(count: int) -> None:
    for number in range(count):
        audit.record(db.session, actor="test", event="test.event", obj_type="test", obj_id=number, summary=f"#{number}")
    db.session.commit()


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def verify(app, folder: Path, public: Path):
    return cli(app, "verify-audit", "--checkpoints", str(folder), "--public-key", str(public))


def unguarded(statements: list[str]) -> None:
    """Run statements as an insider with write access would: with the append-only triggers out of the way."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE history DISABLE TRIGGER USER"))
        for statement in statements:
            connection.execute(text(statement))
        connection.execute(text("ALTER TABLE history ENABLE TRIGGER USER"))
    else:
        triggers = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'history'")
        ).all()
        for name, _sql in triggers:
            connection.execute(text(f'DROP TRIGGER "{name}"'))
        for statement in statements:
            connection.execute(text(statement))
        for _name, sql in triggers:
            connection.execute(text(sql))
    db.session.commit()


def rewrite_from(entry_id: int, summary: str) -> None:
    """Change one entry and recompute every hash after it, so that the chain verifies again."""
    entries = db.session.execute(select(audit.HistoryEntry).where(audit.HistoryEntry.id >= entry_id)).scalars()
    entries = sorted(entries, key=lambda entry: entry.id)
    previous = db.session.get(audit.HistoryEntry, entry_id - 1).entry_hash
    statements = []
    for entry in entries:
        if entry.id == entry_id:
            entry.summary = summary
        new_hash = audit.entry_digest(previous, audit._payload(entry))
        statements.append(
            f"UPDATE history SET summary = '{entry.summary}', prev_hash = '{previous}', entry_hash = '{new_hash}' "
            f"WHERE id = {entry.id}"
        )
        previous = new_hash
    db.session.expunge_all()
    unguarded(statements)


def test_a_checkpoint_signs_the_head_and_verifies_while_the_history_only_grows(history_app, tmp_path, keys):
    made = cli(history_app, "checkpoint", "--output", str(tmp_path / "checkpoints"))
    assert made.exit_code == 0, made.output
    (written,) = (tmp_path / "checkpoints").glob("*.json")
    checkpoint = json.loads(written.read_text())
    with history_app.app_context():
        last = db.session.execute(select(audit.HistoryEntry).order_by(audit.HistoryEntry.id.desc())).scalars().first()
        assert (checkpoint["entries"], checkpoint["head_hash"]) == (10, last.entry_hash)
        append(5)
        db.session.remove()
    result = verify(history_app, tmp_path / "checkpoints", keys[1])
    assert result.exit_code == 0, result.output
    assert "History intact: 15 entries" in result.output
    assert "Checkpoints hold: 1 signed checkpoint, the latest" in result.output


def test_a_rewritten_history_is_found_although_its_chain_verifies(history_app, tmp_path, keys):
    assert cli(history_app, "checkpoint", "--output", str(tmp_path / "checkpoints")).exit_code == 0
    with history_app.app_context():
        rewrite_from(4, "nothing happened")
        assert audit.verify_chain(db.session) is None, "the insider recomputed every hash"
        db.session.remove()
    assert cli(history_app, "verify-audit").exit_code == 0  # the chain alone cannot tell
    result = verify(history_app, tmp_path / "checkpoints", keys[1])
    assert result.exit_code != 0
    assert "the history was rewritten: entry 10 no longer has the hash that was signed" in result.output


def test_a_history_cut_short_at_its_end_is_found(history_app, tmp_path, keys):
    assert cli(history_app, "checkpoint", "--output", str(tmp_path / "checkpoints")).exit_code == 0
    with history_app.app_context():
        unguarded(["DELETE FROM history WHERE id > 7"])
        assert audit.verify_chain(db.session) is None, "what is left is still a whole chain"
        db.session.remove()
    result = verify(history_app, tmp_path / "checkpoints", keys[1])
    assert result.exit_code != 0
    assert "the history was cut short: it now ends at entry 7, but entry 10 was signed" in result.output


def test_a_checkpoint_altered_or_signed_with_another_key_is_refused(history_app, tmp_path, keys):
    assert cli(history_app, "checkpoint", "--output", str(tmp_path / "checkpoints")).exit_code == 0
    (written,) = (tmp_path / "checkpoints").glob("*.json")
    checkpoint = json.loads(written.read_text())
    written.write_text(json.dumps({**checkpoint, "entries": 9}))
    altered = verify(history_app, tmp_path / "checkpoints", keys[1])
    assert altered.exit_code != 0 and "signature does not verify" in altered.output
    other = tmp_path / "other.pem"
    other.write_bytes(checkpoints.generate_key_pair()[1])
    written.write_text(json.dumps(checkpoint))
    assert verify(history_app, tmp_path / "checkpoints", keys[1]).exit_code == 0
    assert "signature does not verify" in verify(history_app, tmp_path / "checkpoints", other).output


def test_checkpoints_need_a_key_and_keys_are_made_private(history_app, tmp_path):
    history_app.config["HISTORY_SIGNING_KEY_FILE"] = None  # this test's own app
    refused = cli(history_app, "checkpoint", "--output", str(tmp_path / "checkpoints"))
    assert refused.exit_code != 0 and "No signing key" in refused.output
    made = cli(
        history_app, "generate-checkpoint-key", "--private", str(tmp_path / "k"), "--public", str(tmp_path / "p")
    )
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o600
    assert checkpoints.load_private_key((tmp_path / "k").read_bytes())
    again = cli(
        history_app, "generate-checkpoint-key", "--private", str(tmp_path / "k"), "--public", str(tmp_path / "p")
    )
    assert again.exit_code != 0 and "not overwriting" in again.output


def test_every_evidence_pack_carries_a_checkpoint_signed_when_there_is_a_key(app, users, keys, monkeypatch):
    cast = people(users)
    monkeypatch.setitem(app.config, "HISTORY_SIGNING_KEY_FILE", str(keys[0]))
    data, _ = make(cast["admin"], scope.of_review(review("mk-child-j")))
    checkpoint = json.loads(members(data)["data/history-checkpoint.json"])
    public = checkpoints.load_public_key(keys[1].read_bytes())
    assert checkpoints.verify_signature(checkpoint, public) is None
    exported = db.session.execute(select(audit.HistoryEntry).order_by(audit.HistoryEntry.id.desc())).scalars().first()
    assert exported.event == "pack.exported" and checkpoint["head_hash"] == exported.entry_hash
    monkeypatch.setitem(app.config, "HISTORY_SIGNING_KEY_FILE", None)
    data, _ = make(cast["admin"], scope.of_review(review("mk-child-j")))
    assert json.loads(members(data)["data/history-checkpoint.json"])["signature"] is None
