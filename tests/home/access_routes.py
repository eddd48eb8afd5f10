"""Who may reach the home page: every signed-in person has one (its lists hold only what they may see)."""

from __future__ import annotations

PUBLIC = {"home.accessibility"}

ROUTES = [
    ("GET", "/home", "home.index", {}),
]


def object_ids() -> dict:
    return {}
