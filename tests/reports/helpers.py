"""A board of its own for report tests, with reviews, recommendations, themes and actions made by the services,
so that every figure in a report can be known in advance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.actions import services
from tracker.actions.models import Action
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.evidence.models import EvidenceItem
from tracker.extensions import db
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import Recommendation, Review, Theme

POLICE, SOCIAL_CARE = "thames-valley-police", "milton-keynes-childrens-social-care"


@dataclass
class Plan:
    """A board of its own: its member (who plans and assures), a lead of each agency, and its reviews."""

    board: Board
    member: User
    leads: dict[str, User]
    agencies: dict[str, Agency]
    reviews: list[Review] = field(default_factory=list)

    def review(self, ref: str, recommendation_themes: list[list[str]]) -> Review:
        review = Review(ref=ref, title=f"Review {ref}", child="Child T", review_type="Serious Case Review")
        review.boards = [self.board]
        db.session.add(review)
        db.session.flush()
        themes = {t.key: t for t in db.session.execute(select(Theme)).scalars()}
        for position, keys in enumerate(recommendation_themes, start=1):
            rec = Recommendation(
                review_id=review.id,
                ref=str(position),
                position=position,
                text=f"Recommendation {position} of {ref}",
                addressed_to="board",
                kind="board",
            )
            rec.themes = [themes[k] for k in keys]
            db.session.add(rec)
        db.session.flush()
        db.session.refresh(review)
        self.reviews.append(review)
        return review

    def action(self, rec: Recommendation, agency: str = POLICE, *, due: date | None = None, owner=True) -> Action:
        lead = self.leads[agency]
        return services.create_action(
            db.session,
            self.member,
            rec,
            agency_id=self.agencies[agency].id,
            text=f"Action for {rec.ref} by {agency}",
            owner_id=lead.id if owner else None,
            due_date=due,
            success_measure="An audit of cases shows the change",
        )

    # Moving an action along, with the services -------------------------------------------------------------

    def start(self, action: Action) -> None:
        services.change_status(db.session, self.leads_for(action), action, action.version, "in_progress")

    def submit(self, action: Action) -> None:
        lead = self.leads_for(action)
        if action.status == "not_started":
            self.start(action)
        evidence(action, lead)
        services.submit_for_assurance(db.session, lead, action, action.version, "Done")

    def assure(self, action: Action, recheck_due: date | None = None) -> None:
        self.submit(action)
        services.decide(
            db.session, self.member, action, action.version, accept=True, comments=None, recheck_due=recheck_due
        )

    def return_(self, action: Action, reasons: str = "Add the audit results") -> None:
        self.submit(action)
        services.decide(db.session, self.member, action, action.version, accept=False, comments=reasons)

    def close(self, action: Action) -> None:
        services.change_status(db.session, self.member, action, action.version, "closed", "Superseded")

    def leads_for(self, action: Action) -> User:
        return next(lead for lead in self.leads.values() if lead.agency_id == action.agency_id)


def evidence(action: Action, by: User, kind: str = "implementation", title: str = "Audit") -> EvidenceItem:
    item = EvidenceItem(
        action_id=action.id,
        kind=kind,
        title=title,
        narrative="What was done",
        relates_to=date(2026, 1, 1),
        added_by_id=by.id,
        digest=hashlib.sha256(f"{action.id}-{title}-{kind}".encode()).hexdigest(),
    )
    db.session.add(item)
    db.session.flush()
    return item


def new_plan(key: str = "report-test-board") -> Plan:
    board = Board(key=key, name=f"Board {key}")
    db.session.add(board)
    db.session.flush()
    member = create_user(
        db.session,
        email=f"member@{key}.invalid",
        name=f"Member of {key}",
        role="board_member",
        password=PASSWORD,
        board_keys=[key],
    )
    agencies = {
        k: db.session.execute(select(Agency).where(Agency.key == k)).scalar_one() for k in (POLICE, SOCIAL_CARE)
    }
    leads = {
        k: create_user(
            db.session,
            email=f"lead-{i}@{key}.invalid",
            name=f"Lead {i} of {key}",
            role="agency_lead",
            password=PASSWORD,
            agency_key=k,
        )
        for i, k in enumerate(agencies)
    }
    return Plan(board, member, leads, agencies)
