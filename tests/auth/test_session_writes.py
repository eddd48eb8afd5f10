"""A page that changes nothing writes nothing: reads refresh the idle timestamp (and so send a new session
cookie) at most once a minute, and the idle limit still slides."""

from __future__ import annotations

from tests.conftest import sign_in


def sends_cookie(response) -> bool:
    return any(value.startswith("session=") for value in response.headers.getlist("Set-Cookie"))


def test_reads_within_a_minute_send_no_new_cookie(client, users, frozen):
    sign_in(client, users["auditor"])
    client.get("/reviews")  # the first page shows the flash message and stores the CSRF token: both change it
    frozen.move(seconds=30)
    first = client.get("/reviews")
    assert first.status_code == 200
    assert "<h1" in first.get_data(as_text=True)
    assert not sends_cookie(first)
    frozen.move(seconds=31)
    assert sends_cookie(client.get("/reviews"))
    frozen.move(seconds=10)
    assert not sends_cookie(client.get("/reviews"))


def test_the_idle_limit_still_slides_with_reads_a_minute_apart(client, users, frozen):
    sign_in(client, users["auditor"])
    for _ in range(40):  # one read a minute for 40 minutes: past the 30-minute idle limit, still signed in
        frozen.move(minutes=1)
        assert client.get("/reviews").status_code == 200


def test_a_post_always_refreshes_the_idle_timestamp(client, users, frozen):
    sign_in(client, users["auditor"])
    frozen.move(seconds=5)
    response = client.post("/session/extend", headers={"Accept": "application/json"})
    assert response.get_json()["idle_seconds"] == 1800
    assert sends_cookie(response)
