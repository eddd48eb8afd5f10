"""Who may see or change what: pure predicates, asked by views (404/403) and templates alike.

Default deny: every predicate returns False unless a rule below grants access. The parties of the status
machine (``actions/states.py``) are decided here too: ``party_for`` says whether a user acts for the
agency that owns an action or for the board that reviews it.
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


def _review_board_ids(review) -> set[int]:
    return {board.id for board in review.boards}


def is_board_member_for(user, review) -> bool:
    """A board member of one of the boards that own the review."""
    return _signed_in(user) and user.role == Role.BOARD_MEMBER and bool(user.board_ids & _review_board_ids(review))


def is_lead_for(user, action) -> bool:
    """A lead of the agency responsible for the action."""
    return _signed_in(user) and user.role == Role.AGENCY_LEAD and user.agency_id == action.agency_id


# Reading -------------------------------------------------------------------------------------------------


def can_view_review(user, review) -> bool:
    reach = board_ids_in_reach(user)
    if reach is None:
        return _signed_in(user)
    return bool(reach & _review_board_ids(review))


def can_view_action(user, action) -> bool:
    if not _signed_in(user):
        return False
    if user.role == Role.AGENCY_LEAD:
        return action.agency_id == user.agency_id
    return can_view_review(user, action.review)


def can_view_evidence(user, item) -> bool:
    return can_view_action(user, item.action)


def can_export_plan(user) -> bool:
    return _signed_in(user)


def can_manage_users(user) -> bool:
    return _signed_in(user) and user.role == Role.ADMIN


# Planning: board members (and admins) set the plan -------------------------------------------------------


def can_plan_review(user, review) -> bool:
    """Create actions, set agency, owner, due date and success measure, respond to recommendations."""
    if not _signed_in(user):
        return False
    return user.role == Role.ADMIN or is_board_member_for(user, review)


def can_plan_action(user, action) -> bool:
    return can_plan_review(user, action.review)


def can_reassign_owner(user, action) -> bool:
    """Board members assign owners; an agency's lead can reassign within the agency."""
    return can_plan_action(user, action) or is_lead_for(user, action)


# Doing: the agency responsible --------------------------------------------------------------------------


def can_work_on_action(user, action) -> bool:
    """Update progress, record evidence and submit for assurance: the owner or another lead of the agency."""
    return is_lead_for(user, action)


# Assuring: a board member reviews, never their own agency's work -----------------------------------------


def can_review_action(user, action) -> bool:
    """Accept or return a submission. Segregation of duties: a board member of the review's board who does
    not belong to the agency responsible. (That they did not submit it is checked against the submission.)"""
    return is_board_member_for(user, action.review) and user.agency_id != action.agency_id


def can_close_action(user, action) -> bool:
    """Close without implementation, with a reason."""
    return is_board_member_for(user, action.review)


def party_for(user, action) -> str | None:
    """The side of the status machine the user acts for on this action: "agency", "board" or None."""
    if can_work_on_action(user, action):
        return "agency"
    if can_review_action(user, action) or can_close_action(user, action):
        return "board"
    return None


# Assurance exercises --------------------------------------------------------------------------------------


def can_run_exercise(user, review) -> bool:
    """Open, review and close an assurance exercise."""
    return is_board_member_for(user, review)


def can_view_exercise(user, exercise) -> bool:
    if not _signed_in(user):
        return False
    if user.role == Role.AGENCY_LEAD:
        return any(agency.id == user.agency_id for agency in exercise.agencies)
    return can_view_review(user, exercise.review)


def can_answer_exercise(user, exercise, agency_id: int) -> bool:
    """Work through an agency's items and submit its return: that agency's lead, while the exercise is open."""
    return (
        _signed_in(user)
        and user.role == Role.AGENCY_LEAD
        and user.agency_id == agency_id
        and not exercise.is_closed
        and any(agency.id == agency_id for agency in exercise.agencies)
    )


def can_view_exercise_agency(user, exercise, agency_id: int) -> bool:
    """See one agency's part of an exercise (its worksheet, answers and return): an agency lead only their own
    agency's; anyone else who can see the exercise, for any agency in it."""
    if not can_view_exercise(user, exercise) or not any(agency.id == agency_id for agency in exercise.agencies):
        return False
    return user.role != Role.AGENCY_LEAD or user.agency_id == agency_id


def can_decide_exercise_item(user, item) -> bool:
    """Accept or return an agency's answer in an exercise. Segregation of duties: a board member who runs the
    exercise and does not belong to the agency that answered."""
    return can_run_exercise(user, item.exercise.review) and user.agency_id != item.agency_id
