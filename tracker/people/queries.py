"""The people and invitations a user may manage, filtered by board, agency, role and whether active."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.audit import HistoryEntry
from tracker.auth.models import Invitation, Role, User, invitation_boards, user_boards
from tracker.orgs.models import Agency, Board, agency_boards


@dataclass(frozen=True)
class Filters:
    board_id: int | None = None
    agency_id: int | None = None
    role: str | None = None
    active: bool | None = None

    @property
    def any(self) -> bool:
        return any(value is not None for value in (self.board_id, self.agency_id, self.role, self.active))


def _serves(board_ids, agency_column):
    return exists().where(agency_boards.c.agency_id == agency_column, agency_boards.c.board_id.in_(board_ids))


def _user_reach(board_ids):
    """People whose own boards, or (agency leads) whose agency's boards, include one of ``board_ids``."""
    on_board = exists().where(user_boards.c.user_id == User.id, user_boards.c.board_id.in_(board_ids))
    return or_(on_board, (User.role == Role.AGENCY_LEAD.value) & _serves(board_ids, User.agency_id))


def _invitation_reach(board_ids):
    on_board = exists().where(
        invitation_boards.c.invitation_id == Invitation.id, invitation_boards.c.board_id.in_(board_ids)
    )
    return or_(on_board, (Invitation.role == Role.AGENCY_LEAD.value) & _serves(board_ids, Invitation.agency_id))


def people_query(reach: set[int] | None, filters: Filters) -> Select:
    """``reach`` is the boards the viewer manages (None: everyone, for admins); board members never see
    administrators here."""
    query = select(User).options(selectinload(User.boards), selectinload(User.agency)).order_by(User.name, User.id)
    if reach is not None:
        query = query.where(User.role != Role.ADMIN.value, _user_reach(reach) if reach else false())
    if filters.board_id is not None:
        query = query.where(_user_reach({filters.board_id}))
    if filters.agency_id is not None:
        query = query.where(User.agency_id == filters.agency_id)
    if filters.role is not None:
        query = query.where(User.role == filters.role)
    if filters.active is not None:
        query = query.where(User.is_active_account.is_(filters.active))
    return query


def count(session: Session, query: Select) -> int:
    return session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()


def waiting_invitations(session: Session, reach: set[int] | None) -> list[Invitation]:
    """Invitations not yet accepted or cancelled (expired ones too, so they can be sent again)."""
    query = (
        select(Invitation)
        .options(selectinload(Invitation.boards), selectinload(Invitation.agency))
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    if reach is not None:
        query = query.where(Invitation.role != Role.ADMIN.value, _invitation_reach(reach) if reach else false())
    return list(session.execute(query).scalars())


def boards_to_filter(session: Session, reach: set[int] | None) -> list[Board]:
    query = select(Board).order_by(Board.name)
    if reach is not None:
        query = query.where(Board.id.in_(reach))
    return list(session.execute(query).scalars())


def agencies_in_use(session: Session, reach: set[int] | None) -> list[Agency]:
    """Agency records not merged into another, serving one of the boards in reach (all, for admins)."""
    query = select(Agency).where(Agency.merged_into_id.is_(None)).order_by(Agency.name)
    if reach is not None:
        query = query.where(_serves(reach, Agency.id))
    return list(session.execute(query).scalars())


def person_history(session: Session, person: User, limit: int = 50) -> list[HistoryEntry]:
    return list(
        session.execute(
            select(HistoryEntry)
            .where(HistoryEntry.object_type == "user", HistoryEntry.object_id == person.id)
            .order_by(HistoryEntry.id.desc())
            .limit(limit)
        ).scalars()
    )
