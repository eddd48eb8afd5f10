"""Review Action Tracker: the application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from tracker.config import CONFIGS, check_production_settings
from tracker.evidence.incoming import StreamingUploadRequest
from tracker.extensions import csrf, db, login_manager
from tracker.proxies import trust_proxies

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    env_name = (config or {}).get("ENV_NAME") or os.environ.get("TRACKER_ENV", "production")
    app = Flask(
        __name__,
        static_folder=str(ROOT / "tracker" / "static"),
        static_url_path="/assets",
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.request_class = StreamingUploadRequest  # evidence uploads stream into storage (evidence/incoming.py)
    app.config.from_object(CONFIGS[env_name])
    app.config.from_prefixed_env("TRACKER")
    if config:
        app.config.update(config)
    if app.config["ENV_NAME"] == "production":
        check_production_settings(app.config)
    trust_proxies(app, int(app.config.get("TRUSTED_PROXY_COUNT") or 0))  # the real client address

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _init_database(app)
    _init_templates(app)
    _init_auth(app)
    from tracker import ids

    ids.init_app(app)  # the <id:...> converter, before any route uses it
    _register_blueprints(app)

    from tracker import cli, errors, security
    from tracker.jobs import queue
    from tracker.ops import logs

    logs.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    queue.init_app(app)
    return app


def _init_database(app: Flask) -> None:
    # Import the models so that every table is known to the metadata (and to Alembic).
    from tracker import (
        migrations_lazy,
        models,  # noqa: F401
    )
    from tracker.db import configure_postgresql, configure_sqlite
    from tracker.text import install_flush_guard

    install_flush_guard()

    db.init_app(app)
    migrations_lazy.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            configure_sqlite(db.engine)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        with app.app_context():
            configure_postgresql(db.engine)


def _init_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    from tracker import template_helpers

    template_helpers.init_app(app)


def _init_auth(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from tracker.auth.sessions import load_user_by_session_token

    login_manager.user_loader(load_user_by_session_token)


def _register_blueprints(app: Flask) -> None:
    from tracker.actions.views import bp as actions_bp
    from tracker.assurance.exercise_views import bp as exercises_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.evidence.views import bp as evidence_bp
    from tracker.exports.views import bp as exports_bp
    from tracker.packs.views import bp as packs_bp
    from tracker.reports.views import bp as reports_bp
    from tracker.reviews.views import bp as reviews_bp
    from tracker.spreadsheets.views import bp as spreadsheets_bp

    for blueprint in (
        auth_bp,
        reviews_bp,
        actions_bp,
        evidence_bp,
        exercises_bp,
        exports_bp,
        reports_bp,
        packs_bp,
        spreadsheets_bp,
    ):
        app.register_blueprint(blueprint)
    from tracker.orgs.views import bp as orgs_bp
    from tracker.people.views import bp as people_bp

    app.register_blueprint(people_bp)
    app.register_blueprint(orgs_bp)
    from tracker.jobs.views import bp as jobs_bp
    from tracker.ops.health import bp as ops_bp

    app.register_blueprint(jobs_bp)
    app.register_blueprint(ops_bp)
    from tracker.report_text.views import bp as report_text_bp

    app.register_blueprint(report_text_bp)
    from tracker.importer.views import bp as importer_bp

    app.register_blueprint(importer_bp)
    from tracker.home.views import bp as home_bp

    app.register_blueprint(home_bp)
