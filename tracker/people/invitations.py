"""Invitations: the only way, besides the ``create-user`` command, that an account comes to exist.

An admin, or a board member for their own boards, invites a person by e-mail with a role, boards and an
agency. The link carries a random token (256 bits); only its SHA-256 is stored. It works once, expires after
72 hours, and re-sending revokes it and sends a new one. The person sets their own password on arrival.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import audit, clock, permissions
from tracker.auth.models import Invitation, Role, User
from tracker.auth.passwords import hash_password, password_problem, personal_words
from tracker.auth.services import normalise_email
from tracker.errors_domain import DomainError, NotPermitted
from tracker.ids import parse_ids
from tracker.orgs.models import Agency, Board
from tracker.outbox import services as outbox

LIFETIME = timedelta(hours=72)
SERVICE_NAME = "Review Action Tracker"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes (stored as UTC), PostgreSQL aware ones.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def is_pending(invitation: Invitation, now: datetime | None = None) -> bool:
    """Neither accepted, revoked nor expired: its link still works."""
    return invitation.accepted_at is None and invitation.revoked_at is None and not is_expired(invitation, now)


def is_expired(invitation: Invitation, now: datetime | None = None) -> bool:
    return (now or clock.now()) >= _aware(invitation.expires_at)


def state_label(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return "Accepted"
    if invitation.revoked_at is not None:
        return "Cancelled"
    if is_expired(invitation):
        return "Expired"
    return "Waiting to be accepted"


# Checks shared by inviting and changing a person's access --------------------------------------------------


def check_access(session: Session, actor, *, role: str, board_ids, agency_id: int | None, current_agency=None):
    """The role, boards and agency asked for, checked against the rules and what the actor may give (a
    person's current agency may be kept even when the actor could not give it). Returns
    (Role, [Board], Agency | None) or raises DomainError."""
    try:
        role_enum = Role(role)
    except ValueError:
        raise DomainError("Choose a role", field="role") from None
    if not permissions.can_give_role(actor, role_enum):
        raise DomainError("Only an administrator can give someone the administrator role", field="role")
    ids = parse_ids(board_ids)
    if ids is None:
        raise DomainError("Choose boards from the list", field="boards")
    boards = list(session.execute(select(Board).where(Board.id.in_(ids)).order_by(Board.name)).scalars())
    if len(boards) != len(ids):
        raise DomainError("Choose boards from the list", field="boards")
    agency = session.get(Agency, agency_id) if agency_id else None
    kept = current_agency is not None and agency is current_agency
    if agency_id and not kept and (agency is None or not permissions.can_give_agency(actor, agency)):
        raise DomainError("Choose an agency from the list", field="agency")
    if role_enum == Role.AGENCY_LEAD and agency is None:
        raise DomainError("Choose the agency an agency lead works for", field="agency")
    if role_enum in (Role.BOARD_MEMBER, Role.AUDITOR) and not boards:
        raise DomainError("Choose at least one board: board members and auditors work for a board", field="boards")
    return role_enum, boards, agency


def _within_actor_boards(actor, role: Role, boards: list[Board], agency: Agency | None) -> None:
    """A board member gives only their own boards, and the person must work for one of them."""
    allowed = permissions.grantable_board_ids(actor)
    if allowed is None:
        return
    if any(board.id not in allowed for board in boards):
        raise DomainError("Choose from your own boards", field="boards")
    if not permissions.reach_of(role, [b.id for b in boards], agency) & allowed:
        field = "agency" if role == Role.AGENCY_LEAD else "boards"
        raise DomainError("Choose one of your own boards, or an agency that serves one", field=field)


# Inviting --------------------------------------------------------------------------------------------------


def _new_invitation(session: Session, actor, *, email, name, role, boards, agency) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    invitation = Invitation(
        email=email,
        name=name,
        role=role.value if isinstance(role, Role) else role,
        agency=agency,
        boards=list(boards),
        token_hash=token_digest(token),
        invited_by_id=getattr(actor, "id", None),
        created_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def _description(invitation: Invitation) -> dict:
    return {
        "email": invitation.email,
        "role": invitation.role,
        "boards": [board.id for board in invitation.boards],
        "agency_id": invitation.agency_id,
        "expires_at": invitation.expires_at,
    }


def invite(
    session: Session, actor, *, email: str, name: str, role: str, board_ids, agency_id: int | None
) -> tuple[Invitation, str]:
    """Create an invitation; returns it with the token for the link (never stored)."""
    if not permissions.can_manage_people(actor):
        raise NotPermitted("You cannot invite people")
    email = normalise_email(email)
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter the person's full name", field="name")
    if not email or "@" not in email:
        raise DomainError("Enter an email address in the correct format, like name@example.org", field="email")
    role_enum, boards, agency = check_access(session, actor, role=role, board_ids=board_ids, agency_id=agency_id)
    _within_actor_boards(actor, role_enum, boards, agency)
    if session.execute(select(User.id).where(User.email == email)).first():
        raise DomainError(
            f"There is already an account for {email}. Find them in the list of people to change their access",
            field="email",
        )
    now = clock.now()
    for earlier in session.execute(
        select(Invitation).where(Invitation.email == email, Invitation.accepted_at.is_(None))
    ).scalars():
        if is_pending(earlier, now):
            raise DomainError(
                f"{email} has already been invited and the link still works. Resend the invitation if they "
                "need a new link",
                field="email",
            )
    invitation, token = _new_invitation(
        session, actor, email=email, name=name, role=role_enum, boards=boards, agency=agency
    )
    audit.record(
        session,
        actor=actor,
        event="invitation.sent",
        obj_type="invitation",
        obj_id=invitation.id,
        summary=f"{name} invited as {role_enum.label}",
        after=_description(invitation),
    )
    return invitation, token


def resend(session: Session, actor, invitation: Invitation) -> tuple[Invitation, str]:
    """Revoke the invitation's link and make a new invitation, with a new link, for the same access."""
    if not permissions.can_manage_invitation(actor, invitation):
        raise NotPermitted("You cannot resend this invitation")
    if invitation.accepted_at is not None:
        raise DomainError("This invitation has already been accepted")
    if invitation.revoked_at is not None:
        raise DomainError("This invitation was cancelled or replaced by a newer one")
    if session.execute(select(User.id).where(User.email == invitation.email)).first():
        raise DomainError(f"There is already an account for {invitation.email}")
    invitation.revoked_at = clock.now()
    fresh, token = _new_invitation(
        session,
        actor,
        email=invitation.email,
        name=invitation.name,
        role=invitation.role,
        boards=invitation.boards,
        agency=invitation.agency,
    )
    audit.record(
        session,
        actor=actor,
        event="invitation.resent",
        obj_type="invitation",
        obj_id=fresh.id,
        summary=f"Invitation to {fresh.name} sent again; the earlier link no longer works",
        before={"invitation_id": invitation.id},
        after={"invitation_id": fresh.id, **_description(fresh)},
    )
    return fresh, token


def cancel(session: Session, actor, invitation: Invitation) -> None:
    if not permissions.can_manage_invitation(actor, invitation):
        raise NotPermitted("You cannot cancel this invitation")
    if invitation.accepted_at is not None:
        raise DomainError("This invitation has already been accepted")
    if invitation.revoked_at is not None:
        raise DomainError("This invitation was already cancelled or replaced by a newer one")
    invitation.revoked_at = clock.now()
    audit.record(
        session,
        actor=actor,
        event="invitation.cancelled",
        obj_type="invitation",
        obj_id=invitation.id,
        summary=f"Invitation to {invitation.name} cancelled",
    )


# Arriving --------------------------------------------------------------------------------------------------


class LinkNotUsable(DomainError):
    """The link is unknown, used, cancelled or expired: nothing can be done with it."""

    def __init__(self, heading: str, message: str):
        super().__init__(message)
        self.heading = heading


def usable_invitation(session: Session, token: str) -> Invitation:
    """The invitation this link belongs to, if it still works; LinkNotUsable says why not."""
    invitation = None
    if token and len(token) <= 100:
        invitation = session.execute(
            select(Invitation).where(Invitation.token_hash == token_digest(token))
        ).scalar_one_or_none()
    if invitation is None:
        raise LinkNotUsable(
            "This link does not work",
            "Check you copied the whole link from the e-mail. If it still does not work, ask the person who "
            "invited you to send the invitation again.",
        )
    if invitation.accepted_at is not None:
        raise LinkNotUsable(
            "This invitation has already been used",
            "Your account has been set up. Sign in with your email address and the password you chose.",
        )
    if invitation.revoked_at is not None:
        raise LinkNotUsable(
            "This invitation is no longer valid",
            "It was cancelled, or replaced by a newer invitation. Use the link in the most recent e-mail, or ask "
            "the person who invited you to send it again.",
        )
    if is_expired(invitation):
        raise LinkNotUsable(
            "This invitation has expired",
            "Invitation links work for 72 hours. Ask the person who invited you to send it again.",
        )
    return invitation


def accept(session: Session, token: str, password: str) -> User:
    """Create the account the invitation describes, with the password the person chose; the link is used up."""
    invitation = usable_invitation(session, token)
    problem = password_problem(password, context_words=personal_words(invitation.name, invitation.email))
    if problem:
        raise DomainError(problem, field="password")
    if session.execute(select(User.id).where(User.email == invitation.email)).first():
        raise LinkNotUsable(
            "There is already an account for this email address",
            "Sign in with your email address and password. If you have forgotten your password, reset it from "
            "the sign-in page.",
        )
    now = clock.now()
    user = User(
        email=invitation.email,
        name=invitation.name,
        role=invitation.role,
        password_hash=hash_password(password),
        agency=invitation.agency,
        boards=list(invitation.boards),
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    invitation.accepted_at = now
    invitation.user_id = user.id
    session.flush()
    audit.record(
        session,
        actor=user,
        event="user.created",
        obj_type="user",
        obj_id=user.id,
        summary=f"Account created for {user.name} as {user.role_enum.label}, from an invitation",
        after={
            "invitation_id": invitation.id,
            "email": user.email,
            "role": user.role,
            "boards": [board.id for board in user.boards],
            "agency_id": user.agency_id,
        },
    )
    return user


# The e-mail ------------------------------------------------------------------------------------------------


def link(config: Mapping, token: str) -> str:
    path = current_app.url_map.bind("localhost").build("people.accept_invitation", {"token": token})
    return config["BASE_URL"].rstrip("/") + path


def send_email(session: Session, config: Mapping, invitation: Invitation, token: str, inviter) -> None:
    """Put the e-mail with the link in the outbox, in the invitation's own transaction: the worker sends it,
    so a mail server that is down delays the e-mail but never loses the invitation."""
    body = render_template(
        "people/invitation_email.txt",
        invitation=invitation,
        inviter=inviter,
        link=link(config, token),
        role_label=Role(invitation.role).label,
        expires_at=_aware(invitation.expires_at),
    )
    outbox.enqueue(
        session,
        key=f"invitation:{invitation.id}",
        kind="invitation",
        to=invitation.email,
        subject=f"You are invited to join {SERVICE_NAME}",
        body=body,
    )
