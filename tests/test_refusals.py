"""The one helper that turns a refused service call into what a person sees, after rolling back."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Forbidden
from wtforms import StringField

import tracker
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


def _caught_names(handler: ast.ExceptHandler) -> list[ast.expr]:
    if handler.type is None:
        return []
    return list(handler.type.elts) if isinstance(handler.type, ast.Tuple) else [handler.type]


def _resolve(module, node: ast.expr):
    """The object an ``except`` clause names (``DomainError``, ``services.ImportRefused``), looked up in the
    module's own namespace."""
    if isinstance(node, ast.Name):
        return getattr(module, node.id, None)
    if isinstance(node, ast.Attribute):
        owner = _resolve(module, node.value)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


VIEW_MODULES = sorted(Path(tracker.__file__).parent.glob("**/views*.py"))


def test_there_are_view_modules_to_check():
    assert len(VIEW_MODULES) > 10  # the glob found the views, so the check below checks something


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(Path(tracker.__file__).parent)))
def test_no_view_turns_a_refusal_into_a_page_by_hand(path):
    """Every view hands a refused service call to ``refusals.attempt``: one place rolls back and chooses the
    403, 409 or form error. Catching a DomainError (or a subclass, or StaleDataError) in a view writes that
    mapping again."""
    name = ".".join(path.relative_to(Path(tracker.__file__).parent.parent).with_suffix("").parts)
    module = importlib.import_module(name)
    by_hand = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ExceptHandler):
            continue
        for caught in _caught_names(node):
            obj = _resolve(module, caught)
            if isinstance(obj, type) and issubclass(obj, DomainError | StaleDataError):
                by_hand.append(f"line {node.lineno}: except {ast.unparse(caught)}")
    assert by_hand == []


def test_the_check_sees_a_hand_written_refusal(tmp_path):
    """The check above is not vacuous: it finds a catch of a DomainError subclass through a module attribute."""
    source = "try:\n    pass\nexcept errors_domain.StaleEdit:\n    pass\n"
    handler = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ExceptHandler))
    module = type("M", (), {"errors_domain": importlib.import_module("tracker.errors_domain")})
    (caught,) = _caught_names(handler)
    assert issubclass(_resolve(module, caught), DomainError)


def test_a_refusal_takes_its_status_from_the_error(app):
    class TooLarge(DomainError):
        status = 413

    with app.test_request_context(method="POST"):
        form = _Form(meta={"csrf": False})
        refusal = attempt(_writes_then(TooLarge("Too big", field="title")), form)
        assert (refusal.status, form.title.errors, refusal.placed) == (413, ["Too big"], True)
        assert isinstance(refusal.error, TooLarge)


def test_a_refusal_naming_no_field_is_left_to_the_page_when_asked(app):
    with app.test_request_context(method="POST"):
        form = _Form(meta={"csrf": False})
        refusal = attempt(_writes_then(DomainError("The action is closed")), form, top_of_form=False)
        assert (refusal.status, refusal.placed, form.form_errors) == (422, False, [])
        assert refusal.message == "The action is closed"


def test_a_refusal_the_service_records_on_purpose_is_kept(app):
    with app.test_request_context(method="POST"):
        before = _entries()
        form = _Form(meta={"csrf": False})
        refusal = attempt(_writes_then(DomainError("Wrong password", field="title")), form, keep_refused=True)
        db.session.rollback()  # nothing left to undo: the refusal's record was committed
        assert refusal.status == 422 and _entries() == before + 1


def test_not_permitted_is_rolled_back_even_when_refusals_are_kept(app):
    with app.test_request_context(method="POST"):
        before = _entries()
        with pytest.raises(Forbidden):
            attempt(_writes_then(NotPermitted("No")), keep_refused=True)
        assert _entries() == before
