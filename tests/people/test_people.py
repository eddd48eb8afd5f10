"""Managing people: the list and its filters, changing role, boards and agency, deactivating and reactivating,
who may do it to whom, and that a change which takes access away ends the person's sessions at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.people.browsing import Browser
from tracker import clock
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.errors_domain import DomainError, NotPermitted
from tracker.extensions import db
from tracker.orgs.models import Agency, Board
from tracker.people import services


def board(key: str) -> Board:
    return db.session.execute(select(Board).where(Board.key == key)).scalar_one()


def agency(key: str) -> Agency:
    return db.session.execute(select(Agency).where(Agency.key == key)).scalar_one()


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def entries(person: User, prefix: str = "user.") -> list[HistoryEntry]:
    return list(
        db.session.execute(
            select(HistoryEntry)
            .where(HistoryEntry.object_type == "user", HistoryEntry.object_id == person.id)
            .where(HistoryEntry.event.startswith(prefix))
            .order_by(HistoryEntry.id)
        ).scalars()
    )


def names_listed(page: bytes) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/people/\d+">([^<]+)</a>', page.decode())


# The list --------------------------------------------------------------------------------------------------


def test_an_admin_sees_everyone_and_a_board_member_only_people_of_their_boards(app, signed_in, users):
    assert names_listed(signed_in("admin").get("/people").data) == ["Admin", "Auditor", "Lead", "Member", "Other Lead"]
    member = Browser(app).sign_in(users["board_member"])
    # Milton Keynes: its board member, and the lead of Thames Valley Police, which serves Milton Keynes. Not
    # the Buckinghamshire auditor, the Southampton lead, or any administrator.
    assert names_listed(member.get("/people").data) == ["Lead", "Member"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("role=agency_lead", ["Lead", "Other Lead"]),
        ("agency={tvp}", ["Lead"]),
        ("board={bucks}", ["Auditor", "Lead"]),
        ("board={bucks}&role=auditor", ["Auditor"]),
        ("active=inactive", ["Other Lead"]),
        ("active=active&role=agency_lead", ["Lead"]),
        ("role=nonsense&board=x", ["Admin", "Auditor", "Lead", "Member", "Other Lead"]),
    ],
)
def test_the_list_filters_by_board_agency_role_and_whether_active(app, signed_in, users, query, expected):
    user(users["other_lead"]).is_active_account = False
    db.session.commit()
    ids = {"tvp": agency("thames-valley-police").id, "bucks": board("buckinghamshire").id}
    page = signed_in("admin").get("/people?" + query.format(**ids))
    assert page.status_code == 200
    assert names_listed(page.data) == expected


def test_the_list_is_paginated(app, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    admin = signed_in("admin")
    first, third = admin.get("/people"), admin.get("/people?page=3")
    assert names_listed(first.data) == ["Admin", "Auditor"] and b"Page 1 of 3" in first.data
    assert names_listed(third.data) == ["Other Lead"]
    assert names_listed(admin.get("/people?page=99").data) == ["Other Lead"]


def test_filters_carry_only_ids_and_choices_never_names(app, signed_in):
    page = signed_in("admin").get("/people?role=auditor").get_data(as_text=True)
    form = page[page.index('class="app-filter"') :]
    form = form[: form.index("</form>")]
    assert 'method="get"' in page and set(re.findall(r'name="(\w+)"', form)) == {"board", "agency", "role", "active"}


# A person's page -------------------------------------------------------------------------------------------


def test_a_board_member_cannot_see_people_outside_their_boards(app, signed_in, users):
    member = signed_in("board_member")
    assert member.get(f"/people/{user(users['other_lead']).id}").status_code == 404
    assert member.get(f"/people/{user(users['admin']).id}").status_code == 404
    assert member.get(f"/people/{user(users['agency_lead']).id}").status_code == 200


def test_the_admin_sees_the_two_factor_reset_only_for_people_who_have_it(app, signed_in, users):
    lead = user(users["agency_lead"])
    admin = signed_in("admin")
    assert b"Reset two-factor sign-in" not in admin.get(f"/people/{lead.id}").data
    lead.totp_secret, lead.totp_enabled_at = "JBSWY3DPEHPK3PXP", clock.now()
    db.session.commit()
    page = admin.get(f"/people/{lead.id}").get_data(as_text=True)
    assert f'action="/people/{lead.id}/two-factor/reset"' in page
    member = Browser(app).sign_in(users["board_member"])
    assert b"Reset two-factor sign-in" not in member.get(f"/people/{lead.id}").data


# Changing access -------------------------------------------------------------------------------------------


def test_an_admin_changes_a_persons_agency_in_one_history_entry_and_their_sessions_end(app, signed_in, users):
    lead_browser = Browser(app).sign_in(users["agency_lead"])
    stolen = lead_browser.cookie()
    lead = user(users["agency_lead"])
    soton = agency("southampton-city-council-childrens-social-care")

    response = signed_in("admin").post(
        f"/people/{lead.id}/access", data={"role": "agency_lead", "agency": str(soton.id)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert user(users["agency_lead"]).agency_id == soton.id
    [changed] = [e for e in entries(lead) if e.event == "user.access_changed"]
    assert changed.before == {"agency_id": agency("thames-valley-police").id}
    assert changed.after == {"agency_id": soton.id}
    assert [e.event for e in entries(lead, "sign_in.")] == ["sign_in.succeeded", "sign_in.ended"]

    for browser in (lead_browser, Browser(app).with_cookie(stolen)):
        page = browser.get("/my-agency")
        assert page.status_code == 302 and "/sign-in" in page.headers["Location"]


def test_adding_a_board_keeps_the_persons_sessions(app, signed_in, users):
    auditor_browser = Browser(app).sign_in(users["auditor"])
    auditor = user(users["auditor"])
    response = signed_in("admin").post(
        f"/people/{auditor.id}/access",
        data={"role": "auditor", "boards": [board("buckinghamshire").id, board("milton-keynes").id]},
    )
    assert response.status_code == 302
    assert auditor_browser.get("/reviews").status_code == 200
    assert entries(auditor, "sign_in.ended") == []


def test_saving_without_a_change_records_nothing(app, signed_in, users):
    auditor = user(users["auditor"])
    response = signed_in("admin").post(
        f"/people/{auditor.id}/access", data={"role": "auditor", "boards": [board("buckinghamshire").id]}
    )
    assert response.status_code == 302
    assert [e.event for e in entries(auditor)] == ["user.created"]


def test_a_board_member_changes_only_their_own_boards_and_never_gives_admin(app, signed_in, users):
    both = create_user(
        db.session,
        email="both@example.org",
        name="Both Boards",
        role="board_member",
        password=PASSWORD,
        board_keys=["milton-keynes", "buckinghamshire"],
    )
    db.session.commit()
    member = signed_in("board_member")
    page = member.get(f"/people/{both.id}").get_data(as_text=True)
    assert (
        'value="admin"' not in page
        and "Buckinghamshire Safeguarding Children Partnership"
        not in page.split("Change their access")[1].split("</form>")[0]
    )

    # Leaving Milton Keynes unticked takes them off Milton Keynes only: Buckinghamshire is not theirs to change.
    assert member.post(f"/people/{both.id}/access", data={"role": "auditor"}).status_code == 302
    db.session.expire_all()
    assert [b.key for b in user("both@example.org").boards] == ["buckinghamshire"]
    assert user("both@example.org").role == "auditor"

    refused = member.post(f"/people/{user(users['agency_lead']).id}/access", data={"role": "admin", "agency": ""})
    # The role is not on offer, and the service refuses it too.
    assert refused.status_code == 422 and b"Choose a role from the list" in refused.data
    with pytest.raises(DomainError, match="Only an administrator can give someone the administrator role"):
        services.change_access(
            db.session,
            user(users["board_member"]),
            user(users["agency_lead"]),
            role="admin",
            board_ids=[],
            agency_id=None,
        )
    refused = member.post(
        f"/people/{user(users['agency_lead']).id}/access",
        data={"role": "board_member", "boards": [board("buckinghamshire").id]},
    )
    assert refused.status_code == 422 and user(users["agency_lead"]).role == "agency_lead"


def test_nobody_raises_their_own_role_or_changes_their_own_access(app, signed_in, users):
    member = signed_in("board_member")
    me = user(users["board_member"])
    assert b"This is your own account" in member.get(f"/people/{me.id}").data
    refused = member.post(f"/people/{me.id}/access", data={"role": "admin", "boards": [board("milton-keynes").id]})
    assert refused.status_code == 422
    with pytest.raises(DomainError, match="Only an administrator"):
        services.change_access(db.session, me, me, role="admin", board_ids=[board("milton-keynes").id], agency_id=None)
    with pytest.raises(DomainError, match="You cannot change your own role"):
        services.change_access(
            db.session, me, me, role="auditor", board_ids=[board("milton-keynes").id], agency_id=None
        )
    # An admin cannot make themselves anything else either, nor a board member give themselves an agency.
    admin = user(users["admin"])
    with pytest.raises(DomainError, match="You cannot change your own role"):
        services.change_access(db.session, admin, admin, role="board_member", board_ids=[1], agency_id=None)
    with pytest.raises(DomainError, match="your own boards or agency"):
        services.change_access(
            db.session,
            me,
            me,
            role="board_member",
            board_ids=[board("milton-keynes").id],
            agency_id=agency("thames-valley-police").id,
        )
    db.session.rollback()
    db.session.expire_all()
    assert user(users["board_member"]).role == "board_member" and user(users["board_member"]).agency_id is None


def test_agency_leads_and_auditors_manage_nobody(app, users):
    lead, auditor = user(users["agency_lead"]), user(users["auditor"])
    for actor in (lead, auditor):
        with pytest.raises(NotPermitted):
            services.deactivate(db.session, actor, user(users["other_lead"]))
        with pytest.raises(NotPermitted):
            services.change_access(db.session, actor, actor, role="admin", board_ids=[], agency_id=None)


# Deactivating ----------------------------------------------------------------------------------------------


def test_deactivating_someone_ends_their_open_session_at_once(app, signed_in, users):
    lead_browser = Browser(app).sign_in(users["agency_lead"])
    copied = lead_browser.cookie()
    assert lead_browser.get("/my-agency").status_code == 200
    lead = user(users["agency_lead"])

    response = signed_in("admin").post(f"/people/{lead.id}/deactivate")
    assert response.status_code == 302

    for browser in (lead_browser, Browser(app).with_cookie(copied)):
        page = browser.get("/my-agency")
        assert page.status_code == 302 and "/sign-in" in page.headers["Location"]
    refused = Browser(app).post("/sign-in", data={"email": users["agency_lead"], "password": PASSWORD})
    assert refused.status_code == 200 and b"Enter a correct email address and password" in refused.data
    db.session.expire_all()
    assert [e.event for e in entries(lead)] == ["user.created", "user.deactivated"]
    assert entries(lead, "sign_in.ended")


def test_reactivating_lets_them_sign_in_again_but_not_with_the_old_cookie(app, signed_in, users):
    lead_browser = Browser(app).sign_in(users["agency_lead"])
    copied = lead_browser.cookie()
    lead = user(users["agency_lead"])
    admin = signed_in("admin")
    admin.post(f"/people/{lead.id}/deactivate")
    again = admin.post(f"/people/{lead.id}/deactivate")
    assert again.status_code == 422 and b"already deactivated" in again.data
    assert admin.post(f"/people/{lead.id}/reactivate").status_code == 302

    assert Browser(app).with_cookie(copied).get("/my-agency").status_code == 302
    assert Browser(app).sign_in(users["agency_lead"]).get("/my-agency").status_code == 200
    db.session.expire_all()
    assert [e.event for e in entries(lead)] == ["user.created", "user.deactivated", "user.reactivated"]


def test_nobody_deactivates_themselves(app, signed_in, users):
    admin = signed_in("admin")
    me = user(users["admin"])
    response = admin.post(f"/people/{me.id}/deactivate")
    assert response.status_code == 422 and b"You cannot deactivate your own account" in response.data
    db.session.expire_all()
    assert user(users["admin"]).is_active_account


def test_a_board_member_deactivates_only_people_of_their_boards(app, signed_in, users):
    member = signed_in("board_member")
    assert member.post(f"/people/{user(users['other_lead']).id}/deactivate").status_code == 404
    assert member.post(f"/people/{user(users['agency_lead']).id}/deactivate").status_code == 302
    db.session.expire_all()
    assert user(users["other_lead"]).is_active_account and not user(users["agency_lead"]).is_active_account


def test_changing_access_asks_for_the_password_again_when_the_sign_in_is_not_fresh(app, signed_in, users, monkeypatch):
    admin = signed_in("admin")
    lead = user(users["agency_lead"])
    later = clock.now() + timedelta(minutes=app.config["FRESH_LOGIN_MINUTES"] + 1)
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 24 * 60)
    monkeypatch.setattr(clock, "now", lambda: later)
    for step in ("deactivate", "access"):
        response = admin.post(f"/people/{lead.id}/{step}", data={"role": "auditor"})
        assert response.status_code == 302 and "/sign-in/confirm" in response.headers["Location"]
    db.session.expire_all()
    assert user(users["agency_lead"]).is_active_account and user(users["agency_lead"]).role == "agency_lead"


def test_a_new_database_has_no_accounts_at_all(app):
    """No default or shared accounts: the migrations and seeds create none; only invitations and the
    create-user command do."""
    assert db.session.execute(select(User.id)).first() is None
