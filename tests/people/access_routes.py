"""Who may reach the people pages (walked by tests/test_access.py for every role).

Admins manage everyone; the board member (Milton Keynes) manages people who work for Milton Keynes; nobody
else reaches these pages. People out of reach answer 404. The invitation link itself is public (it is the
way in for someone without an account) and is tested in test_invitations.py."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.orgs.models import Board
from tracker.people import invitations

PUBLIC = {"people.accept_invitation"}


def _person(email: str, role: str, board_keys: list[str]) -> User:
    person = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    return person or create_user(
        db.session, email=email, name="Routes Person", role=role, password=PASSWORD, board_keys=board_keys
    )


def _cancelled_invitation(admin: User, board_key: str) -> int:
    board = db.session.execute(select(Board).where(Board.key == board_key)).scalar_one()
    invitation, _ = invitations.invite(
        db.session,
        admin,
        email=f"routes.{board_key}@example.org",
        name="Routes Invitee",
        role="auditor",
        board_ids=[board.id],
        agency_id=None,
    )
    invitations.cancel(db.session, admin, invitation)
    return invitation.id


def object_ids() -> dict:
    admin = _person("people-routes-admin@example.org", "admin", [])
    ids = {
        "mk_person": _person("people-routes-mk@example.org", "auditor", ["milton-keynes"]).id,
        "soton_person": _person("people-routes-soton@example.org", "auditor", ["southampton"]).id,
        # Cancelled, so that the walk sends no e-mail: resending or cancelling it again is refused (422).
        "mk_invitation": _cancelled_invitation(admin, "milton-keynes"),
        "soton_invitation": _cancelled_invitation(admin, "southampton"),
    }
    db.session.commit()  # (a savepoint in tests) so that a refused POST's rollback keeps these
    return ids


MANAGERS_ONLY = {"agency_lead": 403, "auditor": 403, "other_lead": 403}
# Out of reach answers 404, for the board member too when the person works for another board.
MK_ONLY = {"agency_lead": 404, "auditor": 404, "other_lead": 404}
SOTON_ONLY = {"board_member": 404, **MK_ONLY}

ROUTES = [
    ("GET", "/people", "people.index", MANAGERS_ONLY),
    ("GET", "/people/invite", "people.invite", MANAGERS_ONLY),
    # An empty form comes back with its errors.
    ("POST", "/people/invite", "people.invite", {"admin": 422, "board_member": 422, **MANAGERS_ONLY}),
    ("GET", "/people/{mk_person}", "people.show", MK_ONLY),
    ("GET", "/people/{soton_person}", "people.show", SOTON_ONLY),
    ("POST", "/people/{mk_person}/access", "people.change_access", {"admin": 422, "board_member": 422, **MK_ONLY}),
    ("POST", "/people/{soton_person}/access", "people.change_access", {"admin": 422, **SOTON_ONLY}),
    ("POST", "/people/{mk_person}/deactivate", "people.deactivate", {"admin": 302, "board_member": 302, **MK_ONLY}),
    ("POST", "/people/{soton_person}/deactivate", "people.deactivate", {"admin": 302, **SOTON_ONLY}),
    # Already active: refused with the reason.
    ("POST", "/people/{mk_person}/reactivate", "people.reactivate", {"admin": 422, "board_member": 422, **MK_ONLY}),
    (
        "POST",
        "/invitations/{mk_invitation}/resend",
        "people.resend_invitation",
        {"admin": 422, "board_member": 422, **MK_ONLY},
    ),
    ("POST", "/invitations/{soton_invitation}/resend", "people.resend_invitation", {"admin": 422, **SOTON_ONLY}),
    (
        "POST",
        "/invitations/{mk_invitation}/cancel",
        "people.cancel_invitation",
        {"admin": 422, "board_member": 422, **MK_ONLY},
    ),
]
