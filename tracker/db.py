"""The declarative base, with a naming convention so that constraint names are stable in migrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(timezone=True), dict: JSON, list: JSON},
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


# Requests with these methods change nothing as a rule, so their transactions start without the write lock.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE_LOCK = "sqlite_write_lock"


def _reads_only() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method in READ_METHODS


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave like the production database where it matters.

    pysqlite starts transactions lazily and never for DDL or SAVEPOINT; taking over BEGIN makes
    transactions (and the tests' savepoints) real. A transaction that may write (a POST, the command line, a
    test) starts with BEGIN IMMEDIATE, which takes the write lock at the start, so two transactions can never
    both read the history's last entry and then race to append after it (in WAL mode a reader cannot become a
    writer once another has committed). A GET's transaction starts with a plain BEGIN, so readers never queue
    for the write lock; should it write after all (a download written to the history), ``take_write_lock``
    restarts it as BEGIN IMMEDIATE before its first write. Foreign keys are off per connection by default.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        writes = not _reads_only()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
        connection.info[_WRITE_LOCK] = writes

    @event.listens_for(engine, "savepoint")
    def _on_savepoint(connection, _name):
        # A savepoint inside a read transaction cannot survive a restart: take the lock now instead.
        take_write_lock(connection)


def configure_postgresql(engine: Engine) -> None:
    """Turn PostgreSQL's JIT compilation off for the application's connections.

    The planner's estimates for the report's grouped counts and for the actions' themes opened from JSON run
    to millions of rows (it cannot see how few actions carry a theme), which is past ``jit_above_cost``; on a
    board of 50,000 actions compiling those statements took 215 ms of a 230 ms statement, and the page's SQL
    went from 165 ms to 710 ms (benchmarks/report_speed.py). The application's statements are short reads
    and small writes, which JIT never pays back."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off")
        cursor.close()
        # Committed, so that the first transaction's rollback (the pool's reset) does not undo it.
        dbapi_connection.commit()


def take_write_lock(connection: Connection) -> None:
    """Before the first write of a transaction that started without SQLite's write lock: end the read
    transaction (it has written nothing) and start again with BEGIN IMMEDIATE. What the request read before
    stays read (as under PostgreSQL's READ COMMITTED); every write and every read after this point is
    serialised with the other writers. No-op on other databases and when the lock is already held."""
    if connection.dialect.name != "sqlite" or connection.info.get(_WRITE_LOCK, True):
        return
    connection.exec_driver_sql("ROLLBACK")
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    connection.info[_WRITE_LOCK] = True


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances):
    if (session.new or session.dirty or session.deleted) and session.get_bind().dialect.name == "sqlite":
        take_write_lock(session.connection())
