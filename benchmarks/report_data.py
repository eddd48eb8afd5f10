"""The benchmarks' boards: reviews, recommendations, actions and their history, loaded in bulk.

``build_board`` makes one board (used by report_speed.py, page_speed.py and xlsx_speed.py). Rows are written
with COPY on PostgreSQL and multi-row INSERTs on SQLite: a million actions and a few million history entries
through SQLAlchemy's executemany took most of a build. The history's rows bypass the services, which write
each action's periods beside its history, so the periods are derived from the history (``periods.from_history``,
as migration 0009 does for existing data), a slice of the board's actions at a time so that memory stays flat,
and the rows that agree with them marked in step, as migration 0013 does.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import JSON, Table, insert, select
from sqlalchemy.orm import Session

from tracker.actions.models import Action
from tracker.actions.states import Status
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import Recommendation, Review, Theme, recommendation_themes, review_boards
from tracker.timeline import periods
from tracker.timeline.models import ActionPeriod

PASSWORD = "benchmark password that is long enough"  # noqa: S105 - a throwaway account on a benchmark database
STATUS_WEIGHTS = {
    Status.NOT_STARTED: 20,
    Status.IN_PROGRESS: 35,
    Status.SUBMITTED: 10,
    Status.RETURNED: 5,
    Status.ASSURED: 15,
    Status.EMBEDDED: 10,
    Status.CLOSED: 5,
}
BATCH = 10_000
# Actions whose periods are derived together: their history is read and replayed in one go.
PERIOD_SLICE = 50_000


def bulk_insert(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the session's transaction."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    # COPY takes text: JSON values are written as SQLAlchemy's JSON type would (None as JSON null).
    as_json = [isinstance(table.c[name].type, JSON) for name in columns]
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # names from the table itself
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[name]) if is_json else row[name]
                        for name, is_json in zip(columns, as_json, strict=True)
                    ]
                )
    finally:
        cursor.close()


def derive_periods(session: Session, action_ids: list[int]) -> int:
    """Write the periods of ``action_ids`` (which have none yet) from their history, as ``periods.rebuild``
    does for every action; returns how many were written. An action's periods follow from its own entries
    alone, so the actions are taken a slice at a time."""
    written = 0
    ordered = sorted(action_ids)
    for start in range(0, len(ordered), PERIOD_SLICE):
        part = ordered[start : start + PERIOD_SLICE]
        wanted = set(part)
        entries = session.execute(
            select(HistoryEntry.id, HistoryEntry.object_id, HistoryEntry.at, HistoryEntry.after)
            .where(HistoryEntry.object_type == "action", HistoryEntry.object_id.between(part[0], part[-1]))
            .order_by(HistoryEntry.id)
        )
        places = {
            action_id: {"review_id": review_id, "recommendation_id": recommendation_id, "agency_id": agency_id}
            for action_id, review_id, recommendation_id, agency_id in session.execute(
                select(Action.id, Action.review_id, Action.recommendation_id, Action.agency_id).where(
                    Action.id.between(part[0], part[-1])
                )
            )
        }
        rows = [{**p, **places[p["action_id"]]} for p in periods.from_history(entries) if p["action_id"] in wanted]
        for chunk in range(0, len(rows), BATCH * 10):
            bulk_insert(session, ActionPeriod.__table__, rows[chunk : chunk + BATCH * 10])
        written += len(rows)
    return written


def build_board(
    key: str, actions: int, history: int, rng: random.Random, today: date, *, member: bool = True
) -> tuple[int, str]:
    """A board with ``actions`` actions (50 reviews of 10 recommendations per 50,000, every status, due dates
    around today) and ``history`` history entries about them; returns its id and the e-mail of a member who
    can sign in (made only when ``member``: hashing a password costs a noticeable part of a small board)."""
    session = db.session
    board = Board(key=key, name=f"Benchmark board {key}")
    session.add(board)
    session.flush()
    agencies = list(session.execute(select(Agency.id)).scalars())
    themes = list(session.execute(select(Theme.id)).scalars())
    leads = []
    for i, agency_id in enumerate(agencies):
        lead = User(
            email=f"lead{i}@{key}.invalid",
            name=f"Lead {i} of {key}",
            role="agency_lead",
            password_hash="!",  # noqa: S106 - no usable password: these leads never sign in
            agency_id=agency_id,
        )
        session.add(lead)
        leads.append(lead)
    session.flush()
    lead_of = {lead.agency_id: lead.id for lead in leads}

    reviews_count = max(actions // 1000, 1)
    recommendations = []
    for r in range(reviews_count):
        review = Review(
            ref=f"{key}-review-{r}",
            title=f"Benchmark review {r} of {key}",
            child=f"Child {r}",
            review_type="Serious Case Review",
            report_date=today - timedelta(days=30 * r),
        )
        session.add(review)
        session.flush()
        session.execute(insert(review_boards).values(review_id=review.id, board_id=board.id))
        for n in range(10):
            rec = Recommendation(
                review_id=review.id,
                ref=str(n + 1),
                position=n + 1,
                addressed_to="board",
                kind="board",
                text=f"Recommendation {n + 1} of benchmark review {r}: " + "word " * 40,
                response=rng.choice([None, "accepted", "accepted_in_part"]),
            )
            session.add(rec)
            recommendations.append((review.id, rec))
    session.flush()
    links = {(rec.id, theme) for _, rec in recommendations for theme in rng.sample(themes, rng.randint(1, 3))}
    session.execute(insert(recommendation_themes), [{"recommendation_id": r, "theme_id": t} for r, t in links])

    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    now = datetime.now(UTC)
    rows = []
    for i in range(actions):
        review_id, rec = recommendations[i % len(recommendations)]
        agency_id = rng.choice(agencies)
        status = rng.choices(statuses, weights)[0]
        due = None if rng.random() < 0.15 else today + timedelta(days=rng.randint(-200, 300))
        rows.append(
            {
                "review_id": review_id,
                "recommendation_id": None if rng.random() < 0.05 else rec.id,
                "agency_id": agency_id,
                "text": f"Benchmark action {i}: " + "the agency will do something useful " * 4,
                "source_paragraphs": [],
                "reported_progress": "not_stated",
                "themes": [],
                "owner_id": lead_of[agency_id] if rng.random() < 0.8 else None,
                "due_date": due,
                "original_due_date": due,
                "status": status.value,
                "closed_reason": "Superseded" if status == Status.CLOSED else None,
                "recheck_due": today + timedelta(days=rng.randint(-30, 180))
                if status in (Status.ASSURED, Status.EMBEDDED) and rng.random() < 0.7
                else None,
                "created_at": now - timedelta(days=400),
                "updated_at": now,
                "version": 1,
            }
        )
        if len(rows) == BATCH:
            bulk_insert(session, Action.__table__, rows)
            rows = []
    bulk_insert(session, Action.__table__, rows)
    made = session.execute(
        select(Action.id, Action.status, Action.due_date, Action.owner_id, Action.recheck_due).where(
            Action.review_id.in_(select(review_boards.c.review_id).where(review_boards.c.board_id == board.id))
        )
    ).all()
    ids = [row.id for row in made]
    name_of = {lead.id: lead.name for lead in leads}

    per_action = max(history // max(len(ids), 1), 1)
    entries, written = [], 0
    for action_id, status_now, due, owner_id, recheck_due in made:
        # Each action's changes a month apart, its last one from about nine months to a month ago whatever
        # their number: about a quarter of the actions changed in the 90 days before the "as at" date measured.
        # The history says what the row says, as the services' would: created with its due date and owner,
        # its statuses in turn, the last one the row's (with its re-check date).
        start = now - timedelta(days=95 - rng.randint(-180, 60) + (per_action - 1) * 30)
        for step in range(per_action):
            written += 1
            if step == 0:
                event = "action.created"
                after = {"due_date": due.isoformat() if due else None, "owner": name_of.get(owner_id, "nobody")}
            else:
                last = step == per_action - 1
                event = "action.status"
                after = {"status": status_now if last else statuses[step % len(statuses)].value}
                if last and recheck_due is not None:
                    after["recheck_due"] = recheck_due.isoformat()
            entries.append(
                {
                    "at": start + timedelta(days=step * 30, seconds=written),
                    "actor_label": "benchmark",
                    "event": event,
                    "object_type": "action",
                    "object_id": action_id,
                    "summary": "Status changed",
                    "before": {"status": "not_started"},
                    "after": {**after, "version": step + 1},
                    "prev_hash": f"{key}-prev-{written}",
                    "entry_hash": f"{key}-hash-{written}",
                }
            )
            if len(entries) == BATCH:
                bulk_insert(session, HistoryEntry.__table__, entries)
                entries = []
    bulk_insert(session, HistoryEntry.__table__, entries)
    if history:
        derive_periods(session, ids)
        # As migration 0013 marks existing data: each row that stands as its open period says is in step.
        periods.mark_in_step_where_they_agree(session, Action.__table__, ActionPeriod.__table__, User.__table__)
    email = f"member@{key}.invalid"
    if member:
        create_user(
            session, email=email, name=f"Member of {key}", role="board_member", password=PASSWORD, board_keys=[key]
        )
    session.commit()
    return board.id, email
