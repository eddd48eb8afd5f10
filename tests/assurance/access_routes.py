"""Who may reach the assurance exercise pages (walked by tests/test_access.py for every role).

Two exercises are opened with the service for each test: one on Milton Keynes' Child J review (the board
member's board; Thames Valley Police, the agency lead's agency, takes part) and one on Buckinghamshire's
Baby K review (the auditor's board, outside the board member's reach)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tracker import clock
from tracker.assurance.exercises import open_exercise
from tracker.assurance.models import ExerciseItem
from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import Review

RUNNER_EMAIL = "exercise.runner@access.invalid"


def _runner() -> User:
    """A board member of both boards, who opens the exercises (never signs in: no usable password)."""
    runner = db.session.execute(select(User).where(User.email == RUNNER_EMAIL)).scalar_one_or_none()
    if runner is None:
        boards = db.session.execute(select(Board).where(Board.key.in_(["milton-keynes", "buckinghamshire"]))).scalars()
        runner = User(
            email=RUNNER_EMAIL,
            name="Exercise Runner",
            role=Role.BOARD_MEMBER.value,
            password_hash="!",
            boards=list(boards),
        )
        db.session.add(runner)
        db.session.flush()
    return runner


def object_ids() -> dict:
    def review(ref):
        return db.session.execute(select(Review).where(Review.ref == ref)).scalar_one()

    def agency(key):
        return db.session.execute(select(Agency.id).where(Agency.key == key)).scalar_one()

    runner = _runner()
    deadline = clock.today() + timedelta(days=30)
    mk = open_exercise(db.session, runner, review("mk-child-j"), title="Access walk", deadline=deadline)
    bucks = open_exercise(db.session, runner, review("bucks-baby-k"), title="Access walk", deadline=deadline)
    tvp = agency("thames-valley-police")
    tvp_item = db.session.execute(
        select(ExerciseItem.id).where(ExerciseItem.exercise_id == mk.id, ExerciseItem.agency_id == tvp).limit(1)
    ).scalar_one()
    return {
        "mk_exercise": mk.id,
        "bucks_exercise": bucks.id,
        "tvp_agency": tvp,
        "mk_csc_agency": agency("milton-keynes-childrens-social-care"),
        "mk_tvp_item": tvp_item,
    }


NEW, SHOW, SHEET = "exercises.new", "exercises.show", "exercises.worksheet"
OUT_OF_REACH = {"auditor": 404, "other_lead": 404}

# (method, path template, endpoint, {role: expected status}); roles not named expect 200.
ROUTES = [
    ("GET", "/reviews/{mk_review}/exercises/new", NEW, {"admin": 403, "agency_lead": 403, **OUT_OF_REACH}),
    ("GET", "/reviews/{bucks_review}/exercises/new", NEW, {"*": 403, "board_member": 404, "other_lead": 404}),
    # An empty form is shown again with its errors.
    ("POST", "/reviews/{mk_review}/exercises/new", NEW, {"admin": 403, "agency_lead": 403, **OUT_OF_REACH}),
    ("GET", "/exercises/{mk_exercise}", SHOW, OUT_OF_REACH),
    ("GET", "/exercises/{bucks_exercise}", SHOW, {"board_member": 404, "other_lead": 404}),
    ("GET", "/exercises/{mk_exercise}/agencies/{tvp_agency}", SHEET, OUT_OF_REACH),
    ("GET", "/exercises/{bucks_exercise}/agencies/{tvp_agency}", SHEET, {"board_member": 404, "other_lead": 404}),
    # An agency lead sees only their own agency's worksheet.
    ("GET", "/exercises/{mk_exercise}/agencies/{mk_csc_agency}", SHEET, {"agency_lead": 404, **OUT_OF_REACH}),
    # Only the agency's lead may post; a post that is neither an answer nor a return is a bad request.
    (
        "POST",
        "/exercises/{mk_exercise}/agencies/{tvp_agency}",
        SHEET,
        {"admin": 403, "board_member": 403, "agency_lead": 400, **OUT_OF_REACH},
    ),
    (
        "POST",
        "/exercises/{mk_exercise}/agencies/{mk_csc_agency}",
        SHEET,
        {"admin": 403, "board_member": 403, "agency_lead": 404, **OUT_OF_REACH},
    ),
    # The board member's empty decision is shown again with its error; nobody else may decide.
    (
        "POST",
        "/exercises/{mk_exercise}/items/{mk_tvp_item}/decision",
        "exercises.decide",
        {"admin": 403, "agency_lead": 403, **OUT_OF_REACH},
    ),
    (
        "POST",
        "/exercises/{mk_exercise}/close",
        "exercises.close",
        {"admin": 403, "board_member": 302, "agency_lead": 403, **OUT_OF_REACH},
    ),
]
