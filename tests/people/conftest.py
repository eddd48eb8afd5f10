"""Fixtures of the people tests: a real mail server that the app sends invitations to."""

from __future__ import annotations

import pytest

from tests.people.mail import mail_settings, start_server

BASE_URL = "https://tracker.example.org/"


@pytest.fixture
def inbox(app, monkeypatch):
    handler, controller = start_server()
    for key, value in mail_settings(controller.port, BASE_URL).items():
        monkeypatch.setitem(app.config, key, value)
    yield handler
    controller.stop()
