"""Headers that keep pages, error pages and downloads safe: a test that fails if any of them regresses.

CSP (with frame-ancestors), nosniff, framing refused, HSTS in production, the session cookie's flags, and
attachment disposition with a sandbox on evidence downloads.
"""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from tests.actions.helpers import police_action
from tests.conftest import PASSWORD, make_app, scratch_database
from tests.evidence import pdf
from tests.evidence.test_views import a_file, add_through_the_page
from tracker.auth.services import create_user
from tracker.evidence.models import EvidenceFile, EvidenceItem
from tracker.extensions import db

CSP_DIRECTIVES = ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")


def assert_safe_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    if not csp.startswith("sandbox"):
        for directive in CSP_DIRECTIVES:
            assert directive in csp, (directive, csp)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/reviews", 200),
        ("GET", "/actions/99999999999999999999", 404),
        ("GET", "/sign-out", 405),
        ("POST", "/export/plan.csv", 200),
        ("GET", "/people?page=%C2%B2", 200),
    ],
)
def test_pages_errors_and_exports_carry_the_headers(signed_in, method, path, status):
    response = signed_in("admin").open(path, method=method)
    response.close()
    assert response.status_code == status
    assert_safe_headers(response)
    assert response.headers["Cache-Control"] == "no-store"
    if path.startswith("/export"):
        assert response.headers["Content-Disposition"].startswith("attachment;")


def test_evidence_downloads_are_sandboxed_attachments(signed_in):
    client, action = signed_in("agency_lead"), police_action()
    assert add_through_the_page(client, action, a_file(pdf(), "training.pdf")).status_code == 302
    stored = db.session.execute(
        select(EvidenceFile).join(EvidenceItem).where(EvidenceItem.action_id == action.id)
    ).scalar_one()
    response = client.get(f"/evidence/files/{stored.id}")
    response.close()
    assert response.headers["Content-Disposition"] == "attachment; filename=training.pdf"
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.mimetype == "application/pdf"
    assert_safe_headers(response)
    assert "no JavaScript" in stored.checks  # and the checks it passed are kept with it


def test_no_hsts_over_plain_http_in_development(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_production_sends_hsts_and_a_locked_down_session_cookie(tmp_path):
    with scratch_database(tmp_path) as url:
        app = make_app(tmp_path, ENV_NAME="production", SECRET_KEY="k" * 40, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            create_user(db.session, email="chair@test.invalid", name="Chair", role="admin", password=PASSWORD)
            db.session.commit()
            db.session.remove()
        client = app.test_client()
        page = client.get("/sign-in", base_url="https://tracker.example.org")
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert_safe_headers(page)
        response = client.post(
            "/sign-in",
            data={"email": "chair@test.invalid", "password": PASSWORD},
            base_url="https://tracker.example.org",
        )
        assert response.status_code == 302
        cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("__Host-session="))
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "path"} <= flags and "domain" not in flags
        assert "SameSite=Lax" in cookie and "Path=/" in cookie
        with app.app_context():
            db.engine.dispose()
