"""What changed in the evidence put forward since the board last decided on the action, in words for the
reviewer: new items, corrected items (with the versions), and items no longer put forward.

Submissions keep a snapshot of what was put forward (``Submission.evidence``); a correction is a new evidence
row that ``supersedes`` the old one, so two snapshots are compared along those chains.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.evidence.models import EvidenceItem


@dataclass(frozen=True)
class Change:
    kind: str  # "new", "corrected", "unchanged" or "withdrawn"
    title: str
    version: int
    was_version: int | None = None

    @property
    def words(self) -> str:
        if self.kind == "new":
            return f"New since the last decision: “{self.title}” (version {self.version})"
        if self.kind == "corrected":
            return (
                f"Corrected since the last decision: “{self.title}” "
                f"(version {self.version}, was version {self.was_version})"
            )
        if self.kind == "withdrawn":
            return f"No longer put forward: “{self.title}” (version {self.version})"
        return f"Unchanged since the last decision: “{self.title}” (version {self.version})"


@dataclass
class EvidenceComparison:
    decided_at: object | None  # when the last decision was made, None when there was none
    decision: str | None
    changes: list[Change]

    @property
    def anything_changed(self) -> bool:
        return any(change.kind != "unchanged" for change in self.changes)


def since_last_decision(session: Session, action_id: int, pending, submissions, sign_offs) -> EvidenceComparison | None:
    """Compare the pending submission's evidence with the last decided submission's. ``submissions`` are the
    action's, newest first; ``sign_offs`` maps submission id to its decision. One query (the action's
    evidence rows and what each supersedes)."""
    if pending is None:
        return None
    last = next((s for s in submissions if s.id in sign_offs), None)
    if last is None:
        return EvidenceComparison(None, None, [])
    supersedes = dict(
        session.execute(
            select(EvidenceItem.id, EvidenceItem.supersedes_id).where(EvidenceItem.action_id == action_id)
        ).all()
    )
    before = {entry["item_id"]: entry for entry in last.evidence}
    reached: set[int] = set()
    changes = []
    for entry in pending.evidence:
        item_id = entry["item_id"]
        if item_id in before:
            reached.add(item_id)
            changes.append(Change("unchanged", entry.get("title", ""), entry["version"]))
            continue
        ancestor = supersedes.get(item_id)
        while ancestor is not None and ancestor not in before:
            ancestor = supersedes.get(ancestor)
        if ancestor is None:
            changes.append(Change("new", entry.get("title", ""), entry["version"]))
        else:
            reached.add(ancestor)
            changes.append(Change("corrected", entry.get("title", ""), entry["version"], before[ancestor]["version"]))
    changes += [
        Change("withdrawn", entry.get("title", ""), entry["version"])
        for item_id, entry in before.items()
        if item_id not in reached
    ]
    decision = sign_offs[last.id]
    return EvidenceComparison(decision.decided_at, decision.decision_label, changes)
