"""Two-factor sign-in: setting it up, the second step with a code or a recovery code, replays and guesses
refused, an administrator's reset, and the configuration that requires it."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import func, select

from tests.auth.conftest import code_at, turn_on_two_factor, user
from tests.conftest import PASSWORD, make_app, sign_in
from tracker.audit import HistoryEntry
from tracker.auth.models import RecoveryCode
from tracker.config import InsecureConfiguration
from tracker.extensions import db


def history(event: str, user_id: int) -> list[HistoryEntry]:
    return list(
        db.session.execute(
            select(HistoryEntry).where(HistoryEntry.event == event, HistoryEntry.object_id == user_id)
        ).scalars()
    )


def secret_on_page(body: str) -> str:
    return re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7]+)</code>', body).group(1)


# Setting it up ---------------------------------------------------------------------------------------------


def test_setting_up_shows_a_secret_and_a_qr_code_and_needs_a_right_code(signed_in, users, frozen):
    client = signed_in("agency_lead")
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    secret = secret_on_page(page)
    assert len(secret) >= 32  # 160 bits
    assert 'src="data:image/svg+xml' in page  # the QR code, made on the server
    assert "Code from your authenticator app" in page and "Turn on two-factor sign-in" in page
    # Reloading keeps the same secret: what was scanned still works.
    assert secret_on_page(client.get("/account/two-factor/setup").get_data(as_text=True)) == secret

    wrong = client.post("/account/two-factor/setup", data={"code": "000000"}).get_data(as_text=True)
    assert "Enter the code your authenticator app shows now" in wrong
    assert user(users["agency_lead"]).totp_enabled_at is None

    done = client.post("/account/two-factor/setup", data={"code": code_at(secret, frozen())})
    body = done.get_data(as_text=True)
    assert done.status_code == 200
    codes = re.findall(r'<code class="app-recovery-code">([a-z0-9-]+)</code>', body)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "Continue" in body and "This is the only time you will see these codes" in body

    lead = user(users["agency_lead"])
    assert lead.totp_enabled_at is not None and lead.totp_secret == secret
    stored = db.session.execute(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == lead.id)).scalars().all()
    # Only SHA-256 hashes are kept, never the codes themselves.
    normal = {hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes}
    assert set(stored) == normal
    assert not set(stored) & set(codes)
    assert len(history("two_factor.turned_on", lead.id)) == 1
    # The person stays signed in; the page never shows the codes again.
    again = client.get("/account/two-factor/setup").get_data(as_text=True)
    assert "Two-factor sign-in is on" in again and not re.search(r"app-recovery-code", again)


def test_turning_it_on_ends_the_persons_other_sessions(app, client, users, frozen):
    other_device = app.test_client()
    sign_in(other_device, users["auditor"])
    sign_in(client, users["auditor"])
    secret = secret_on_page(client.get("/account/two-factor/setup").get_data(as_text=True))
    client.post("/account/two-factor/setup", data={"code": code_at(secret, frozen())})
    assert client.get("/reviews").status_code == 200
    assert "/sign-in" in other_device.get("/reviews").headers["Location"]


# The second step -------------------------------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in_when_two_factor_is_on(client, users, frozen):
    secret, _ = turn_on_two_factor(users["board_member"])
    response = sign_in(client, users["board_member"])
    assert response.headers["Location"] == "/sign-in/code"
    # Not signed in yet: nothing else opens.
    assert "/sign-in" in client.get("/reviews").headers["Location"]
    page = client.get("/sign-in/code").get_data(as_text=True)
    assert "Code from your authenticator app" in page and "Use a recovery code instead" in page
    assert 'href="/sign-in/recovery"' in page

    frozen.move(seconds=30)
    done = client.post("/sign-in/code", data={"code": code_at(secret, frozen())})
    assert done.headers["Location"] == "/home"
    assert client.get("/reviews").status_code == 200
    member = user(users["board_member"])
    assert [e.summary for e in history("sign_in.succeeded", member.id)][-1].endswith("authenticator app")


def test_next_is_kept_through_the_second_step(client, users, frozen):
    secret, _ = turn_on_two_factor(users["board_member"])
    client.post("/sign-in?next=/export", data={"email": users["board_member"], "password": PASSWORD})
    frozen.move(seconds=30)
    assert client.post("/sign-in/code", data={"code": code_at(secret, frozen())}).headers["Location"] == "/export"


def test_codes_one_step_either_side_are_accepted_but_not_two(client, users, frozen):
    secret, _ = turn_on_two_factor(users["board_member"])
    frozen.move(minutes=5)
    sign_in(client, users["board_member"])
    for steps in (-2, 2):
        page = client.post("/sign-in/code", data={"code": code_at(secret, frozen(), steps)}).get_data(as_text=True)
        assert "Enter a correct code from your authenticator app" in page
    assert client.post("/sign-in/code", data={"code": code_at(secret, frozen(), -1)}).status_code == 302


def test_a_code_works_only_once(app, client, users, frozen):
    secret, _ = turn_on_two_factor(users["board_member"])
    frozen.move(seconds=30)
    code = code_at(secret, frozen())
    sign_in(client, users["board_member"])
    assert client.post("/sign-in/code", data={"code": code}).status_code == 302

    # Someone who saw the code (and knows the password) tries it within the same 30 seconds.
    thief = app.test_client()
    sign_in(thief, users["board_member"])
    replay = thief.post("/sign-in/code", data={"code": code})
    assert replay.status_code == 200
    assert "Each code works once" in replay.get_data(as_text=True)
    assert "/sign-in" in thief.get("/reviews").headers["Location"]
    # An earlier code, still inside the window, is refused too: only later steps count.
    assert thief.post("/sign-in/code", data={"code": code_at(secret, frozen(), -1)}).status_code == 200
    member = user(users["board_member"])
    assert len(history("sign_in.code_failed", member.id)) == 2


def test_wrong_codes_are_throttled_with_the_password_failures(app, client, users, frozen):
    secret, _ = turn_on_two_factor(users["board_member"])
    sign_in(client, users["board_member"], "a wrong password here")
    sign_in(client, users["board_member"])
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        client.post("/sign-in/code", data={"code": "123456"})
    frozen.move(seconds=30)
    response = client.post("/sign-in/code", data={"code": code_at(secret, frozen())})
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.get_data(as_text=True)
    # The password step is refused too while the account is throttled.
    assert sign_in(client, users["board_member"]).status_code == 429


def test_the_right_password_does_not_clear_the_count_of_wrong_codes(app, client, users, frozen):
    turn_on_two_factor(users["board_member"])
    for _ in range(app.config["LOGIN_MAX_FAILURES"] // 2):
        sign_in(client, users["board_member"])
        client.post("/sign-in/code", data={"code": "123456"})
        client.post("/sign-in/code", data={"code": "654321"})
    assert sign_in(client, users["board_member"]).status_code == 429


def test_the_code_step_expires(client, users, frozen):
    secret, _ = turn_on_two_factor(users["board_member"])
    sign_in(client, users["board_member"])
    frozen.move(minutes=6)
    response = client.post("/sign-in/code", data={"code": code_at(secret, frozen())})
    assert response.headers["Location"] == "/sign-in"
    assert "/sign-in" in client.get("/reviews").headers["Location"]


def test_the_code_step_needs_the_password_step_first(client, users, frozen):
    secret, _ = turn_on_two_factor(users["board_member"])
    assert client.post("/sign-in/code", data={"code": code_at(secret, frozen(), 1)}).headers["Location"] == "/sign-in"
    assert client.get("/sign-in/recovery").headers["Location"] == "/sign-in"


# Recovery codes --------------------------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(app, client, users, frozen):
    _, codes = turn_on_two_factor(users["board_member"])
    sign_in(client, users["board_member"])
    page = client.get("/sign-in/recovery").get_data(as_text=True)
    assert "Recovery code" in page and "Continue" in page
    done = client.post("/sign-in/recovery", data={"code": codes[3].upper().replace("-", " ")})
    assert done.headers["Location"] == "/home"
    assert "You have 9 recovery codes left" in client.get("/reviews").get_data(as_text=True)

    client.post("/sign-out")
    sign_in(client, users["board_member"])
    again = client.post("/sign-in/recovery", data={"code": codes[3]})
    assert again.status_code == 200
    assert "Enter a correct recovery code that you have not used before" in again.get_data(as_text=True)
    assert "/sign-in" in client.get("/reviews").headers["Location"]
    member = user(users["board_member"])
    used = db.session.execute(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == member.id, RecoveryCode.used_at.is_not(None))
    ).scalar_one()
    assert used == 1
    assert len(history("sign_in.recovery_failed", member.id)) == 1


def test_running_low_on_recovery_codes_says_what_to_do(client, users, frozen):
    _, codes = turn_on_two_factor(users["board_member"])
    for code in codes[:8]:
        sign_in(client, users["board_member"])
        assert client.post("/sign-in/recovery", data={"code": code}).status_code == 302
        client.post("/sign-out")
    sign_in(client, users["board_member"])
    client.post("/sign-in/recovery", data={"code": codes[8]})
    page = client.get("/reviews").get_data(as_text=True)
    assert "You have 1 recovery code left" in page and "Ask an administrator to reset" in page


# An administrator's reset ----------------------------------------------------------------------------------


def test_an_administrator_resets_someones_two_factor(app, client, users, frozen):
    secret, _ = turn_on_two_factor(users["agency_lead"])
    lead_device = app.test_client()
    sign_in(lead_device, users["agency_lead"])
    frozen.move(seconds=30)
    lead_device.post("/sign-in/code", data={"code": code_at(secret, frozen())})
    assert lead_device.get("/my-agency").status_code == 200

    sign_in(client, users["admin"])
    lead = user(users["agency_lead"])
    response = client.post(f"/people/{lead.id}/two-factor/reset", data={"next": "/reviews"})
    assert response.status_code == 302 and response.headers["Location"] == "/reviews"

    db.session.refresh(lead)
    assert lead.totp_enabled_at is None and lead.totp_secret is None and lead.totp_last_step is None
    assert (
        db.session.execute(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == lead.id)
        ).scalar_one()
        == 0
    )
    [entry] = history("two_factor.reset", lead.id)
    assert entry.actor_id == user(users["admin"]).id
    # Their open session has ended; their password alone signs them in again (and they set it up again).
    assert "/sign-in" in lead_device.get("/my-agency").headers["Location"]
    assert sign_in(lead_device, users["agency_lead"]).headers["Location"] == "/home"


@pytest.mark.parametrize("role", ["board_member", "agency_lead", "auditor"])
def test_only_administrators_reset_two_factor(signed_in, users, frozen, role):
    turn_on_two_factor(users["other_lead"])
    client = signed_in(role)
    other = user(users["other_lead"])
    assert client.post(f"/people/{other.id}/two-factor/reset").status_code == 403
    db.session.refresh(other)
    assert other.totp_enabled_at is not None


def test_an_administrator_cannot_reset_their_own(signed_in, users):
    client = signed_in("admin")
    assert client.post(f"/people/{user(users['admin']).id}/two-factor/reset").status_code == 403


def test_resetting_someone_who_does_not_exist_is_not_found(signed_in):
    assert signed_in("admin").post("/people/987654/two-factor/reset").status_code == 404


def test_the_reset_needs_a_csrf_token(app, signed_in, users, monkeypatch):
    client = signed_in("admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/people/{user(users['auditor']).id}/two-factor/reset").status_code == 400


# When the configuration requires it ------------------------------------------------------------------------


def test_when_required_a_person_without_it_must_set_it_up_first(app, client, users, monkeypatch, frozen):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    response = sign_in(client, users["auditor"])
    assert response.headers["Location"] == "/account/two-factor/setup"
    for path in ("/reviews", "/export", "/account"):
        assert client.get(path).headers["Location"] == "/account/two-factor/setup"
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    assert "Before you continue you need to set up two-factor sign-in" in page
    client.post("/account/two-factor/setup", data={"code": code_at(secret_on_page(page), frozen())})
    assert client.get("/reviews").status_code == 200


def test_when_required_every_role_is_asked(app, client, users, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    for role in ("admin", "board_member", "agency_lead", "auditor"):
        other = app.test_client()
        assert sign_in(other, users[role]).headers["Location"] == "/account/two-factor/setup", role


def test_when_optional_people_may_go_without(signed_in):
    assert signed_in("auditor").get("/reviews").status_code == 200


def test_production_requires_two_factor_unless_explicitly_overridden(tmp_path):
    settings = {
        "ENV_NAME": "production",
        "SECRET_KEY": "x" * 40,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
    }
    assert make_app(tmp_path, **settings).config["TWO_FACTOR_REQUIRED"] is True
    with pytest.raises(InsecureConfiguration, match="two-factor sign-in must be required"):
        make_app(tmp_path, TWO_FACTOR_REQUIRED=False, **settings)
    overridden = make_app(tmp_path, TWO_FACTOR_REQUIRED=False, ALLOW_OPTIONAL_TWO_FACTOR=True, **settings)
    assert overridden.config["TWO_FACTOR_REQUIRED"] is False


def test_development_and_test_configurations_leave_it_optional(app, tmp_path):
    development = make_app(
        tmp_path, ENV_NAME="development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'd.sqlite3'}"
    )
    assert development.config["TWO_FACTOR_REQUIRED"] is False
    assert app.config["TWO_FACTOR_REQUIRED"] is False
