"""Starting the production shape on loopback ports: gunicorn instances, the worker and Redis, as
subprocesses sharing one database and one S3 server (used by the two-instance test and the benchmark)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "shared-secret-key-of-both-instances-long-enough"
_CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Wait for a server process to answer (it is starting: there is nothing else to wait on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


class Processes:
    """Subprocesses started here, each with its output in a log file, all stopped on close()."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.running: list[tuple[subprocess.Popen, object]] = []

    def start(self, name: str, command: list[str], env: dict | None = None) -> tuple[subprocess.Popen, Path]:
        log_path = self.folder / f"{name}.log"
        log_file = open(log_path, "wb")  # noqa: SIM115 - closed in close()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self.running.append((process, log_file))
        return process, log_path

    def redis(self, port: int) -> str:
        process, log = self.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
        )
        deadline = time.monotonic() + 30
        while "Ready to accept connections" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start:\n{log.read_text()}")
            time.sleep(0.05)
        return f"redis://127.0.0.1:{port}/0"

    def instance(self, name: str, port: int, env: dict, workers: int = 1, threads: int = 4) -> str:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            # Longer than the simulated people's pauses, so a kept-alive connection is not closed under a request.
            "--keep-alive",
            "10",
            "--access-logfile",
            "-",
            "wsgi:app",
        ]
        process, log = self.start(name, command, env)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/healthz", process, log)
        return url

    def worker(self, env: dict) -> None:
        self.start("worker", [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "2"], env)

    def close(self) -> None:
        for process, _ in self.running:
            if process.poll() is None:
                process.terminate()
        for process, log_file in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log_file.close()
        self.running = []


def instance_env(database_url: str, broker_url: str, s3_settings: dict, **more) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TRACKER_", "S3_", "AWS_"))}
    env.update(
        TRACKER_ENV="development",  # plain http on loopback: cookies without Secure, as in development
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        JOBS_BROKER_URL=broker_url,
        LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
    )
    env.update({name: str(value) for name, value in {**s3_settings, **more}.items()})
    return env
