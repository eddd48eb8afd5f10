"""Signed checkpoints of the history's head, so that a rewritten or shortened history is found out.

The hash chain alone shows that no entry was changed in place; someone who can write to the database can
still recompute every hash after a change, or delete the newest entries. A checkpoint is the head (the last
entry's id and hash, and how many entries lead up to it) signed with an Ed25519 key that is never in the
database, and kept somewhere the database server cannot write. Later, every checkpoint must still be in the
chain: its head entry present with the same hash, the same number of entries up to it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.audit import HistoryEntry

FORMAT = "review-action-tracker history checkpoint 1"
ALGORITHM = "ed25519"


class CheckpointError(RuntimeError):
    pass


# Keys -----------------------------------------------------------------------------------------------------


def generate_key_pair() -> tuple[bytes, bytes]:
    """A new private key and its public key, both PEM."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def load_private_key(pem: bytes | str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password=None)
    except (ValueError, TypeError):
        raise CheckpointError("The history signing key is not a PEM Ed25519 private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError("The history signing key must be an Ed25519 key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise CheckpointError("The public key is not a PEM Ed25519 public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError("The public key must be an Ed25519 key")
    return key


def configured_private_key(config) -> Ed25519PrivateKey | None:
    """The signing key from HISTORY_SIGNING_KEY (the PEM itself) or HISTORY_SIGNING_KEY_FILE, or None."""
    if config.get("HISTORY_SIGNING_KEY"):
        return load_private_key(config["HISTORY_SIGNING_KEY"])
    if config.get("HISTORY_SIGNING_KEY_FILE"):
        try:
            return load_private_key(Path(config["HISTORY_SIGNING_KEY_FILE"]).read_bytes())
        except OSError as error:
            raise CheckpointError(f"The history signing key file cannot be read: {error.strerror}") from None
    return None


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# Making ---------------------------------------------------------------------------------------------------


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def current_head(session: Session) -> dict:
    last = session.execute(select(HistoryEntry.id, HistoryEntry.entry_hash).order_by(HistoryEntry.id.desc()).limit(1))
    row = last.first()
    entries = session.execute(select(func.count()).select_from(HistoryEntry)).scalar_one()
    return {"entries": entries, "head_id": row.id if row else None, "head_hash": row.entry_hash if row else None}


def make_checkpoint(session: Session, key: Ed25519PrivateKey | None) -> dict:
    """The history's head now, signed when there is a key (an unsigned one says so)."""
    body = {"format": FORMAT, "made_at": datetime.now(UTC).isoformat(timespec="seconds"), **current_head(session)}
    if key is None:
        return {**body, "signature": None}
    signature = key.sign(_canonical(body))
    return {
        **body,
        "signature": {
            "algorithm": ALGORITHM,
            "key_id": key_id(key.public_key()),
            "value": base64.b64encode(signature).decode(),
        },
    }


def checkpoint_json(checkpoint: dict) -> str:
    return json.dumps(checkpoint, indent=2, sort_keys=True) + "\n"


def write_checkpoint(checkpoint: dict, folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = checkpoint["made_at"].replace(":", "").replace("-", "").replace("+0000", "Z")
    path = folder / f"history-checkpoint-{stamp}-{checkpoint['entries']:09d}.json"
    temporary = path.with_suffix(".part")
    with open(temporary, "w") as out:
        out.write(checkpoint_json(checkpoint))
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    return path


# Checking -------------------------------------------------------------------------------------------------


@dataclass
class CheckpointResult:
    path: Path
    checkpoint: dict
    problem: str | None


def verify_signature(checkpoint: dict, public: Ed25519PublicKey) -> str | None:
    """None when ``public`` signed exactly this checkpoint, else what is wrong."""
    signature = checkpoint.get("signature")
    if not signature:
        return "it is not signed"
    if signature.get("algorithm") != ALGORITHM:
        return f"it is signed with {signature.get('algorithm')!r}, not Ed25519"
    body = {name: value for name, value in checkpoint.items() if name != "signature"}
    try:
        public.verify(base64.b64decode(signature["value"], validate=True), _canonical(body))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return "its signature does not verify with this public key (altered, or signed by another key)"
    return None


def check_against_history(session: Session, checkpoint: dict) -> str | None:
    """None when the history still holds this checkpoint's head, else how it was rewritten or shortened."""
    head_id, head_hash, entries = checkpoint.get("head_id"), checkpoint.get("head_hash"), checkpoint.get("entries")
    if head_id is None:
        return None  # signed over an empty history: anything since extends it
    entry = session.get(HistoryEntry, head_id)
    last_id = session.execute(select(func.max(HistoryEntry.id))).scalar()
    if entry is None:
        if last_id is None or last_id < head_id:
            return f"the history was cut short: it now ends at entry {last_id}, but entry {head_id} was signed"
        return f"entry {head_id}, the signed head, is gone from the history"
    if entry.entry_hash != head_hash:
        return f"the history was rewritten: entry {head_id} no longer has the hash that was signed"
    up_to = session.execute(select(func.count()).where(HistoryEntry.id <= head_id)).scalar_one()
    if up_to != entries:
        return f"the history was rewritten: {up_to} entries lead up to entry {head_id}, but {entries} were signed"
    return None


def verify_checkpoints(session: Session, folder: Path, public: Ed25519PublicKey) -> list[CheckpointResult]:
    paths = sorted(Path(folder).glob("*.json"))
    if not paths:
        raise CheckpointError(f"No checkpoints (*.json) in {folder}")
    results = []
    for path in paths:
        try:
            checkpoint = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            results.append(CheckpointResult(path, {}, f"it cannot be read: {error}"))
            continue
        if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
            results.append(CheckpointResult(path, {}, "it is not a history checkpoint"))
            continue
        problem = verify_signature(checkpoint, public) or check_against_history(session, checkpoint)
        results.append(CheckpointResult(path, checkpoint, problem))
    return results
