"""Flask-Migrate, bound to the app without importing Alembic until a migration command needs it.

Alembic (with Mako) takes most of a second to import; a web worker never migrates, so it should not pay
for it at start-up. ``app.extensions["migrate"]`` and the ``flask db`` command group are stand-ins that
import Flask-Migrate on first use and then behave exactly as its own.
"""

from __future__ import annotations

import click
from flask import Flask


class _LazyMigrateConfig:
    """Stands in for Flask-Migrate's ``_MigrateConfig`` until an attribute is asked for."""

    def __init__(self, db, directory: str, options: dict):
        self._args = (db, directory, options)
        self._real = None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._real is None:
            from flask_migrate import Migrate, _MigrateConfig

            db, directory, options = self._args
            migrate = Migrate(db=db, directory=directory, **options)
            self._real = _MigrateConfig(migrate, db, **migrate.alembic_ctx_kwargs)
        return getattr(self._real, name)


class _LazyDbGroup(click.Group):
    """``flask db …``: Flask-Migrate's own command group, loaded when the command line asks for it.

    The whole group is handed over, not only its subcommands: its own callback reads ``--directory`` and
    ``--x-arg`` into ``g``, where every subcommand looks for them (without it ``flask db upgrade`` failed
    with ``AttributeError: directory``)."""

    @staticmethod
    def _group() -> click.Group:
        from flask_migrate.cli import db

        return db

    def list_commands(self, ctx):
        return self._group().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._group().get_command(ctx, name)

    def make_context(self, info_name, args, parent=None, **extra):
        return self._group().make_context(info_name, args, parent=parent, **extra)


def init_app(app: Flask, db, directory: str, **options) -> None:
    app.extensions["migrate"] = _LazyMigrateConfig(db, directory, options)
    app.cli.add_command(_LazyDbGroup("db", help="Perform database migrations (Flask-Migrate)."))
