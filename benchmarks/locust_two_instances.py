"""The simulated people of benchmarks/load_two_instances.py (locust): each signs in on one instance, then
reads the review list, an action and an evidence file, each request going to either instance at random."""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

HOSTS = os.environ["BENCH_HOSTS"].split(",")
EMAILS = os.environ["BENCH_EMAILS"].split(",")
PASSWORD = os.environ["BENCH_PASSWORD"]
ACTION_ID = os.environ["BENCH_ACTION_ID"]
FILE_ID = os.environ["BENCH_FILE_ID"]
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


class Person(HttpUser):
    host = HOSTS[0]
    wait_time = between(0.5, 2)

    def on_start(self):
        base = random.choice(HOSTS)  # noqa: S311 - spreading load, not security
        page = self.client.get(f"{base}/sign-in", name="sign-in page")
        token = CSRF.search(page.text).group(1)
        email = random.choice(EMAILS)  # noqa: S311
        with self.client.post(
            f"{base}/sign-in",
            data={"email": email, "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
            name="sign in",
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in answered {answer.status_code}")

    def _get(self, path: str, name: str):
        base = random.choice(HOSTS)  # noqa: S311
        with self.client.get(f"{base}{path}", name=name, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{name} answered {answer.status_code} {answer.error or ''}")

    @task(3)
    def reviews(self):
        self._get("/reviews", "/reviews")

    @task(3)
    def action(self):
        self._get(f"/actions/{ACTION_ID}", "/actions/<id>")

    @task(1)
    def evidence_file(self):
        self._get(f"/evidence/files/{FILE_ID}", "/evidence/files/<id> (from S3)")
