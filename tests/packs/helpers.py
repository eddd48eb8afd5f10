"""Building blocks for the evidence pack tests: people, actions with evidence and sign-offs, and packs.

Evidence goes through the evidence service (real files in a temporary storage folder) and sign-offs
through the action lifecycle service, so a pack is made of exactly what the service would hold."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.actions.helpers import plan_action
from tests.conftest import PASSWORD
from tests.evidence import pdf
from tracker.actions import services as actions
from tracker.actions.models import Action
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.evidence import services as evidence
from tracker.evidence.models import EvidenceItem
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.packs import scope, services
from tracker.reviews.models import Review


def person(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def people(users: dict) -> dict[str, User]:
    return {role: person(email) for role, email in users.items()}


def review(ref: str) -> Review:
    return db.session.execute(select(Review).where(Review.ref == ref)).scalar_one()


def agency(key: str) -> Agency:
    return db.session.execute(select(Agency).where(Agency.key == key)).scalar_one()


def police_action(review_ref: str = "mk-child-j", index: int = 0) -> Action:
    """A Thames Valley Police action: the `users` fixture's agency lead works on it."""
    return db.session.execute(
        select(Action)
        .join(Review)
        .join(Agency, Action.agency_id == Agency.id)
        .where(Review.ref == review_ref, Agency.key == "thames-valley-police")
        .order_by(Action.id)
        .offset(index)
        .limit(1)
    ).scalar_one()


def pdf_file(text: str, name: str = "training.pdf", padding: int = 0) -> FileStorage:
    return FileStorage(stream=io.BytesIO(pdf(text) + b"%" * padding), filename=name)


def add_evidence(
    lead: User, action: Action, title: str, files=(), relates_to: date = date(2024, 3, 1), kind="implementation"
) -> EvidenceItem:
    return evidence.add_evidence(
        db.session,
        lead,
        action,
        kind=kind,
        title=title,
        narrative=f"{title}: what was done.",
        link=None,
        relates_to=relates_to,
        uploads=list(files),
    )


def reviewer(board_key: str = "milton-keynes") -> User:
    """A second board member, who assures the lead's submissions."""
    email = f"reviewer.{board_key}@packs.invalid"
    found = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    return found or create_user(
        db.session, email=email, name="Rita Reviewer", role="board_member", password=PASSWORD, board_keys=[board_key]
    )


def assure(lead: User, member: User, action: Action, comments: str = "The evidence shows it."):
    if action.status == "not_started":
        actions.change_status(db.session, lead, action, action.version, "in_progress")
    plan_action(action, lead)
    actions.submit_for_assurance(db.session, lead, action, action.version, "Done, see the evidence.")
    return actions.decide(db.session, member, action, action.version, accept=True, comments=comments)


def make(actor, target: scope.PackScope, **options) -> tuple[bytes, services.EvidencePack]:
    pack = services.make_pack(db.session, actor, target, **options)
    db.session.commit()
    return b"".join(pack.chunks()), pack


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def extract(data: bytes, where: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(where)
    return where
