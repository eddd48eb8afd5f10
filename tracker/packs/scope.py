"""What an evidence pack covers: a whole board, one review or one agency, and optionally a date range.

A scope carries the boards it belongs to (for ``permissions.can_export_pack``) and the reach of the person
making it: an agency's pack made by an auditor holds only that agency's actions in the auditor's boards.
The command line makes packs with no reach limit. The queries that turn a scope into rows are in
``queries.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors_domain import DomainError
from tracker.orgs.models import Agency, Board, agency_boards
from tracker.permissions import board_ids_in_reach, can_export_pack
from tracker.reviews.models import Review
from tracker.reviews.queries import visible_reviews_query

KINDS = {"board": "A whole board", "review": "One review", "agency": "One agency"}

REASON_MAX = 500  # the reason given for a pack, in characters (the form's limit and the service's)


@dataclass(frozen=True)
class PackScope:
    kind: str  # "board", "review" or "agency"
    id: int
    key: str  # the board's key, the review's reference or the agency's key: what the command line takes
    name: str
    board_ids: frozenset[int]
    # The boards whose reviews the pack may draw on; None means every board (admins, the command line).
    reach: frozenset[int] | None = None

    @property
    def label(self) -> str:
        return {"board": "the board", "review": "the review", "agency": "the agency"}[self.kind] + f" {self.name}"


@dataclass(frozen=True)
class Period:
    """An optional date range, both ends included: history, sign-offs and evidence (by the date it relates
    to) outside it are left out of the pack."""

    start: date | None = None
    end: date | None = None

    @property
    def is_limited(self) -> bool:
        return self.start is not None or self.end is not None

    def start_at(self) -> datetime | None:
        return datetime.combine(self.start, time.min, tzinfo=UTC) if self.start else None

    def end_before(self) -> datetime | None:
        """The first moment after the range (UTC), for a half-open comparison with timestamps."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC) if self.end else None

    def in_words(self) -> str:
        if self.start and self.end:
            return f"from {self.start.isoformat()} to {self.end.isoformat()}"
        if self.start:
            return f"from {self.start.isoformat()}"
        if self.end:
            return f"up to {self.end.isoformat()}"
        return "all dates"


def _reach(reach: set[int] | None) -> frozenset[int] | None:
    return None if reach is None else frozenset(reach)


def of_board(board: Board, reach: set[int] | None = None) -> PackScope:
    return PackScope("board", board.id, board.key, board.name, frozenset({board.id}), _reach(reach))


def of_review(review: Review, reach: set[int] | None = None) -> PackScope:
    ids = frozenset(board.id for board in review.boards)
    return PackScope("review", review.id, review.ref, review.title, ids, _reach(reach))


def of_agency(agency: Agency, reach: set[int] | None = None) -> PackScope:
    ids = frozenset(board.id for board in agency.boards)
    return PackScope("agency", agency.id, agency.key, agency.name, ids, _reach(reach))


def by_key(session: Session, kind: str, key: str) -> PackScope:
    """The scope named on the command line (board key, review reference or agency key), with no reach limit."""
    model, column, words = {
        "board": (Board, Board.key, "board with the key"),
        "review": (Review, Review.ref, "review with the reference"),
        "agency": (Agency, Agency.key, "agency with the key"),
    }[kind]
    found = session.execute(select(model).where(column == key)).scalar_one_or_none()
    if found is None:
        raise DomainError(f"There is no {words} “{key}”", field=kind)
    if kind == "agency" and found.merged_into_id is not None:
        kept = session.get(Agency, found.merged_into_id)
        raise DomainError(f"The agency “{key}” was merged into “{kept.key}”: make the pack for that one", field=kind)
    return {"board": of_board, "review": of_review, "agency": of_agency}[kind](found)


# What a person may choose ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    boards: list[Board]
    reviews: list[Review]
    agencies: list[Agency]


def choices_for(session: Session, user) -> Choices:
    """The boards, reviews and agencies the user may make a pack for (three queries)."""
    reach = board_ids_in_reach(user)
    boards = select(Board).order_by(Board.name)
    agencies = select(Agency).where(Agency.merged_into_id.is_(None)).order_by(Agency.name)
    if reach is not None:
        boards = boards.where(Board.id.in_(reach))
        serving = select(agency_boards.c.agency_id).where(agency_boards.c.board_id.in_(reach))
        agencies = agencies.where(Agency.id.in_(serving))
    reviews = visible_reviews_query(user)
    return Choices(
        boards=list(session.execute(boards).scalars()),
        reviews=list(session.execute(reviews).scalars()),
        agencies=list(session.execute(agencies).scalars()),
    )


def chosen(session: Session, user, kind: str, object_id: int) -> PackScope | None:
    """The scope the user chose, or None when it does not exist or is out of their reach."""
    model = {"board": Board, "review": Review, "agency": Agency}.get(kind)
    found = session.get(model, object_id) if model else None
    if found is None:
        return None
    reach = board_ids_in_reach(user)
    made = {"board": of_board, "review": of_review, "agency": of_agency}[kind](found, reach)
    return made if can_export_pack(user, made) else None
