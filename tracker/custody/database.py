"""Consistent copies of the database, and the facts that describe one (row counts, history head, file rows).

SQLite is copied with the online backup API in one step, so the copy is one moment of the database even
while others write (copying the file itself can give a torn, corrupt copy). PostgreSQL is dumped by
``pg_dump -Fc`` inside an exported snapshot, and the facts are read in that same snapshot, so they describe
exactly what the dump holds.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"

Query = Callable[[str], list[tuple]]


class DatabaseCopyFailed(RuntimeError):
    pass


@dataclass
class Facts:
    tables: dict[str, int]
    history_entries: int
    history_head_id: int | None
    history_head_hash: str | None
    files: list[dict]
    revision: str | None
    triggers: list[str]  # the append-only guards on the history and sign-offs, among others

    def as_json(self) -> dict:
        return {
            "tables": self.tables,
            "history": {
                "entries": self.history_entries,
                "head_id": self.history_head_id,
                "head_hash": self.history_head_hash,
            },
            "alembic_revision": self.revision,
            "triggers": self.triggers,
        }


def read_facts(query: Query, table_names: list[str], triggers: list[str]) -> Facts:
    tables = {name: query(f'SELECT COUNT(*) FROM "{name}"')[0][0] for name in sorted(table_names)}  # noqa: S608 - names from the catalogue
    head = query("SELECT id, entry_hash FROM history ORDER BY id DESC LIMIT 1") if "history" in tables else []
    rows = (
        query("SELECT storage_key, size, sha256 FROM evidence_files ORDER BY id") if "evidence_files" in tables else []
    )
    revision = query("SELECT version_num FROM alembic_version") if "alembic_version" in tables else []
    return Facts(
        tables=tables,
        history_entries=tables.get("history", 0),
        history_head_id=head[0][0] if head else None,
        history_head_hash=head[0][1] if head else None,
        files=[{"key": key, "size": size, "sha256": sha} for key, size, sha in rows],
        revision=revision[0][0] if revision else None,
        triggers=sorted(triggers),
    )


# SQLite ---------------------------------------------------------------------------------------------------


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in rows]


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise DatabaseCopyFailed("Only a SQLite database in a file can be backed up or restored")
    return Path(database)


def sqlite_copy(engine: Engine, target: Path) -> Facts:
    source = sqlite3.connect(sqlite_path(engine), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one moment of the database
        return sqlite_facts(copy)
    finally:
        copy.close()
        source.close()


def sqlite_facts(connection: sqlite3.Connection) -> Facts:
    triggers = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    return read_facts(lambda sql: connection.execute(sql).fetchall(), _sqlite_tables(connection), triggers)


def sqlite_is_empty(engine: Engine) -> bool:
    path = sqlite_path(engine)
    if not path.exists():
        return True
    connection = sqlite3.connect(path)
    try:
        return not _sqlite_tables(connection)
    finally:
        connection.close()


def sqlite_load(engine: Engine, source_file: Path) -> None:
    engine.dispose()
    target_path = sqlite_path(engine)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_file)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
        problems = target.execute("PRAGMA integrity_check").fetchall()
        if problems != [("ok",)]:
            raise DatabaseCopyFailed(f"The restored SQLite database fails its integrity check: {problems[:5]}")
    finally:
        target.close()
        source.close()


def sqlite_restored_facts(engine: Engine) -> Facts:
    connection = sqlite3.connect(sqlite_path(engine))
    try:
        return sqlite_facts(connection)
    finally:
        connection.close()


# PostgreSQL -----------------------------------------------------------------------------------------------


def _libpq_environment(engine: Engine) -> dict[str, str]:
    """The connection as libpq environment variables, so that no password appears in a process list."""
    url = make_url(engine.url)
    environment = dict(os.environ)
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            environment[variable] = str(value)
    return environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseCopyFailed(f"{name} is needed for PostgreSQL backups: install the PostgreSQL client tools")
    return found


def _run(command: list[str], engine: Engine) -> None:
    done = subprocess.run(command, env=_libpq_environment(engine), capture_output=True, text=True, check=False)  # noqa: S603 - fixed tools, our arguments
    if done.returncode != 0:
        raise DatabaseCopyFailed(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


_PG_TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
)
_PG_TRIGGERS = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[tuple[str, Query, list[str], list[str]]]:
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()

            def query(sql: str) -> list[tuple]:
                return [tuple(row) for row in connection.exec_driver_sql(sql).fetchall()]

            yield snapshot, query, [name for (name,) in query(_PG_TABLES)], [name for (name,) in query(_PG_TRIGGERS)]


def postgres_copy(engine: Engine, target: Path) -> Facts:
    with _snapshot(engine) as (snapshot, query, tables, triggers):
        facts = read_facts(query, tables, triggers)
        _run([_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={target}"], engine)
    return facts


def postgres_is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        return not connection.exec_driver_sql(_PG_TABLES).fetchall()


def postgres_clear(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")


def postgres_load(engine: Engine, dump: Path) -> None:
    engine.dispose()
    command = [_tool("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]
    _run([*command, f"--dbname={make_url(engine.url).database}", str(dump)], engine)


def postgres_restored_facts(engine: Engine) -> Facts:
    with _snapshot(engine) as (_snapshot_id, query, tables, triggers):
        return read_facts(query, tables, triggers)


# Either ---------------------------------------------------------------------------------------------------


def copy_database(engine: Engine, folder: Path) -> tuple[str, Facts]:
    """Write a consistent copy of the database into ``folder``; the copy's file name and its facts."""
    if engine.dialect.name == "sqlite":
        return SQLITE_FILE, sqlite_copy(engine, folder / SQLITE_FILE)
    if engine.dialect.name == "postgresql":
        return POSTGRES_FILE, postgres_copy(engine, folder / POSTGRES_FILE)
    raise DatabaseCopyFailed(f"Backups of {engine.dialect.name} databases are not supported")


def is_empty(engine: Engine) -> bool:
    return sqlite_is_empty(engine) if engine.dialect.name == "sqlite" else postgres_is_empty(engine)


def clear(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        engine.dispose()
        path = sqlite_path(engine)
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
    else:
        postgres_clear(engine)


def load_database(engine: Engine, file: Path) -> Facts:
    """Load a copy into the (empty) database and read back its facts."""
    if engine.dialect.name == "sqlite":
        sqlite_load(engine, file)
        return sqlite_restored_facts(engine)
    postgres_load(engine, file)
    return postgres_restored_facts(engine)
