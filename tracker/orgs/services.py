"""Boards and agencies: creating and renaming them, linking an agency to the boards it serves, and merging
two agency records that turn out to be the same organisation. Admins only; every change is one history
entry. Keys (used by the seed files and the command line) are made once from the first name and never change.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from tracker import audit, permissions
from tracker.actions.models import Action
from tracker.assurance.models import AgencyReturn, Exercise, ExerciseItem, exercise_agencies
from tracker.auth.models import Invitation, Role, User
from tracker.auth.services import end_all_sessions
from tracker.errors_domain import DomainError, NotPermitted
from tracker.ids import parse_ids
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import Recommendation, review_participants
from tracker.text import clean
from tracker.timeline.models import ActionPeriod

NAME_MAX = 200
SECTOR_MAX = 60


def _check_admin(actor) -> None:
    if not permissions.can_manage_organisations(actor):
        raise NotPermitted("Only an administrator can change boards and agencies")


def _clean(name: str | None, what: str) -> str:
    name = " ".join((clean(name, name="The name", field="name", multiline=False) or "").split())
    if not name:
        raise DomainError(f"Enter the {what}'s name", field="name")
    if len(name) > NAME_MAX:
        raise DomainError(f"The name must be {NAME_MAX} characters or fewer", field="name")
    return name


def _key_for(session: Session, model, name: str, limit: int) -> str:
    """A readable, unique key made from the name: "Kent Police" -> "kent-police" (then "kent-police-2")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[: limit - 4].strip("-") or "record"
    taken = set(session.execute(select(model.key).where(model.key.like(f"{base}%"))).scalars())
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


def _name_taken(session: Session, model, name: str, but_not: int | None = None) -> bool:
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if model is Agency:
        query = query.where(Agency.merged_into_id.is_(None))
    if but_not is not None:
        query = query.where(model.id != but_not)
    return session.execute(query).first() is not None


# Boards ----------------------------------------------------------------------------------------------------


def create_board(session: Session, actor, name: str) -> Board:
    _check_admin(actor)
    name = _clean(name, "board")
    if _name_taken(session, Board, name):
        raise DomainError(f"There is already a board called {name}", field="name")
    board = Board(key=_key_for(session, Board, name, 64), name=name)
    session.add(board)
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="board.created",
        obj_type="board",
        obj_id=board.id,
        summary=f"Board {name} created",
        after={"key": board.key, "name": name},
    )
    return board


def rename_board(session: Session, actor, board: Board, name: str) -> bool:
    _check_admin(actor)
    name = _clean(name, "board")
    if name == board.name:
        return False
    if _name_taken(session, Board, name, but_not=board.id):
        raise DomainError(f"There is already a board called {name}", field="name")
    before = board.name
    board.name = name
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="board.renamed",
        obj_type="board",
        obj_id=board.id,
        summary=f"Board {before} renamed {name}",
        before={"name": before},
        after={"name": name},
    )
    return True


# Agencies --------------------------------------------------------------------------------------------------


def _boards(session: Session, board_ids) -> list[Board]:
    ids = parse_ids(board_ids)
    if ids is None:
        raise DomainError("Choose boards from the list", field="boards")
    boards = list(session.execute(select(Board).where(Board.id.in_(ids)).order_by(Board.name)).scalars())
    if len(boards) != len(ids):
        raise DomainError("Choose boards from the list", field="boards")
    return boards


def _sector(sector: str | None) -> str | None:
    sector = " ".join((clean(sector, name="The sector", field="sector", multiline=False) or "").split()) or None
    if sector and len(sector) > SECTOR_MAX:
        raise DomainError(f"The sector must be {SECTOR_MAX} characters or fewer", field="sector")
    return sector


def create_agency(session: Session, actor, *, name: str, sector: str | None, board_ids) -> Agency:
    _check_admin(actor)
    name = _clean(name, "agency")
    if _name_taken(session, Agency, name):
        raise DomainError(f"There is already an agency called {name}", field="name")
    agency = Agency(
        key=_key_for(session, Agency, name, 100), name=name, sector=_sector(sector), boards=_boards(session, board_ids)
    )
    session.add(agency)
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="agency.created",
        obj_type="agency",
        obj_id=agency.id,
        summary=f"Agency {name} created",
        after={"key": agency.key, "name": name, "sector": agency.sector, "boards": [b.id for b in agency.boards]},
    )
    return agency


def _not_merged(agency: Agency) -> None:
    if agency.merged_into_id is not None:
        raise DomainError("This agency record was merged into another: change that one instead")


def update_agency(session: Session, actor, agency: Agency, *, name: str, sector: str | None, board_ids) -> bool:
    """Rename the agency, set its sector and the boards it serves. When it stops serving a board, its
    leads' sessions end, so that they no longer see that board's reviews."""
    _check_admin(actor)
    _not_merged(agency)
    name = _clean(name, "agency")
    if _name_taken(session, Agency, name, but_not=agency.id):
        raise DomainError(f"There is already an agency called {name}", field="name")
    boards = _boards(session, board_ids)
    before = {"name": agency.name, "sector": agency.sector, "boards": sorted(b.id for b in agency.boards)}
    after = {"name": name, "sector": _sector(sector), "boards": sorted(b.id for b in boards)}
    changed = [key for key in after if before[key] != after[key]]
    if not changed:
        return False
    agency.name, agency.sector, agency.boards = name, after["sector"], boards
    session.flush()
    words = {"name": "renamed" if before["name"] == name else f"renamed from {before['name']}", "sector": "sector"}
    words["boards"] = "boards served"
    audit.record(
        session,
        actor=actor,
        event="agency.changed",
        obj_type="agency",
        obj_id=agency.id,
        summary=f"Agency {name} changed: {', '.join(words[key] for key in changed)}",
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    if set(before["boards"]) - set(after["boards"]):
        leads = session.execute(
            select(User).where(User.agency_id == agency.id, User.role == Role.AGENCY_LEAD.value)
        ).scalars()
        for lead in leads:
            end_all_sessions(session, lead, f"{name} no longer serves a board they could see")
    return True


# Merging ---------------------------------------------------------------------------------------------------


def merge_conflicts(session: Session, merged: Agency, kept: Agency) -> list[Exercise]:
    """Exercises in which both agencies have already submitted a return: one agency has one return per
    exercise, so those two cannot become one without losing one of them."""
    mine = select(AgencyReturn.exercise_id).where(AgencyReturn.agency_id == merged.id)
    theirs = select(AgencyReturn.exercise_id).where(AgencyReturn.agency_id == kept.id)
    return list(
        session.execute(
            select(Exercise).where(Exercise.id.in_(mine), Exercise.id.in_(theirs)).order_by(Exercise.id)
        ).scalars()
    )


def merge_agencies(session: Session, actor, merged: Agency, kept: Agency) -> dict[str, int]:
    """Move everything that points at ``merged`` to ``kept`` (actions, recommendations addressed to it,
    people, invitations, exercise items and returns, exercises it takes part in, the boards it serves) and
    mark ``merged`` as merged into ``kept``. Nothing is deleted. Returns what moved, table by table."""
    _check_admin(actor)
    if merged.id == kept.id:
        raise DomainError("Choose a different agency to keep: an agency cannot be merged into itself", field="kept")
    if merged.merged_into_id is not None:
        raise DomainError("This agency record has already been merged into another")
    if kept.merged_into_id is not None:
        raise DomainError("That agency record was itself merged into another: choose the one in use", field="kept")
    clashes = merge_conflicts(session, merged, kept)
    if clashes:
        titles = ", ".join(f"“{exercise.title}”" for exercise in clashes)
        raise DomainError(
            f"Both agencies have submitted a return to the assurance exercise {titles}. An agency has one return "
            "per exercise, so these records cannot be merged without losing one",
            field="kept",
        )

    moved: dict[str, int] = {}

    def move(label: str, statement) -> None:
        moved[label] = session.execute(statement.execution_options(synchronize_session=False)).rowcount

    # Actions carry a version for optimistic locking: bump it, so a form opened before the merge is refused.
    # Their timelines carry their place too: the periods move with them, and an action that was in step with
    # its timeline stays so ("as at" reads its row; the right-hand sides read the row as it was).
    in_step = Action.timeline_version == Action.version
    move(
        "actions",
        update(Action)
        .where(Action.agency_id == merged.id)
        .values(
            agency_id=kept.id,
            version=Action.version + 1,
            timeline_version=case((in_step, Action.version + 1), else_=Action.timeline_version),
        ),
    )
    session.execute(
        update(ActionPeriod)
        .where(ActionPeriod.agency_id == merged.id)
        .values(agency_id=kept.id)
        .execution_options(synchronize_session=False)
    )
    move(
        "recommendations", update(Recommendation).where(Recommendation.agency_id == merged.id).values(agency_id=kept.id)
    )
    move("people", update(User).where(User.agency_id == merged.id).values(agency_id=kept.id))
    move("invitations", update(Invitation).where(Invitation.agency_id == merged.id).values(agency_id=kept.id))
    move("exercise_items", update(ExerciseItem).where(ExerciseItem.agency_id == merged.id).values(agency_id=kept.id))
    move("agency_returns", update(AgencyReturn).where(AgencyReturn.agency_id == merged.id).values(agency_id=kept.id))

    # Link tables: the kept agency takes part in every exercise, and serves every board, that either did.
    already_in = select(exercise_agencies.c.exercise_id).where(exercise_agencies.c.agency_id == kept.id)
    joining = list(
        session.execute(
            select(exercise_agencies.c.exercise_id).where(
                exercise_agencies.c.agency_id == merged.id, exercise_agencies.c.exercise_id.not_in(already_in)
            )
        ).scalars()
    )
    if joining:
        session.execute(insert(exercise_agencies), [{"exercise_id": e, "agency_id": kept.id} for e in joining])
    moved["exercise_agencies"] = len(joining)
    session.execute(delete(exercise_agencies).where(exercise_agencies.c.agency_id == merged.id))
    moved["review_participants"] = _move_participants(session, merged.id, kept.id)
    kept_boards = {board.id for board in kept.boards}
    merged_boards = sorted(board.id for board in merged.boards)
    added = [board for board in merged.boards if board.id not in kept_boards]
    kept.boards = sorted([*kept.boards, *added], key=lambda board: board.name)
    merged.boards = []
    moved["agency_boards"] = len(added)
    # Records merged into this one earlier now point at the one kept, so every chain is one step long.
    move("earlier_merges", update(Agency).where(Agency.merged_into_id == merged.id).values(merged_into_id=kept.id))
    merged.merged_into_id = kept.id
    session.flush()
    # The bulk updates went straight to the database: reload anything the session holds.
    session.expire_all()

    counts = ", ".join(f"{count} {label.replace('_', ' ')}" for label, count in moved.items() if count)
    audit.record(
        session,
        actor=actor,
        event="agency.merged",
        obj_type="agency",
        obj_id=kept.id,
        summary=f"Agency {merged.name} merged into {kept.name}" + (f": moved {counts}" if counts else ""),
        before={"agency_id": merged.id, "key": merged.key, "name": merged.name, "boards": merged_boards},
        after={"kept_agency_id": kept.id, "moved": moved},
    )
    return moved


# Reading ---------------------------------------------------------------------------------------------------


def holdings(session: Session, agency: Agency) -> dict[str, int]:
    """How much is recorded against an agency: what a merge would move."""

    def count(column) -> int:
        return session.execute(select(func.count()).where(column == agency.id)).scalar_one()

    return {
        "actions": count(Action.agency_id),
        "recommendations": count(Recommendation.agency_id),
        "people": count(User.agency_id),
        "invitations": count(Invitation.agency_id),
        "exercise items": count(ExerciseItem.agency_id),
        "agency returns": count(AgencyReturn.agency_id),
        "exercises": count(exercise_agencies.c.agency_id),
    }


def agencies_in_use(session: Session) -> list[Agency]:
    return list(session.execute(select(Agency).where(Agency.merged_into_id.is_(None)).order_by(Agency.name)).scalars())


def merged_agencies(session: Session) -> list[Agency]:
    return list(
        session.execute(select(Agency).where(Agency.merged_into_id.is_not(None)).order_by(Agency.name)).scalars()
    )


def all_boards(session: Session) -> list[Board]:
    return list(session.execute(select(Board).order_by(Board.name)).scalars())


def _move_participants(session: Session, merged_id: int, kept_id: int) -> int:
    """The kept agency takes part in every review that either did."""
    already = select(review_participants.c.review_id).where(review_participants.c.agency_id == kept_id)
    joining = list(
        session.execute(
            select(review_participants.c.review_id).where(
                review_participants.c.agency_id == merged_id, review_participants.c.review_id.not_in(already)
            )
        ).scalars()
    )
    if joining:
        session.execute(insert(review_participants), [{"review_id": r, "agency_id": kept_id} for r in joining])
    session.execute(delete(review_participants).where(review_participants.c.agency_id == merged_id))
    return len(joining)
