"""Keyset pagination: a page is "the next N rows after this key", so the last page of 60,000 rows costs what
the first does (OFFSET reads and throws away every row before the page).

Links carry the key of the row at the page's edge (``after`` for the next page, ``before`` for the
previous one); where the page sits ("Actions 51 to 100 of 1,234") is one indexed count of the rows before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session


@dataclass
class KeysetPage:
    items: list
    total: int
    first: int  # the position (from 1) of the page's first row; 0 when the page is empty
    next_after: int | None  # the key to ask for the next page with, or None on the last page
    prev_before: int | None  # the key to ask for the previous page with, or None on the first page

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def keyset_page(
    session: Session,
    query: Select,
    key: ColumnElement,
    where: ColumnElement,
    size: int,
    after: int | None = None,
    before: int | None = None,
) -> KeysetPage:
    """One page of ``query`` (already filtered by ``where``) in ascending ``key`` order, in three queries
    whatever the page: the rows, the total, and the count before the page."""
    if before is not None:
        rows = list(session.execute(query.where(key < before).order_by(key.desc()).limit(size + 1)).scalars())
        more_before = len(rows) > size
        items = list(reversed(rows[:size]))
        more_after = True
    else:
        page = query.where(key > after) if after is not None else query
        rows = list(session.execute(page.order_by(key).limit(size + 1)).scalars())
        items, more_after, more_before = rows[:size], len(rows) > size, after is not None
    total = session.execute(select(func.count(key)).where(where)).scalar_one()
    if items:
        first_key = getattr(items[0], key.key)
        first = session.execute(select(func.count(key)).where(where, key < first_key)).scalar_one() + 1
    else:
        first, more_before, more_after = 0, False, False
    return KeysetPage(
        items=items,
        total=total,
        first=first,
        next_after=getattr(items[-1], key.key) if items and more_after else None,
        prev_before=getattr(items[0], key.key) if items and more_before else None,
    )
