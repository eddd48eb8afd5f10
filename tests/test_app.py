"""Security headers on every response, and error pages that never show a traceback."""

from __future__ import annotations

import pytest

ROUTES = ["/sign-in", "/reviews", "/no-such-page", "/assets/app.css"]


@pytest.mark.parametrize("path", ROUTES)
def test_security_headers_on_every_response(signed_in, path):
    client = signed_in("auditor")
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_inline_script_carries_the_nonce(client):
    response = client.get("/sign-in")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)


def test_an_unexpected_error_shows_a_reference_not_a_traceback(app, signed_in, monkeypatch):
    from tracker.reviews import views

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals /etc/passwd SELECT * FROM users")

    monkeypatch.setattr(views.queries, "visible_reviews_query", explode)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    client = signed_in("auditor")
    response = client.get("/reviews")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in body and "quote this reference" in body
    assert "Traceback" not in body and "SELECT" not in body and "/etc/passwd" not in body


def test_no_crown_or_transport_font(client):
    body = client.get("/sign-in").get_data(as_text=True)
    assert "govuk-crest" not in body and "govuk-logo" not in body and "GDS Transport" not in body
