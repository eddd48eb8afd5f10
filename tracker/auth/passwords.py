"""Password hashing with argon2id at the argon2-cffi defaults (RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_STRONG = PasswordHasher()
# Only for the test suite, which creates hundreds of accounts: never selectable in production (the config
# check refuses it) and any hash made with it is upgraded by needs_rehash on the next sign-in.
_FAST_FOR_TESTS = PasswordHasher.from_parameters(profiles.CHEAPEST)
# Verified against when the account does not exist, so that both cases take the same time.
_DUMMY_HASH = _STRONG.hash("not-a-real-password-used-only-for-timing")


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASHING") == "fast-for-tests":
        return _FAST_FOR_TESTS
    return _STRONG


MIN_LENGTH = 12
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, in words, or None. Length only: no composition rules."""
    if len(password) < MIN_LENGTH:
        return f"Enter a password of at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Enter a password of no more than {MAX_LENGTH} characters"
    return None
