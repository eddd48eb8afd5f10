"""Building plan files for the import tests: rows by column name, written as Excel or CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
from sqlalchemy import func, select

from tracker.actions.models import Action
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.extensions import db
from tracker.reviews.models import Recommendation, Review
from tracker.spreadsheets.columns import NAMES

NEW_REF = "mk-child-q"


def row(**values) -> dict:
    return dict.fromkeys(NAMES, "") | values


def new_review_rows() -> list[dict]:
    """A new Milton Keynes review: two recommendations, three actions, one recommendation without actions."""
    return [
        row(
            review_ref=NEW_REF,
            review_title="Child Q: a Child Safeguarding Practice Review",
            child="Child Q",
            board="milton-keynes",
            review_type="Child Safeguarding Practice Review",
            report_date="2025-06-30",
            recommendation_ref="1",
            recommendation_text="Agencies should share information about risk when a family moves area.",
            recommendation_kind="multi_agency",
            themes="information-sharing; think-family",
            agency="thames-valley-police",
            action_text="Audit 20 cases where a family moved area.",
            owner_email="lead@test.invalid",
            due_date="2027-03-31",
            success_measure="Information shared in at least 18 of the 20 cases.",
        ),
        # The agency by its name, with a straight apostrophe where the tracker has a curly one.
        row(
            review_ref=NEW_REF,
            recommendation_ref="1",
            agency="Milton Keynes Children's Social Care",
            action_text="Add a transfer-in checklist to the case recording system.",
            due_date=date(2027, 6, 30),
        ),
        row(
            review_ref=NEW_REF,
            recommendation_ref="2",
            recommendation_text="The board should seek assurance on supervision of front-line staff.",
            recommendation_kind="Board",
        ),
        row(
            review_ref=NEW_REF,
            recommendation_ref="3",
            recommendation_text="Health visiting should record fathers' details.",
            recommendation_kind="single_agency",
            agency="thames-valley-police",
            action_text="Record the details of every adult in the household.",
        ),
    ]


def xlsx_bytes(rows: list[dict], header: list[str] | None = None, sheet: str = "Plan") -> bytes:
    header = header or NAMES
    book = openpyxl.Workbook()
    worksheet = book.active
    worksheet.title = sheet
    worksheet.append(header)
    for values in rows:
        worksheet.append([values.get(name, "") or None for name in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict], header: list[str] | None = None, encoding: str = "utf-8") -> bytes:
    header = header or NAMES
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(name, "") for name in header])
    return buffer.getvalue().encode(encoding)


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def counts() -> dict:
    def count(model):
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()

    return {
        "reviews": count(Review),
        "recommendations": count(Recommendation),
        "actions": count(Action),
        "history": count(HistoryEntry),
    }
