"""Who may reach the "Add a review" pages (walked by tests/test_access.py for every role).

Admins and board members add reviews; a draft is its author's (the Milton Keynes board member here) and
admins'; the stored report of an imported review is seen by whoever may see the review."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.importer import services
from tracker.importer.models import ReviewImport, ReviewSource

SAMPLE = Path(__file__).parent / "samples" / "sar-wrapped.txt"


def _draft() -> int:
    member = db.session.execute(select(User).where(User.email == "member@test.invalid")).scalar_one_or_none()
    member = member or create_user(
        db.session,
        email="member@test.invalid",
        name="Member",
        role="board_member",
        password=PASSWORD,
        board_keys=["milton-keynes"],
    )
    existing = db.session.execute(select(ReviewImport.id).where(ReviewImport.created_by_id == member.id)).scalar()
    if existing:
        return existing
    details = {"ref": "routes-import", "title": "Routes", "child": "Mr P", "boards": ["milton-keynes"]}
    details |= {"review_type": "Safeguarding Adults Review", "incident_year": 2021}
    return services.start_import(db.session, member, SAMPLE.name, SAMPLE.read_bytes(), details).id


def _imported_review() -> int:
    existing = db.session.execute(select(ReviewSource.review_id)).scalar()
    if existing:
        return existing
    proposals = services.propose(db.session, SAMPLE.name, SAMPLE.read_bytes(), ["milton-keynes"])
    proposals.actions = [a for a in proposals.actions if a.agency_key]
    details = services.ReviewDetails(
        ref="routes-imported", title="Routes imported", child="Mr P", boards=["milton-keynes"], incident_year=2021
    )
    return services.create_review(
        db.session, details, proposals, filename=SAMPLE.name, data=SAMPLE.read_bytes(), actor="test"
    ).id


def object_ids() -> dict:
    return {"import_draft": _draft(), "imported_review": _imported_review()}


ROUTES = [
    ("GET", "/reviews/add", "importer.new", {"agency_lead": 403, "auditor": 403, "other_lead": 403}),
    (
        "GET",
        "/imports/{import_draft}",
        "importer.draft",
        {"agency_lead": 404, "auditor": 404, "other_lead": 404},
    ),
    (
        "POST",
        "/imports/{import_draft}",
        "importer.update",
        {"admin": 302, "board_member": 302, "agency_lead": 404, "auditor": 404, "other_lead": 404},
    ),
    (
        "POST",
        "/imports/{import_draft}/add",
        "importer.add",
        {"admin": 422, "board_member": 422, "agency_lead": 404, "auditor": 404, "other_lead": 404},
    ),
    (
        "POST",
        "/imports/{import_draft}/confirm",
        "importer.confirm",
        {"admin": 302, "board_member": 302, "agency_lead": 404, "auditor": 404, "other_lead": 404},
    ),
    ("GET", "/reviews/{imported_review}/report", "report_text.review", {"auditor": 404, "other_lead": 404}),
]
