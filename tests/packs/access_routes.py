"""Who may reach the evidence packs page (walked by tests/test_access.py for every role): auditors, board
members and admins; agency leads may not export packs (403). An empty form comes back with its errors (422)."""

from __future__ import annotations

LEADS_REFUSED = {"agency_lead": 403, "other_lead": 403}

ROUTES = [
    ("GET", "/packs", "packs.index", LEADS_REFUSED),
    ("POST", "/packs", "packs.index", {"*": 422, **LEADS_REFUSED}),
]


def object_ids() -> dict:
    return {}
