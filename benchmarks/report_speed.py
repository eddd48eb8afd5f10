"""How fast a board's assurance report page renders on a big board, and whether its query count grows.

Builds a temporary SQLite database (migrated, seeded for agencies and themes), then bulk-inserts a board with
50,000 actions (50 reviews of 10 recommendations, every status, due dates around today) and 500,000 history
entries about them, and a second board of 5,000 actions built the same way. Times the board report page
through the Flask test client, signed in as a member of the board (one warm-up request, then the median of
several), and counts the SQL statements each request runs on both boards. The promises: under 150 ms, under
200 KiB of HTML, and the same number of queries for 5,000 actions as for 50,000. The page is also timed
against the bare SQL of the figures it shows: its own statements, captured from one request and replayed on
a raw connection (every row fetched), interleaved with the page (target: the page at most 1.5 times that).

    .venv/bin/python benchmarks/report_speed.py [--actions 50000] [--history 500000] [--runs 7] [--keep PATH]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/tracker_i12]

SQLite (a temporary file) by default; with --database-url, that PostgreSQL database, whose contents are
dropped first (give it a database of its own). With --keep, the SQLite file is kept at PATH, and a later run
given the same PATH measures it again without rebuilding it.

History rows carry unique dummy hashes: the chain is not verified here. The report "as at a past date"
(90 days ago; from the action periods, derived from the history as migration 0010 does; about a quarter of
the actions changed since) is timed against the live report, interleaved, and printed as a ratio (target: at
most 1.5), with how many actions changed since.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, insert, select  # noqa: E402

from tracker import clock, create_app  # noqa: E402
from tracker.actions.models import Action  # noqa: E402
from tracker.actions.states import Status  # noqa: E402
from tracker.audit import HistoryEntry  # noqa: E402
from tracker.auth.models import User  # noqa: E402
from tracker.auth.services import create_user  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.orgs.models import Agency, Board  # noqa: E402
from tracker.reports import asat  # noqa: E402
from tracker.reviews.models import Recommendation, Review, Theme, recommendation_themes, review_boards  # noqa: E402
from tracker.seeding.loader import load_seeds  # noqa: E402
from tracker.timeline import periods  # noqa: E402
from tracker.timeline import queries as timeline  # noqa: E402

PASSWORD = "benchmark password that is long enough"  # noqa: S105 - a throwaway account on a temporary database
TARGET_MS = 150
TARGET_KIB = 200
TARGET_SQL_RATIO = 1.5
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


def build_board(key: str, actions: int, history: int, rng: random.Random, today: date) -> tuple[int, str]:
    """A board with ``actions`` actions (and ``history`` history entries about them); returns its id and the
    e-mail of a member who can sign in."""
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
            session.execute(insert(Action.__table__), rows)
            rows = []
    if rows:
        session.execute(insert(Action.__table__), rows)
    made = session.execute(
        select(Action.id, Action.status, Action.due_date, Action.owner_id, Action.recheck_due).where(
            Action.review_id.in_(select(review_boards.c.review_id).where(review_boards.c.board_id == board.id))
        )
    ).all()
    name_of = {lead.id: lead.name for lead in leads}

    per_action = max(history // max(len(made), 1), 1)
    entries, written = [], 0
    for action_id, status_now, due, owner_id, recheck_due in made:
        # Each action's changes a month apart, its last one from about nine months to a month ago: about a
        # quarter of the actions changed in the 90 days before the "as at" date measured below. The history
        # says what the row says, as the services' would: created with its due date and owner, its statuses
        # in turn, the last one the row's (with its re-check date).
        start = now - timedelta(days=365 - rng.randint(-180, 60))
        for step in range(per_action):
            written += 1
            if step == 0:
                event, after = "action.created", {"due_date": due.isoformat() if due else None}
                after["owner"] = name_of.get(owner_id, "nobody")
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
                session.execute(insert(HistoryEntry.__table__), entries)
                entries = []
    if entries:
        session.execute(insert(HistoryEntry.__table__), entries)
    if history:
        # The rows above bypass the services, which write each action's periods beside its history: derive
        # them from the history, as migration 0009 does for existing data (and mark the rows in step with
        # them, as migration 0013 does).
        periods.rebuild(session)
    email = f"member@{key}.invalid"
    create_user(session, email=email, name=f"Member of {key}", role="board_member", password=PASSWORD, board_keys=[key])
    session.commit()
    return board.id, email


def board_reviews(board_id: int):
    return select(review_boards.c.review_id).where(review_boards.c.board_id == board_id)


def kept_board(key: str) -> tuple[int, str]:
    """The id and member of a board ``build_board`` made in a database kept from an earlier run."""
    board_id = db.session.execute(select(Board.id).where(Board.key == key)).scalar_one()
    return board_id, f"member@{key}.invalid"


def measure(app, board_id: int, email: str, runs: int, query: str = "") -> tuple[list[float], list[float], int, int]:
    """Wall-clock and CPU milliseconds of ``runs`` requests after a warm-up, the statements the warm-up ran,
    and the page's size. (SQLite runs in this process, so CPU time is what the request costs when the
    machine is otherwise idle.)"""
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    url = f"/reports/boards/{board_id}{query}"
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)  # warm up (and count)
        count = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, response.status_code
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    return timings, cpu, count, len(response.data)


def page_statements(app, board_id: int, email: str) -> list[tuple[str, object]]:
    """The SQL statements (with their parameters) one request for the board's report runs."""
    client = app.test_client()
    client.post("/sign-in", data={"email": email, "password": PASSWORD})
    with app.app_context():
        engine = db.engine
    captured = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        assert client.get(f"/reports/boards/{board_id}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return captured


def replay(app, statements: list[tuple[str, object]]) -> float:
    """Milliseconds to run ``statements`` again on a raw connection, fetching every row: the bare SQL."""
    with app.app_context():
        raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        elapsed = (time.perf_counter() - started) * 1000
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=50_000)
    parser.add_argument("--history", type=int, default=500_000)
    parser.add_argument("--small", type=int, default=5_000, help="actions on the board compared for query count")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", help="a PostgreSQL database to use (emptied first); SQLite if not given")
    parser.add_argument(
        "--keep",
        metavar="PATH",
        help="SQLite: build the database at PATH and keep it; if PATH exists, measure it as it is (not rebuilt)",
    )
    args = parser.parse_args()
    logging.disable(logging.INFO)
    rng = random.Random(4)  # noqa: S311 - shapes test data, not secrets

    keep = Path(args.keep).resolve() if args.keep else None
    reuse = keep is not None and keep.exists()
    with tempfile.TemporaryDirectory(prefix="report-speed-") as tmp:
        app = create_app(
            {
                "ENV_NAME": "test",
                "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{keep or f'{tmp}/benchmark.sqlite3'}",
                "WTF_CSRF_ENABLED": False,
                "SEEDS_DIR": str(ROOT / "seeds"),
                "EVIDENCE_STORAGE_DIR": f"{tmp}/evidence",
            }
        )
        today = clock.today()
        started = time.perf_counter()
        with app.app_context():
            if reuse:
                (big_id, big_email), (small_id, small_email) = kept_board("big"), kept_board("small")
            else:
                if db.engine.dialect.name == "postgresql":
                    with db.engine.begin() as connection:
                        connection.execute(db.text("DROP SCHEMA public CASCADE"))
                        connection.execute(db.text("CREATE SCHEMA public"))
                upgrade()
                load_seeds(db.session, ROOT / "seeds")
                db.session.commit()
                big_id, big_email = build_board("big", args.actions, args.history, rng, today)
                small_id, small_email = build_board("small", args.small, args.small * 10, rng, today)
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
            db.session.remove()
        print(f"Database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
        if reuse:
            print(f"Reused the database kept at {keep} (built with the sizes given when it was kept)")
        else:
            print(
                f"Built {args.actions:,} actions and {args.history:,} history entries on one board, "
                f"and {args.small:,} actions on another, in {time.perf_counter() - started:.0f} s"
            )

        timings, cpu, big_queries, size = measure(app, big_id, big_email, args.runs)
        _, _, small_queries, _ = measure(app, small_id, small_email, 1)
        median = statistics.median(timings)
        print(
            f"Board report page, {args.actions:,} actions: median {median:.0f} ms over {args.runs} runs "
            f"(min {min(timings):.0f}, max {max(timings):.0f}; CPU median {statistics.median(cpu):.0f} ms); "
            f"{size / 1024:.0f} KiB of HTML"
        )
        print(f"Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(
            f"SQL statements per request: {big_queries} with {args.actions:,} actions, "
            f"{small_queries} with {args.small:,} (sign-in check included)"
        )
        # "As at" against the live report, interleaved (live, as at, live, as at …) so the load hits both alike.
        as_at = (today - timedelta(days=90)).isoformat()
        live_runs, past_runs, past_queries = [], [], 0
        for _ in range(max(args.runs // 2, 2)):
            live_runs += measure(app, big_id, big_email, 1)[0]
            past, _, past_queries, _ = measure(app, big_id, big_email, 1, f"?as_at={as_at}")
            past_runs += past
        live_median, past_median = statistics.median(live_runs), statistics.median(past_runs)
        with app.app_context():
            since = timeline.rows_differing(asat.end_of_day(date.fromisoformat(as_at))).subquery()
            changed = db.session.execute(
                select(func.count())
                .select_from(Action)
                .where(Action.review_id.in_(board_reviews(big_id)))
                .where(Action.id.in_(select(since.c[0])))
            ).scalar_one()
        print(
            f"As at {as_at} (from the action periods; {changed:,} of the {args.actions:,} actions changed since): "
            f"median {past_median:.0f} ms, {past_queries} statements; live in the same runs {live_median:.0f} ms: "
            f"ratio {past_median / live_median:.2f} (target <= 1.5)"
        )

        # The page against the bare SQL it runs, interleaved (page, SQL, page, SQL …).
        statements = page_statements(app, big_id, big_email)
        page_runs, sql_runs = [], []
        for _ in range(args.runs):
            page_runs += measure(app, big_id, big_email, 1)[0]
            sql_runs.append(replay(app, statements))
        page_median, sql_median = statistics.median(page_runs), statistics.median(sql_runs)
        ratio = page_median / sql_median if sql_median else float("inf")
        print(
            f"Bare SQL of the page ({len(statements)} statements replayed, every row fetched): median "
            f"{sql_median:.0f} ms; the page in the same runs {page_median:.0f} ms: ratio {ratio:.2f} "
            f"(target <= {TARGET_SQL_RATIO})"
        )

        fast = median < TARGET_MS
        small = size / 1024 < TARGET_KIB
        flat = big_queries == small_queries
        bare = ratio <= TARGET_SQL_RATIO
        print(f"Under {TARGET_MS} ms: {'yes' if fast else 'NO'}")
        print(f"Under {TARGET_KIB} KiB of HTML: {'yes' if small else 'NO'}")
        print(f"At most {TARGET_SQL_RATIO} times the bare SQL: {'yes' if bare else 'NO'}")
        print(f"Query count does not grow with the data: {'yes' if flat else 'NO'}")
        return 0 if fast and small and flat and bare else 1


if __name__ == "__main__":
    sys.exit(main())
