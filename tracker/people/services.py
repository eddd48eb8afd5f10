"""Managing people: changing a person's role, boards and agency, deactivating and reactivating them.

An admin manages anyone; a board member the people who work for their boards, giving and taking away only
their own boards and never the administrator role. Nobody changes their own access or deactivates
themselves. Each change is one history entry; a change that could lower a person's reach, and every
deactivation, ends all of their sessions at once.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tracker import audit, permissions
from tracker.auth.models import User
from tracker.auth.services import end_all_sessions
from tracker.errors_domain import DomainError, NotPermitted
from tracker.ids import parse_ids
from tracker.people.invitations import check_access

OWN_ROLE = "You cannot change your own role. Ask another administrator to do it"
OWN_ACCESS = "You cannot change your own boards or agency. Ask another administrator to do it"
OWN_DEACTIVATION = "You cannot deactivate your own account. Ask another administrator to do it"


def _check_may_manage(actor, person: User) -> None:
    if not permissions.can_manage_person(actor, person):
        raise NotPermitted("You cannot manage this person")


def _access(person: User) -> dict:
    return {
        "role": person.role,
        "boards": sorted(board.id for board in person.boards),
        "agency_id": person.agency_id,
    }


def change_access(session: Session, actor, person: User, *, role: str, board_ids, agency_id: int | None) -> bool:
    """Give the person this role, boards and agency. A board member's choice of boards covers only their own
    boards: the person's other boards stay as they are. Returns False when nothing changed."""
    _check_may_manage(actor, person)
    allowed = permissions.grantable_board_ids(actor)
    chosen = parse_ids(board_ids)
    if chosen is None:
        raise DomainError("Choose boards from the list", field="boards")
    if allowed is not None:
        if not chosen <= allowed:
            raise DomainError("Choose from your own boards", field="boards")
        chosen |= {board.id for board in person.boards if board.id not in allowed}
    role_enum, boards, agency = check_access(
        session, actor, role=role, board_ids=chosen, agency_id=agency_id, current_agency=person.agency
    )
    before = _access(person)
    after = {"role": role_enum.value, "boards": sorted(board.id for board in boards), "agency_id": agency and agency.id}
    if before == after:
        return False
    if person.id == getattr(actor, "id", None):
        raise DomainError(OWN_ROLE if before["role"] != after["role"] else OWN_ACCESS, field="role")

    person.role = role_enum.value
    person.boards = boards
    person.agency = agency
    session.flush()
    changed = [key for key in after if before[key] != after[key]]
    audit.record(
        session,
        actor=actor,
        event="user.access_changed",
        obj_type="user",
        obj_id=person.id,
        summary=f"Access of {person.name} changed: {', '.join(_WORDS[key] for key in changed)}",
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    # A new role, a board taken away or another agency may each take away what the person could see: every
    # session they have open starts again with the new access.
    if changed != ["boards"] or set(before["boards"]) - set(after["boards"]):
        end_all_sessions(session, person, "their access was changed")
    return True


_WORDS = {"role": "role", "boards": "boards", "agency_id": "agency"}


def deactivate(session: Session, actor, person: User) -> None:
    """The person can no longer sign in, and every session they have open ends at once."""
    _check_may_manage(actor, person)
    if person.id == getattr(actor, "id", None):
        raise DomainError(OWN_DEACTIVATION)
    if not person.is_active_account:
        raise DomainError(f"{person.name}'s account is already deactivated")
    person.is_active_account = False
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="user.deactivated",
        obj_type="user",
        obj_id=person.id,
        summary=f"Account of {person.name} deactivated",
        before={"active": True},
        after={"active": False},
    )
    end_all_sessions(session, person, "their account was deactivated")


def reactivate(session: Session, actor, person: User) -> None:
    _check_may_manage(actor, person)
    if person.is_active_account:
        raise DomainError(f"{person.name}'s account is already active")
    person.is_active_account = True
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="user.reactivated",
        obj_type="user",
        obj_id=person.id,
        summary=f"Account of {person.name} reactivated",
        before={"active": False},
        after={"active": True},
    )
