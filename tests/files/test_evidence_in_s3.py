"""Evidence kept in S3 (a real S3 API server): uploaded, downloaded through the permission-checked view,
removed when its transaction does not commit, and packed into evidence packs that check out."""

from __future__ import annotations

import hashlib
import uuid

import bagit
import pytest
from sqlalchemy import select

from tests.conftest import sign_in
from tests.evidence import pdf
from tests.evidence.test_views import a_file, add_through_the_page, police_action
from tests.packs.helpers import add_evidence, extract, make, pdf_file, people, review
from tracker import files
from tracker.evidence import storage
from tracker.evidence.models import EvidenceItem
from tracker.extensions import db
from tracker.files.s3 import S3Store
from tracker.packs import scope


@pytest.fixture(autouse=True)
def in_s3(app, s3_server, monkeypatch):
    """The app keeps its files in the S3 server, under a prefix of this test's own."""
    for name, value in s3_server.config(s3_server.bucket).items():
        monkeypatch.setitem(app.config, name, value)
    # A fresh random prefix: an object's id() is reused once it is freed, so a prefix made from one could be
    # the previous test's, whose file then showed up here (the CI failure of 2 December).
    monkeypatch.setitem(app.config, "S3_PREFIX", f"{uuid.uuid4().hex[:12]}/")
    with app.app_context():
        store = files.current_store()
    assert isinstance(store, S3Store)
    return store


def test_an_upload_goes_to_the_bucket_and_downloads_through_the_view(app, users, signed_in, in_s3):
    client, action = signed_in("agency_lead"), police_action()
    content = pdf("kept in object storage")
    response = add_through_the_page(client, action, a_file(content, "training.pdf"))
    assert response.status_code == 302
    item = db.session.execute(select(EvidenceItem).where(EvidenceItem.action_id == action.id)).scalar_one()
    stored = item.files[0]
    assert [key for key, _ in in_s3.list_keys()] == [stored.storage_key]
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert in_s3.encryption_of(stored.storage_key) == "AES256"

    download = client.get(f"/evidence/files/{stored.id}")
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Disposition"].startswith("attachment")

    other = app.test_client()
    assert sign_in(other, users["other_lead"]).status_code == 302
    assert other.get(f"/evidence/files/{stored.id}").status_code in (403, 404)


def test_a_refused_file_never_reaches_the_bucket(signed_in, in_s3):
    client, action = signed_in("agency_lead"), police_action()
    response = add_through_the_page(client, action, a_file(b"<html><script></script></html>", "evil.pdf"))
    assert response.status_code == 422
    assert list(in_s3.list_keys()) == []


def test_a_file_whose_transaction_rolls_back_is_removed_from_the_bucket(app, in_s3):
    saved = storage.save_upload(db.session, pdf_file("rolled back"), max_bytes=10**6)
    assert in_s3.exists(saved.key)
    db.session.rollback()
    assert not in_s3.exists(saved.key)


def test_a_pack_reads_its_evidence_from_the_bucket(users, tmp_path, in_s3):
    cast = people(users)
    add_evidence(cast["agency_lead"], police_action("bucks-baby-k"), "Audit", [pdf_file("audit", "Audit.pdf")])
    db.session.commit()
    data, pack = make(cast["auditor"], scope.chosen(db.session, cast["auditor"], "review", review("bucks-baby-k").id))
    assert pack.counts.missing_files == []
    bagit.Bag(str(extract(data, tmp_path / "pack"))).validate(fast=False)
