"""In a real Chromium: an administrator invites an agency lead, who accepts, sets a password, sets up two-factor
sign-in and signs in with it; and an administrator deactivates a lead whose open session then stops working.

The server sends its e-mail to a real SMTP server (aiosmtpd); the invitation link is read from what it received.
Codes are computed with pyotp from the secret the set-up page shows, as an authenticator app would.
"""

from __future__ import annotations

import re
import threading
import time

import pyotp
import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, SEEDS_DIR, make_app, scratch_database
from tests.people.mail import mail_settings, start_server
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.seeding.loader import load_seeds

pytestmark = pytest.mark.browser

ADMIN = "admin@people-journey.example.org"
LEAVER = "leaver@people-journey.example.org"
NEWCOMER = "nadia.okafor@people-journey.example.org"
NEW_PASSWORD = "tangerine bicycle harbour lamp"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A live server on its own database, with an administrator and a lead, that e-mails a real SMTP server."""
    inbox, controller = start_server()
    tmp = tmp_path_factory.mktemp("people")
    try:
        with scratch_database(tmp) as url:
            settings = mail_settings(controller.port, "http://127.0.0.1")
            app = make_app(tmp, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True, **settings)
            with app.app_context():
                upgrade()
                load_seeds(db.session, SEEDS_DIR)
                create_user(db.session, email=ADMIN, name="Ada Admin", role="admin", password=PASSWORD)
                create_user(
                    db.session,
                    email=LEAVER,
                    name="Lee Leaver",
                    role="agency_lead",
                    password=PASSWORD,
                    agency_key="thames-valley-police",
                )
                db.session.commit()
                db.session.remove()
            server = make_server("127.0.0.1", 0, app, threaded=True)
            base_url = f"http://127.0.0.1:{server.server_port}"
            app.config["BASE_URL"] = base_url  # links in e-mails point at this server
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                yield base_url, inbox
            finally:
                server.shutdown()
                thread.join(timeout=10)
    finally:
        controller.stop()


@pytest.fixture
def contexts(browser):
    """Separate browsers (cookie jars) for the people in a journey."""
    made = []

    def new_page():
        context = browser.new_context()
        made.append(context)
        return context.new_page()

    yield new_page
    for context in made:
        context.close()


def sign_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_invite_an_agency_lead_who_accepts_sets_up_two_factor_and_signs_in(served, contexts):
    base_url, inbox = served
    admin = contexts()
    sign_in(admin, base_url, ADMIN)
    admin.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    admin.get_by_role("link", name="Invite someone").click()
    admin.get_by_label("Full name").fill("Nadia Okafor")
    admin.get_by_label("Email address").fill(NEWCOMER)
    admin.get_by_label("Agency lead").check()
    admin.get_by_label("Agency", exact=True).select_option(label="Thames Valley Police")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_text(f"Invitation sent to {NEWCOMER}")).to_be_visible()
    expect(admin.get_by_role("button", name="Resend the invitation to Nadia Okafor")).to_be_visible()

    link = inbox.link(NEWCOMER)
    assert link.startswith(f"{base_url}/invitations/")

    person = contexts()
    person.goto(link)
    expect(person.get_by_role("heading", name="Welcome, Nadia Okafor")).to_be_visible()
    person.get_by_label("Create a password").fill(NEW_PASSWORD)
    person.get_by_label("Type the password again").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Create my account").click()
    expect(person).to_have_url(re.compile(r"/sign-in$"))
    expect(person.get_by_text("Your account is ready, Nadia Okafor")).to_be_visible()

    sign_in(person, base_url, NEWCOMER, NEW_PASSWORD)
    expect(person).to_have_url(re.compile(r"/home$"))

    person.goto(f"{base_url}/account/two-factor/setup")
    secret = person.locator("code#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    moment = time.time()
    person.get_by_label("Code from your authenticator app").fill(totp.at(moment))
    used_step = int(moment // totp.interval)
    person.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(person.locator("code.app-recovery-code").first).to_be_visible()
    person.get_by_role("link", name="Continue").click()

    person.get_by_role("button", name="Sign out").click()
    sign_in(person, base_url, NEWCOMER, NEW_PASSWORD)
    expect(person).to_have_url(re.compile(r"/sign-in/code"))
    # A code works once: if the app still shows the code used to set up, take its next one (a step ahead is
    # accepted, for clocks a little apart) rather than wait up to 30 seconds.
    moment = time.time()
    if int(moment // totp.interval) <= used_step:
        moment += totp.interval
    person.get_by_label("Code from your authenticator app").fill(totp.at(moment))
    person.get_by_role("button", name="Continue").click()
    expect(person).to_have_url(re.compile(r"/home$"))
    expect(person.get_by_role("heading", name="What is waiting for you")).to_be_visible()


def test_deactivate_a_lead_and_their_open_session_stops_working(served, contexts):
    base_url, _ = served
    lead = contexts()
    sign_in(lead, base_url, LEAVER)
    expect(lead).to_have_url(re.compile(r"/home$"))

    admin = contexts()
    sign_in(admin, base_url, ADMIN)
    admin.goto(f"{base_url}/people")
    admin.get_by_role("link", name="Lee Leaver").click()
    admin.get_by_role("button", name="Deactivate account").click()
    expect(admin.get_by_text("Lee Leaver's account has been deactivated")).to_be_visible()
    expect(admin.get_by_text("Deactivated", exact=True)).to_be_visible()

    lead.reload()
    expect(lead).to_have_url(re.compile(r"/sign-in"))
    sign_in(lead, base_url, LEAVER)
    expect(lead.get_by_text("Enter a correct email address and password").first).to_be_visible()
