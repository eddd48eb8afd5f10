"""Loading the signed-in user from the session by their current session token (not their id), so that
rotating the token on the server ends every copy of the session cookie."""

from __future__ import annotations

from sqlalchemy import select

from tracker.auth.models import User
from tracker.extensions import db


def load_user_by_session_token(token: str) -> User | None:
    if not token:
        return None
    user = db.session.execute(select(User).where(User.session_token == token)).scalar_one_or_none()
    if user is None or not user.is_active_account:
        return None
    return user
