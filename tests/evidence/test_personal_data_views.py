"""The evidence form says what not to upload and how to redact, and stops to warn before saving evidence
that seems to hold an NHS number or a date of birth; ticking the box saves it."""

from __future__ import annotations

from tests.actions.helpers import user
from tests.evidence import pdf
from tests.evidence.test_views import _own_storage, a_file, add_through_the_page, items_of, police_action  # noqa: F401
from tracker.actions import services as actions
from tracker.extensions import db


def _in_progress(users):
    action = police_action()
    action.status = "not_started"
    db.session.flush()
    lead = user(users["agency_lead"])
    actions.change_status(db.session, lead, action, action.version, "in_progress")
    db.session.flush()
    return action


def test_the_form_says_what_not_to_upload_and_how_to_redact(signed_in, users):
    action = _in_progress(users)
    page = signed_in("agency_lead").get(f"/actions/{action.id}/evidence/new").get_data(as_text=True)
    assert "Leave out names, dates of birth, addresses and NHS numbers" in page
    assert "How to redact a document" in page


def test_a_date_of_birth_is_warned_about_before_saving(signed_in, users):
    action = _in_progress(users)
    client = signed_in("agency_lead")
    before = items_of(action)
    response = add_through_the_page(client, action, narrative="Child A, DOB 03/04/2019, seen at the clinic")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The description seems to hold a date of birth" in page and "It has not been saved yet" in page
    assert items_of(action) == before
    confirmed = add_through_the_page(
        client, action, narrative="Child A, DOB 03/04/2019, seen at the clinic", confirm_personal_data="y"
    )
    assert confirmed.status_code == 302 and items_of(action) == before + 1


def test_an_nhs_number_in_a_file_name_is_warned_about(signed_in, users):
    action = _in_progress(users)
    client = signed_in("agency_lead")
    before = items_of(action)
    response = add_through_the_page(client, action, a_file(pdf(), "referral 943 476 5919.pdf", "application/pdf"))
    assert response.status_code == 422
    assert "seems to hold an NHS number" in response.get_data(as_text=True)
    assert items_of(action) == before
    ordinary = add_through_the_page(client, action, a_file(pdf(), "referral 0123456788.pdf", "application/pdf"))
    assert ordinary.status_code == 302 and items_of(action) == before + 1
