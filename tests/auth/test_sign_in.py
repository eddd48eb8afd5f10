"""Signing in and out: generic failures, throttling, safe redirects, sessions that really end."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, make_app, sign_in
from tracker.auth.models import User
from tracker.config import InsecureConfiguration
from tracker.extensions import db


def test_agency_lead_lands_on_their_home_page(client, users):
    response = sign_in(client, users["agency_lead"])
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    page = client.get("/home").get_data(as_text=True)
    assert "What is waiting for you" in page and "Returned to your agency" in page
    assert "Thames Valley Police" in page


def test_board_member_lands_on_their_home_page(client, users):
    assert sign_in(client, users["board_member"]).headers["Location"] == "/home"


def test_wrong_password_and_unknown_account_get_the_same_answer(client, users):
    wrong = sign_in(client, users["agency_lead"], "not the password at all")
    unknown = sign_in(client, "nobody@test.invalid", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        body = response.get_data(as_text=True)
        assert "Enter a correct email address and password" in body
        assert "There is a problem" in body  # the error summary


def test_empty_form_lists_each_problem(client, users):
    body = client.post("/sign-in", data={}).get_data(as_text=True)
    assert "Enter your email address" in body and "Enter your password" in body


def test_too_many_failures_are_throttled_even_with_the_right_password(client, users, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        sign_in(client, users["agency_lead"], "wrong password here")
    response = sign_in(client, users["agency_lead"])
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.get_data(as_text=True)


def test_password_is_hashed_with_argon2id(app, users):
    user = db.session.execute(select(User).where(User.email == users["admin"])).scalar_one()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site(client, users, target):
    response = client.post(f"/sign-in?next={target}", data={"email": users["admin"], "password": PASSWORD})
    assert response.headers["Location"] == "/home"


def test_next_within_the_site_is_followed(client, users):
    response = client.post("/sign-in?next=/export", data={"email": users["admin"], "password": PASSWORD})
    assert response.headers["Location"] == "/export"


def test_signing_out_ends_the_session_on_the_server(app, client, users):
    sign_in(client, users["auditor"])
    cookie = client.get_cookie("session")
    assert client.get("/reviews").status_code == 200
    client.post("/sign-out")
    # Replay the copied cookie in a new client: it must no longer be signed in.
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    response = thief.get("/reviews")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_sign_in_starts_a_fresh_session(client, users):
    with client.session_transaction() as session:
        session["planted"] = "value from before sign-in"
    sign_in(client, users["auditor"])
    with client.session_transaction() as session:
        assert "planted" not in session


def test_sign_out_is_post_only(signed_in):
    client = signed_in("auditor")
    assert client.get("/sign-out").status_code == 405


def test_forms_need_a_csrf_token(client, users, monkeypatch, app):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/sign-in", data={"email": users["admin"], "password": PASSWORD})
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)


def test_production_cookies_are_secure(tmp_path):
    app = make_app(
        tmp_path,
        ENV_NAME="production",
        SECRET_KEY="x" * 40,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite3'}",
    )
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.config["ALLOW_DEMO_ACCOUNTS"]


@pytest.mark.parametrize("overrides", [{"SECRET_KEY": "short"}, {"SECRET_KEY": "x" * 40, "DEBUG": True}])
def test_production_refuses_to_start_insecurely(tmp_path, overrides):
    with pytest.raises(InsecureConfiguration):
        make_app(
            tmp_path,
            ENV_NAME="production",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite3'}",
            **overrides,
        )


def test_real_configurations_hash_at_full_strength(tmp_path):
    from argon2 import extract_parameters

    from tracker.auth.passwords import hash_password

    app = make_app(tmp_path, ENV_NAME="development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'd.sqlite3'}")
    with app.app_context():
        parameters = extract_parameters(hash_password("a long enough passphrase"))
    assert (parameters.memory_cost, parameters.time_cost) == (65536, 3)  # RFC 9106 low-memory profile


def test_weaker_hash_is_upgraded_at_sign_in(app, client, users, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASHING", "argon2id")
    sign_in(client, users["auditor"])
    user = db.session.execute(select(User).where(User.email == users["auditor"])).scalar_one()
    db.session.refresh(user)
    assert "m=65536,t=3" in user.password_hash
