"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database, file storage and job broker
reachable, database migrations at head), for load balancers and orchestrators.

Both answer without sign-in and say only "ok" or "not ready": what failed goes to the log, never to the
response, so the endpoints tell an attacker nothing about the deployment.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from flask import Blueprint
from sqlalchemy import text

from tracker import files
from tracker.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"
PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    from alembic.script import ScriptDirectory  # Alembic costs a worker half a second at start: asked here once

    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def _database() -> None:
    applied = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    db.session.rollback()
    if applied != migration_heads():
        raise RuntimeError(f"database at {sorted(applied)}, code at {sorted(migration_heads())}")


def _storage() -> None:
    files.current_store().ping()


def _broker() -> None:
    from tracker.jobs.queue import ping_broker

    ping_broker()


CHECKS = {"database": _database, "storage": _storage, "broker": _broker}


def failed_checks() -> list[str]:
    failed = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # every failure means "not ready"; the log says which and why
            log.warning("Readiness check %s failed", name, exc_info=True)
            failed.append(name)
    return failed


@bp.route("/healthz")
def healthz():
    return "ok\n", 200, PLAIN


@bp.route("/readyz")
def readyz():
    if failed_checks():
        return "not ready\n", 503, {**PLAIN, "Retry-After": "10"}
    return "ok\n", 200, PLAIN
