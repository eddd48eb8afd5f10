"""Settings, read from the environment, with secure defaults.

``create_app`` picks one of these classes by ``TRACKER_ENV`` (production by default, development, test); every value
can be overridden by the environment variable of the same name.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'tracker.sqlite3'}"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL") or _sqlite_default()
    # Hosting platforms often hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    ENV_NAME = "base"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    EVIDENCE_STORAGE_DIR = os.environ.get("EVIDENCE_STORAGE_DIR") or str(INSTANCE_DIR / "evidence")
    # Where evidence files and job results are kept: "folder" (EVIDENCE_STORAGE_DIR, one machine) or "s3" (any
    # S3-compatible store; credentials from S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY or boto3's AWS_* chain).
    FILE_STORAGE = os.environ.get("FILE_STORAGE") or "folder"
    S3_BUCKET = os.environ.get("S3_BUCKET")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")
    S3_REGION = os.environ.get("S3_REGION")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY")
    S3_PREFIX = os.environ.get("S3_PREFIX") or ""
    S3_SERVER_SIDE_ENCRYPTION = os.environ.get("S3_SERVER_SIDE_ENCRYPTION") or "AES256"
    # The job queue's broker (tracker.jobs.queue): empty for a SQLite file in instance/, redis://… in production.
    JOBS_BROKER_URL = os.environ.get("JOBS_BROKER_URL") or ""
    # Exports of more actions than this are prepared by the worker, with a progress page.
    JOBS_LARGE_SCOPE_ACTIONS = int(os.environ.get("JOBS_LARGE_SCOPE_ACTIONS") or 2000)
    # Assurance report PDFs of more actions than this are drawn by the worker, with a progress page.
    REPORT_PDF_JOB_ACTIONS = int(os.environ.get("REPORT_PDF_JOB_ACTIONS") or 2000)
    # Evidence packs of more actions, or more evidence bytes, than these are made by the worker.
    PACK_JOB_ACTIONS = int(os.environ.get("PACK_JOB_ACTIONS") or 1000)
    PACK_JOB_BYTES = int(os.environ.get("PACK_JOB_BYTES") or 100 * 1024 * 1024)
    JOB_RESULTS_DAYS = int(os.environ.get("JOB_RESULTS_DAYS") or 7)
    # The worker sends the daily reminders at this hour (UTC); `flask send-reminders` still works from cron.
    REMINDERS_HOUR = int(os.environ.get("REMINDERS_HOUR") or 6)
    # The outbox's first retry waits this long, then twice as long each time, for this many attempts.
    OUTBOX_RETRY_SECONDS = int(os.environ.get("OUTBOX_RETRY_SECONDS") or 60)
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS") or 10)
    # "json" for one JSON object per log line (with the request id), anything else for plain text.
    LOG_FORMAT = os.environ.get("LOG_FORMAT") or "text"
    # The published reports the seeds quote, kept in the project (seeds/reports/README.md says where from).
    REVIEWS_SOURCE_DIR = os.environ.get("REVIEWS_SOURCE_DIR") or str(BASE_DIR / "seeds" / "reports")
    SEEDS_DIR = os.environ.get("SEEDS_DIR") or str(BASE_DIR / "seeds")

    # Sessions: server-side revocation is done with a per-user token (see auth.sessions).
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The cookie is sent again only when the session changes (auth.sessions refreshes it once a minute).
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True

    WTF_CSRF_TIME_LIMIT = 12 * 3600
    # Evidence files are refused past this size, and a whole request past it plus a margin for the form.
    EVIDENCE_MAX_FILE_BYTES = int(os.environ.get("EVIDENCE_MAX_FILE_BYTES", 25 * 1024 * 1024))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", EVIDENCE_MAX_FILE_BYTES + 1024 * 1024))

    # Sign-in throttling (tracker/auth/throttle.py says why it cannot lock a person out), per window: failures
    # from one address against one account, from one address in all, against one account from everywhere
    # (then a password alone works only from addresses that have not failed), and wrong codes per account.
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", 10))
    LOGIN_FAILURE_WINDOW = timedelta(minutes=int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", 5)))
    LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("LOGIN_MAX_FAILURES_PER_IP", 50))
    LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", 10))
    LOGIN_MAX_CODE_FAILURES = int(os.environ.get("LOGIN_MAX_CODE_FAILURES", 10))
    # How many reverse proxies (nginx, a load balancer) stand in front of the app and set X-Forwarded-For and
    # X-Forwarded-Proto. 0 (the default) trusts no such header: a client could write anything in it.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or 0)
    # ClamAV's clamd (host:port or a Unix socket path): when set, every evidence upload is scanned, and refused
    # if clamd finds something or cannot be reached. Unset: no scan (the file type checks still apply).
    CLAMAV_ADDRESS = os.environ.get("CLAMAV_ADDRESS") or None

    ALLOW_DEMO_ACCOUNTS = False
    SEND_HSTS = True
    PASSWORD_HASHING = "argon2id"  # noqa: S105 - the name of a hashing scheme, not a password
    PAGE_SIZE = 50

    # Reminders (flask send-reminders): the SMTP relay, the sender, and the address links in e-mails point at.
    SMTP_HOST = os.environ.get("SMTP_HOST") or "localhost"
    SMTP_PORT = int(os.environ.get("SMTP_PORT") or 25)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME") or None
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
    SMTP_STARTTLS = (os.environ.get("SMTP_STARTTLS") or "").strip().lower() in ("1", "true")
    MAIL_FROM = os.environ.get("MAIL_FROM") or "Review Action Tracker <no-reply@localhost>"
    BASE_URL = os.environ.get("BASE_URL") or "http://127.0.0.1:5000"
    # Days an action may be overdue before its board is told too.
    REMINDER_BOARD_GRACE_DAYS = int(os.environ.get("REMINDER_BOARD_GRACE_DAYS") or 14)
    # Days without any change after which an unfinished action is listed in the report's headline.
    REPORT_NO_UPDATE_DAYS = int(os.environ.get("REPORT_NO_UPDATE_DAYS") or 90)

    # Sign-in security. Two-factor sign-in is required for every role unless TWO_FACTOR_REQUIRED=false, which
    # production refuses unless ALLOW_OPTIONAL_TWO_FACTOR=true says so explicitly too.
    TWO_FACTOR_REQUIRED = (os.environ.get("TWO_FACTOR_REQUIRED") or "true").strip().lower() not in ("0", "false")
    ALLOW_OPTIONAL_TWO_FACTOR = (os.environ.get("ALLOW_OPTIONAL_TWO_FACTOR") or "").strip().lower() in ("1", "true")
    # Sessions end after this long without a request, and this long after signing in whatever happens; a
    # warning with a "Stay signed in" button shows this many seconds before the idle limit (WCAG 2.2.1).
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES") or 30)
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS") or 12)
    SESSION_WARNING_SECONDS = int(os.environ.get("SESSION_WARNING_SECONDS") or 120)
    # Sensitive steps (sign-off, evidence packs, role changes) ask for the password again after this long.
    FRESH_LOGIN_MINUTES = int(os.environ.get("FRESH_LOGIN_MINUTES") or 15)
    PASSWORD_RESET_MINUTES = int(os.environ.get("PASSWORD_RESET_MINUTES") or 60)

    # Signed history checkpoints (flask checkpoint): the Ed25519 key, as PEM text or a file, never in the
    # database; and the folder the checkpoints are written to (best a mount the database server cannot write).
    HISTORY_SIGNING_KEY = os.environ.get("HISTORY_SIGNING_KEY") or None
    HISTORY_SIGNING_KEY_FILE = os.environ.get("HISTORY_SIGNING_KEY_FILE") or None
    HISTORY_CHECKPOINT_DIR = os.environ.get("HISTORY_CHECKPOINT_DIR") or None


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "development-only-key-not-for-production-use"
    # Served over plain http://127.0.0.1 in development, where browsers drop Secure cookies.
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    ALLOW_DEMO_ACCOUNTS = True
    SEND_HSTS = False
    TWO_FACTOR_REQUIRED = (os.environ.get("TWO_FACTOR_REQUIRED") or "").strip().lower() in ("1", "true")


class TestConfig(DevelopmentConfig):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-key-that-is-long-enough-for-signing-cookies"  # noqa: S105 - test configuration only
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    PASSWORD_HASHING = "fast-for-tests"  # noqa: S105 - the name of a hashing scheme, not a password
    TWO_FACTOR_REQUIRED = False
    # Tasks run at once in the process that queues them; the tests that need the real worker start one.
    JOBS_BROKER_URL = "memory:"


class ProductionConfig(Config):
    ENV_NAME = "production"


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


class InsecureConfiguration(RuntimeError):
    """Raised at start-up when a production configuration would be unsafe to serve."""


def check_production_settings(config: dict) -> None:
    problems = []
    key = config.get("SECRET_KEY") or ""
    if len(key) < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    if config.get("DEBUG"):
        problems.append("DEBUG must be off")
    if not config.get("SESSION_COOKIE_SECURE") or not config.get("SESSION_COOKIE_HTTPONLY"):
        problems.append("session cookies must be Secure and HttpOnly")
    if config.get("PASSWORD_HASHING", "argon2id") != "argon2id":
        problems.append("passwords must be hashed with argon2id at full strength")
    if config.get("ALLOW_DEMO_ACCOUNTS"):
        problems.append("demo accounts are not allowed")
    if not config.get("TWO_FACTOR_REQUIRED", True) and not config.get("ALLOW_OPTIONAL_TWO_FACTOR"):
        problems.append("two-factor sign-in must be required (set ALLOW_OPTIONAL_TWO_FACTOR=true to override)")
    if problems:
        raise InsecureConfiguration("Refusing to start in production: " + "; ".join(problems))
