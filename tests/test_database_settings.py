"""Settings the application gives its database connections."""

import pytest
from sqlalchemy import text

from tracker.extensions import db


def test_postgresql_connections_run_without_jit(app):
    """JIT compilation cost a board's report 0.5 s of planning for statements that run in tens of ms
    (tracker/db.py, configure_postgresql); it stays off after the pool has rolled a connection back."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
        with db.engine.connect() as connection:
            connection.rollback()
            assert connection.execute(text("SHOW jit")).scalar_one() == "off"
        with db.engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar_one() == "off"
