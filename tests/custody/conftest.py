"""A database of the suite's kind (SQLite, or PostgreSQL with DATABASE_URL) that these tests may commit to,
seeded once, with an agency lead and a police action to record evidence against, and its own storage."""

from __future__ import annotations

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
from tracker.files import FolderStore
from tracker.orgs.models import Agency
from tracker.seeding.loader import load_seeds

LEAD = "custody.lead@test.invalid"


@dataclass
class Source:
    app: Flask
    url: str
    storage: Path
    action_id: int

    @property
    def store(self) -> FolderStore:
        return FolderStore(self.storage)


@pytest.fixture(scope="session")
def source(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("custody")
    with scratch_database(tmp) as url:
        app = make_app(tmp, SQLALCHEMY_DATABASE_URI=url, EVIDENCE_STORAGE_DIR=str(tmp / "evidence"))
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
        yield Source(app, url, tmp / "evidence", action_id)


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
