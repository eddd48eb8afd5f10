"""Every predicate of ``permissions.py``, as pure rules on plain objects: who, of a fixed cast, is allowed.

No app, no database: these run in a moment, so the mutation run (``make mutation``) can use them, and each
expected set is written out by hand so that loosening or tightening any rule fails here.
"""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from tracker import permissions as p
from tracker.actions.states import Status

B1, B2 = NS(id=1), NS(id=2)
A10 = NS(id=10, boards=[B1], merged_into_id=None)
A20 = NS(id=20, boards=[B2], merged_into_id=None)
A30 = NS(id=30, boards=[B1], merged_into_id=10)  # merged into A10
R1, R2 = NS(boards=[B1]), NS(boards=[B2])


def person(uid, role, boards=(), agency=None, signed_in=True, active=True):
    return NS(
        id=uid,
        role=role,
        board_ids=set(boards),
        agency=agency,
        agency_id=agency.id if agency else None,
        is_authenticated=signed_in,
        is_active=active,
    )


CAST = {
    "admin": person(1, "admin"),
    "member": person(2, "board_member", [1]),
    "member_in_agency": person(3, "board_member", [1], A10),
    "member_b2": person(4, "board_member", [2]),
    "lead": person(5, "agency_lead", agency=A10),
    "lead_b": person(6, "agency_lead", agency=A20),
    "auditor": person(7, "auditor", [1]),
    "auditor_none": person(8, "auditor"),
    "member_none": person(9, "board_member"),
    "anon": person(10, "admin", signed_in=False),
    "inactive": person(11, "board_member", [1], active=False),
    "nobody": None,
}
SIGNED_IN = set(CAST) - {"anon", "inactive", "nobody"}


class FakeAction:
    def __init__(self, status=Status.IN_PROGRESS, agency_id=10, review=R1):
        self.status, self.agency_id, self.review = status.value, agency_id, review

    @property
    def status_enum(self):
        return Status(self.status)


X = FakeAction()


def who(predicate, *args) -> set[str]:
    return {name for name, user in CAST.items() if predicate(user, *args)}


def test_reach():
    reach = {name: p.board_ids_in_reach(user) for name, user in CAST.items()}
    assert reach["admin"] is None
    assert (reach["member"], reach["lead"], reach["lead_b"], reach["auditor"]) == ({1}, {1}, {2}, {1})
    assert reach["anon"] == reach["inactive"] == reach["nobody"] == reach["auditor_none"] == set()
    lead_with_board = person(12, "agency_lead", [2], A10)
    assert p.board_ids_in_reach(lead_with_board) == {1, 2}
    lead_without_agency = person(13, "agency_lead", [2])
    assert p.board_ids_in_reach(lead_without_agency) == {2}
    assert p.reach_of("agency_lead", [], A10) == {1}
    assert p.reach_of("agency_lead", [3], None) == {3}
    assert p.reach_of("board_member", [2], A10) == {2}
    assert p.reach_of("agency_lead", [3], A10) == {1, 3}
    # Not a signed-in user at all (no is_authenticated): no reach, whatever else it says.
    assert p.board_ids_in_reach(NS(role="admin", is_active=True, board_ids={1}, agency=None)) == set()


def test_reading():
    readers_r1 = {"admin", "member", "member_in_agency", "lead", "auditor"}
    assert who(p.can_view_review, R1) == readers_r1
    assert who(p.can_view_review, R2) == {"admin", "member_b2", "lead_b"}
    assert who(p.is_board_member_for, R1) == {"member", "member_in_agency"}
    assert who(p.is_lead_for, X) == {"lead"}
    assert who(p.can_view_action, X) == readers_r1
    assert who(p.can_view_action, FakeAction(agency_id=20)) == {
        "admin",
        "member",
        "member_in_agency",
        "auditor",
        "lead_b",
    }
    assert who(p.can_view_evidence, NS(action=X)) == readers_r1
    assert who(p.can_export_plan) == SIGNED_IN
    assert who(p.can_manage_users) == {"admin"}


def test_planning_doing_and_assuring():
    assert who(p.can_plan_review, R1) == {"admin", "member", "member_in_agency"}
    assert who(p.can_plan_action, X) == {"admin", "member", "member_in_agency"}
    assert who(p.can_reassign_owner, X) == {"admin", "member", "member_in_agency", "lead"}
    assert who(p.can_work_on_action, X) == {"lead"}
    # Segregation of duties: a board member of the agency responsible neither signs off nor closes.
    assert who(p.can_review_action, X) == {"member"}
    assert who(p.can_close_action, X) == {"member"}
    assert {name: p.party_for(user, X) for name, user in CAST.items() if p.party_for(user, X)} == {
        "lead": "agency",
        "member": "board",
    }


@pytest.mark.parametrize(
    ("status", "name", "kind", "people", "moves"),
    [
        (Status.NOT_STARTED, "lead", None, (), [Status.IN_PROGRESS]),
        (Status.IN_PROGRESS, "lead", None, (), [Status.SUBMITTED]),
        (Status.RETURNED, "lead", None, (), [Status.IN_PROGRESS, Status.SUBMITTED]),
        (Status.ASSURED, "lead", None, (), [Status.SUBMITTED]),
        (Status.SUBMITTED, "lead", "assurance", (), []),
        (Status.SUBMITTED, "member", "assurance", (), [Status.RETURNED, Status.ASSURED]),
        (Status.SUBMITTED, "member", "recheck", (), [Status.EMBEDDED, Status.IN_PROGRESS]),
        (Status.SUBMITTED, "member", None, (), []),
        (Status.SUBMITTED, "member", "assurance", (2,), []),  # submitted it, or added its evidence
        (Status.SUBMITTED, "member", "assurance", (5, 7), [Status.RETURNED, Status.ASSURED]),
        (Status.SUBMITTED, "member_in_agency", "assurance", (), []),
        (Status.IN_PROGRESS, "member", None, (), [Status.CLOSED]),
        (Status.RETURNED, "member", None, (), [Status.CLOSED]),
        (Status.ASSURED, "member", None, (), []),
        (Status.CLOSED, "member", None, (), []),
        (Status.IN_PROGRESS, "member_in_agency", None, (), []),
        (Status.IN_PROGRESS, "admin", None, (), []),
        (Status.SUBMITTED, "admin", "assurance", (), []),
        (Status.IN_PROGRESS, "auditor", None, (), []),
    ],
)
def test_allowed_moves(status, name, kind, people, moves):
    assert p.allowed_moves(CAST[name], FakeAction(status), kind, people) == moves


def test_exercises():
    exercise = NS(review=R1, agencies=[A10], is_closed=False)
    closed = NS(review=R1, agencies=[A10], is_closed=True)
    assert who(p.can_run_exercise, R1) == {"member", "member_in_agency"}
    assert who(p.can_view_exercise, exercise) == {"admin", "member", "member_in_agency", "auditor", "lead"}
    assert who(p.can_view_exercise, NS(review=R2, agencies=[A20], is_closed=False)) == {"admin", "member_b2", "lead_b"}
    assert who(p.can_answer_exercise, exercise, 10) == {"lead"}
    assert who(p.can_answer_exercise, closed, 10) == set()
    assert who(p.can_answer_exercise, exercise, 20) == set()
    assert who(p.can_view_exercise_agency, exercise, 10) == {"admin", "member", "member_in_agency", "auditor", "lead"}
    assert who(p.can_view_exercise_agency, exercise, 20) == set()
    both = NS(review=R1, agencies=[A10, A20], is_closed=False)
    assert who(p.can_view_exercise_agency, both, 20) == {"admin", "member", "member_in_agency", "auditor", "lead_b"}
    assert who(p.can_decide_exercise_item, NS(exercise=exercise, agency_id=10)) == {"member"}
    assert who(p.can_decide_exercise_item, NS(exercise=exercise, agency_id=20)) == {"member", "member_in_agency"}


def test_packs_and_reports():
    packers = {"admin", "member", "member_in_agency", "member_b2", "auditor", "auditor_none", "member_none"}
    assert who(p.can_export_pack) == packers
    assert who(p.can_export_pack, NS(board_ids=[1])) == {"admin", "member", "member_in_agency", "auditor"}
    assert who(p.can_export_pack, NS(board_ids=[2])) == {"admin", "member_b2"}
    assert who(p.can_view_board, B1) == {"admin", "member", "member_in_agency", "lead", "auditor"}
    assert who(p.can_view_board_report, B1) == {"admin", "member", "member_in_agency", "auditor"}
    assert who(p.can_view_review_report, R1) == {"admin", "member", "member_in_agency", "auditor"}
    assert who(p.can_view_agency_report, A10) == {"lead"}
    assert who(p.can_view_agency_report, A20) == {"lead_b"}


def test_people_and_organisations():
    assert who(p.can_manage_people) == {"admin", "member", "member_in_agency", "member_b2"}
    lead10 = person(20, "agency_lead", agency=A10)
    member2 = person(21, "board_member", [2])
    an_admin = person(22, "admin", [1])
    assert who(p.can_manage_person, lead10) == {"admin", "member", "member_in_agency"}
    assert who(p.can_manage_person, member2) == {"admin", "member_b2"}
    assert who(p.can_manage_person, an_admin) == {"admin"}
    invite = NS(role="agency_lead", boards=[], agency=A10)
    assert who(p.can_manage_invitation, invite) == {"admin", "member", "member_in_agency"}
    assert who(p.can_manage_invitation, NS(role="board_member", boards=[B2], agency=None)) == {"admin", "member_b2"}
    assert who(p.can_manage_invitation, NS(role="admin", boards=[B1], agency=None)) == {"admin"}
    grants = {name: p.grantable_board_ids(user) for name, user in CAST.items()}
    assert grants["admin"] is None and grants["member"] == {1} and grants["member_b2"] == {2}
    assert grants["lead"] == grants["auditor"] == grants["anon"] == set()
    assert who(p.can_give_role, "admin") == {"admin"}
    assert who(p.can_give_role, "board_member") == {"admin", "member", "member_in_agency", "member_b2"}
    assert who(p.can_give_agency, A10) == {"admin", "member", "member_in_agency"}
    assert who(p.can_give_agency, A20) == {"admin", "member_b2"}
    assert who(p.can_give_agency, A30) == set()
    assert who(p.can_manage_organisations) == {"admin"}


def test_spreadsheets():
    assert who(p.can_export_agency_plan, A10) == {"admin", "member", "member_in_agency", "lead", "auditor"}
    assert who(p.can_export_agency_plan, A20) == {"admin", "member_b2", "lead_b"}
    assert who(p.can_export_agency_plan, A30) == set()
    assert who(p.can_import_plan) == {"admin", "member", "member_in_agency", "member_b2"}
    assert who(p.can_import_plan, B1) == {"admin", "member", "member_in_agency"}
    assert who(p.can_import_plan, B2) == {"admin", "member_b2"}


def test_visible_action_fields():
    full, shared = p.ACTION_FIELDS, p.SHARED_ACTION_FIELDS
    fields = {name: p.visible_action_fields(user, X) for name, user in CAST.items()}
    assert {name for name, f in fields.items() if f == full} == {
        "admin",
        "member",
        "member_in_agency",
        "lead",
        "auditor",
    }
    assert {name for name, f in fields.items() if f == shared} == set()  # lead_b cannot read R1
    shared_review = FakeAction(agency_id=10, review=NS(boards=[B1, B2]))
    assert p.visible_action_fields(CAST["lead_b"], shared_review) == shared
    assert p.visible_action_fields(CAST["anon"], shared_review) == frozenset()
    assert shared < full
    assert {"owner", "due_date", "success_measure", "brag", "evidence", "history"} <= full - shared
    assert {"text", "status", "agency"} <= shared


def test_report_text_titles_jobs_and_imports():
    """The rules added with the report's words, background jobs and importing a review from its report."""
    readers_r1 = {"admin", "member", "member_in_agency", "lead", "auditor"}
    assert who(p.can_read_report_text, R1) == readers_r1
    assert who(p.can_read_report_text, R2) == {"admin", "member_b2", "lead_b"}
    assert not p.can_read_report_text(person(12, "guest", [1]), R1)  # a role outside the four reads nothing
    assert who(p.can_edit_action_title, X) == {"admin", "member", "member_in_agency"}
    assert who(p.can_view_job, NS(owner_id=5)) == {"lead"}
    assert who(p.can_view_job, NS(owner_id=10)) == set()  # the owner signed out sees nothing
    importers = {"admin", "member", "member_in_agency", "member_b2"}
    assert who(p.can_import_review) == importers
    assert who(p.can_work_on_import, NS(created_by_id=2)) == {"admin", "member"}
    assert who(p.can_work_on_import, NS(created_by_id=5)) == {"admin"}  # a lead cannot import, even their own


def test_the_fields_shared_with_other_agencies_are_exactly_these():
    """Written out by hand, so adding a field to what other agencies see (or dropping one) fails here."""
    assert {
        "id",
        "agency",
        "title",
        "text",
        "recommendations",
        "joint_key",
        "status",
        "status_label",
        "source_paragraphs",
        "reported_progress",
        "progress_quote",
        "themes",
    } == p.SHARED_ACTION_FIELDS
    assert {
        "owner",
        "due_date",
        "original_due_date",
        "success_measure",
        "completed_on",
        "recheck_due",
        "brag",
        "evidence",
        "history",
        "sign_offs",
    } == p.ACTION_FIELDS - p.SHARED_ACTION_FIELDS
