"""The import template: its columns, what goes in each, and an example row.

One place, read by the reader (which columns a file must have), the checks (which are required), the page
(the column notes) and the downloadable templates, so the documentation cannot drift from the rules.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    needed: str  # in words, for the notes: when the column must be filled in
    notes: str
    example: str
    width: int = 20


COLUMNS = [
    Column(
        "review_ref",
        "Every row",
        "The review's short reference: letters, digits and hyphens, like mk-child-q. Rows with the same reference "
        "belong to the same review. If the tracker already has a review with this reference, the rows are added "
        "to it.",
        "example-child-q",
        18,
    ),
    Column(
        "review_title",
        "New reviews",
        "The review's title. Give it on the first row of a new review (later rows may leave it empty). Leave it "
        "empty to add to a review already in the tracker.",
        "Child Q: a Child Safeguarding Practice Review",
        36,
    ),
    Column("child", "New reviews", "How the report names the child, like Child Q.", "Child Q", 12),
    Column(
        "board",
        "New reviews",
        "The board's key or its full name, like milton-keynes. It must be one of your boards.",
        "milton-keynes",
        18,
    ),
    Column(
        "review_type",
        "New reviews",
        "The kind of review, like Child Safeguarding Practice Review or Serious Case Review.",
        "Child Safeguarding Practice Review",
        24,
    ),
    Column("report_date", "Optional", "The date the report was published, like 2025-06-30.", "2025-06-30", 12),
    Column(
        "recommendation_ref",
        "Every row",
        "The recommendation's number or reference as the report gives it, like 1 or 3a.",
        "1",
        12,
    ),
    Column(
        "recommendation_text",
        "New recommendations",
        "The recommendation, word for word. Give it on the first row of each new recommendation; further rows "
        "for the same recommendation may leave it empty.",
        "The board should seek assurance that agencies share information about risk when a family moves.",
        48,
    ),
    Column(
        "recommendation_kind",
        "New recommendations",
        "Who must act on it: board, multi_agency or single_agency.",
        "multi_agency",
        16,
    ),
    Column(
        "addressed_to",
        "Optional",
        "Who the recommendation is addressed to: board, all_agencies, or an agency's key or exact name. If empty: "
        "the board for a board recommendation, all agencies for a multi-agency one, and the row's agency for a "
        "single-agency one.",
        "all_agencies",
        18,
    ),
    Column(
        "themes",
        "Optional",
        "The recommendation's themes, separated by semicolons, like information-sharing; supervision. The themes "
        "are listed on the Lists sheet of the Excel template.",
        "information-sharing; think-family",
        24,
    ),
    Column(
        "agency",
        "Rows with an action",
        "The agency responsible for the action: its key or exact name, like thames-valley-police.",
        "thames-valley-police",
        24,
    ),
    Column(
        "action_text",
        "Optional",
        "What the agency will do. Leave it empty for a recommendation that has no actions yet. The same "
        "recommendation, agency and words are only ever imported once.",
        "Audit 20 cases where a family moved area, to check that information about risk was shared.",
        48,
    ),
    Column(
        "owner_email",
        "Optional",
        "The e-mail address of the agency lead who will own the action. They must already have an account.",
        "",
        24,
    ),
    Column("due_date", "Optional", "When the action is due, like 2027-03-31.", "2027-03-31", 12),
    Column(
        "success_measure",
        "Optional",
        "How the board will know the action worked.",
        "The audit finds information shared in at least 18 of the 20 cases.",
        36,
    ),
]

NAMES = [column.name for column in COLUMNS]
EXAMPLE_ROW = {column.name: column.example for column in COLUMNS}

DATE_COLUMNS = {"report_date", "due_date"}
# What the checks need before a review, recommendation or action can be created.
REVIEW_DETAILS = ("review_title", "child", "board", "review_type", "report_date")
RECOMMENDATION_DETAILS = ("recommendation_text", "recommendation_kind", "addressed_to", "themes")
ACTION_DETAILS = ("agency", "owner_email", "due_date", "success_measure")

# The longest text each column may hold (the database's limits, or a page's).
MAX_LENGTH = {
    "review_ref": 64,
    "review_title": 300,
    "child": 100,
    "review_type": 100,
    "recommendation_ref": 32,
    "recommendation_text": 20000,
    "action_text": 4000,
    "success_measure": 4000,
    "owner_email": 254,
}
DEFAULT_MAX_LENGTH = 1000
