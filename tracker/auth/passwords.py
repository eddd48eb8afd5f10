"""Password hashing with argon2id at the argon2-cffi defaults (RFC 9106 low-memory profile), and the one rule
for choosing a new password."""

from __future__ import annotations

import functools
import re
import unicodedata

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_STRONG = PasswordHasher()
# Only for the test suite, which creates hundreds of accounts: never selectable in production (the config
# check refuses it) and any hash made with it is upgraded by needs_rehash on the next sign-in.
_FAST_FOR_TESTS = PasswordHasher.from_parameters(profiles.CHEAPEST)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so that both cases take the same time (made on
    first use: hashing takes half a second, which a worker should not spend at start-up)."""
    return _STRONG.hash("not-a-real-password-used-only-for-timing")


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
        return _hasher().verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


# Words that make a password easy to guess here: the service's name and the work it is for.
SERVICE_WORDS = ("reviewactiontracker", "safeguarding")
# Name and e-mail parts shorter than this are too common inside ordinary words to refuse.
MIN_CONTEXT_WORD = 4


# Runs of keys people type instead of choosing: digits, the alphabet and the keyboard's rows, round and round.
_RUNS = ("0123456789" * 30, "abcdefghijklmnopqrstuvwxyz" * 10, "qwertyuiopasdfghjklzxcvbnm" * 10)


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 commonest passwords from leaked-password corpora, as shipped by the zxcvbn package (its
    ``passwords`` frequency list), loaded once on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _letters_and_digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _is_common(password: str) -> bool:
    """A common password, or one with digits or symbols added around it ("Password123!", "!!qwerty2024"),
    or one that is only a repeated or sequential run of characters ("aaaaaaaaaaaa", "123456789012")."""
    common = _common_passwords()
    squashed = _letters_and_digits(password)
    core = re.sub(r"^[\d\W_]+|[\d\W_]+$", "", unicodedata.normalize("NFKC", password).casefold())
    core = "".join(core.split())
    if squashed in common or (len(core) >= 4 and core in common):
        return True
    if len(set(squashed)) <= 2:
        return True
    return any(squashed in run or squashed in run[::-1] for run in _RUNS)


def personal_words(name: str | None = None, email: str | None = None) -> tuple[str, ...]:
    """The words of a person's name and of their e-mail address before the @, for ``password_problem``."""
    words = re.split(r"[\W_]+", (name or "").casefold())
    words += re.split(r"[\W_]+", (email or "").casefold().partition("@")[0])
    return tuple(word for word in words if len(word) >= MIN_CONTEXT_WORD)


def password_problem(password: str, *, context_words=()) -> str | None:
    """Why a new password is not acceptable, in words, or None.

    Current guidance (NCSC, NIST SP 800-63B, ASVS 5.0 6.2): at least 12 characters, at most 256, any
    characters at all, no composition rules and no expiry; refuse the commonest passwords and passwords built
    on the service's name or the person's own name or e-mail (``context_words``, see ``personal_words``).
    """
    password = password or ""
    if len(password) > MAX_LENGTH:
        return f"Enter a password of no more than {MAX_LENGTH} characters"
    if _is_common(password):
        return "Enter a password that is harder to guess: this one is on a list of the most common passwords"
    if len(password) < MIN_LENGTH:
        return f"Enter a password of at least {MIN_LENGTH} characters"
    squashed = _letters_and_digits(password)
    if any(word in squashed for word in SERVICE_WORDS):
        return "Enter a password that does not include the name of this service or the word safeguarding"
    for word in context_words:
        word = _letters_and_digits(word or "")
        if len(word) >= MIN_CONTEXT_WORD and word in squashed:
            return "Enter a password that does not include your name or your email address"
    return None
