"""A database of the suite's kind (SQLite, or PostgreSQL with DATABASE_URL) that these tests may commit to,
seeded once, with an agency lead and a police action to record evidence against, and its own storage."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.conftest import PASSWORD, SEEDS_DIR, make_app, scratch_database
from tracker.actions.models import Action
from tracker.actions.states import Status
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.evidence import services
from tracker.extensions import db
from tracker.files import FileStore, FolderStore
from tracker.orgs.models import Agency
from tracker.seeding.loader import load_seeds

LEAD = "custody.lead@test.invalid"


@dataclass
class Source:
    app: Flask
    url: str
    storage: Path  # the evidence folder (unused when the app keeps its files in S3)
    action_id: int
    store: FileStore


@contextlib.contextmanager
def seeded_source(tmp: Path, store: FileStore, **config):
    with scratch_database(tmp) as url:
        app = make_app(tmp, SQLALCHEMY_DATABASE_URI=url, EVIDENCE_STORAGE_DIR=str(tmp / "evidence"), **config)
        with app.app_context():
            upgrade()
            load_seeds(db.session, SEEDS_DIR)
            create_user(
                db.session,
                email=LEAD,
                name="Custody Lead",
                role="agency_lead",
                password=PASSWORD,
                agency_key="thames-valley-police",
            )
            police = select(Action.id).join(Agency, Action.agency_id == Agency.id)
            open_to_evidence = police.where(
                Agency.key == "thames-valley-police", Action.status.in_([Status.NOT_STARTED, Status.IN_PROGRESS])
            )
            action_id = db.session.execute(open_to_evidence.order_by(Action.id).limit(1)).scalar_one()
            db.session.commit()
            db.session.remove()
        yield Source(app, url, tmp / "evidence", action_id, store)


@pytest.fixture(scope="session")
def source(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("custody")
    with seeded_source(tmp, FolderStore(tmp / "evidence")) as made:
        yield made


@pytest.fixture(scope="session")
def s3_source(tmp_path_factory, s3_server):
    """A source whose app keeps its evidence in the S3 server, under a prefix of its own."""
    store = s3_server.store()
    config = {**s3_server.config(s3_server.bucket), "S3_PREFIX": store.prefix}
    with seeded_source(tmp_path_factory.mktemp("custody-s3"), store, **config) as made:
        yield made


def add_evidence(source: Source, number: int) -> None:
    """Record one evidence item with one small file, and commit (call inside an app context)."""
    lead = db.session.execute(select(User).where(User.email == LEAD)).scalar_one()
    upload = FileStorage(io.BytesIO(f"Note {number}\n".encode() * 40), filename=f"note-{number}.txt")
    services.add_evidence(
        db.session,
        lead,
        db.session.get(Action, source.action_id),
        kind="implementation",
        title=f"Note {number}",
        narrative=None,
        link=None,
        relates_to=date(2024, 1, 1),
        uploads=[upload],
    )
    db.session.commit()
