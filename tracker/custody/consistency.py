"""Storage and database in step: files without a row, rows without a file.

A crash (or a kill) between storing an upload and committing its row leaves a file no row names; nothing
else would ever find it. The opposite, a row whose file is gone, is lost evidence: it is reported, never
"repaired". Storage is listed before the rows are read, so a file whose row commits while we look is seen
with its row; a file stored after the listing is not looked at. An upload still in progress looks like an
orphan, which is why only orphans older than a grace period are ever removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.evidence.models import EvidenceFile
from tracker.files import FileStore, StoredObject

DEFAULT_GRACE = timedelta(hours=24)


@dataclass
class StorageCheck:
    stored: int
    rows: int
    grace: timedelta
    orphans: list[StoredObject] = field(default_factory=list)  # files without a row
    missing: list[str] = field(default_factory=list)  # rows without a file
    removed: list[str] = field(default_factory=list)
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def old_orphans(self) -> list[StoredObject]:
        return [orphan for orphan in self.orphans if orphan.modified_at <= self.checked_at - self.grace]

    @property
    def unrepaired(self) -> list[StoredObject]:
        return [orphan for orphan in self.old_orphans() if orphan.key not in self.removed]

    @property
    def consistent(self) -> bool:
        """Nothing lost and nothing left over past the grace period."""
        return not self.missing and not self.unrepaired

    def lines(self) -> list[str]:
        hours = self.grace.total_seconds() / 3600
        lines = [f"Storage checked: {self.stored} stored files, {self.rows} file rows."]
        lines.append(f"Files without a row: {len(self.orphans)} ({len(self.old_orphans())} older than {hours:g} h)")
        for orphan in self.orphans:
            done = " (removed)" if orphan.key in self.removed else ""
            lines.append(f"  {orphan.key}  {orphan.size} bytes, stored {orphan.modified_at:%Y-%m-%d %H:%M} UTC{done}")
        lines.append(f"Rows without a file: {len(self.missing)}")
        lines += [f"  {key}  (evidence lost from storage: restore it from a backup)" for key in self.missing]
        if self.unrepaired:
            lines.append("Run again with --repair to remove the files without a row past the grace period.")
        return lines


def check_storage(
    session: Session, store: FileStore, *, repair: bool = False, grace: timedelta = DEFAULT_GRACE
) -> StorageCheck:
    listed = {stored.key: stored for stored in store.list_stored()}
    keys = set(session.execute(select(EvidenceFile.storage_key)).scalars())
    result = StorageCheck(stored=len(listed), rows=len(keys), grace=grace)
    result.orphans = [listed[key] for key in sorted(set(listed) - keys)]
    result.missing = sorted(key for key in keys - set(listed) if not store.exists(key))
    if repair:
        old = [orphan.key for orphan in result.old_orphans()]
        # Ask again just before removing: a row may have been committed since the first look.
        claimed = set(
            session.execute(select(EvidenceFile.storage_key).where(EvidenceFile.storage_key.in_(old))).scalars()
        )
        for key in old:
            if key not in claimed:
                store.delete(key)
                result.removed.append(key)
    return result
