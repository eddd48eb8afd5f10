"""Checking a whole imported plan before anything is saved: every problem, by row and column, at once.

The rows are grouped by their natural keys: a review by its reference, a recommendation by (review,
reference), an action by (recommendation, agency, words). Whatever is already in the tracker is not
created again, so importing the same file twice creates nothing twice. The lookups take a fixed number of
queries whatever the file's size.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker import permissions
from tracker.actions.models import Action
from tracker.auth.models import User
from tracker.auth.services import normalise_email
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import KINDS, Recommendation, Review, Theme
from tracker.spreadsheets.columns import DEFAULT_MAX_LENGTH, EXAMPLE_ROW, MAX_LENGTH, NAMES
from tracker.spreadsheets.problems import ImportRefused, Problem, plural
from tracker.spreadsheets.reader import UNREADABLE, Row

REF_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
DATE_HINT = "enter a date like 2027-03-31"
AMBIGUOUS = object()


def _norm(text: str) -> str:
    """Names compared the way people see them: case, curly apostrophes and spacing do not matter."""
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("‘", "'")
    return " ".join(text.lower().split())


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _index(items, *keys) -> dict:
    found: dict = {}
    for item in items:
        for key in {k(item) for k in keys}:
            found[key] = AMBIGUOUS if key in found and found[key] is not item else item
    return found


class Lookups:
    """Everything the file refers to, loaded in a fixed number of queries."""

    def __init__(self, session: Session, rows: list[Row]):
        def given(name):
            return {row.cells[name] for row in rows if isinstance(row.cells[name], str) and row.cells[name]}

        self.boards = _index(session.execute(select(Board)).scalars(), lambda b: b.key.lower(), lambda b: _norm(b.name))
        agencies = list(session.execute(select(Agency)).scalars())
        current = {agency.id: agency for agency in agencies if agency.merged_into_id is None}
        self.agencies = _index(
            [agency for agency in agencies if agency.merged_into_id is None],
            lambda a: a.key.lower(),
            lambda a: _norm(a.name),
        )
        # A record merged into another still finds the organisation, by its old key, as it now stands.
        for agency in agencies:
            target = current.get(agency.merged_into_id)
            if target is not None:
                self.agencies.setdefault(agency.key.lower(), target)
        self.themes = _index(
            session.execute(select(Theme)).scalars(), lambda t: t.key.lower(), lambda t: _norm(t.label)
        )
        reviews = session.execute(
            select(Review).where(Review.ref.in_(given("review_ref"))).options(selectinload(Review.boards))
        ).scalars()
        self.reviews = {review.ref: review for review in reviews}
        recs = session.execute(
            select(Recommendation)
            .where(Recommendation.review_id.in_([r.id for r in self.reviews.values()]))
            .options(selectinload(Recommendation.themes), selectinload(Recommendation.agency))
        ).scalars()
        self.recommendations = {(rec.review_id, rec.ref): rec for rec in recs}
        self.next_position = {}
        for (review_id, _), rec in self.recommendations.items():
            self.next_position[review_id] = max(self.next_position.get(review_id, 0), rec.position)
        self.action_keys = {
            (rec_id, agency_id, _words(text))
            for rec_id, agency_id, text in session.execute(
                select(Action.recommendation_id, Action.agency_id, Action.text).where(
                    Action.recommendation_id.in_([rec.id for rec in self.recommendations.values()])
                )
            )
        }
        emails = {normalise_email(e) for e in given("owner_email")}
        self.users = {u.email: u for u in session.execute(select(User).where(User.email.in_(emails))).scalars()}


# What will be created --------------------------------------------------------------------------------------


@dataclass
class ActionPlan:
    row: int
    agency: Agency
    text: str
    owner: User | None
    due_date: date | None
    success_measure: str | None


@dataclass
class RecommendationPlan:
    ref: str
    row: int
    existing: Recommendation | None
    details: dict = field(default_factory=dict)  # column -> (value, row it came from)
    given: set[str] = field(default_factory=set)  # columns filled in on any row, even if wrongly
    actions: list[ActionPlan] = field(default_factory=list)
    first_agency: Agency | None = None


@dataclass
class ReviewPlan:
    ref: str
    row: int
    existing: Review | None
    refused: bool = False
    details: dict = field(default_factory=dict)  # column -> (value, row it came from)
    given: set[str] = field(default_factory=set)  # columns filled in on any row, even if wrongly
    recommendations: dict[str, RecommendationPlan] = field(default_factory=dict)


@dataclass
class ImportPlan:
    reviews: dict[str, ReviewPlan] = field(default_factory=dict)
    skipped: int = 0

    @property
    def new_reviews(self) -> int:
        return sum(1 for r in self.reviews.values() if r.existing is None)

    @property
    def new_recommendations(self) -> int:
        return sum(1 for r in self.reviews.values() for rec in r.recommendations.values() if rec.existing is None)

    @property
    def new_actions(self) -> int:
        return sum(len(rec.actions) for r in self.reviews.values() for rec in r.recommendations.values())


# Reading one cell ------------------------------------------------------------------------------------------


class _Cells:
    """One row's cells, each read once, with its problems collected."""

    def __init__(self, row: Row, problems: list[Problem]):
        self.row, self.problems = row, problems

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.row.number, column, message))

    def given(self, name: str) -> bool:
        value = self.row.cells[name]
        return value is UNREADABLE or bool(value)

    def text(self, name: str) -> str | None:
        value = self.row.cells[name]
        if value is UNREADABLE or not value:
            return None
        if isinstance(value, date):
            value = value.isoformat()
        limit = MAX_LENGTH.get(name, DEFAULT_MAX_LENGTH)
        if len(value) > limit:
            self.problem(name, f"this is {len(value):,} characters long; it must be {limit:,} characters or fewer")
            return None
        return value

    def date(self, name: str) -> date | None:
        value = self.row.cells[name]
        if value is UNREADABLE or not value:
            return None
        if isinstance(value, date):
            return value if 1900 <= value.year <= 2200 else self._bad_date(name)
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
            try:
                parsed = datetime.strptime(value.strip(), pattern).date()
            except ValueError:
                continue
            return parsed if 1900 <= parsed.year <= 2200 else self._bad_date(name)
        return self._bad_date(name)

    def _bad_date(self, name: str) -> None:
        self.problem(name, DATE_HINT)
        return None

    def ref(self, name: str, what: str, like: str) -> str | None:
        if self.row.cells[name] is UNREADABLE:
            return None
        value = self.text(name)
        if value is None:
            if self.row.cells[name] == "":
                self.problem(name, f"enter the {what}'s reference, like {like}")
            return None
        if name == "review_ref" and not REF_PATTERN.fullmatch(value):
            self.problem(name, f"use only letters, digits, hyphens and dots, like {like}")
            return None
        return value

    def lookup(self, name: str, table: dict, what: str, hint: str):
        value = self.text(name)
        if value is None:
            return None
        found = table.get(value.lower(), table.get(_norm(value)))
        if found is AMBIGUOUS:
            self.problem(name, f"more than one {what} has the name “{value}”. Use its key instead")
        elif found is None:
            self.problem(name, f"there is no {what} called “{value}”. {hint}")
        else:
            return found
        return None


def _kind(cells: _Cells) -> str | None:
    value = cells.text("recommendation_kind")
    if value is None:
        return None
    kind = re.sub(r"[\s\-]+", "_", value.lower())
    if kind not in KINDS:
        cells.problem("recommendation_kind", "enter board, multi_agency or single_agency")
        return None
    return kind


def _addressed_to(cells: _Cells, look: Lookups) -> tuple[str, Agency | None] | None:
    value = cells.text("addressed_to")
    if value is None:
        return None
    plain = re.sub(r"[\s\-]+", "_", value.lower())
    if plain in ("board", "the_board"):
        return ("board", None)
    if plain in ("all_agencies", "all"):
        return ("all_agencies", None)
    found = look.agencies.get(value.lower(), look.agencies.get(_norm(value)))
    if found is None or found is AMBIGUOUS:
        cells.problem("addressed_to", "enter board, all_agencies, or the key or exact name of one agency")
        return None
    return ("agency", found)


def _themes(cells: _Cells, look: Lookups) -> list[Theme] | None:
    value = cells.text("themes")
    if value is None:
        return None
    themes, unknown = [], []
    for part in filter(None, (p.strip() for p in re.split(r"[;,\n]", value))):
        theme = look.themes.get(part.lower(), look.themes.get(_norm(part)))
        if theme is None or theme is AMBIGUOUS:
            unknown.append(part)
        elif theme not in themes:
            themes.append(theme)
    if unknown:
        cells.problem(
            "themes",
            f"the tracker has no theme called {', '.join(f'“{u}”' for u in unknown)}. Use the theme keys listed in the "
            "template",
        )
        return None
    return sorted(themes, key=lambda t: t.label)


# The whole file --------------------------------------------------------------------------------------------


def check_plan(
    session: Session, actor, rows: list[Row], problems: list[Problem], *, board_key: str | None = None
) -> ImportPlan:
    """The plan the file describes, or ImportRefused listing every problem (reading problems included)."""
    problems = list(problems)
    look = Lookups(session, rows)
    default_board = None
    if board_key:
        default_board = look.boards.get(board_key.lower())
        if default_board is None or default_board is AMBIGUOUS:
            raise ImportRefused([Problem(None, None, f"There is no board with the key “{board_key}”")])
    plan = ImportPlan()
    seen_actions: dict[tuple, int] = {}
    for row in rows:
        _check_row(row, plan, look, actor, default_board, seen_actions, problems)
    for review in plan.reviews.values():
        _check_complete(review, problems)
    if problems:
        raise ImportRefused(problems)
    return plan


def _is_example(row: Row) -> bool:
    def shown(value):
        return value.isoformat() if isinstance(value, date) else value

    return all(shown(row.cells[name]) == EXAMPLE_ROW[name] for name in NAMES)


def _check_row(row, plan, look, actor, default_board, seen_actions, problems) -> None:
    cells = _Cells(row, problems)
    if _is_example(row):
        cells.problem(None, "this is the template's example row. Replace it with your plan, or delete it")
        return
    ref = cells.ref("review_ref", "review", "mk-child-q")
    rec_ref = cells.ref("recommendation_ref", "recommendation", "1 or 3a")
    review_values = {
        "review_title": cells.text("review_title"),
        "child": cells.text("child"),
        "board": cells.lookup("board", look.boards, "board", "Use a board's key, like milton-keynes"),
        "review_type": cells.text("review_type"),
        "report_date": cells.date("report_date"),
    }
    rec_values = {
        "recommendation_text": cells.text("recommendation_text"),
        "recommendation_kind": _kind(cells),
        "addressed_to": _addressed_to(cells, look),
        "themes": _themes(cells, look),
    }
    agency = cells.lookup("agency", look.agencies, "agency", "Use the agency's key or its name as the tracker has it")
    action_text = cells.text("action_text")
    owner_email = cells.text("owner_email")
    due_date = cells.date("due_date")
    success_measure = cells.text("success_measure")

    has_action = cells.given("action_text")
    if not has_action:
        extra = [name for name in ("agency", "owner_email", "due_date", "success_measure") if cells.given(name)]
        if extra:
            cells.problem(
                "action_text", f"enter what will be done, or leave {', '.join(extra)} empty for a recommendation only"
            )
    elif not cells.given("agency"):
        cells.problem("agency", "enter the agency responsible for this action")

    if ref is None:
        return
    review = _review_for(cells, plan, look, actor, ref, review_values, default_board)
    if review.refused or rec_ref is None:
        return
    rec = _recommendation_for(cells, review, look, rec_ref, rec_values)
    if agency is not None and rec.first_agency is None:
        rec.first_agency = agency
    if not has_action:
        if rec.existing is not None:
            plan.skipped += 1
        return
    if action_text is None or agency is None:
        return
    owner = _owner(cells, look, owner_email, agency)
    key = (ref, rec_ref, agency.id, _words(action_text))
    if key in seen_actions:
        cells.problem(
            "action_text", f"row {seen_actions[key]} has the same action (recommendation, agency and words). Keep one"
        )
        return
    seen_actions[key] = row.number
    if rec.existing is not None and (rec.existing.id, agency.id, _words(action_text)) in look.action_keys:
        plan.skipped += 1
        return
    rec.actions.append(ActionPlan(row.number, agency, action_text, owner, due_date, success_measure))


def _owner(cells: _Cells, look: Lookups, email: str | None, agency: Agency) -> User | None:
    if email is None:
        return None
    user = look.users.get(normalise_email(email))
    if user is None or not user.is_active_account or user.agency_id != agency.id:
        cells.problem(
            "owner_email",
            f"no one working for {agency.name} has an account with this e-mail address. Leave it empty and assign "
            "the owner later, or ask an administrator to create their account first",
        )
        return None
    return user


def _review_for(cells, plan, look, actor, ref, values, default_board) -> ReviewPlan:
    review = plan.reviews.get(ref)
    if review is None:
        review = plan.reviews[ref] = ReviewPlan(ref, cells.row.number, look.reviews.get(ref))
        if review.existing is not None and not permissions.can_plan_review(actor, review.existing):
            # Say nothing more about a review the user may not plan (or may not even see).
            cells.problem(
                "review_ref",
                f"the tracker already has a review {ref} and you are not a member of its board, so you cannot add to "
                "it. Use another reference for a new review",
            )
            review.refused = True
    if review.refused:
        return review
    board = values["board"]
    if default_board is not None:
        if board is not None and board is not default_board:
            cells.problem("board", f"this names {board.name}, but the plan is being imported into {default_board.name}")
            values["board"] = None
        elif (
            review.existing is not None
            and default_board not in review.existing.boards
            and review.row == cells.row.number
        ):
            names = " and ".join(b.name for b in review.existing.boards)
            cells.problem(
                "review_ref",
                f"review {ref} belongs to {names}, but the plan is being imported into {default_board.name}",
            )
        elif review.existing is None and board is None and not cells.given("board"):
            values["board"] = default_board
    if review.existing is not None:
        _check_existing_review(cells, review.existing, values)
        return review
    review.given |= {name for name in values if values[name] is not None or cells.given(name)}
    for name, value in values.items():
        if value is None:
            continue
        if name in review.details:
            first, first_row = review.details[name]
            if (_words(first) if isinstance(first, str) else first) != (
                _words(value) if isinstance(value, str) else value
            ):
                cells.problem(
                    name, f"this differs from row {first_row} for review {ref}. Give the same, or leave it empty"
                )
            continue
        review.details[name] = (value, cells.row.number)
        if name == "board" and not permissions.can_import_plan(actor, value):
            cells.problem("board", f"you are not a member of {value.name}, so you cannot import a plan into it")
    return review


def _check_existing_review(cells: _Cells, existing: Review, values: dict) -> None:
    leave = "Leave it empty to add to that review"
    board = values["board"]
    if board is not None and board not in existing.boards:
        names = " and ".join(b.name for b in existing.boards)
        cells.problem("board", f"review {existing.ref} belongs to {names}. {leave}")
    current = {
        "review_title": existing.title,
        "child": existing.child,
        "review_type": existing.review_type,
        "report_date": existing.report_date,
    }
    for name, have in current.items():
        value = values[name]
        if value is None:
            continue
        same = _words(value) == _words(have) if isinstance(value, str) else value == have
        if not same:
            cells.problem(
                name, f"the tracker already has review {existing.ref}, with a different {_label(name)}. {leave}"
            )


def _label(name: str) -> str:
    return {
        "review_title": "title",
        "child": "child",
        "review_type": "review type",
        "report_date": "report date",
        "recommendation_text": "wording",
        "recommendation_kind": "kind",
        "addressed_to": "addressee",
        "themes": "themes",
    }[name]


def _recommendation_for(cells, review: ReviewPlan, look, rec_ref, values) -> RecommendationPlan:
    rec = review.recommendations.get(rec_ref)
    if rec is None:
        existing = look.recommendations.get((review.existing.id, rec_ref)) if review.existing else None
        rec = review.recommendations[rec_ref] = RecommendationPlan(rec_ref, cells.row.number, existing)
    if rec.existing is not None:
        current = {
            "recommendation_text": _words(rec.existing.text),
            "recommendation_kind": rec.existing.kind,
            "addressed_to": (rec.existing.addressed_to, rec.existing.agency),
            "themes": sorted(rec.existing.themes, key=lambda t: t.label),
        }
        for name, value in values.items():
            compare = _words(value) if isinstance(value, str) else value
            if value is not None and compare != current[name]:
                cells.problem(
                    name,
                    f"recommendation {rec_ref} of review {review.ref} is already in the tracker with a different "
                    f"{_label(name)}. Leave it empty to add actions to it",
                )
        return rec
    rec.given |= {name for name in values if values[name] is not None or cells.given(name)}
    for name, value in values.items():
        if value is None:
            continue
        if name in rec.details:
            first, first_row = rec.details[name]
            if (_words(first) if isinstance(first, str) else first) != (
                _words(value) if isinstance(value, str) else value
            ):
                cells.problem(
                    name,
                    f"this differs from row {first_row} for recommendation {rec_ref}. Give the same, or leave it empty",
                )
            continue
        rec.details[name] = (value, cells.row.number)
    return rec


def _check_complete(review: ReviewPlan, problems: list[Problem]) -> None:
    """A new review or recommendation needs its details on at least one of its rows."""
    if review.refused:
        return
    if review.existing is None:
        for name, what in (
            ("review_title", "its title"),
            ("child", "how the report names the child, like Child Q"),
            ("board", "the board's key, like milton-keynes"),
            ("review_type", "the kind of review, like Serious Case Review"),
        ):
            if name not in review.given:
                problems.append(Problem(review.row, name, f"review {review.ref} is new: enter {what}"))
    for rec in review.recommendations.values():
        if rec.existing is not None:
            continue
        new = f"recommendation {rec.ref} is new"
        if "recommendation_text" not in rec.given:
            problems.append(Problem(rec.row, "recommendation_text", f"{new}: enter its words"))
        if "recommendation_kind" not in rec.given:
            problems.append(
                Problem(rec.row, "recommendation_kind", f"{new}: enter board, multi_agency or single_agency")
            )
        elif "recommendation_kind" in rec.details and "addressed_to" not in rec.given and addressed_to(rec) is None:
            problems.append(
                Problem(
                    rec.row,
                    "addressed_to",
                    f"{new} and single-agency: enter the agency it is addressed to, or give the row an agency",
                )
            )


def addressed_to(rec: RecommendationPlan) -> tuple[str, Agency | None] | None:
    """Who a new recommendation is addressed to: as given, or what its kind implies."""
    if "addressed_to" in rec.details:
        return rec.details["addressed_to"][0]
    kind = rec.details["recommendation_kind"][0]
    if kind == "board":
        return ("board", None)
    if kind == "multi_agency":
        return ("all_agencies", None)
    return ("agency", rec.first_agency) if rec.first_agency else None


def summary(plan: ImportPlan, *, dry_run: bool = False) -> str:
    """“Created 1 review, 3 recommendations and 5 actions; skipped 2 rows already in the tracker.”"""
    counts = (
        (plan.new_reviews, "review"),
        (plan.new_recommendations, "recommendation"),
        (plan.new_actions, "action"),
    )
    made = [plural(count, word) for count, word in counts if count]
    if not made:
        rows = "the row is" if plan.skipped == 1 else f"all {plan.skipped:,} rows are"
        return f"Nothing new: {rows} already in the tracker"
    listed = made[0] if len(made) == 1 else ", ".join(made[:-1]) + " and " + made[-1]
    text = ("Would create " if dry_run else "Created ") + listed
    if plan.skipped:
        text += f"; skipped {plural(plan.skipped, 'row')} already in the tracker"
    return text
