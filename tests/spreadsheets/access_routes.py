"""Who may reach the spreadsheet pages (walked by tests/test_access.py for every role): importing a plan is for
board members and admins; anyone signed in may export, but only a board, review or agency they may see."""

from __future__ import annotations

from sqlalchemy import select

from tracker.extensions import db
from tracker.orgs.models import Agency, Board

IMPORTERS_ONLY = {"agency_lead": 403, "auditor": 403, "other_lead": 403}


def object_ids() -> dict:
    def board(key):
        return db.session.execute(select(Board.id).where(Board.key == key)).scalar_one()

    def agency(key):
        return db.session.execute(select(Agency.id).where(Agency.key == key)).scalar_one()

    return {
        "sheets_mk_board": board("milton-keynes"),
        "sheets_tvp_agency": agency("thames-valley-police"),
        "sheets_soton_agency": agency("southampton-city-council-childrens-social-care"),
    }


# (method, path template, endpoint, {role: expected status}); roles not named expect 200.
ROUTES = [
    ("GET", "/plans/import", "spreadsheets.import_plan", IMPORTERS_ONLY),
    # A post without a file comes back with the error to correct.
    ("POST", "/plans/import", "spreadsheets.import_plan", {"*": 422, **IMPORTERS_ONLY}),
    ("GET", "/plans/import/template.xlsx", "spreadsheets.template", IMPORTERS_ONLY),
    ("GET", "/plans/import/template.csv", "spreadsheets.template", IMPORTERS_ONLY),
    ("GET", "/plans/import/template.pdf", "spreadsheets.template", {"*": 404, **IMPORTERS_ONLY}),
    # Exporting one board, review or agency: 404 when it is out of the user's reach.
    ("GET", "/export?board={sheets_mk_board}", "exports.index", {"auditor": 404, "other_lead": 404}),
    (
        "GET",
        "/export?review={soton_review}",
        "exports.index",
        {"board_member": 404, "agency_lead": 404, "auditor": 404},
    ),
    # Thames Valley Police serves Milton Keynes and Buckinghamshire: its lead, the board member and the auditor
    # may export its actions (on their boards' reviews); another agency's lead may not.
    ("GET", "/export?agency={sheets_tvp_agency}", "exports.index", {"other_lead": 404}),
    ("GET", "/export?agency={sheets_soton_agency}", "exports.index", {"*": 404, "admin": 200, "other_lead": 200}),
    ("POST", "/export/plan.xlsx", "exports.plan", {}),
    ("POST", "/export/plan.pdf", "exports.plan", {"*": 404}),
]
