"""The assurance exercise pages, for each role: opening, the worksheet, decisions, closing, read-only views."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import select

from tests.assurance.test_exercises import (
    MK_CSC,
    TVP,
    add_evidence,
    agency,
    answer_yes,
    items_of,
    open_actions,
    review,
    user,
)
from tests.conftest import sign_in
from tracker import clock
from tracker.assurance.exercise_queries import exercises_for_review
from tracker.assurance.exercises import (
    answer_item,
    close_exercise,
    decide_item,
    open_exercise,
    submit_return,
)
from tracker.assurance.models import AgencyReturn, Exercise
from tracker.evidence.models import EvidenceItem
from tracker.extensions import db


@pytest.fixture
def exercise(users):
    return open_exercise(
        db.session,
        user(users["board_member"]),
        review(),
        title="Spring check",
        deadline=clock.today() + timedelta(days=30),
    )


def _lead(users):
    return user(users["agency_lead"])


def _submit_police(users, exercise):
    lead = _lead(users)
    items = items_of(exercise, TVP)
    for item in items:
        answer_yes(item, lead)
    submit_return(db.session, lead, exercise, items[0].agency_id, "We checked every case")
    db.session.flush()
    return items


def _page(app, users, role: str, url: str) -> str:
    """``url`` as ``role`` sees it, from a browser of its own. A fresh app context, because Flask-Login keeps the
    signed-in user in ``g`` and the test's own app context would otherwise hand every request the first user."""
    with app.app_context():
        client = app.test_client()
        assert sign_in(client, users[role]).status_code == 302
        return client.get(url).get_data(as_text=True)


def _forms(page: str) -> list[str]:
    """The actions of the page's forms, apart from signing out."""
    return [action for action in re.findall(r'<form method="post" action="([^"]*)"', page) if "sign-out" not in action]


# Opening ------------------------------------------------------------------------------------------------


def test_a_board_member_opens_an_exercise(signed_in):
    client = signed_in("board_member")
    mk = review()
    page = client.get(f"/reviews/{mk.id}/exercises/new").get_data(as_text=True)
    police, csc = agency(TVP), agency(MK_CSC)
    # Every agency with open actions is offered, and chosen unless the member says otherwise.
    for choice in (police, csc):
        assert re.search(rf'value="{choice.id}"\s+checked', page), choice.name
    deadline = clock.today() + timedelta(days=60)
    response = client.post(
        f"/reviews/{mk.id}/exercises/new",
        data={
            "title": "IMR actions: spring check",
            "deadline": [str(deadline.day), str(deadline.month), str(deadline.year)],
            "agencies": [str(police.id), str(csc.id)],
        },
    )
    assert response.status_code == 302
    exercise = db.session.execute(select(Exercise).where(Exercise.title == "IMR actions: spring check")).scalar_one()
    assert response.headers["Location"].endswith(f"/exercises/{exercise.id}")
    assert exercise.deadline == deadline
    assert {a.id for a in exercise.agencies} == {police.id, csc.id}
    assert {i.action_id for i in exercise.items} == {a.id for a in open_actions(key=TVP) + open_actions(key=MK_CSC)}

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "IMR actions: spring check" in page and "Progress by agency" in page
    assert f"0 of {len(open_actions(key=TVP))} answered" in page
    assert "Close the exercise" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "T", "deadline": ["1", "1", "2000"]}, "The deadline must be in the future"),
        ({"title": "T", "deadline": ["31", "2", "2030"]}, "returns must be a real date"),
        ({"title": "T", "deadline": ["", "", ""]}, "Enter the deadline"),
        ({"title": "", "deadline": ["1", "1", "2100"]}, "Enter a title for the exercise"),
    ],
)
def test_opening_shows_what_to_correct(signed_in, data, message):
    client = signed_in("board_member")
    mk = review()
    response = client.post(f"/reviews/{mk.id}/exercises/new", data={**data, "agencies": [str(agency(TVP).id)]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert page.count("Error:") >= 1
    assert db.session.execute(select(Exercise)).first() is None


def test_opening_needs_an_agency(signed_in):
    client = signed_in("board_member")
    page = client.post(
        f"/reviews/{review().id}/exercises/new", data={"title": "T", "deadline": ["1", "1", "2100"]}
    ).get_data(as_text=True)
    assert "Choose at least one agency" in page


def test_the_review_panel_lists_exercises_and_offers_to_open_one(app, users, exercise):
    def panel(email):
        with app.test_request_context():
            login_user(user(email))
            return render_template(
                "exercises/_review_panel.html", review=review(), exercises=exercises_for_review(db.session, review().id)
            )

    for_member = panel(users["board_member"])
    assert "Spring check" in for_member and f"/exercises/{exercise.id}" in for_member
    assert "Open an assurance exercise" in for_member
    assert f"0 of {len(exercise.items)} answered" in for_member
    assert "Open</strong>" in for_member
    for_lead = panel(users["agency_lead"])
    assert "Spring check" in for_lead and "Open an assurance exercise" not in for_lead
    assert f"0 of {len(items_of(exercise, TVP))} answered" in for_lead
    # The Southampton lead's agency is not in it.
    other = panel(users["other_lead"])
    assert "Spring check" not in other and "No assurance exercises yet" in other


def test_the_review_page_shows_the_panel(app, users, exercise):
    page = _page(app, users, "board_member", f"/reviews/{review().id}")
    assert "Assurance exercises" in page and f'href="/exercises/{exercise.id}"' in page
    assert f'href="/reviews/{review().id}/exercises/new"' in page
    admin_page = _page(app, users, "admin", f"/reviews/{review().id}")
    assert f'href="/exercises/{exercise.id}"' in admin_page
    assert "/exercises/new" not in admin_page


# The agency's worksheet ---------------------------------------------------------------------------------


def test_the_lead_answers_on_the_worksheet(signed_in, users, exercise):
    client = signed_in("agency_lead")
    police = agency(TVP)
    item = items_of(exercise, TVP)[0]
    evidence = add_evidence(item.action, _lead(users), title="Case audit, January")
    url = f"/exercises/{exercise.id}/agencies/{police.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Case audit, January" in page and "Evidence of implementation" in page
    assert "Add evidence on the action" in page  # the other actions have no evidence yet
    assert "Submit our return" in page

    response = client.post(
        url,
        data={
            "step": "answer",
            "item": item.id,
            f"item-{item.id}-implemented": "yes",
            f"item-{item.id}-maintained": "yes",
            f"item-{item.id}-evidence": str(evidence.id),
            # Fields that are not on the form are ignored.
            f"item-{item.id}-decision": "accepted",
            "agency_id": str(agency(MK_CSC).id),
        },
    )
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.implemented, item.maintained, item.evidence_item_ids, item.decision) == (
        True,
        True,
        [evidence.id],
        None,
    )
    assert item.answered_by_id == _lead(users).id


def test_the_worksheet_shows_what_to_correct(signed_in, exercise):
    client = signed_in("agency_lead")
    police = agency(TVP)
    item = items_of(exercise, TVP)[0]
    url = f"/exercises/{exercise.id}/agencies/{police.id}"
    response = client.post(
        url,
        data={
            "step": "answer",
            "item": item.id,
            f"item-{item.id}-implemented": "yes",
            f"item-{item.id}-maintained": "yes",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "Choose the evidence that shows the action was implemented" in page
    assert f'href="#item-{item.id}-evidence"' in page
    response = client.post(url, data={"step": "answer", "item": item.id})
    assert "Select whether the action was implemented" in response.get_data(as_text=True)

    page = client.post(url, data={"step": "return", "return-statement": "Done"}).get_data(as_text=True)
    assert "Answer every action before submitting your return" in page
    assert item.action.text.split()[0] in page
    assert db.session.execute(select(AgencyReturn)).first() is None


def test_the_lead_submits_the_return(signed_in, users, exercise):
    client = signed_in("agency_lead")
    police = agency(TVP)
    for item in items_of(exercise, TVP):
        answer_yes(item, _lead(users))
    db.session.flush()
    url = f"/exercises/{exercise.id}/agencies/{police.id}"
    response = client.post(url, data={"step": "return", "return-statement": "We audited 20 cases"})
    assert response.status_code == 302
    submitted = db.session.execute(select(AgencyReturn)).scalar_one()
    assert submitted.statement == "We audited 20 cases"
    page = client.get(url).get_data(as_text=True)
    assert "We audited 20 cases" in page and "Submit our return" not in page
    assert _forms(page) == []


def test_a_lead_cannot_answer_another_agencys_item(signed_in, exercise):
    client = signed_in("agency_lead")
    csc_item = items_of(exercise, MK_CSC)[0]
    response = client.post(
        f"/exercises/{exercise.id}/agencies/{agency(TVP).id}",
        data={"step": "answer", "item": csc_item.id, f"item-{csc_item.id}-implemented": "no"},
    )
    assert response.status_code == 404
    assert csc_item.answered_at is None


def test_a_lead_sees_only_their_own_agency(app, signed_in, users, exercise):
    csc = agency(MK_CSC)
    lead_page = signed_in("agency_lead").get(f"/exercises/{exercise.id}").get_data(as_text=True)
    assert agency(TVP).name in lead_page
    assert csc.name not in lead_page
    assert items_of(exercise, MK_CSC)[0].action.text[:60] not in lead_page
    member_page = _page(app, users, "board_member", f"/exercises/{exercise.id}")
    assert csc.name in member_page and agency(TVP).name in member_page


# The board's decisions ----------------------------------------------------------------------------------


def test_a_reviewer_accepts_and_returns_answers(app, signed_in, users, exercise):
    first, second, _ = _submit_police(users, exercise)
    client = signed_in("board_member")
    page = client.get(f"/exercises/{exercise.id}").get_data(as_text=True)
    assert f"/exercises/{exercise.id}/items/{first.id}/decision" in _forms(page)
    assert "We checked every case" in page

    url = f"/exercises/{exercise.id}/items/{first.id}/decision"
    assert client.post(url, data={f"decision-{first.id}-accept": "Accept"}).status_code == 302
    db.session.refresh(first)
    assert first.decision == "accepted"

    url = f"/exercises/{exercise.id}/items/{second.id}/decision"
    page = client.post(url, data={f"decision-{second.id}-return_item": "Return"}).get_data(as_text=True)
    assert "Give the reasons for returning it" in page
    db.session.refresh(second)
    assert second.decision is None
    data = {f"decision-{second.id}-return_item": "Return", f"decision-{second.id}-comment": "Show the re-audit"}
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(second)
    assert (second.decision, second.decision_comment) == ("returned", "Show the re-audit")

    # The lead sees the reasons and can answer that action again.
    sheet = _page(app, users, "agency_lead", f"/exercises/{exercise.id}/agencies/{agency(TVP).id}")
    assert "Show the re-audit" in sheet
    assert f'name="item" value="{second.id}"' in sheet and f'name="item" value="{first.id}"' not in sheet
    assert "Submit again" in sheet


def test_the_agency_lead_gets_no_decision_buttons(signed_in, users, exercise):
    _submit_police(users, exercise)
    page = signed_in("agency_lead").get(f"/exercises/{exercise.id}").get_data(as_text=True)
    assert not [action for action in _forms(page) if "/decision" in action]
    assert "Close the exercise" not in page


# Closing and read-only views ----------------------------------------------------------------------------


def test_closing_keeps_the_results_read_only(app, signed_in, users, exercise):
    lead = _lead(users)
    first, *_ = _submit_police(users, exercise)
    chosen = db.session.get(EvidenceItem, first.evidence_item_ids[0])
    client = signed_in("board_member")
    assert client.post(f"/exercises/{exercise.id}/close").status_code == 302
    db.session.refresh(exercise)
    assert exercise.is_closed
    # Evidence corrected afterwards does not change what the closed exercise holds.
    add_evidence(first.action, lead, title="Corrected after closing", supersedes=chosen)
    db.session.flush()
    for role in ("board_member", "admin"):
        page = _page(app, users, role, f"/exercises/{exercise.id}")
        assert "Closed</strong>" in page and chosen.title in page
        assert "Corrected after closing" not in page
        assert _forms(page) == []
    page = client.post(f"/exercises/{exercise.id}/close").get_data(as_text=True)
    assert "This exercise is closed" in page


def test_the_lead_sees_a_closed_exercise_read_only(signed_in, users, exercise):
    close_exercise(db.session, user(users["board_member"]), exercise)
    client = signed_in("agency_lead")
    url = f"/exercises/{exercise.id}/agencies/{agency(TVP).id}"
    assert _forms(client.get(url).get_data(as_text=True)) == []
    item = items_of(exercise, TVP)[0]
    response = client.post(url, data={"step": "answer", "item": item.id}, follow_redirects=True)
    assert "This exercise is closed" in response.get_data(as_text=True)
    assert item.answered_at is None


def test_the_auditor_reads_only(signed_in, users):
    runner = user(users["board_member"])
    runner.boards.append(review("bucks-baby-k").boards[0])
    db.session.flush()
    bucks = open_exercise(
        db.session, runner, review("bucks-baby-k"), title="Baby K check", deadline=clock.today() + timedelta(9)
    )
    lead = _lead(users)
    items = items_of(bucks, TVP)
    for item in items:
        answer_yes(item, lead)
    submit_return(db.session, lead, bucks, items[0].agency_id, "Police return")
    decide_item(db.session, runner, items[0], accept=True, comment=None)
    db.session.flush()
    client = signed_in("auditor")
    page = client.get(f"/exercises/{bucks.id}").get_data(as_text=True)
    assert "Baby K check" in page and "Police return" in page and "Accepted" in page
    assert _forms(page) == []
    sheet = client.get(f"/exercises/{bucks.id}/agencies/{agency(TVP).id}").get_data(as_text=True)
    assert _forms(sheet) == [] and "Police return" in sheet
    assert client.post(f"/exercises/{bucks.id}/close").status_code == 403
    assert client.post(f"/exercises/{bucks.id}/items/{items[1].id}/decision").status_code == 403


def test_text_is_escaped(signed_in, users):
    exercise = open_exercise(
        db.session,
        user(users["board_member"]),
        review(),
        title='<script>alert("x")</script>',
        deadline=clock.today() + timedelta(days=3),
    )
    item = items_of(exercise, TVP)[0]
    answer_item(
        db.session, _lead(users), item, implemented=False, maintained=False, comment="<img src=x onerror=alert(1)>"
    )
    db.session.flush()
    page = signed_in("board_member").get(f"/exercises/{exercise.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page


NASTY = ["\x00", "a\x00b", "x" * 6000, "<script>", "\u202e\u0000", "😀" * 10]


@pytest.mark.parametrize("text", NASTY)
def test_odd_input_is_refused_in_words_never_with_a_crash(signed_in, exercise, text):
    client = signed_in("agency_lead")
    item = items_of(exercise, TVP)[0]
    url = f"/exercises/{exercise.id}/agencies/{agency(TVP).id}"
    for data in (
        {"step": "answer", "item": item.id, f"item-{item.id}-implemented": "no", f"item-{item.id}-maintained": "no"}
        | {f"item-{item.id}-comment": text},
        {"step": "answer", "item": item.id, f"item-{item.id}-implemented": text, f"item-{item.id}-evidence": text},
        {"step": "return", "return-statement": text},
        {"step": text, "item": text},
    ):
        response = client.post(url, data=data)
        assert response.status_code in (200, 302, 400, 404), data
        assert "Traceback" not in response.get_data(as_text=True)
    db.session.refresh(item)
    assert item.comment is None or "\x00" not in item.comment


@pytest.mark.parametrize("text", NASTY)
def test_odd_input_to_the_board_forms(signed_in, users, text):
    client = signed_in("board_member")
    mk = review()
    response = client.post(
        f"/reviews/{mk.id}/exercises/new",
        data={"title": text, "deadline": [text, "1", "2100"], "agencies": [text]},
    )
    assert response.status_code == 200
    exercise = open_exercise(
        db.session, user(users["board_member"]), mk, title="T", deadline=clock.today() + timedelta(days=3)
    )
    items = _submit_police(users, exercise)
    url = f"/exercises/{exercise.id}/items/{items[0].id}/decision"
    response = client.post(
        url, data={f"decision-{items[0].id}-return_item": "y", f"decision-{items[0].id}-comment": text}
    )
    assert response.status_code in (200, 302)
    db.session.refresh(items[0])
    assert items[0].decision_comment is None or "\x00" not in items[0].decision_comment
