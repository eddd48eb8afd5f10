"""The sign-in throttle slows guessing without locking a named person out (issue 9, ASVS 6.3.1)."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from tests.auth.conftest import code_at, turn_on_two_factor
from tests.conftest import PASSWORD, make_app, scratch_database
from tracker import audit, clock
from tracker.auth.models import FailedSignIn
from tracker.extensions import db

WRONG = "not the password at all"
ATTACKER = "203.0.113.66"
HOME = "198.51.100.7"


def attempt(client, email: str, password: str, ip: str, **headers):
    return client.post(
        "/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}, headers=headers
    )


def fail(client, email: str, ip: str, times: int = 1) -> None:
    for _ in range(times):
        assert attempt(client, email, WRONG, ip).status_code == 200


def test_one_address_guessing_is_throttled_even_with_the_right_password(client, users):
    fail(client, users["auditor"], ATTACKER, 10)
    response = attempt(client, users["auditor"], PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.get_data(as_text=True)


def test_the_person_still_signs_in_from_an_address_that_has_not_failed(app, client, users):
    fail(client, users["auditor"], ATTACKER, 10)
    response = attempt(app.test_client(), users["auditor"], PASSWORD, HOME)
    assert response.status_code == 302 and response.headers["Location"] == "/home"


def spread_attack(client, email: str) -> list[str]:
    addresses = [f"203.0.113.{n}" for n in range(1, 11)]
    for address in addresses:
        fail(client, email, address)
    return addresses


def test_a_spread_attack_holds_a_bare_password_from_failed_addresses_but_not_from_clean_ones(app, client, users):
    addresses = spread_attack(client, users["auditor"])
    wrong = attempt(client, users["auditor"], WRONG, addresses[0])
    held = attempt(client, users["auditor"], PASSWORD, addresses[0])
    # The held correct password gets exactly the answer of a wrong one: no hint that it was right.
    assert held.status_code == wrong.status_code == 200
    assert held.get_data() == wrong.get_data()
    assert "sign_in.held" in [e.event for e in db.session.execute(select(audit.HistoryEntry)).scalars()]
    clean = attempt(app.test_client(), users["auditor"], PASSWORD, HOME)
    assert clean.status_code == 302


def test_under_attack_a_valid_second_factor_still_signs_in_from_a_failed_address(client, users):
    secret, _ = turn_on_two_factor(users["board_member"])
    addresses = spread_attack(client, users["board_member"])
    response = attempt(client, users["board_member"], PASSWORD, addresses[0])
    assert response.headers["Location"] == "/sign-in/code"
    code = client.post(
        "/sign-in/code", data={"code": code_at(secret, clock.now(), 1)}, environ_base={"REMOTE_ADDR": addresses[0]}
    )
    assert code.status_code == 302 and code.headers["Location"] == "/home"


def test_wrong_codes_are_limited_per_account_from_every_address(client, users):
    secret, _ = turn_on_two_factor(users["board_member"])
    for n in range(10):
        other = type(client)(client.application)
        address = f"192.0.2.{n + 1}"
        assert attempt(other, users["board_member"], PASSWORD, address).headers["Location"] == "/sign-in/code"
        other.post("/sign-in/code", data={"code": "000000"}, environ_base={"REMOTE_ADDR": address})
    fresh = type(client)(client.application)
    assert attempt(fresh, users["board_member"], PASSWORD, HOME).headers["Location"] == "/sign-in/code"
    response = fresh.post(
        "/sign-in/code", data={"code": code_at(secret, clock.now(), 1)}, environ_base={"REMOTE_ADDR": HOME}
    )
    assert response.status_code == 429


def test_spraying_many_accounts_from_one_address_is_throttled(app, client, users, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_IP", 4)
    for role in ("admin", "board_member", "agency_lead", "other_lead"):  # one guess at each of four people
        fail(client, users[role], ATTACKER)
    assert attempt(client, users["auditor"], PASSWORD, ATTACKER).status_code == 429
    assert attempt(app.test_client(), users["auditor"], PASSWORD, HOME).status_code == 302


def test_signing_in_forgives_only_the_failures_from_its_own_address(app, client, users):
    fail(client, users["auditor"], ATTACKER, 8)
    fail(client, users["auditor"], HOME)  # a mistype at home; the account is not yet under attack (9 < 10)
    assert attempt(app.test_client(), users["auditor"], PASSWORD, HOME).status_code == 302
    fail(client, users["auditor"], ATTACKER, 2)
    assert attempt(client, users["auditor"], PASSWORD, ATTACKER).status_code == 429


def test_x_forwarded_for_is_ignored_when_no_proxy_is_trusted(app, client, users):
    assert app.config["TRUSTED_PROXY_COUNT"] == 0
    for n in range(10):
        response = attempt(client, users["auditor"], WRONG, ATTACKER, **{"X-Forwarded-For": f"10.0.0.{n}"})
        assert response.status_code == 200
    rows = db.session.execute(select(FailedSignIn).where(FailedSignIn.email == users["auditor"])).scalars().all()
    assert {row.ip_address for row in rows} == {ATTACKER}
    history = db.session.execute(select(audit.HistoryEntry).where(audit.HistoryEntry.event == "sign_in.failed"))
    assert {entry.ip_address for entry in history.scalars()} == {ATTACKER}
    # A new forged address changes nothing: the attacker's own address is throttled.
    forged = attempt(client, users["auditor"], PASSWORD, ATTACKER, **{"X-Forwarded-For": "10.9.9.9"})
    assert forged.status_code == 429


@pytest.mark.parametrize(("proxies", "expected"), [(1, "192.0.2.44"), (0, "127.0.0.9")])
def test_behind_a_trusted_proxy_the_real_client_address_is_used(tmp_path, proxies, expected):
    with scratch_database(tmp_path) as url:
        proxied = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url, TRUSTED_PROXY_COUNT=proxies)
        with proxied.app_context():
            upgrade()
            db.session.remove()
        response = proxied.test_client().post(
            "/sign-in",
            data={"email": "nobody@test.invalid", "password": WRONG},
            environ_base={"REMOTE_ADDR": "127.0.0.9"},
            headers={"X-Forwarded-For": "192.0.2.44", "X-Forwarded-Proto": "https"},
        )
        assert response.status_code == 200
        with proxied.app_context():
            row = db.session.execute(select(FailedSignIn)).scalar_one()
            entry = db.session.execute(select(audit.HistoryEntry).where(audit.HistoryEntry.event == "sign_in.failed"))
            assert row.ip_address == entry.scalar_one().ip_address == expected
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("forwarded", ["x" * 100, "not an address", "192.0.2.44\x7f", "1.2.3.4, ::::"])
def test_a_forwarded_value_that_is_not_an_address_is_not_believed(tmp_path, forwarded):
    # With a hop count one too high the client's own header reaches ProxyFix: whatever it says must not be
    # stored (PostgreSQL refused a 100-character "address" in the 64-character column with a 500).
    with scratch_database(tmp_path) as url:
        proxied = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url, TRUSTED_PROXY_COUNT=1)
        with proxied.app_context():
            upgrade()
            db.session.remove()
        response = proxied.test_client().post(
            "/sign-in",
            data={"email": "nobody@test.invalid", "password": WRONG},
            environ_base={"REMOTE_ADDR": "127.0.0.9"},
            headers={"X-Forwarded-For": forwarded},
        )
        assert response.status_code == 200
        with proxied.app_context():
            row = db.session.execute(select(FailedSignIn)).scalar_one()
            assert row.ip_address == "127.0.0.9"
            db.session.remove()
            db.engine.dispose()
