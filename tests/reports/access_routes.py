"""Who may reach the assurance reports (walked by tests/test_access.py for every role).

Board reports go to the board's members and auditors (and admins); a review's report to whoever may see the
review; an agency lead has their own agency's report instead, and gets 403 on the board and review reports
in their sight. Out-of-reach boards and reviews answer 404."""

from __future__ import annotations

from sqlalchemy import select

from tracker.extensions import db
from tracker.orgs.models import Board


def object_ids() -> dict:
    def board(key):
        return db.session.execute(select(Board.id).where(Board.key == key)).scalar_one()

    return {"mk_board": board("milton-keynes"), "bucks_board": board("buckinghamshire")}


# Milton Keynes: the board member's board, and one Thames Valley Police (the agency lead's agency) serves.
MK = {"agency_lead": 403, "auditor": 404, "other_lead": 404}
# Buckinghamshire: the auditor's board, outside the board member's reach.
BUCKS = {"board_member": 404, "agency_lead": 403, "other_lead": 404}
AGENCY = {"admin": 404, "board_member": 404, "auditor": 404}

ROUTES = [
    ("GET", "/reports", "reports.index", {}),
    ("GET", "/reports/boards/{mk_board}", "reports.board", MK),
    ("GET", "/reports/boards/{bucks_board}", "reports.board", BUCKS),
    ("GET", "/reports/boards/{mk_board}/pdf", "reports.board_pdf", MK),
    ("GET", "/reports/reviews/{mk_review}", "reports.review", MK),
    ("GET", "/reports/reviews/{bucks_review}", "reports.review", BUCKS),
    ("GET", "/reports/reviews/{bucks_review}/pdf", "reports.review_pdf", BUCKS),
    ("GET", "/reports/agency", "reports.agency", AGENCY),
    ("GET", "/reports/agency/pdf", "reports.agency_pdf", AGENCY),
    # "See all" pages answer exactly as the report they come from.
    ("GET", "/reports/boards/{mk_board}/recommendations", "reports.board_recommendations", MK),
    ("GET", "/reports/boards/{bucks_board}/recommendations", "reports.board_recommendations", BUCKS),
    ("GET", "/reports/boards/{mk_board}/actions/overdue", "reports.board_list", MK),
    ("GET", "/reports/boards/{bucks_board}/actions/returned", "reports.board_list", BUCKS),
    ("GET", "/reports/reviews/{mk_review}/recommendations", "reports.review_recommendations", MK),
    ("GET", "/reports/reviews/{bucks_review}/actions/rechecks", "reports.review_list", BUCKS),
    ("GET", "/reports/agency/recommendations", "reports.agency_recommendations", AGENCY),
    ("GET", "/reports/agency/actions/owed", "reports.agency_list", AGENCY),
]
