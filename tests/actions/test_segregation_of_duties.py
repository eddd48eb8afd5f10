"""Segregation of duties as a table: every (status, party, target) driven through the services, the moves that
make sense through the views, and the buttons each party sees at every status.

The expected table below is written out by hand, not computed from ``states.TRANSITIONS`` or
``permissions``, so deleting or loosening a rule anywhere (the status machine, the permission predicates,
the sign-off rules, the template) makes a case fail.
"""

from __future__ import annotations

import re

import pytest

from tests.actions.helpers import add_evidence, police_action, user
from tests.conftest import PASSWORD, sign_in
from tracker.actions import services
from tracker.actions.states import InvalidTransition, Status
from tracker.assurance.models import Submission
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.errors_domain import DomainError, NotPermitted
from tracker.extensions import db
from tracker.orgs.models import Board
from tracker.permissions import allowed_moves

S = Status
PARTIES = (
    "lead",  # a lead of the agency responsible
    "other_lead",  # a lead of another agency
    "reviewer",  # a board member of the review's board, in no agency
    "member_in_agency",  # a board member of the review's board who also works for the agency responsible
    "outsider_member",  # a board member of another board
    "auditor",
    "admin",
    "former_submitter",  # submitted the pending submission as a lead, since made a board member of the board
    "former_adder",  # added evidence to the pending submission as a lead, since made a board member
)
BOARD_SIDE = {"reviewer", "former_submitter", "former_adder"}  # outside the agency, on the board

# (from, to): who may make the move. Anything not listed is refused to everyone.
EXPECTED = {
    (S.NOT_STARTED, S.IN_PROGRESS): {"lead"},
    (S.IN_PROGRESS, S.SUBMITTED): {"lead"},
    (S.RETURNED, S.IN_PROGRESS): {"lead"},
    (S.RETURNED, S.SUBMITTED): {"lead"},
    (S.ASSURED, S.SUBMITTED): {"lead"},
    (S.EMBEDDED, S.SUBMITTED): {"lead"},
    # The decision: only a reviewer outside the agency, who neither submitted nor added the evidence.
    (S.SUBMITTED, S.RETURNED): {"reviewer"},
    (S.SUBMITTED, S.ASSURED): {"reviewer"},
    (S.SUBMITTED, S.EMBEDDED): {"reviewer"},  # a re-check confirmed
    (S.SUBMITTED, S.IN_PROGRESS): {"reviewer"},  # a re-check not confirmed
    # Closing without implementation: a board member outside the agency.
    (S.NOT_STARTED, S.CLOSED): BOARD_SIDE,
    (S.IN_PROGRESS, S.CLOSED): BOARD_SIDE,
    (S.RETURNED, S.CLOSED): BOARD_SIDE,
}
# The pending submission's kind a decision needs to reach each target.
KIND_FOR = {S.EMBEDDED: "recheck", S.IN_PROGRESS: "recheck"}


def _people(users) -> dict[str, User]:
    mk = db.session.query(Board).filter_by(key="milton-keynes").one()

    def make(key, role, **extra):
        return create_user(
            db.session,
            email=f"{key}@sod.invalid",
            name=key.replace("_", " ").title(),
            role=role,
            password=PASSWORD,
            **extra,
        )

    people = {
        "lead": user(users["agency_lead"]),
        "other_lead": user(users["other_lead"]),
        "reviewer": user(users["board_member"]),
        "member_in_agency": make(
            "member_in_agency", "board_member", board_keys=["milton-keynes"], agency_key="thames-valley-police"
        ),
        "outsider_member": make("outsider_member", "board_member", board_keys=["buckinghamshire"]),
        "auditor": user(users["auditor"]),
        "admin": user(users["admin"]),
        "former_submitter": make("former_submitter", "agency_lead", agency_key="thames-valley-police"),
        "former_adder": make("former_adder", "agency_lead", agency_key="thames-valley-police"),
    }
    people["_board"] = mk
    return people


def _promote(person: User, board: Board) -> None:
    """A change of role after the work was done: lead → board member of the board, in no agency."""
    person.role, person.agency_id, person.boards = "board_member", None, [board]
    db.session.flush()


def _action_in(status: Status, people, kind: str = "assurance"):
    """An action in ``status``, planned, with evidence; when submitted, a pending submission of ``kind`` made by
    the former submitter holding evidence the former adder added. Both are then promoted to the board."""
    action = police_action()
    add_evidence(action, people["lead"], kind="impact", title="Impact audit")
    if status == S.SUBMITTED:
        item = add_evidence(action, people["former_adder"], title="Protocol")
        db.session.add(
            Submission(
                action_id=action.id,
                kind=kind,
                submitted_by_id=people["former_submitter"].id,
                statement="Done",
                evidence=services.evidence_snapshot([item]),
            )
        )
    action.status = status.value  # test set-up: the state under test, written straight to the row
    if status == S.CLOSED:
        action.closed_reason = "Superseded"
    db.session.flush()
    _promote(people["former_submitter"], people["_board"])
    _promote(people["former_adder"], people["_board"])
    return action


def _drive(actor, action, target: Status):
    """Ask the service that makes this move, as the page would."""
    if target == S.SUBMITTED:
        return services.submit_for_assurance(db.session, actor, action, action.version, "Done")
    if action.status_enum == S.SUBMITTED and target in (S.ASSURED, S.EMBEDDED, S.RETURNED, S.IN_PROGRESS):
        accept = target in (S.ASSURED, S.EMBEDDED)
        return services.decide(
            db.session, actor, action, action.version, accept=accept, comments="Reasons", meets_measure=accept
        )
    return services.change_status(db.session, actor, action, action.version, target.value, "Superseded")


CASES = [(status, party, target) for status in S for party in PARTIES for target in S]


@pytest.mark.parametrize(("status", "party", "target"), CASES, ids=lambda v: getattr(v, "value", v))
def test_every_move_by_every_party_through_the_services(app, users, status, party, target):
    people = _people(users)
    action = _action_in(status, people, KIND_FOR.get(target, "assurance"))
    actor = people[party]
    allowed = party in EXPECTED.get((status, target), set())
    if allowed:
        _drive(actor, action, target)
        assert action.status == target.value
        entry = services.action_history(db.session, action)[0]
        assert entry.after["status"] == target.value and entry.before["status"] == status.value
        return
    with pytest.raises(DomainError) as refused:
        _drive(actor, action, target)
    assert action.status == status.value
    message = refused.value.message
    assert message and message[0].isupper()  # words a person reads, not a code
    if status == S.SUBMITTED and target in (S.ASSURED, S.RETURNED, S.EMBEDDED):
        expected_message = {
            "former_submitter": "You submitted this action, so someone else must review it",
            "former_adder": "You added evidence to this submission, so someone else must review it",
            "member_in_agency": "outside the agency responsible",
            "lead": "outside the agency responsible",
        }.get(party)
        if expected_message:
            assert isinstance(refused.value, NotPermitted) and expected_message in message
    if party in ("lead",) and target in (S.ASSURED, S.EMBEDDED, S.RETURNED) and status != S.SUBMITTED:
        assert isinstance(refused.value, InvalidTransition)


def _shown_moves(page: str, action_id: int, kind: str) -> set[Status]:
    shown = set()
    if "Start work on this action" in page or "Resume work on this action" in page:
        shown.add(S.IN_PROGRESS)
    if f'action="/actions/{action_id}/submit"' in page:
        shown.add(S.SUBMITTED)
    if re.search(r'name="status" value="closed"', page):
        shown.add(S.CLOSED)
    if f'action="/actions/{action_id}/decision"' in page:
        shown |= {S.EMBEDDED, S.IN_PROGRESS} if kind == "recheck" else {S.ASSURED, S.RETURNED}
    return shown


PAGE_CASES = [(status, party, "assurance") for status in S for party in PARTIES] + [
    (S.SUBMITTED, party, "recheck") for party in PARTIES
]


@pytest.mark.parametrize(("status", "party", "kind"), PAGE_CASES, ids=lambda v: getattr(v, "value", v))
def test_the_buttons_shown_are_the_allowed_moves(app, users, client, status, party, kind):
    people = _people(users)
    action = _action_in(status, people, kind)
    db.session.commit()
    actor = people[party]
    assert sign_in(client, actor.email).status_code == 302
    response = client.get(f"/actions/{action.id}")
    expected = {
        target
        for (frm, target), who in EXPECTED.items()
        if frm == status and party in who and (status != S.SUBMITTED or KIND_FOR.get(target, "assurance") == kind)
    }
    pending = services.pending_submission(db.session, action)
    people_in_it = {pending.submitted_by_id, *services.evidence_adders(db.session, pending)} if pending else set()
    assert set(allowed_moves(actor, action, pending.kind if pending else None, people_in_it)) == expected
    if response.status_code == 404:  # the party cannot even see the action
        assert expected == set()
        return
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1" in page
    assert _shown_moves(page, action.id, kind) == expected


VIEW_CASES = [
    (frm, party, to) for (frm, to) in sorted(EXPECTED, key=lambda k: (k[0].value, k[1].value)) for party in PARTIES
]


def _post(client, action, target: Status):
    data = {"version": str(action.version)}
    if target == S.SUBMITTED:
        return client.post(f"/actions/{action.id}/submit", data={**data, "statement": "Done"})
    if action.status_enum == S.SUBMITTED:
        accept = target in (S.ASSURED, S.EMBEDDED)
        return client.post(
            f"/actions/{action.id}/decision",
            data={
                **data,
                "decision": "accept" if accept else "return",
                "meets_measure": "yes" if accept else "no",
                "comments": "Reasons",
            },
        )
    return client.post(f"/actions/{action.id}/status", data={**data, "status": target.value, "reason": "Superseded"})


@pytest.mark.parametrize(("status", "party", "target"), VIEW_CASES, ids=lambda v: getattr(v, "value", v))
def test_every_move_by_every_party_through_the_views(app, users, client, status, party, target):
    people = _people(users)
    action = _action_in(status, people, KIND_FOR.get(target, "assurance"))
    db.session.commit()
    assert sign_in(client, people[party].email).status_code == 302
    response = _post(client, action, target)
    db.session.refresh(action)
    if party in EXPECTED[(status, target)]:
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        assert action.status == target.value
    else:
        assert response.status_code in (403, 404, 422)
        assert action.status == status.value
