"""Who may reach the boards and agencies pages (walked by tests/test_access.py for every role): admins only;
everyone else is refused (403). Boards and agencies are not secret, so a refusal does not hide them."""

from __future__ import annotations

from sqlalchemy import select

from tracker.extensions import db
from tracker.orgs.models import Agency, Board


def object_ids() -> dict:
    return {
        "orgs_board": db.session.execute(select(Board.id).where(Board.key == "milton-keynes")).scalar_one(),
        "orgs_agency": db.session.execute(select(Agency.id).where(Agency.key == "thames-valley-police")).scalar_one(),
    }


ADMIN_ONLY = {"*": 403, "admin": 200}
# An empty form comes back with its errors.
ADMIN_POST = {"*": 403, "admin": 422}

ROUTES = [
    ("GET", "/organisations", "orgs.index", ADMIN_ONLY),
    ("GET", "/boards/new", "orgs.new_board", ADMIN_ONLY),
    ("POST", "/boards/new", "orgs.new_board", ADMIN_POST),
    ("GET", "/boards/{orgs_board}/edit", "orgs.edit_board", ADMIN_ONLY),
    ("POST", "/boards/{orgs_board}/edit", "orgs.edit_board", ADMIN_POST),
    ("GET", "/agencies/new", "orgs.new_agency", ADMIN_ONLY),
    ("POST", "/agencies/new", "orgs.new_agency", ADMIN_POST),
    ("GET", "/agencies/{orgs_agency}/edit", "orgs.edit_agency", ADMIN_ONLY),
    ("POST", "/agencies/{orgs_agency}/edit", "orgs.edit_agency", ADMIN_POST),
    ("GET", "/agencies/{orgs_agency}/merge", "orgs.merge_agency", ADMIN_ONLY),
    ("POST", "/agencies/{orgs_agency}/merge", "orgs.merge_agency", ADMIN_POST),
]
