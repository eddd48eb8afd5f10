"""Uploads in one pass: the evidence page's file parts are written into storage and hashed while the request
is parsed, never spooled to a temporary file first and read back; what is refused leaves nothing behind."""

from __future__ import annotations

import hashlib

from flask import Request
from sqlalchemy import select

from tests.evidence import pdf
from tests.evidence.test_views import (
    MB,
    _own_storage,
    a_file,
    add_through_the_page,
    police_action,
    post_large,
    stored_files,
)
from tracker.evidence import storage
from tracker.evidence.models import EvidenceFile, EvidenceItem
from tracker.extensions import db

__all__ = ["_own_storage"]  # the fixture that gives each test its own storage folder


def _no_spooling(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("an evidence file part was spooled to a temporary file")

    monkeypatch.setattr(Request, "_get_file_stream", refuse)


def test_a_file_goes_straight_into_storage_with_its_hash(signed_in, monkeypatch):
    _no_spooling(monkeypatch)
    action = police_action()
    content = pdf().ljust(3 * MB, b" ")
    response = post_large(signed_in("agency_lead"), action, a_file(content, "records.pdf"))
    assert response.status_code == 302
    stored = db.session.execute(
        select(EvidenceFile).join(EvidenceItem).where(EvidenceItem.action_id == action.id).order_by(EvidenceFile.id)
    ).scalars()
    stored = list(stored)[-1]
    assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.size == len(content)
    assert storage.path_for(stored.storage_key).read_bytes() == content
    assert not any(path.suffix == ".part" for path in stored_files())


def test_a_refused_file_leaves_nothing_in_storage(signed_in, monkeypatch):
    _no_spooling(monkeypatch)
    response = add_through_the_page(
        signed_in("agency_lead"), police_action(), a_file(b"<html><script>x</script></html>", "page.pdf")
    )
    assert response.status_code == 422
    assert "Add evidence" in response.get_data(as_text=True)
    assert stored_files() == []


def test_a_form_with_errors_leaves_nothing_in_storage(signed_in):
    response = add_through_the_page(signed_in("agency_lead"), police_action(), a_file(pdf(), "fine.pdf"), title="")
    assert response.status_code == 422
    assert stored_files() == []
