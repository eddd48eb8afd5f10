"""Boards and agencies: creating, renaming, linking agencies to boards, and merging two agency records of the
same organisation so that everything recorded against one moves to the other and nothing is lost."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.people.browsing import Browser
from tracker import clock
from tracker.actions.models import Action
from tracker.assurance import exercises
from tracker.assurance.models import AgencyReturn, Exercise, ExerciseItem, exercise_agencies
from tracker.audit import HistoryEntry
from tracker.auth.models import Invitation, User
from tracker.auth.services import create_user
from tracker.errors_domain import DomainError, NotPermitted
from tracker.extensions import db
from tracker.orgs import services
from tracker.orgs.models import Agency, Board, agency_boards
from tracker.people import invitations
from tracker.reviews.models import Recommendation, Review


def board(key: str) -> Board:
    return db.session.execute(select(Board).where(Board.key == key)).scalar_one()


def agency(key: str) -> Agency:
    return db.session.execute(select(Agency).where(Agency.key == key)).scalar_one()


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def events(name: str) -> list[HistoryEntry]:
    return list(db.session.execute(select(HistoryEntry).where(HistoryEntry.event == name)).scalars())


# Boards ----------------------------------------------------------------------------------------------------


def test_an_admin_creates_and_renames_a_board(app, signed_in):
    admin = signed_in("admin")
    assert admin.post("/boards/new", data={"name": "  Kent   Safeguarding Children Partnership "}).status_code == 302
    created = db.session.execute(
        select(Board).where(Board.key == "kent-safeguarding-children-partnership")
    ).scalar_one()
    assert created.name == "Kent Safeguarding Children Partnership"

    response = admin.post(f"/boards/{created.id}/edit", data={"name": "Kent and Medway Safeguarding Partnership"})
    assert response.status_code == 302
    db.session.expire_all()
    assert created.name == "Kent and Medway Safeguarding Partnership" and created.key.startswith("kent-safeguarding")
    [renamed] = events("board.renamed")
    assert renamed.before == {"name": "Kent Safeguarding Children Partnership"}
    assert len(events("board.created")) == 1


def test_board_names_are_unique_and_required(app, signed_in):
    admin = signed_in("admin")
    taken = admin.post("/boards/new", data={"name": "milton keynes safeguarding children board"})
    assert taken.status_code == 422 and b"There is already a board called" in taken.data
    empty = admin.post("/boards/new", data={"name": "   "})
    assert empty.status_code == 422 and b"Enter the board" in empty.data


def test_keys_made_from_names_stay_unique(app, users):
    admin = user(users["admin"])
    first = services.create_agency(db.session, admin, name="Kent Police", sector="Police", board_ids=[])
    services.update_agency(db.session, admin, first, name="Kent Police (old)", sector="Police", board_ids=[])
    second = services.create_agency(db.session, admin, name="Kent Police", sector=None, board_ids=[])
    assert (first.key, second.key) == ("kent-police", "kent-police-2")


# Agencies --------------------------------------------------------------------------------------------------


def test_an_admin_creates_an_agency_and_links_it_to_the_boards_it_serves(app, signed_in):
    admin = signed_in("admin")
    mk, bucks = board("milton-keynes"), board("buckinghamshire")
    response = admin.post("/agencies/new", data={"name": "Oxford Health", "sector": "Health", "boards": [mk.id]})
    assert response.status_code == 302
    oxford = db.session.execute(select(Agency).where(Agency.name == "Oxford Health")).scalar_one()
    assert [b.key for b in oxford.boards] == ["milton-keynes"]

    response = admin.post(
        f"/agencies/{oxford.id}/edit",
        data={"name": "Oxford Health NHS FT", "sector": "Health", "boards": [mk.id, bucks.id]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert oxford.name == "Oxford Health NHS FT" and {b.key for b in oxford.boards} == {
        "milton-keynes",
        "buckinghamshire",
    }
    [changed] = events("agency.changed")
    assert changed.after == {"name": "Oxford Health NHS FT", "boards": sorted([mk.id, bucks.id])}


def test_when_an_agency_stops_serving_a_board_its_leads_sessions_end(app, signed_in, users):
    lead_browser = Browser(app).sign_in(users["agency_lead"])
    tvp = agency("thames-valley-police")
    response = signed_in("admin").post(
        f"/agencies/{tvp.id}/edit", data={"name": tvp.name, "sector": tvp.sector, "boards": [board("milton-keynes").id]}
    )
    assert response.status_code == 302
    page = lead_browser.get("/my-agency")
    assert page.status_code == 302 and "/sign-in" in page.headers["Location"]


def test_only_admins_change_boards_and_agencies(app, users):
    for role in ("board_member", "agency_lead", "auditor"):
        actor = user(users[role])
        with pytest.raises(NotPermitted):
            services.create_board(db.session, actor, "Another board")
        with pytest.raises(NotPermitted):
            services.merge_agencies(
                db.session, actor, agency("thames-valley-police"), agency("northamptonshire-police")
            )


# Merging ---------------------------------------------------------------------------------------------------

# Every table with a column or link that points at an agency, and how to count its rows for one agency.
POINTERS = {
    "actions": lambda a: select(func.count()).select_from(Action).where(Action.agency_id == a),
    "recommendations": lambda a: select(func.count()).select_from(Recommendation).where(Recommendation.agency_id == a),
    "users": lambda a: select(func.count()).select_from(User).where(User.agency_id == a),
    "invitations": lambda a: select(func.count()).select_from(Invitation).where(Invitation.agency_id == a),
    "exercise_items": lambda a: select(func.count()).select_from(ExerciseItem).where(ExerciseItem.agency_id == a),
    "agency_returns": lambda a: select(func.count()).select_from(AgencyReturn).where(AgencyReturn.agency_id == a),
    "exercise_agencies": lambda a: (
        select(func.count()).select_from(exercise_agencies).where(exercise_agencies.c.agency_id == a)
    ),
    "agency_boards": lambda a: select(func.count()).select_from(agency_boards).where(agency_boards.c.agency_id == a),
}
TABLES = [Action, Recommendation, User, Invitation, ExerciseItem, AgencyReturn, Exercise, Agency, Board]


def counts(agency_id: int) -> dict[str, int]:
    return {name: db.session.execute(query(agency_id)).scalar_one() for name, query in POINTERS.items()}


def totals() -> dict[str, int]:
    return {
        model.__name__: db.session.execute(select(func.count()).select_from(model)).scalar_one() for model in TABLES
    }


def _lead(email: str, agency_key: str) -> User:
    return create_user(
        db.session, email=email, name=email.split("@")[0], role="agency_lead", password=PASSWORD, agency_key=agency_key
    )


def _exercise_with_a_return(member: User, lead: User, review_ref: str, agency_ids: list[int], answering: Agency):
    """An exercise on the review for these agencies, where ``answering``'s lead has answered every item and
    submitted its return."""
    review = db.session.execute(select(Review).where(Review.ref == review_ref)).scalar_one()
    exercise = exercises.open_exercise(
        db.session,
        member,
        review,
        title="Spring check",
        deadline=clock.today() + timedelta(days=30),
        agency_ids=agency_ids,
    )
    for item in exercise.items:
        if item.agency_id == answering.id:
            exercises.answer_item(db.session, lead, item, implemented=False, maintained=False, comment="Not yet.")
    exercises.submit_return(db.session, lead, exercise, answering.id, "Checked every action.")
    return exercise


@pytest.fixture
def duplicate(app, users):
    """Oxford Health NHS Foundation Trust recorded a second time under another name, with things recorded
    against the duplicate: a lead, an invitation, actions, a recommendation and an exercise with its return."""
    admin = user(users["admin"])
    kept = agency("oxford-health-nhs-foundation-trust")
    dup = services.create_agency(
        db.session,
        admin,
        name="Oxford Health's Trust",
        sector="Health",
        board_ids=[board("milton-keynes").id, board("buckinghamshire").id],
    )
    # Move two of the kept agency's actions in Baby K to the duplicate, as a mistaken import would have.
    moved = list(
        db.session.execute(
            select(Action).join(Review).where(Review.ref == "bucks-baby-k", Action.agency_id == kept.id).limit(2)
        ).scalars()
    )
    assert len(moved) == 2
    for action in moved:
        action.agency_id = dup.id
    rec = db.session.execute(
        select(Recommendation).join(Review).where(Review.ref == "bucks-baby-k").order_by(Recommendation.id).limit(1)
    ).scalar_one()
    rec.addressed_to, rec.agency_id = "agency", dup.id
    db.session.flush()
    lead = _lead("dup.lead@example.org", dup.key)
    invitations.invite(
        db.session,
        admin,
        email="dup.invitee@example.org",
        name="Dup Invitee",
        role="agency_lead",
        board_ids=[],
        agency_id=dup.id,
    )
    member = create_user(
        db.session,
        email="runner@example.org",
        name="Runner",
        role="board_member",
        password=PASSWORD,
        board_keys=["buckinghamshire"],
    )
    _exercise_with_a_return(member, lead, "bucks-baby-k", [dup.id, kept.id], dup)
    review = db.session.execute(select(Review).where(Review.ref == "bucks-baby-k")).scalar_one()
    exercises.open_exercise(
        db.session,
        member,
        review,
        title="Only the duplicate",
        deadline=clock.today() + timedelta(days=30),
        agency_ids=[dup.id],
    )
    db.session.commit()
    return {"kept": kept, "dup": dup, "lead": lead, "member": member, "moved_actions": [a.id for a in moved]}


def test_merging_moves_everything_to_the_kept_record_and_loses_nothing(app, signed_in, duplicate):
    kept, dup = duplicate["kept"], duplicate["dup"]
    kept_id, dup_id = kept.id, dup.id
    before_kept, before_dup, before_totals = counts(kept_id), counts(dup_id), totals()
    assert all(before_dup[name] for name in POINTERS), before_dup  # the duplicate really has something everywhere
    kept_boards = {b.id for b in kept.boards}

    response = signed_in("admin").post(f"/agencies/{dup_id}/merge", data={"kept": str(kept_id)})
    assert response.status_code == 302
    db.session.expire_all()

    after_kept, after_dup = counts(kept_id), counts(dup_id)
    assert after_dup == dict.fromkeys(POINTERS, 0)
    for name in POINTERS:
        if name == "exercise_agencies":
            # Where both took part in the same exercise, the kept record takes part once.
            assert (before_dup[name], after_kept[name]) == (2, before_kept[name] + 1)
        elif name == "agency_boards":
            union = kept_boards | {board("buckinghamshire").id, board("milton-keynes").id}
            assert after_kept[name] == len(union)
        else:
            assert after_kept[name] == before_kept[name] + before_dup[name], name
    assert totals() == before_totals  # nothing deleted, nothing added
    assert db.session.get(Agency, dup_id).merged_into_id == kept_id
    assert {
        a.agency_id
        for a in db.session.execute(select(Action).where(Action.id.in_(duplicate["moved_actions"]))).scalars()
    } == {kept_id}
    assert user("dup.lead@example.org").agency_id == kept_id

    [merged] = events("agency.merged")
    assert merged.object_id == kept_id and merged.before["agency_id"] == dup_id
    assert merged.after["moved"]["actions"] == 2 and merged.after["moved"]["people"] == 1
    assert merged.after["moved"]["agency_returns"] == 1 and merged.after["moved"]["exercise_agencies"] == 1
    assert f"Oxford Health's Trust merged into {kept.name}: moved 2 actions" in merged.summary


def test_a_merged_record_is_no_longer_offered_as_a_choice(app, signed_in, users, duplicate):
    dup = duplicate["dup"]
    admin = signed_in("admin")
    option = re.compile(r"<option[^>]*>\s*Oxford Health&#39;s Trust\s*</option>")
    assert option.search(admin.get("/people/invite").get_data(as_text=True))
    admin.post(f"/agencies/{dup.id}/merge", data={"kept": str(duplicate["kept"].id)})
    for page in ("/people/invite", "/people", f"/agencies/{duplicate['kept'].id}/merge"):
        assert not option.search(admin.get(page).get_data(as_text=True)), page
    orgs_page = admin.get("/organisations").get_data(as_text=True)
    assert "Merged agency records" in orgs_page and "Oxford Health&#39;s Trust, merged into" in orgs_page
    # A merged record cannot be changed, merged again, or given to anyone.
    assert admin.get(f"/agencies/{dup.id}/edit").status_code == 409
    assert admin.post(f"/agencies/{dup.id}/merge", data={"kept": str(duplicate["kept"].id)}).status_code == 409
    with pytest.raises(DomainError):
        invitations.invite(
            db.session,
            user(users["admin"]),
            email="late@example.org",
            name="Late",
            role="agency_lead",
            board_ids=[],
            agency_id=dup.id,
        )


def test_an_agency_cannot_be_merged_into_itself_or_into_a_merged_record(app, signed_in, users, duplicate):
    admin = signed_in("admin")
    dup, kept = duplicate["dup"], duplicate["kept"]
    itself = admin.post(f"/agencies/{dup.id}/merge", data={"kept": str(dup.id)})
    assert itself.status_code == 422 and b"cannot be merged into itself" in itself.data
    with pytest.raises(DomainError, match="into itself"):
        services.merge_agencies(db.session, user(users["admin"]), dup, dup)

    admin.post(f"/agencies/{dup.id}/merge", data={"kept": str(kept.id)})
    other = agency("northamptonshire-childrens-social-care")
    into_merged = admin.post(f"/agencies/{other.id}/merge", data={"kept": str(dup.id)})
    assert into_merged.status_code == 422
    db.session.expire_all()
    with pytest.raises(DomainError, match="itself merged into another"):
        services.merge_agencies(db.session, user(users["admin"]), other, db.session.get(Agency, dup.id))
    assert db.session.get(Agency, other.id).merged_into_id is None
    assert len(events("agency.merged")) == 1


def test_two_returns_to_the_same_exercise_stop_the_merge_and_nothing_moves(app, signed_in, users, duplicate):
    kept, dup = duplicate["kept"], duplicate["dup"]
    exercise = db.session.execute(select(Exercise).where(Exercise.title == "Spring check")).scalar_one()
    kept_lead = _lead("kept.lead@example.org", kept.key)
    for item in exercise.items:
        if item.agency_id == kept.id:
            exercises.answer_item(db.session, kept_lead, item, implemented=False, maintained=False, comment="Not yet.")
    exercises.submit_return(db.session, kept_lead, exercise, kept.id, "Checked ours too.")
    db.session.commit()
    before = counts(dup.id)

    response = signed_in("admin").post(f"/agencies/{dup.id}/merge", data={"kept": str(kept.id)})
    assert response.status_code == 422 and b"Both agencies have submitted a return" in response.data
    db.session.expire_all()
    assert counts(dup.id) == before and db.session.get(Agency, dup.id).merged_into_id is None
    assert events("agency.merged") == []


def test_the_merge_page_says_what_will_move(app, signed_in, duplicate):
    page = signed_in("admin").get(f"/agencies/{duplicate['dup'].id}/merge").get_data(as_text=True)
    for line in ("2 actions", "1 recommendations", "1 people", "1 invitations", "1 agency returns"):
        assert line in page


@pytest.mark.parametrize("kept", ["abc", "²", "١٢"])
def test_a_kept_record_that_is_not_an_id_is_a_form_error(app, signed_in, duplicate, kept):
    dup_id = duplicate["dup"].id
    response = signed_in("admin").post(f"/agencies/{dup_id}/merge", data={"kept": kept})
    assert response.status_code == 422
    assert "Choose the agency record to keep" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Agency, dup_id).merged_into_id is None
