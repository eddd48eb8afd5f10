"""Sessions: the idle and absolute limits, the warning before the idle limit with its "Stay signed in"
button, and signing in again before a sensitive step."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.auth.conftest import code_at, turn_on_two_factor, user
from tests.conftest import sign_in
from tracker.actions.models import Action
from tracker.audit import HistoryEntry
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review


def police_action_id() -> int:
    return db.session.execute(
        select(Action.id)
        .join(Review)
        .join(Agency, Action.agency_id == Agency.id)
        .where(Review.ref == "mk-child-j", Agency.key == "thames-valley-police")
        .limit(1)
    ).scalar_one()


def is_signed_out(response) -> bool:
    return response.status_code == 302 and "/sign-in" in response.headers["Location"]


# The limits ------------------------------------------------------------------------------------------------


def test_a_session_idle_for_31_minutes_ends(client, users, frozen):
    sign_in(client, users["auditor"])
    frozen.move(minutes=31)
    response = client.get("/reviews")
    assert is_signed_out(response)
    assert response.headers["Location"] == "/sign-in?next=/reviews"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out because you had not done anything for 30 minutes" in page
    # The session really ended: going back does not work either.
    assert is_signed_out(client.get("/reviews"))


def test_the_idle_limit_slides_with_each_request(client, users, frozen):
    sign_in(client, users["auditor"])
    for _ in range(4):
        frozen.move(minutes=29)
        assert client.get("/reviews").status_code == 200


def test_a_session_ends_12_hours_after_signing_in_however_busy(client, users, frozen):
    sign_in(client, users["auditor"])
    for _ in range(36):  # every 20 minutes for 12 hours
        frozen.move(minutes=20)
        assert client.get("/reviews").status_code == 200
    frozen.move(minutes=1)
    response = client.get("/reviews")
    assert is_signed_out(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out because you signed in more than 12 hours ago" in page


def test_a_post_after_the_limit_changes_nothing(client, users, frozen):
    sign_in(client, users["board_member"])
    frozen.move(minutes=31)
    response = client.post(f"/actions/{police_action_id()}/plan", data={})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"


def test_the_limits_come_from_the_configuration(app, client, users, frozen, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    sign_in(client, users["auditor"])
    frozen.move(minutes=6)
    assert is_signed_out(client.get("/reviews"))


# The warning -----------------------------------------------------------------------------------------------


def test_the_warning_is_on_every_signed_in_page(frozen, signed_in):
    client = signed_in("auditor")
    for path in ("/reviews", "/export", "/account"):
        page = client.get(path).get_data(as_text=True)
        container = re.search(r'<div id="app-session-timeout"[^>]*>', page).group(0)
        assert 'data-idle-seconds="1800"' in container and 'data-warning-seconds="120"' in container
        assert 'data-absolute-seconds="43200"' in container
        assert '<dialog class="app-timeout-dialog"' in page
        assert 'action="/session/extend"' in page and "Stay signed in" in page
    # The idle time starts again with each page; the absolute time counts from signing in.
    for _ in range(9):
        frozen.move(minutes=20)
        page = client.get("/reviews").get_data(as_text=True)
    assert 'data-idle-seconds="1800"' in page
    assert 'data-absolute-seconds="32400"' in page


def test_no_warning_for_people_not_signed_in(client):
    assert "app-session-timeout" not in client.get("/sign-in").get_data(as_text=True)


def test_staying_signed_in_restarts_the_idle_limit(client, users, frozen):
    sign_in(client, users["auditor"])
    frozen.move(minutes=28)
    response = client.post("/session/extend", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json() == {"idle_seconds": 1800, "absolute_seconds": 43200 - 28 * 60}
    frozen.move(minutes=28)
    assert client.get("/reviews").status_code == 200


def test_without_javascript_stay_signed_in_returns_to_the_page(client, users, frozen):
    sign_in(client, users["auditor"])
    frozen.move(minutes=28)
    response = client.post("/session/extend", data={"next": "/export"})
    assert response.headers["Location"] == "/export"
    evil = client.post("/session/extend", data={"next": "//evil.example/"})
    assert evil.headers["Location"] == "/home"


def test_stay_signed_in_after_the_limit_does_not_bring_the_session_back(client, users, frozen):
    sign_in(client, users["auditor"])
    frozen.move(minutes=31)
    assert is_signed_out(client.post("/session/extend", headers={"Accept": "application/json"}))
    assert is_signed_out(client.get("/reviews"))


def test_stay_signed_in_needs_the_csrf_token(app, client, users, monkeypatch):
    sign_in(client, users["auditor"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/session/extend", headers={"Accept": "application/json"}).status_code == 400
    page = client.get("/reviews").get_data(as_text=True)
    token = re.search(r'/session/extend">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/session/extend", headers={"Accept": "application/json", "X-CSRFToken": token})
    assert response.status_code == 200


def test_stay_signed_in_is_post_only(signed_in):
    assert signed_in("auditor").get("/session/extend").status_code == 405


# Signing in again for sensitive steps ----------------------------------------------------------------------


def test_a_sign_off_in_a_session_that_is_not_fresh_asks_for_the_password_first(client, users, frozen):
    action_id = police_action_id()
    sign_in(client, users["board_member"])
    frozen.move(minutes=16)
    response = client.post(f"/actions/{action_id}/decision", data={"decision": "accept"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in/confirm?next=/actions/{action_id}"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Confirm it is you" in page and "You signed in more than 15 minutes ago" in page
    assert "Code from your authenticator app" not in page  # two-factor sign-in is off for this person

    wrong = client.post(response.headers["Location"], data={"password": "not my password at all"})
    assert "Enter your correct password" in wrong.get_data(as_text=True)
    done = client.post(response.headers["Location"], data={"password": "correct horse battery staple"})
    assert done.headers["Location"] == f"/actions/{action_id}"
    assert "Now make your change again" in client.get(done.headers["Location"]).get_data(as_text=True)
    # Fresh now: the decision reaches the rules (an empty form is refused with its errors).
    assert client.post(f"/actions/{action_id}/decision", data={}).status_code == 422
    member = user(users["board_member"])
    confirmed = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.event == "sign_in.confirmed", HistoryEntry.actor_id == member.id)
    ).scalars()
    assert len(list(confirmed)) == 1


def test_a_fresh_session_signs_off_without_being_asked(client, users, frozen):
    sign_in(client, users["board_member"])
    frozen.move(minutes=14)
    assert client.post(f"/actions/{police_action_id()}/decision", data={}).status_code == 422


def test_confirming_asks_for_a_code_when_two_factor_is_on(client, users, frozen):
    secret, _ = turn_on_two_factor(users["board_member"])
    sign_in(client, users["board_member"])
    frozen.move(seconds=30)
    client.post("/sign-in/code", data={"code": code_at(secret, frozen())})
    frozen.move(minutes=20)
    response = client.get("/account/two-factor/setup")
    assert response.headers["Location"] == "/sign-in/confirm?next=/account/two-factor/setup"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Code from your authenticator app" in page
    url = response.headers["Location"]
    password = "correct horse battery staple"
    assert "Enter the code from your authenticator app" in client.post(url, data={"password": password}).get_data(
        as_text=True
    )
    wrong = client.post(url, data={"password": password, "code": "000000"}).get_data(as_text=True)
    assert "Enter a correct code from your authenticator app" in wrong
    done = client.post(url, data={"password": password, "code": code_at(secret, frozen())})
    assert done.headers["Location"] == "/account/two-factor/setup"


def test_a_get_comes_back_to_the_same_page_after_confirming(client, users, frozen):
    sign_in(client, users["auditor"])
    frozen.move(minutes=16)
    response = client.get("/account/two-factor/setup")
    done = client.post(response.headers["Location"], data={"password": "correct horse battery staple"})
    assert done.headers["Location"] == "/account/two-factor/setup"
    assert client.get("/account/two-factor/setup").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_confirming_never_leaves_the_site(client, users, target):
    sign_in(client, users["auditor"])
    done = client.post(f"/sign-in/confirm?next={target}", data={"password": "correct horse battery staple"})
    assert done.headers["Location"] == "/home"


def test_wrong_passwords_when_confirming_count_towards_the_limit(app, client, users):
    sign_in(client, users["auditor"])
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/sign-in/confirm", data={"password": "wrong password again"})
    response = client.post("/sign-in/confirm", data={"password": "correct horse battery staple"})
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.get_data(as_text=True)


def test_an_evidence_pack_in_a_session_that_is_not_fresh_asks_for_the_password_first(client, users, frozen):
    sign_in(client, users["auditor"])
    assert client.get("/packs").status_code == 200
    frozen.move(minutes=16)
    response = client.post("/packs", data={"scope": "board"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in/confirm?next=/packs")
