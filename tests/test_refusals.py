"""The one helper that turns a refused service call into what a person sees, after rolling back."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Forbidden
from wtforms import StringField

from tracker.audit import HistoryEntry
from tracker.errors_domain import DomainError, NotPermitted, StaleEdit
from tracker.extensions import db
from tracker.refusals import SAME_MOMENT, attempt


class _Form(FlaskForm):
    title = StringField("Title")


def _entries() -> int:
    return db.session.execute(select(func.count()).select_from(HistoryEntry)).scalar_one()


def _writes_then(error):
    def call():
        from tracker import audit

        audit.record(db.session, actor="test", event="test.write", obj_type="test", obj_id=1, summary="written")
        db.session.flush()
        raise error

    return call


@pytest.mark.parametrize(
    ("error", "status", "where"),
    [
        (DomainError("Enter a title", field="title"), 422, "title"),
        (DomainError("Not now"), 422, "form"),
        (StaleEdit("Someone else changed it", ["due date moved"]), 409, "form"),
        (StaleDataError("race"), 409, "form"),
    ],
)
def test_a_refusal_rolls_back_and_lands_on_the_form(app, error, status, where):
    with app.test_request_context(method="POST"):
        before = _entries()
        form = _Form(meta={"csrf": False})
        refusal = attempt(_writes_then(error), form)
        assert refusal.status == status
        assert _entries() == before  # rolled back: the write inside the refused call is gone
        message = SAME_MOMENT if isinstance(error, StaleDataError) else error.message
        if where == "title":
            assert form.title.errors == [message] and form.form_errors == []
        else:
            assert form.form_errors == [message]
        if isinstance(error, StaleEdit):
            assert refusal.changes == ["due date moved"]


def test_not_permitted_is_a_403_after_rolling_back(app):
    with app.test_request_context(method="POST"):
        before = _entries()
        with pytest.raises(Forbidden):
            attempt(_writes_then(NotPermitted("No")), _Form(meta={"csrf": False}))
        assert _entries() == before


def test_a_call_that_goes_through_is_committed(app):
    with app.test_request_context(method="POST"):
        before = _entries()
        from tracker import audit

        def write():
            audit.record(db.session, actor="test", event="test.write", obj_type="test", obj_id=1, summary="kept")

        assert attempt(write) is None
        db.session.rollback()  # nothing left to undo: attempt committed it
        assert _entries() == before + 1
