"""In a real Chromium: two-factor sign-in from setting it up to signing in with a code or a recovery code,
an administrator's reset, and the warning before an idle session ends, with its "Stay signed in" button.

These servers require two-factor sign-in, as production does, so every account sets it up at its first
sign-in. Codes are computed here with pyotp from the secret the page shows, as an authenticator app would.
"""

from __future__ import annotations

import contextlib
import re
import threading

import pyotp
import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, SEEDS_DIR, make_app, scratch_database
from tracker import clock
from tracker.auth import two_factor
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.seeding.loader import load_seeds

pytestmark = pytest.mark.browser

ADMIN = "admin@two-factor.invalid"
NEW_LEAD = "new.lead@two-factor.invalid"
ENROLLED_LEAD = "enrolled.lead@two-factor.invalid"
TIMED_LEAD = "timed.lead@two-factor.invalid"


@contextlib.contextmanager
def serve(tmp, **config):
    """A live server on its own database with the accounts above, and the secrets of those enrolled."""
    with scratch_database(tmp) as url:
        app = make_app(tmp, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True, **config)
        secrets = {}
        with app.app_context():
            upgrade()
            load_seeds(db.session, SEEDS_DIR)
            create_user(db.session, email=ADMIN, name="Ada Admin", role="admin", password=PASSWORD)
            for email, name in ((NEW_LEAD, "Nia Lead"), (ENROLLED_LEAD, "Eno Lead"), (TIMED_LEAD, "Tim Lead")):
                create_user(
                    db.session,
                    email=email,
                    name=name,
                    role="agency_lead",
                    password=PASSWORD,
                    agency_key="thames-valley-police",
                )
            for email in (ADMIN, ENROLLED_LEAD):
                person = db.session.execute(select(User).where(User.email == email)).scalar_one()
                secret = two_factor.pending_secret(db.session, person)
                two_factor.turn_on(db.session, person, pyotp.TOTP(secret).at(clock.now()))
                secrets[email] = secret
            db.session.commit()
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", secrets
        finally:
            server.shutdown()
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def required_server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("two-factor"), TWO_FACTOR_REQUIRED=True) as served:
        yield served


@pytest.fixture(scope="module")
def impatient_server(tmp_path_factory):
    """Sessions end after 15 seconds idle, with the warning 12 seconds before: it shows 3 seconds in."""
    with serve(tmp_path_factory.mktemp("idle"), SESSION_IDLE_MINUTES=0.25, SESSION_WARNING_SECONDS=12) as served:
        yield served


def next_code(secret: str) -> str:
    """The code the app shows in the next 30 seconds: within the accepted window, and later than any code
    used so far (each code works once)."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(clock.now()) + 1)


def enter_password(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_in_with_code(page, base_url: str, email: str, secret: str) -> None:
    enter_password(page, base_url, email)
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))
    page.get_by_label("Code from your authenticator app").fill(next_code(secret))
    page.get_by_role("button", name="Continue").click()


def test_a_new_person_sets_up_two_factor_then_signs_in_with_a_code_and_a_recovery_code(required_server, page):
    base_url, _ = required_server
    enter_password(page, base_url, NEW_LEAD)
    # Required: nothing else opens until it is set up.
    expect(page).to_have_url(re.compile(r"/account/two-factor/setup$"))
    page.goto(f"{base_url}/my-agency")
    expect(page).to_have_url(re.compile(r"/account/two-factor/setup$"))
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()

    # A wrong code is refused with the error summary.
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the code your authenticator app shows now")

    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = page.locator("code.app-recovery-code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/home$"))

    page.get_by_role("button", name="Sign out").click()
    sign_in_with_code(page, base_url, NEW_LEAD, secret)
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", name="What is waiting for you")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    enter_password(page, base_url, NEW_LEAD)
    page.get_by_role("link", name="Use a recovery code instead").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_text("You have 9 recovery codes left")).to_be_visible()

    # The same recovery code does not work twice.
    page.get_by_role("button", name="Sign out").click()
    enter_password(page, base_url, NEW_LEAD)
    page.get_by_role("link", name="Use a recovery code instead").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("that you have not used before")


def test_an_administrator_resets_someones_two_factor_and_their_session_ends(required_server, browser):
    base_url, secrets = required_server
    lead_context, admin_context = browser.new_context(), browser.new_context()
    try:
        lead = lead_context.new_page()
        sign_in_with_code(lead, base_url, ENROLLED_LEAD, secrets[ENROLLED_LEAD])
        expect(lead).to_have_url(re.compile(r"/home$"))

        admin = admin_context.new_page()
        sign_in_with_code(admin, base_url, ADMIN, secrets[ADMIN])
        expect(admin).to_have_url(re.compile(r"/home$"))
        admin.goto(f"{base_url}/people")
        admin.get_by_role("link", name="Eno Lead").click()
        admin.get_by_role("button", name="Reset two-factor sign-in").click()
        expect(admin.get_by_text("The two-factor sign-in of Eno Lead has been reset")).to_be_visible()

        # Their open session has stopped working; at their next sign-in they set it up again.
        lead.reload()
        expect(lead).to_have_url(re.compile(r"/sign-in"))
        enter_password(lead, base_url, ENROLLED_LEAD)
        expect(lead).to_have_url(re.compile(r"/account/two-factor/setup$"))
    finally:
        lead_context.close()
        admin_context.close()


def test_the_idle_warning_offers_to_stay_signed_in_then_signs_out(impatient_server, page):
    base_url, _ = impatient_server
    enter_password(page, base_url, TIMED_LEAD)
    expect(page).to_have_url(re.compile(r"/home$"))

    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text("we will sign you out in")
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_visible()
    stay.click()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/home$"))

    # The count started again: the warning comes back, and doing nothing ends the session.
    expect(dialog).to_be_visible(timeout=10_000)
    expect(page).to_have_url(re.compile(r"/sign-in"), timeout=20_000)
    expect(page.get_by_text("You were signed out because you had not done anything for 15 seconds")).to_be_visible()
    page.goto(f"{base_url}/my-agency")
    expect(page).to_have_url(re.compile(r"/sign-in"))
