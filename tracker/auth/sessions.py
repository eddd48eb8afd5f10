"""Sessions: who is signed in, for how long, and how far through signing in they are.

The signed-in user is loaded by their current session token (not their id), so rotating the token on the
server ends every copy of the session cookie. Every request checks two limits: the idle limit (sliding:
``session["last_seen"]``, refreshed at most once a minute by reads) and the absolute limit
(``session["signed_in_at"]``); a session past either is ended and the person sent to sign in with a
message. While the configuration requires two-factor sign-in, a person who has not set it up can reach
nothing but the set-up page (and sign out).
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from tracker import clock
from tracker.auth.models import User
from tracker.db import READ_METHODS
from tracker.extensions import db
from tracker.orgs.models import Agency

PENDING_KEY = "two_factor_pending"
# How long someone has, after the right password, to give the second factor.
PENDING_SECONDS = 5 * 60
# A read refreshes the idle timestamp (and so sends a new cookie) at most this often: a page that changes
# nothing writes nothing. The idle limit may end up to this long early; the warning counts from the same value.
LAST_SEEN_RESOLUTION = 60
# What a person who must still set up two-factor sign-in may reach.
SETUP_ENDPOINTS = {
    "auth.two_factor_setup",
    "auth.sign_out",
    "auth.extend_session",
    "auth.confirm",
    "static",
}


# Every signed-in page names the person's agency and asks what is in their reach (their boards, and their
# agency's boards): read with the person, in the one statement every request makes anyway.
# Built once, with a parameter, as every request runs it.
_BY_TOKEN = (
    select(User)
    .where(User.session_token == bindparam("token"))
    .options(joinedload(User.boards), joinedload(User.agency).joinedload(Agency.boards))
)


def load_user_by_session_token(token: str) -> User | None:
    if not token:
        return None
    user = db.session.execute(_BY_TOKEN, {"token": token}).unique().scalar_one_or_none()
    if user is None or not user.is_active_account:
        return None
    return user


def _now() -> float:
    return clock.now().timestamp()


def start(user: User) -> None:
    """Sign the person in on a fresh session: nothing from before survives it (session fixation)."""
    session.clear()
    login_user(user)
    session.permanent = True
    now = _now()
    session["signed_in_at"] = session["last_seen"] = session["fresh_at"] = now


def keep_current(user: User) -> None:
    """After the user's session token was rotated (password changed, two-factor turned on): every other
    session has ended; this one goes on with the new token."""
    login_user(user)


def begin_second_step(user: User, next_url: str | None) -> None:
    """The password was right and the account has two-factor sign-in on: remember who, for a few minutes,
    without signing them in."""
    session.clear()
    session[PENDING_KEY] = {"user_id": user.id, "token": user.session_token, "since": _now(), "next": next_url}


def pending() -> tuple[User | None, str | None]:
    """The person part-way through signing in and where they were going, or (None, None) when there is no
    such person or it took too long, or their sessions were ended meanwhile."""
    state = session.get(PENDING_KEY)
    if not isinstance(state, dict):
        return None, None
    user = db.session.get(User, state.get("user_id"))
    fresh = _now() - float(state.get("since") or 0) <= PENDING_SECONDS
    if user is None or not user.is_active_account or user.session_token != state.get("token") or not fresh:
        session.pop(PENDING_KEY, None)
        return None, None
    return user, state.get("next")


def idle_seconds() -> float:
    return float(current_app.config["SESSION_IDLE_MINUTES"]) * 60


def absolute_seconds() -> float:
    return float(current_app.config["SESSION_ABSOLUTE_HOURS"]) * 3600


def seconds_left() -> tuple[int, int]:
    """Seconds until the idle limit and until the absolute limit, as of now."""
    now = _now()
    idle = idle_seconds() - (now - float(session.get("last_seen") or now))
    absolute = absolute_seconds() - (now - float(session.get("signed_in_at") or now))
    return max(0, int(idle)), max(0, int(absolute))


def in_words(seconds: float) -> str:
    """A time limit in words: "30 minutes", "12 hours", "1 minute"."""
    size, unit = next(
        ((size, unit) for size, unit in ((3600, "hour"), (60, "minute")) if seconds >= size and seconds % size == 0),
        (1, "second"),
    )
    amount = round(seconds / size)
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


def end(message: str) -> None:
    logout_user()
    session.clear()
    flash(message, "info")


def enforce_limits():
    """Before every request: end a session that has been idle or open too long; keep it alive otherwise;
    send a person who must set up two-factor sign-in to do so."""
    # The user always comes from this request's cookie, never from an earlier request that shared the app
    # context (the test client's requests do): Flask-Login keeps the loaded user in ``g``.
    g.pop("_login_user", None)
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    now = _now()
    last_seen, signed_in_at = session.get("last_seen"), session.get("signed_in_at")
    if last_seen is None or signed_in_at is None or now - float(last_seen) > idle_seconds():
        end(
            f"You were signed out because you had not done anything for {in_words(idle_seconds())}. "
            "Sign in again to continue"
        )
        return _to_sign_in()
    if now - float(signed_in_at) > absolute_seconds():
        end(f"You were signed out because you signed in more than {in_words(absolute_seconds())} ago. Sign in again")
        return _to_sign_in()
    if now - float(last_seen) >= LAST_SEEN_RESOLUTION or request.method not in READ_METHODS:
        session["last_seen"] = now

    if (
        current_app.config.get("TWO_FACTOR_REQUIRED")
        and current_user.totp_enabled_at is None
        and request.endpoint not in SETUP_ENDPOINTS
    ):
        return redirect(url_for("auth.two_factor_setup"))
    return None


def _to_sign_in():
    if request.method == "GET" and request.endpoint != "auth.sign_in":
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    return redirect(url_for("auth.sign_in"))


def timeout_settings() -> dict:
    """What the page's session-timeout warning needs (see assets/session-timeout.js)."""
    if not current_user.is_authenticated:
        return {}
    idle, absolute = seconds_left()
    return {
        "idle_seconds": idle,
        "absolute_seconds": absolute,
        "warning_seconds": int(current_app.config["SESSION_WARNING_SECONDS"]),
    }
