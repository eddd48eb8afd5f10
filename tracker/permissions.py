"""Who may see or change what: pure predicates, asked by views (403/404) and templates alike.

Default deny: every predicate returns False unless a rule below grants access.
"""

from __future__ import annotations

from tracker.auth.models import Role


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def board_ids_in_reach(user) -> set[int] | None:
    """The boards whose reviews the user may read; None means every board (admins)."""
    if not _signed_in(user):
        return set()
    if user.role == Role.ADMIN:
        return None
    ids = set(user.board_ids)
    if user.role == Role.AGENCY_LEAD and user.agency is not None:
        ids |= {board.id for board in user.agency.boards}
    return ids


def can_view_review(user, review) -> bool:
    reach = board_ids_in_reach(user)
    if reach is None:
        return _signed_in(user)
    return bool(reach & {board.id for board in review.boards})


def can_view_action(user, action) -> bool:
    if not _signed_in(user):
        return False
    if user.role == Role.AGENCY_LEAD:
        return action.agency_id == user.agency_id
    return can_view_review(user, action.review)


def can_export_plan(user) -> bool:
    return _signed_in(user)


def can_manage_users(user) -> bool:
    return _signed_in(user) and user.role == Role.ADMIN
