"""A test client that behaves like a browser of its own."""

from __future__ import annotations

from tests.conftest import PASSWORD


class Browser:
    """Every request runs in an app context of its own, as it would on a server. Flask-Login keeps the
    signed-in user in ``g``, and the test's own app context would otherwise hand every request the user of
    the first client that signed in, hiding whether this client's own cookie still works."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, path: str, **kwargs):
        with self.app.app_context():
            return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs):
        with self.app.app_context():
            return self.client.post(path, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD):
        response = self.post("/sign-in", data={"email": email, "password": password})
        assert response.status_code == 302, response.data[:300]
        return self

    def cookie(self) -> str:
        return self.client.get_cookie(self.app.config["SESSION_COOKIE_NAME"]).value

    def with_cookie(self, value: str) -> Browser:
        self.client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], value)
        return self
