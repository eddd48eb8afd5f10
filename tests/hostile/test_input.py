"""Hostile and clumsy input answers 404 or a form error in words, never a server error (issue 9)."""

from __future__ import annotations

import ast

import pytest
from sqlalchemy import select

from tests.actions.helpers import police_action, user
from tests.auth.conftest import turn_on_two_factor
from tests.conftest import ROOT, sign_in
from tracker.auth.models import User
from tracker.extensions import db
from tracker.ids import MAX_ID, page_arg, parse_id
from tracker.text import TextRefused, clean

HOSTILE_NUMBERS = ["9223372036854775808", "99999999999999999999", str(MAX_ID + 1), "0", "-1", "²", "١٢", "1e3"]


@pytest.mark.parametrize("text", [*HOSTILE_NUMBERS, "abc", "", "1.0", "0x10", "07x"])
def test_only_ascii_ids_in_range_are_ids(text):
    assert parse_id(text) is None


def test_ids_at_the_edges():
    assert parse_id("1") == 1 and parse_id(str(MAX_ID)) == MAX_ID and parse_id(MAX_ID + 1) is None


@pytest.mark.parametrize("number", ["9223372036854775808", "99999999999999999999", str(MAX_ID + 1), "0", "%C2%B2"])
@pytest.mark.parametrize(
    "template", ["/actions/{}", "/evidence/files/{}", "/reviews/{}", "/people/{}", "/reports/boards/{}"]
)
def test_out_of_range_ids_in_the_address_are_not_found(signed_in, template, number):
    client = signed_in("admin")
    response = client.get(template.format(number))
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["99999999999999999999", "²", "١٢", "-5", "abc"])
def test_silly_page_numbers_show_a_page(signed_in, page):
    client = signed_in("admin")
    response = client.get("/people", query_string={"page": page, "board": page, "agency": page})
    assert response.status_code == 200
    assert "<h1" in response.get_data(as_text=True)


def test_page_numbers_are_bounded(app):
    with app.test_request_context("/?page=99999999999999999999"):
        assert page_arg(last=3) == 3
    with app.test_request_context("/?page=%D9%A1"):
        assert page_arg() == 1


@pytest.mark.parametrize("owner", ["abc", "²", "١٢", "99999999999999999999"])
def test_a_bad_owner_is_a_form_error(signed_in, owner):
    client = signed_in("board_member")
    action = police_action()
    response = client.post(
        f"/actions/{action.id}/plan", data={"version": str(action.version), "owner": owner, "due_date": ["", "", ""]}
    )
    assert response.status_code in (409, 422)
    assert "Choose an owner who works for the agency" in response.get_data(as_text=True)


def test_a_nul_in_a_measure_of_success_is_refused_in_words(signed_in):
    client = signed_in("board_member")
    action = police_action()
    response = client.post(
        f"/actions/{action.id}/plan",
        data={"version": str(action.version), "owner": "", "success_measure": "Audit\x00 of files"},
    )
    assert response.status_code == 422
    assert "must not contain a NUL character" in response.get_data(as_text=True)
    db.session.refresh(action)
    assert action.success_measure != "Audit\x00 of files"


def test_services_refuse_control_characters_too():
    assert clean("two\nlines\tand a tab") == "two\nlines\tand a tab"
    with pytest.raises(TextRefused, match="must not contain control characters"):
        clean("bell\x07")
    with pytest.raises(TextRefused, match="must be on one line"):
        clean("a\r\nb", multiline=False)


def test_a_nul_that_reaches_the_database_is_refused_before_it(app, users):
    person = user(users["auditor"])
    person.name = "Auditor\x00"
    with pytest.raises(TextRefused):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("target", ["/reviews\r\nSet-Cookie: x=1", "/people\nX: y", "/a\x00b", "/a\x85b"])
def test_next_with_control_characters_is_dropped(client, users, target):
    response = client.post(
        "/sign-in",
        query_string={"next": target},
        data={"email": users["board_member"], "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"  # dropped: the landing page instead


def test_staying_signed_in_ignores_a_bad_next(signed_in):
    client = signed_in("auditor")
    response = client.post("/session/extend", data={"next": "/reports\r\nX: y"})
    assert response.status_code == 302 and "\n" not in response.headers["Location"]


@pytest.mark.parametrize("code", ["١٢٣٤٥٦", "１２３４５６", "12345²", "abcdef"])
def test_two_factor_codes_in_other_digits_are_explained(app, client, users, code):
    turn_on_two_factor(users["board_member"])
    db.session.commit()
    assert sign_in(client, users["board_member"]).headers["Location"] == "/sign-in/code"
    response = client.post("/sign-in/code", data={"code": code})
    assert response.status_code == 200
    assert "digits 0 to 9 only" in response.get_data(as_text=True)


def test_recovery_codes_in_other_letters_are_explained(app, client, users):
    turn_on_two_factor(users["board_member"])
    db.session.commit()
    sign_in(client, users["board_member"])
    response = client.post("/sign-in/recovery", data={"code": "ａｂｃｄｅ-fghij"})
    assert response.status_code == 200
    assert "only the letters a to z" in response.get_data(as_text=True)


def test_the_error_page_renders_after_a_failed_statement(app, signed_in, users, monkeypatch):
    """A statement the database refuses leaves the session needing a rollback; the error page (which loads
    the signed-in user) still renders, because the handler rolls back first."""
    client = signed_in("admin")

    def broken_view():
        someone = db.session.execute(select(User).limit(1)).scalar_one()
        db.session.add(User(email=someone.email, name="Copy", role="auditor", password_hash="x"))
        db.session.flush()  # IntegrityError: the e-mail address is unique

    monkeypatch.setitem(app.view_functions, "reviews.index", broken_view)
    response = client.get("/reviews")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in body and "Traceback" not in body


def test_form_validators_raise_what_wtforms_turns_into_a_message():
    """WTForms shows a ``ValidationError`` from a ``validate_<field>`` method as the field's error, but lets a
    bare ``ValueError`` through as a server error (an agency "abc" on the invitation form was a 500)."""
    wrong = []
    for path in (ROOT / "tracker").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("validate_"):
                for raised in ast.walk(node):
                    if isinstance(raised, ast.Raise) and isinstance(raised.exc, ast.Call):
                        name = getattr(raised.exc.func, "id", getattr(raised.exc.func, "attr", ""))
                        if name == "ValueError":
                            wrong.append(f"{path}:{raised.lineno} {node.name}")
    assert wrong == []
