"""A live server on its own database, and a real headless Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import threading

import pytest
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, SEEDS_DIR, make_app, scratch_database
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.seeding.loader import load_seeds

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

BROWSER_USERS = {
    "agency_lead": ("lead@browser.invalid", "agency_lead", [], "thames-valley-police"),
    "board_member": ("member@browser.invalid", "board_member", ["milton-keynes", "buckinghamshire"], None),
    "auditor": ("auditor@browser.invalid", "auditor", ["buckinghamshire"], None),
}


@contextlib.contextmanager
def serve(tmp, prepare=None):
    """A live server on a new, seeded database with the browser users; ``prepare(app)`` may add data first."""
    with scratch_database(tmp) as url:
        app = make_app(tmp, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True)
        with app.app_context():
            upgrade()
            load_seeds(db.session, SEEDS_DIR)
            for email, role, boards, agency in BROWSER_USERS.values():
                create_user(
                    db.session,
                    email=email,
                    name=role.replace("_", " ").title(),
                    role=role,
                    password=PASSWORD,
                    board_keys=boards,
                    agency_key=agency,
                )
            db.session.commit()
            if prepare is not None:
                prepare(app)
                db.session.commit()
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("live")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def sign_in_as(page, base_url: str, role: str) -> None:
    email = BROWSER_USERS[role][0]
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def pytest_collection_modifyitems(items):
    """A browser may abandon a static file (a script, the stylesheet) when it moves to the next page; the
    development server then drops the open file without closing it. That is the test server's behaviour,
    not the app's, so in browser tests only that warning is ignored, and only for files it serves."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(
                pytest.mark.filterwarnings(
                    r"ignore:unclosed file <_io\.BufferedReader name='.*/static/:ResourceWarning"
                )
            )
            item.add_marker(
                pytest.mark.filterwarnings(
                    r"ignore:Exception ignored in. <_io\.FileIO name='.*/static/"
                    ":pytest.PytestUnraisableExceptionWarning"
                )
            )
