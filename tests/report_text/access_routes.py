"""Who may reach the report text pages and the action title (walked by tests/test_access.py for every role).

Ids come from the shared walk: ``mk_review``/``mk_rec`` (the board member's board; Thames Valley Police,
the agency lead's agency, serves it), ``soton_*`` (nobody's but the admin's), ``tvp_action``."""

from __future__ import annotations


def object_ids() -> dict:
    return {}


ROUTES = [
    ("GET", "/reviews/{mk_review}/report", "report_text.review", {"auditor": 404, "other_lead": 404}),
    (
        "GET",
        "/reviews/{soton_review}/report",
        "report_text.review",
        {"board_member": 404, "agency_lead": 404, "auditor": 404},
    ),
    ("GET", "/reviews/{bucks_review}/report", "report_text.review", {"board_member": 404, "other_lead": 404}),
    ("GET", "/recommendations/{mk_rec}/report", "report_text.recommendation", {"auditor": 404, "other_lead": 404}),
    (
        "GET",
        "/recommendations/{soton_rec}/report",
        "report_text.recommendation",
        {"board_member": 404, "agency_lead": 404, "auditor": 404},
    ),
    ("GET", "/actions/{tvp_action}/report", "report_text.action", {"auditor": 404, "other_lead": 404}),
    (
        "GET",
        "/actions/{bucks_csc_action}/report",
        "report_text.action",
        {"board_member": 404, "agency_lead": 404, "other_lead": 404},
    ),
    # The title is the board's: a lead who may see the action is refused (403), others cannot see it (404).
    (
        "GET",
        "/actions/{tvp_action}/title",
        "report_text.title",
        {"agency_lead": 403, "auditor": 404, "other_lead": 404},
    ),
    (
        "POST",
        "/actions/{tvp_action}/title",
        "report_text.title",
        {"admin": 409, "board_member": 409, "agency_lead": 403, "auditor": 404, "other_lead": 404},
    ),
]
