"""Who may reach the sign-in security pages (walked by tests/test_access.py for every role).

The second sign-in steps send anyone already signed in to their start page; the account pages are each
person's own; only administrators reset someone's two-factor sign-in. The forgotten-password pages are for
people who cannot sign in, so they are public (tested in test_passwords.py)."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.extensions import db

PUBLIC = {"auth.forgotten_password", "auth.reset_password_link", "auth.reset_password"}

TARGET = "two-factor-routes@example.org"


def object_ids() -> dict:
    person = db.session.execute(select(User).where(User.email == TARGET)).scalar_one_or_none()
    if person is None:
        person = create_user(
            db.session,
            email=TARGET,
            name="Routes Lead",
            role="agency_lead",
            password=PASSWORD,
            agency_key="thames-valley-police",
        )
        db.session.commit()  # (a savepoint in tests)
    return {"two_factor_person": person.id}


ROUTES = [
    ("GET", "/sign-in/code", "auth.sign_in_code", {"*": 302}),
    ("GET", "/sign-in/recovery", "auth.sign_in_recovery", {"*": 302}),
    ("GET", "/sign-in/confirm", "auth.confirm", {}),
    # Without JavaScript "Stay signed in" is a form that comes back to the page.
    ("POST", "/session/extend", "auth.extend_session", {"*": 302}),
    ("GET", "/account", "auth.account", {}),
    ("GET", "/account/password", "auth.change_password", {}),
    ("GET", "/account/two-factor/setup", "auth.two_factor_setup", {}),
    ("POST", "/people/{two_factor_person}/two-factor/reset", "auth.reset_two_factor", {"admin": 302, "*": 403}),
]
