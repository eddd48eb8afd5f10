"""Request ids on responses, log lines and error pages; JSON log lines when LOG_FORMAT=json."""

from __future__ import annotations

import json
import logging

import pytest

from tracker.ops import logs


def test_a_request_id_is_made_and_sent_back(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first.headers["X-Request-ID"]) == 16
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_the_proxys_request_id_is_kept(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123-def-456"}).headers["X-Request-ID"] == "abc-123-def-456"
    )


@pytest.mark.parametrize("offered", ["short", "has space in it", "line\r\nbreak-123456", "x" * 200, "<script>1234567"])
def test_an_odd_request_id_is_replaced(client, offered):
    sent = client.get("/healthz", headers={"X-Request-ID": offered.replace("\r\n", "")}).headers["X-Request-ID"]
    assert sent != offered and len(sent) == 16


def test_the_error_page_shows_the_request_id_as_its_reference(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "incident-ref-0001"})
    assert response.status_code == 404
    assert b"quote this reference: <strong>incident-ref-0001</strong>" in response.data


def test_an_unexpected_error_is_logged_with_the_reference_shown(app, client, monkeypatch, caplog):
    from tracker.ops import health

    def explode():
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "failed_checks", explode)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/readyz", headers={"X-Request-ID": "incident-ref-0002"})
    assert response.status_code == 500 and b"incident-ref-0002" in response.data and b"Traceback" not in response.data
    assert any("incident-ref-0002" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


def test_json_lines_carry_the_request_id(app):
    formatter = logs._formatter("json")
    with app.test_request_context("/", headers={"X-Request-ID": "json-line-0001"}):
        record = logging.LogRecord("tracker.test", logging.WARNING, __file__, 1, "user %s\nFAKE ENTRY", ("x",), None)
        logs.RequestIdFilter().filter(record)
        line = formatter.format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["request_id"] == "json-line-0001" and parsed["level"] == "WARNING"
    assert parsed["message"] == "user x\nFAKE ENTRY" and parsed["logger"] == "tracker.test"
