"""manifest.csv: the pack's manifest as one table for spreadsheet programs.

One row for each action, then one for each of its history entries, sign-offs, evidence items and files,
all with the action's columns, so that filtering on a column (an agency, a status, "file") keeps the rows
together. Built from the same record as manifest.json; cells are guarded against formula injection by the
writer.
"""

from __future__ import annotations

CSV_COLUMNS = [
    "record",
    "action_id",
    "review",
    "recommendation",
    "agency",
    "owner",
    "status",
    "due_date",
    "at",
    "by",
    "what",
    "details",
    "item_id",
    "version",
    "relates_to",
    "file_name",
    "size",
    "sha256",
    "path_in_pack",
    "entry_hash",
]


def _seen_digests(evidence_seen: list) -> str:
    return "; ".join(str(seen.get("digest", "")) for seen in evidence_seen or [] if isinstance(seen, dict))


def table_rows(record: dict):
    """One row for the action, then one for each history entry, sign-off, evidence item and file."""
    base = {
        "action_id": record["id"],
        "review": record["review"]["ref"],
        "recommendation": (record["recommendation"] or {}).get("ref"),
        "agency": record["agency"]["name"],
        "owner": (record["owner"] or {}).get("name"),
        "status": record["status_label"],
        "due_date": record["due_date"],
    }

    def row(record_type: str, **cells) -> list:
        values = {**base, **cells, "record": record_type}
        return [values.get(column, "") for column in CSV_COLUMNS]

    yield row("action", what=record["text"], details=record["success_measure"])
    for entry in record["history"]:
        yield row(
            "history",
            at=entry["at"],
            by=entry["by"],
            what=entry["event"],
            details=entry["summary"],
            entry_hash=entry["entry_hash"],
        )
    for sign_off in record["sign_offs"]:
        yield row(
            "sign_off",
            at=sign_off["decided_at"],
            by=(sign_off["decided_by"] or {}).get("name"),
            what=sign_off["decision_label"],
            details=sign_off["comments"],
            sha256=_seen_digests(sign_off["evidence_seen"]),
        )
    for item in record["evidence"]:
        by = (item["added_by"] or {}).get("name")
        about = {"item_id": item["id"], "version": item["version"], "relates_to": item["relates_to"]}
        yield row(
            "evidence",
            at=item["added_at"],
            by=by,
            what=item["title"],
            details=item["kind_label"],
            sha256=item["digest"],
            **about,
        )
        for made in item["files"]:
            yield row(
                "file",
                at=made["uploaded_at"],
                by=by,
                what=item["title"],
                details="Missing from storage" if made.get("missing_from_storage") else made["content_type"],
                file_name=made["name"],
                size=made["size"],
                sha256=made["sha256"],
                path_in_pack=made["path"],
                **about,
            )
