"""Invitations: who may invite whom, the link (random, stored only as a hash, single use, 72 hours), re-sending,
cancelling, and the person setting their own password on arrival. E-mails go to a real SMTP server."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.people.browsing import Browser
from tracker import clock
from tracker.audit import HistoryEntry
from tracker.auth.models import Invitation, User
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.orgs.models import Agency, Board
from tracker.people import invitations

NEW_PASSWORD = "plum orchard lantern kettle"


def board(key: str) -> Board:
    return db.session.execute(select(Board).where(Board.key == key)).scalar_one()


def agency(key: str) -> Agency:
    return db.session.execute(select(Agency).where(Agency.key == key)).scalar_one()


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def events(name: str) -> list[HistoryEntry]:
    return list(db.session.execute(select(HistoryEntry).where(HistoryEntry.event == name)).scalars())


def invite_lead(client, email: str = "new.lead@example.org", name: str = "Nadia Lead"):
    return client.post(
        "/people/invite",
        data={"name": name, "email": email, "role": "agency_lead", "agency": agency("thames-valley-police").id},
    )


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def path_of(link: str) -> str:
    return "/invitations/" + token_of(link)


def accept(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(path_of(link), data={"password": password, "confirm": confirm or password})


# The link ---------------------------------------------------------------------------------------------------


def test_the_link_carries_a_256_bit_random_token_and_only_its_hash_is_stored(app, users):
    admin = user(users["admin"])
    first, token = invitations.invite(
        db.session,
        admin,
        email="one@example.org",
        name="One",
        role="auditor",
        board_ids=[board("milton-keynes").id],
        agency_id=None,
    )
    _, other = invitations.invite(
        db.session,
        admin,
        email="two@example.org",
        name="Two",
        role="auditor",
        board_ids=[board("milton-keynes").id],
        agency_id=None,
    )
    # secrets.token_urlsafe(32): 32 random bytes (256 bits) as 43 URL-safe characters.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token) and token != other
    assert first.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = db.session.execute(select(Invitation.__table__)).all()
    assert not any(token in str(value) for row in stored for value in row)
    assert invitations.usable_invitation(db.session, token).id == first.id


def test_an_admin_invites_an_agency_lead_who_sets_their_own_password_and_can_sign_in(app, signed_in, inbox):
    admin = signed_in("admin")
    response = invite_lead(admin)
    assert response.status_code == 302
    [mail] = inbox.messages
    assert mail["to"] == ["new.lead@example.org"]
    assert mail["subject"] == "You are invited to join Review Action Tracker"
    assert "as agency lead for Thames Valley Police" in mail["body"]
    link = inbox.link("new.lead@example.org")
    assert link.startswith("https://tracker.example.org/invitations/")
    [sent] = events("invitation.sent")
    assert sent.after["email"] == "new.lead@example.org" and token_of(link) not in str(sent.after)

    visitor = Browser(app)
    page = visitor.get(path_of(link))
    assert page.status_code == 200
    assert b"Welcome, Nadia Lead" in page.data and b"new.lead@example.org" in page.data
    users_before = count(User)
    response = accept(visitor, link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    assert count(User) == users_before + 1

    created = user("new.lead@example.org")
    assert (created.name, created.role, created.agency.key) == ("Nadia Lead", "agency_lead", "thames-valley-police")
    assert created.password_hash.startswith("$argon2id$")
    invitation = db.session.execute(select(Invitation).where(Invitation.email == "new.lead@example.org")).scalar_one()
    assert invitation.accepted_at is not None and invitation.user_id == created.id
    [entry] = [e for e in events("user.created") if e.object_id == created.id]
    assert entry.after["invitation_id"] == invitation.id and entry.actor_id == created.id

    visitor.sign_in("new.lead@example.org", NEW_PASSWORD)
    assert visitor.get("/my-agency").status_code == 200


def test_a_link_works_once(app, signed_in, inbox):
    invite_lead(signed_in("admin"))
    link = inbox.link("new.lead@example.org")
    assert accept(Browser(app), link).status_code == 302
    users_after_first = count(User)

    again = Browser(app)
    page = again.get(path_of(link))
    assert page.status_code == 400 and b"This invitation has already been used" in page.data
    response = accept(again, link, password="another long passphrase here")
    assert response.status_code == 400
    assert count(User) == users_after_first
    assert user("new.lead@example.org").password_hash  # the first password stands


def test_a_link_expires_after_72_hours(app, signed_in, inbox, monkeypatch):
    sent_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: sent_at)
    invite_lead(signed_in("admin"))
    link = inbox.link("new.lead@example.org")
    visitor = Browser(app)

    monkeypatch.setattr(clock, "now", lambda: sent_at + timedelta(hours=71, minutes=59))
    assert visitor.get(path_of(link)).status_code == 200

    monkeypatch.setattr(clock, "now", lambda: sent_at + timedelta(hours=72))
    users_before = count(User)
    page = visitor.get(path_of(link))
    assert page.status_code == 400 and b"This invitation has expired" in page.data
    assert accept(visitor, link).status_code == 400
    assert count(User) == users_before


def test_an_unknown_or_mangled_link_is_refused_plainly(app, client):
    for token in ("x" * 43, "short", "a" * 300):
        page = client.get(f"/invitations/{token}")
        assert page.status_code == 400 and b"This link does not work" in page.data


def test_resending_revokes_the_old_link_and_sends_a_new_one(app, signed_in, inbox):
    admin = signed_in("admin")
    invite_lead(admin)
    old_link = inbox.link("new.lead@example.org")
    invitation = db.session.execute(select(Invitation).where(Invitation.email == "new.lead@example.org")).scalar_one()

    response = admin.post(f"/invitations/{invitation.id}/resend")
    assert response.status_code == 302
    new_link = inbox.link("new.lead@example.org")
    assert len(inbox.messages) == 2 and new_link != old_link
    [resent] = events("invitation.resent")
    assert resent.before == {"invitation_id": invitation.id}

    visitor = Browser(app)
    page = visitor.get(path_of(old_link))
    assert page.status_code == 400 and b"no longer valid" in page.data
    assert accept(visitor, old_link).status_code == 400
    assert accept(visitor, new_link).status_code == 302
    assert user("new.lead@example.org").agency.key == "thames-valley-police"


def test_an_expired_invitation_can_be_sent_again(app, signed_in, users, inbox, monkeypatch):
    sent_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: sent_at)
    admin = signed_in("admin")
    invite_lead(admin)
    invitation = db.session.execute(select(Invitation).where(Invitation.email == "new.lead@example.org")).scalar_one()
    monkeypatch.setattr(clock, "now", lambda: sent_at + timedelta(days=5))
    admin = Browser(app).sign_in(users["admin"])  # the first session has ended meanwhile
    assert b"Expired" in admin.get("/people").data
    assert admin.post(f"/invitations/{invitation.id}/resend").status_code == 302
    assert Browser(app).get(path_of(inbox.link("new.lead@example.org"))).status_code == 200


def test_a_cancelled_invitation_no_longer_works(app, signed_in, inbox):
    admin = signed_in("admin")
    invite_lead(admin)
    link = inbox.link("new.lead@example.org")
    invitation = db.session.execute(select(Invitation).where(Invitation.email == "new.lead@example.org")).scalar_one()
    assert admin.post(f"/invitations/{invitation.id}/cancel").status_code == 302
    assert len(events("invitation.cancelled")) == 1
    assert Browser(app).get(path_of(link)).status_code == 400
    again = admin.post(f"/invitations/{invitation.id}/cancel")
    assert again.status_code == 422 and b"already cancelled" in again.data


def test_someone_already_invited_is_not_invited_twice_while_the_link_works(app, signed_in, inbox):
    admin = signed_in("admin")
    invite_lead(admin)
    response = invite_lead(admin)
    assert response.status_code == 422
    assert b"has already been invited" in response.data
    assert len(inbox.messages) == 1


# Who may invite whom ---------------------------------------------------------------------------------------


def test_an_email_that_already_has_an_account_is_refused_with_a_message(app, signed_in, inbox, users):
    create_user(db.session, email="taken@example.org", name="Taken", role="admin", password=PASSWORD)
    admin = signed_in("admin")
    response = admin.post(
        "/people/invite",
        data={
            "name": "Taken Again",
            "email": "Taken@Example.org",
            "role": "auditor",
            "boards": [board("milton-keynes").id],
        },
    )
    assert response.status_code == 422
    assert b"There is already an account for taken@example.org" in response.data
    assert inbox.messages == [] and count(Invitation) == 0


def test_a_board_member_invites_to_their_own_board(app, signed_in, inbox):
    member = signed_in("board_member")
    response = member.post(
        "/people/invite",
        data={
            "name": "Ann Auditor",
            "email": "ann@example.org",
            "role": "auditor",
            "boards": [board("milton-keynes").id],
        },
    )
    assert response.status_code == 302
    assert inbox.link("ann@example.org")
    invitation = db.session.execute(select(Invitation).where(Invitation.email == "ann@example.org")).scalar_one()
    assert [b.key for b in invitation.boards] == ["milton-keynes"]


def test_a_board_member_cannot_invite_an_administrator(app, signed_in, inbox, users):
    member = signed_in("board_member")
    page = member.get("/people/invite")
    assert b'value="admin"' not in page.data
    response = member.post(
        "/people/invite",
        data={"name": "Eve", "email": "eve@example.org", "role": "admin", "boards": [board("milton-keynes").id]},
    )
    assert response.status_code == 422 and count(Invitation) == 0 and inbox.messages == []
    # The rule holds below the form too.
    with pytest.raises(invitations.DomainError, match="Only an administrator"):
        invitations.invite(
            db.session,
            user(users["board_member"]),
            email="eve@example.org",
            name="Eve",
            role="admin",
            board_ids=[],
            agency_id=None,
        )


def test_a_board_member_cannot_invite_to_another_board(app, signed_in, inbox, users):
    member = signed_in("board_member")
    bucks = board("buckinghamshire").id
    page = member.get("/people/invite").data
    assert b"Milton Keynes Safeguarding Children Board" in page
    assert b"Buckinghamshire Safeguarding Children Partnership" not in page
    response = member.post(
        "/people/invite", data={"name": "Bea", "email": "bea@example.org", "role": "auditor", "boards": [bucks]}
    )
    assert response.status_code == 422 and count(Invitation) == 0
    with pytest.raises(invitations.DomainError, match="your own boards"):
        invitations.invite(
            db.session,
            user(users["board_member"]),
            email="bea@example.org",
            name="Bea",
            role="auditor",
            board_ids=[bucks],
            agency_id=None,
        )
    # Nor an agency lead of an agency that serves none of their boards.
    with pytest.raises(invitations.DomainError, match="agency"):
        invitations.invite(
            db.session,
            user(users["board_member"]),
            email="bea@example.org",
            name="Bea",
            role="agency_lead",
            board_ids=[],
            agency_id=agency("southampton-city-council-childrens-social-care").id,
        )


def test_an_agency_lead_or_auditor_cannot_invite_anyone(app, signed_in, users):
    for role in ("agency_lead", "auditor"):
        with pytest.raises(invitations.NotPermitted):
            invitations.invite(
                db.session,
                user(users[role]),
                email="x@example.org",
                name="X",
                role="auditor",
                board_ids=[board("buckinghamshire").id],
                agency_id=None,
            )


def test_the_invite_form_says_what_is_missing(app, signed_in):
    response = signed_in("admin").post("/people/invite", data={"email": "not an address", "role": "auditor"})
    assert response.status_code == 422
    for message in (
        b"Enter the person&#39;s full name",
        b"Enter an email address in the correct format, like name@example.org",
    ):
        assert message in response.data
    board_missing = signed_in("admin").post(
        "/people/invite", data={"name": "A", "email": "a@example.org", "role": "auditor"}
    )
    assert board_missing.status_code == 422 and b"Choose at least one board" in board_missing.data


# Arriving --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short one", None, b"at least 12 characters"),
        ("password123456", None, b"harder to guess"),
        ("nadia-is-the-best-lead", None, b"does not include your name"),
        (NEW_PASSWORD, "something else entirely", b"do not match"),
    ],
)
def test_the_password_chosen_on_arrival_follows_the_rules(app, signed_in, inbox, password, confirm, message):
    invite_lead(signed_in("admin"))
    link = inbox.link("new.lead@example.org")
    users_before = count(User)
    response = accept(Browser(app), link, password=password, confirm=confirm)
    assert response.status_code == 422 and message in response.data
    assert count(User) == users_before
    # Nothing was used up: the link still works.
    assert Browser(app).get(path_of(link)).status_code == 200


def test_someone_signed_in_is_asked_to_sign_out_before_using_a_link(app, signed_in, inbox):
    admin = signed_in("admin")
    invite_lead(admin)
    link = inbox.link("new.lead@example.org")
    page = admin.get(path_of(link))
    assert page.status_code == 200 and b"You are signed in as Admin" in page.data
    users_before = count(User)
    admin.post(path_of(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert count(User) == users_before


def test_when_the_mail_server_is_down_the_invitation_is_kept_and_its_mail_waits(app, signed_in, inbox, monkeypatch):
    from tests.people.mail import free_port
    from tracker.outbox.models import OutboxMessage

    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    response = invite_lead(signed_in("admin"))
    assert response.status_code == 302
    assert count(Invitation) == 1 and len(events("invitation.sent")) == 1
    [waiting] = db.session.execute(select(OutboxMessage)).scalars()
    assert waiting.status == "pending" and waiting.recipient == "new.lead@example.org"
    # A server nobody can reach is the set-up's failure, not the message's: it waits without using up attempts.
    assert (waiting.attempts, waiting.server_failures) == (0, 1)
    assert inbox.messages == []


@pytest.mark.parametrize("agency", ["abc", "²", "١٢"])
def test_an_agency_that_is_not_an_id_is_a_form_error(app, signed_in, inbox, agency):
    response = signed_in("admin").post(
        "/people/invite",
        data={"name": "Lee Lead", "email": "lee@example.org", "role": "agency_lead", "agency": agency},
    )
    assert response.status_code == 422
    assert "Choose an agency from the list" in response.get_data(as_text=True)
    assert inbox.messages == [] and count(Invitation) == 0
