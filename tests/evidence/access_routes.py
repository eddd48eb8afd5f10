"""Who may reach the evidence pages: only the agency responsible records or corrects evidence; anyone who
may see the action may download its files; everyone else gets 404 (out of reach) or 403 (in sight)."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.conftest import PASSWORD
from tests.evidence import pdf
from tracker.actions.models import Action
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.evidence import services
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review

LEAD_ONLY = {"admin": 403, "board_member": 403, "auditor": 404, "other_lead": 404}
# A posted form without its fields comes back with errors to correct (422).
LEAD_POST = {**LEAD_ONLY, "agency_lead": 422}
# A Buckinghamshire action of Thames Valley Police: the auditor (Buckinghamshire) sees it, the board member
# (Milton Keynes) does not.
BUCKS_LEAD_ONLY = {"admin": 403, "board_member": 404, "auditor": 403, "other_lead": 404}
BUCKS_LEAD_POST = {**BUCKS_LEAD_ONLY, "agency_lead": 422}

ROUTES = [
    ("GET", "/actions/{tvp_action}/evidence/new", "evidence.new", LEAD_ONLY),
    ("POST", "/actions/{tvp_action}/evidence/new", "evidence.new", LEAD_POST),
    ("GET", "/actions/{bucks_tvp_action}/evidence/new", "evidence.new", BUCKS_LEAD_ONLY),
    ("POST", "/actions/{bucks_tvp_action}/evidence/new", "evidence.new", BUCKS_LEAD_POST),
    ("GET", "/evidence/{tvp_evidence}/correct", "evidence.correct", LEAD_ONLY),
    ("POST", "/evidence/{tvp_evidence}/correct", "evidence.correct", LEAD_POST),
    ("GET", "/evidence/{bucks_evidence}/correct", "evidence.correct", BUCKS_LEAD_ONLY),
    ("GET", "/evidence/files/{tvp_evidence_file}", "evidence.download", {"auditor": 404, "other_lead": 404}),
    ("GET", "/evidence/files/{bucks_evidence_file}", "evidence.download", {"board_member": 404, "other_lead": 404}),
]


def _police_action(review_ref: str) -> Action:
    return db.session.execute(
        select(Action)
        .join(Review)
        .join(Agency, Action.agency_id == Agency.id)
        .where(Review.ref == review_ref, Agency.key == "thames-valley-police")
        .order_by(Action.id)
        .limit(1)
    ).scalar_one()


def _lead() -> User:
    email = "evidence-routes@test.invalid"
    lead = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    return lead or create_user(
        db.session,
        email=email,
        name="Evidence Routes Lead",
        role="agency_lead",
        password=PASSWORD,
        agency_key="thames-valley-police",
    )


def _evidence(lead: User, action: Action):
    return services.add_evidence(
        db.session,
        lead,
        action,
        kind="implementation",
        title="Training records",
        narrative="Everyone trained.",
        link=None,
        relates_to=date(2024, 3, 1),
        uploads=[FileStorage(stream=io.BytesIO(pdf()), filename="training.pdf")],
    )


def object_ids() -> dict:
    lead = _lead()
    mk_action, bucks_action = _police_action("mk-child-j"), _police_action("bucks-baby-k")
    mk_item, bucks_item = _evidence(lead, mk_action), _evidence(lead, bucks_action)
    db.session.commit()  # (a savepoint in tests) so that a refused POST's rollback keeps these
    return {
        "bucks_tvp_action": bucks_action.id,
        "tvp_evidence": mk_item.id,
        "tvp_evidence_file": mk_item.files[0].id,
        "bucks_evidence": bucks_item.id,
        "bucks_evidence_file": bucks_item.files[0].id,
    }
