"""Who may see or change what: pure predicates, asked by views (404/403) and templates alike.

Default deny: every predicate returns False unless a rule below grants access. The parties of the status
machine (``actions/states.py``) are decided here too: ``party_for`` says whether a user acts for the
agency that owns an action or for the board that reviews it.
"""

from __future__ import annotations

from tracker.actions.rules import decision_outcome
from tracker.actions.states import Status, allowed_transitions
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


def can_read_report_text(user, review) -> bool:
    """The published report a review quotes: board members, agency leads and auditors (and admins) for
    reviews in their reach. It is a public document, but only the reviews a user works with are shown."""
    if not _signed_in(user) or user.role not in {Role.ADMIN, Role.BOARD_MEMBER, Role.AGENCY_LEAD, Role.AUDITOR}:
        return False
    return can_view_review(user, review)


def can_edit_action_title(user, action) -> bool:
    """The short title beside the report's words is the board's: its board members (and admins)."""
    return can_plan_action(user, action)


# What of an action a person may see. A multi-agency plan is shared work: anyone who may read a review sees
# what every agency was asked to do and where it stands. Who owns another agency's action, its dates, its
# measure of success (and so its rating, which is made from them), its evidence and its history belong to
# that agency and the board: an agency lead sees those only for their own agency's actions.
SHARED_ACTION_FIELDS = frozenset(
    {
        "id",
        "agency",
        "title",
        "text",
        "recommendations",
        "joint_key",
        "status",
        "status_label",
        "source_paragraphs",
        "reported_progress",
        "progress_quote",
        "themes",
    }
)
ACTION_FIELDS = SHARED_ACTION_FIELDS | frozenset(
    {"owner", "due_date", "original_due_date", "success_measure", "completed_on", "recheck_due", "brag"}
    | {"evidence", "history", "sign_offs"}
)


def visible_action_fields(user, action) -> frozenset[str]:
    """The fields of ``action`` that ``user`` may see, on a page, in an export, a report or a pack: all of
    them where they may open the action itself, the shared ones where they may only read its review, none
    otherwise. The one rule for people's reach into other agencies' work."""
    if can_view_action(user, action):
        return ACTION_FIELDS
    if can_view_review(user, action.review):
        return SHARED_ACTION_FIELDS
    return frozenset()


def can_view_evidence(user, item) -> bool:
    return can_view_action(user, item.action)


def can_export_plan(user) -> bool:
    return _signed_in(user)


def can_view_job(user, job) -> bool:
    """A job's progress and result belong to the person who asked for it, and no one else."""
    return _signed_in(user) and job.owner_id == user.id


def can_manage_users(user) -> bool:
    return _signed_in(user) and user.role == Role.ADMIN


# Planning: board members (and admins) set the plan -------------------------------------------------------


def can_import_review(user) -> bool:
    """Add a review from its report: admins, and board members for their own boards."""
    return _signed_in(user) and (user.role == Role.ADMIN or (user.role == Role.BOARD_MEMBER and bool(user.board_ids)))


def can_work_on_import(user, draft) -> bool:
    """A draft import is its author's until confirmed (admins may pick it up); nobody else sees it."""
    return can_import_review(user) and (user.role == Role.ADMIN or draft.created_by_id == user.id)


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
    """Close without implementation, with a reason: a board decision on the agency's work, so, as for sign-off,
    a board member of the review's board who does not belong to the agency responsible."""
    return can_review_action(user, action)


def party_for(user, action) -> str | None:
    """The side of the status machine the user acts for on this action: "agency", "board" or None."""
    if can_work_on_action(user, action):
        return "agency"
    if can_review_action(user, action):  # who may close is the same rule (can_close_action)
        return "board"
    return None


def allowed_moves(user, action, pending_kind: str | None = None, pending_people=frozenset()) -> list[Status]:
    """The moves this user may make on this action now, and so the buttons the page shows: the status
    machine's moves for their side, kept to those the rules let this person make. Only a reviewer outside the
    agency decides, and never on a submission they made or added evidence to (``pending_people``: the
    submitter and everyone who added its evidence); a decision has only the outcomes a pending submission of
    ``pending_kind`` can have (None: nothing is pending); only a board member of the review closes."""
    party = party_for(user, action)
    if party is None:
        return []
    moves = allowed_transitions(action.status_enum, party)
    if party == "board" and action.status_enum == Status.SUBMITTED:
        # The board's side is can_review_action; the people of the submission are the sign-off rule's.
        if pending_kind is None or user.id in set(pending_people):
            return []
        outcomes = {decision_outcome(pending_kind, accept)[0] for accept in (True, False)}
        return [move for move in moves if move in outcomes]
    # The agency's moves as the machine says; the board's only other move is closing, which
    # can_close_action allows to the same people as can_review_action.
    return moves


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


# Evidence packs ----------------------------------------------------------------------------------------------


def can_export_pack(user, scope=None) -> bool:
    """Export an evidence pack (every action, sign-off, history entry and evidence file of a board, a review or
    an agency, in one ZIP): auditors, board members and admins, for a scope that touches a board in their
    reach (``scope.board_ids``: the boards it belongs to; without a scope, whether they may export packs at
    all). Agency leads may not: a pack gathers other agencies' evidence and the board's assurance, and a lead
    already sees their own agency's evidence on each action."""
    if not _signed_in(user) or user.role not in (Role.ADMIN, Role.BOARD_MEMBER, Role.AUDITOR):
        return False
    reach = board_ids_in_reach(user)
    if scope is None or reach is None:
        return True
    return bool(reach & set(scope.board_ids))


# Assurance reports ----------------------------------------------------------------------------------------


def can_view_board(user, board) -> bool:
    """See a board's reviews: anyone whose reach includes the board (admins: every board)."""
    reach = board_ids_in_reach(user)
    if reach is None:
        return _signed_in(user)
    return board.id in reach


def can_view_board_report(user, board) -> bool:
    """A board's assurance report: its board members and auditors, and admins. Agency leads have their own
    agency's report instead."""
    return can_view_board(user, board) and user.role != Role.AGENCY_LEAD


def can_view_review_report(user, review) -> bool:
    """A review's assurance report: whoever may see the review, except agency leads (see above)."""
    return can_view_review(user, review) and user.role != Role.AGENCY_LEAD


def can_view_agency_report(user, agency) -> bool:
    """An agency's report (everything it owes, across every board): that agency's leads."""
    return _signed_in(user) and user.role == Role.AGENCY_LEAD and user.agency_id == agency.id


# People and organisations ---------------------------------------------------------------------------------


def reach_of(role: str, board_ids, agency) -> set[int]:
    """The boards a person with this role, these boards and this agency works for (whether or not they can
    sign in): their own boards, and for an agency lead the boards their agency serves."""
    ids = set(board_ids)
    if role == Role.AGENCY_LEAD and agency is not None:
        ids |= {board.id for board in agency.boards}
    return ids


def can_manage_people(user) -> bool:
    """See the people pages and invite people: admins, and board members for their own boards."""
    return _signed_in(user) and (user.role == Role.ADMIN or (user.role == Role.BOARD_MEMBER and bool(user.board_ids)))


def can_manage_person(user, person) -> bool:
    """See a person's page and change their access, or deactivate them: an admin anyone; a board member
    people who work for one of their boards, never an administrator. (Nobody changes their own access: the
    service refuses that with a message.)"""
    if not can_manage_people(user):
        return False
    if user.role == Role.ADMIN:
        return True
    return person.role != Role.ADMIN and bool(reach_of(person.role, person.board_ids, person.agency) & user.board_ids)


def can_manage_invitation(user, invitation) -> bool:
    """Resend or cancel an invitation: as for the person it would create."""
    if not can_manage_people(user):
        return False
    if user.role == Role.ADMIN:
        return True
    boards = {board.id for board in invitation.boards}
    return invitation.role != Role.ADMIN and bool(reach_of(invitation.role, boards, invitation.agency) & user.board_ids)


def grantable_board_ids(user) -> set[int] | None:
    """The boards a user may give people (or take away from them): None means every board (admins)."""
    if not can_manage_people(user):
        return set()
    return None if user.role == Role.ADMIN else set(user.board_ids)


def can_give_role(user, role: str) -> bool:
    """Only an administrator gives the administrator role."""
    if not can_manage_people(user):
        return False
    return user.role == Role.ADMIN or role != Role.ADMIN


def can_give_agency(user, agency) -> bool:
    """An admin any agency record in use; a board member an agency that serves one of their boards."""
    if not can_manage_people(user) or agency.merged_into_id is not None:
        return False
    return user.role == Role.ADMIN or bool({board.id for board in agency.boards} & user.board_ids)


def can_manage_organisations(user) -> bool:
    """Create and rename boards and agencies, link agencies to boards, merge agency records: admins."""
    return _signed_in(user) and user.role == Role.ADMIN


# Spreadsheets: the plan in and out ------------------------------------------------------------------------


def can_export_agency_plan(user, agency) -> bool:
    """Download one agency's actions as a spreadsheet: its own leads (everything it owes, on every board);
    board members, auditors and admins, an agency that serves a board in their reach (the download holds only
    the reviews they can see)."""
    if not _signed_in(user) or agency.merged_into_id is not None:
        return False
    if user.role == Role.AGENCY_LEAD:
        return user.agency_id == agency.id
    reach = board_ids_in_reach(user)
    return reach is None or bool(reach & {board.id for board in agency.boards})


def can_import_plan(user, board=None) -> bool:
    """Import a plan from a spreadsheet, creating reviews, recommendations and actions: admins into any board,
    board members into their own boards. Without a board: whether the user may import plans at all."""
    if not _signed_in(user):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.BOARD_MEMBER:
        return False
    return bool(user.board_ids) if board is None else board.id in user.board_ids
