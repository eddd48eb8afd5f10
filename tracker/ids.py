"""Ids and page numbers from the outside world, parsed in one place.

Every id in a URL, a query string or a choice field is a bounded integer written in ASCII digits:
1 .. 2^31-1, the range of the smallest integer column any of our databases uses. Anything else, whether
``9223372036854775808``, ``-1``, ``abc``, a superscript ``²`` or Arabic-Indic ``١٢``, is not an id: a route
answers 404, a query argument falls back to its default, a form field shows an error. Nothing here ever
calls ``int()`` on text it has not first matched against ``[0-9]``, because Python's ``int()`` accepts
digits of every script and ``str.isdigit()`` says yes to ``²`` which ``int()`` then refuses.
"""

from __future__ import annotations

import re

from flask import request
from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
_ASCII_NUMBER = re.compile(r"[0-9]{1,10}")
_ASCII_DIGITS = re.compile(r"[0-9]{1,100}")


def parse_id(value) -> int | None:
    """The id ``value`` stands for, or None when it is not a whole number 1..2^31-1 in ASCII digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _ASCII_NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values) -> set[int] | None:
    """A set of ids, or None when any of them is not an id."""
    parsed = {parse_id(value) for value in values or ()}
    return None if None in parsed else parsed


class IdConverter(BaseConverter):
    """``<id:name>`` in a route: matches only ASCII digits and only ids in range; anything else is a 404."""

    regex = r"[0-9]{1,10}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def id_arg(name: str) -> int | None:
    """An id from the query string (a filter), or None when it is missing or not an id."""
    return parse_id(request.args.get(name, ""))


def page_arg(name: str = "page", last: int | None = None) -> int:
    """A page number from the query string: 1 when missing or not a number, never past ``last``."""
    text = request.args.get(name, "").strip()
    page = int(text) if _ASCII_DIGITS.fullmatch(text) else 1
    page = min(max(page, 1), MAX_PAGE)
    return min(page, last) if last else page


def page_number(name: str = "page") -> int | None:
    """A page number from the query string for a page that refuses what it cannot show: 1 when missing,
    None (the caller answers 404) when it is anything but a number 1..MAX_PAGE in ASCII digits."""
    text = request.args.get(name)
    if text is None:
        return 1
    page = int(text) if _ASCII_NUMBER.fullmatch(text) else 0
    return page if 1 <= page <= MAX_PAGE else None


def coerce_id(value):
    """``coerce`` for choice fields: an id, or None when it is not one, which the field's choice check then
    refuses with its own message (WTForms' ``coerce=int`` would accept ``١٢`` and overflow on huge numbers)."""
    if value in (None, ""):
        return None
    return parse_id(value)


def init_app(app) -> None:
    app.url_map.converters["id"] = IdConverter
