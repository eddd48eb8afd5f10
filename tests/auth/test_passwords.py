"""Passwords: the one rule for choosing them, changing one's own, and resetting a forgotten one by e-mail
(single-use links that expire, no account enumeration, no way round two-factor sign-in)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests.auth.conftest import BASE_URL, code_at, free_port, turn_on_two_factor, user
from tests.conftest import PASSWORD, sign_in
from tracker.audit import HistoryEntry
from tracker.auth.models import FailedSignIn, PasswordReset
from tracker.auth.passwords import password_problem, personal_words, verify_password
from tracker.extensions import db

NEW_PASSWORD = "otter kettle marble lantern"

# The rule ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("password123", "most common passwords"),  # on the deny list (and short)
        ("Password1234!", "most common passwords"),  # a common password with digits and symbols added
        ("qwertyuiop123", "most common passwords"),
        ("123456789012", "most common passwords"),  # a run of keys
        ("aaaaaaaaaaaaaaaa", "most common passwords"),
        ("Safeguarding2024", "the name of this service or the word safeguarding"),
        ("review action tracker!", "the name of this service"),
        ("eleven char", "at least 12 characters"),
        ("x" * 200 + "y" * 57, "no more than 256 characters"),
        ("Margaret Oyelaran-Hughes 7", "your name or your email address"),
        ("my login is m.oyelaran yes", "your name or your email address"),
        ("twelve chars", None),  # exactly 12, no composition rules
        ("correct horse battery staple", None),
        ("🦊🌈🐢 sing loudly at noon", None),  # any characters at all
        ("ÉCOLE-été-mañana-ünter", None),
        ("abc" + "defghijkmnop" * 21, None),  # 255 characters
        (" lead and trailing spaces ", None),
    ],
)
def test_the_password_rule(password, problem):
    words = personal_words("Margaret Oyelaran-Hughes", "m.oyelaran@council.example.org")
    found = password_problem(password, context_words=words)
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_short_names_are_not_refused_inside_other_words():
    assert personal_words("Al Li", "al@example.org") == ()
    assert password_problem("all the little lions", context_words=personal_words("Al Li", "al@example.org")) is None


# Changing your password ------------------------------------------------------------------------------------


def test_the_change_password_page_allows_pasting_and_showing_the_password(signed_in):
    page = signed_in("auditor").get("/account/password").get_data(as_text=True)
    assert page.count('data-module="govuk-password-input"') == 2  # GOV.UK's show/hide toggle
    assert 'autocomplete="new-password"' in page and 'autocomplete="current-password"' in page
    assert "onpaste" not in page and "At least 12 characters" in page


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(app, client, users):
    other_device = app.test_client()
    sign_in(other_device, users["auditor"])
    sign_in(client, users["auditor"])
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.headers["Location"] == "/account"
    assert "Your password has been changed" in client.get("/account").get_data(as_text=True)
    assert "/sign-in" in other_device.get("/reviews").headers["Location"]

    auditor = user(users["auditor"])
    assert verify_password(auditor.password_hash, NEW_PASSWORD) and auditor.password_changed_at is not None
    events = db.session.execute(
        select(HistoryEntry.event).where(HistoryEntry.object_id == auditor.id).order_by(HistoryEntry.id.desc())
    ).scalars()
    assert list(events)[:2] == ["sign_in.ended", "password.changed"]
    client.post("/sign-out")
    assert sign_in(client, users["auditor"], NEW_PASSWORD).status_code == 302
    assert sign_in(app.test_client(), users["auditor"], PASSWORD).status_code == 200  # the old one is refused


def test_a_wrong_current_password_is_refused_and_counted(client, users):
    sign_in(client, users["auditor"])
    page = client.post("/account/password", data={"current_password": "not it at all", "new_password": NEW_PASSWORD})
    assert "Enter your current password correctly" in page.get_data(as_text=True)
    count = select(func.count()).select_from(FailedSignIn).where(FailedSignIn.email == users["auditor"])
    assert db.session.execute(count).scalar_one() == 1
    assert verify_password(user(users["auditor"]).password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("password123", "most common passwords"),
        ("Auditor at the board", "your name or your email address"),
        (PASSWORD, "different from your current one"),
        ("short", "at least 12 characters"),
    ],
)
def test_a_new_password_that_breaks_the_rule_is_refused(client, users, new, message):
    sign_in(client, users["auditor"])
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": new})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert verify_password(user(users["auditor"]).password_hash, PASSWORD)


# A forgotten password --------------------------------------------------------------------------------------


def ask_for_link(client, email: str):
    return client.post("/password/forgotten", data={"email": email})


def test_sign_in_offers_a_way_to_reset_a_forgotten_password(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/password/forgotten"' in page and "Forgotten your password?" in page
    assert "Email address" in client.get("/password/forgotten").get_data(as_text=True)


def test_the_answer_is_the_same_whether_or_not_there_is_an_account(client, users, inbox):
    known = ask_for_link(client, users["auditor"])
    unknown = ask_for_link(client, "nobody@test.invalid")
    assert known.status_code == unknown.status_code == 200

    def without_address(response, email):
        return response.get_data(as_text=True).replace(email, "ADDRESS")

    assert without_address(known, users["auditor"]) == without_address(unknown, "nobody@test.invalid")
    assert "Check your email" in known.get_data(as_text=True)
    assert [m["to"] for m in inbox.messages] == [[users["auditor"]]]


def test_the_link_sets_a_new_password_once(app, client, users, inbox):
    ask_for_link(client, users["auditor"])
    [message] = inbox.messages
    assert message["subject"] == "Set a new password for Review Action Tracker"
    assert "works once, for 1 hour" in message["body"]
    link = inbox.reset_link(users["auditor"])
    assert link.startswith(BASE_URL + "/password/reset/")
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits, base64
    # Only the token's hash is stored.
    [reset] = db.session.execute(
        select(PasswordReset).where(PasswordReset.user_id == user(users["auditor"]).id)
    ).scalars()
    assert reset.token_hash == hashlib.sha256(token.encode()).hexdigest()

    visitor = app.test_client()
    opened = visitor.get(urlsplit(link).path)
    assert opened.status_code == 302 and opened.headers["Location"] == "/password/reset"  # the token leaves the URL
    page = visitor.get("/password/reset").get_data(as_text=True)
    assert "Set a new password" in page and 'data-module="govuk-password-input"' in page
    weak = visitor.post("/password/reset", data={"new_password": "password123"})
    assert "most common passwords" in weak.get_data(as_text=True)
    done = visitor.post("/password/reset", data={"new_password": NEW_PASSWORD})
    assert done.headers["Location"] == "/sign-in"
    assert "Sign in with your new password" in visitor.get("/sign-in").get_data(as_text=True)
    # Nobody was signed in by it.
    assert "/sign-in" in visitor.get("/reviews").headers["Location"]
    assert verify_password(user(users["auditor"]).password_hash, NEW_PASSWORD)

    # The same link again does nothing.
    again = app.test_client().get(urlsplit(link).path)
    assert again.status_code == 400 and "This link does not work" in again.get_data(as_text=True)
    assert visitor.post("/password/reset", data={"new_password": "another good passphrase"}).status_code == 400
    assert verify_password(user(users["auditor"]).password_hash, NEW_PASSWORD)


def test_an_expired_link_is_refused(client, users, inbox, frozen):
    ask_for_link(client, users["auditor"])
    path = urlsplit(inbox.reset_link(users["auditor"])).path
    frozen.move(minutes=61)
    response = client.get(path)
    assert response.status_code == 400 and "This link does not work" in response.get_data(as_text=True)


def test_a_link_opened_in_time_stops_working_when_it_expires(client, users, inbox, frozen):
    ask_for_link(client, users["auditor"])
    client.get(urlsplit(inbox.reset_link(users["auditor"])).path)
    frozen.move(minutes=61)
    assert client.post("/password/reset", data={"new_password": NEW_PASSWORD}).status_code == 400
    assert verify_password(user(users["auditor"]).password_hash, PASSWORD)


def test_asking_again_stops_the_earlier_link_working(client, users, inbox):
    ask_for_link(client, users["auditor"])
    first = urlsplit(inbox.reset_link(users["auditor"])).path
    ask_for_link(client, users["auditor"])
    second = urlsplit(inbox.reset_link(users["auditor"])).path
    assert first != second
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 302


def test_at_most_three_links_an_hour(client, users, inbox, frozen):
    for _ in range(5):
        ask_for_link(client, users["auditor"])
    assert len(inbox.messages) == 3
    frozen.move(minutes=61)
    ask_for_link(client, users["auditor"])
    assert len(inbox.messages) == 4


def test_no_link_for_a_deactivated_account(client, users, inbox):
    auditor = user(users["auditor"])
    auditor.is_active_account = False
    db.session.commit()
    assert "Check your email" in ask_for_link(client, users["auditor"]).get_data(as_text=True)
    assert inbox.messages == []


def test_a_mail_server_that_is_down_gives_the_same_answer(app, client, users, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    response = ask_for_link(client, users["auditor"])
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert "1 waiting, next try at" in caplog.text  # the mail waits in the outbox


def test_a_reset_ends_every_session_of_the_account(app, client, users, inbox):
    signed_in_elsewhere = app.test_client()
    sign_in(signed_in_elsewhere, users["auditor"])
    ask_for_link(client, users["auditor"])
    client.get(urlsplit(inbox.reset_link(users["auditor"])).path)
    client.post("/password/reset", data={"new_password": NEW_PASSWORD})
    assert "/sign-in" in signed_in_elsewhere.get("/reviews").headers["Location"]
    auditor = user(users["auditor"])
    events = db.session.execute(select(HistoryEntry.event).where(HistoryEntry.object_id == auditor.id)).scalars()
    assert {"password.reset_requested", "password.reset", "sign_in.ended"} <= set(events)


def test_a_reset_does_not_get_round_two_factor_sign_in(client, users, inbox, frozen):
    secret, _ = turn_on_two_factor(users["board_member"])
    ask_for_link(client, users["board_member"])
    client.get(urlsplit(inbox.reset_link(users["board_member"])).path)
    assert "and a code from your authenticator app" in client.get("/password/reset").get_data(as_text=True)
    client.post("/password/reset", data={"new_password": NEW_PASSWORD})

    response = sign_in(client, users["board_member"], NEW_PASSWORD)
    assert response.headers["Location"] == "/sign-in/code"
    assert "/sign-in" in client.get("/reviews").headers["Location"]
    frozen.move(seconds=30)
    assert client.post("/sign-in/code", data={"code": code_at(secret, frozen())}).headers["Location"] == "/home"


def test_the_forgotten_password_form_needs_a_csrf_token(app, client, users, monkeypatch, inbox):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert ask_for_link(client, users["auditor"]).status_code == 400
    assert inbox.messages == []
