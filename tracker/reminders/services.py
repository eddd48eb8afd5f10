"""Reminders: which notices are due on a day, to whom, and the record that each went out, so none goes twice.

``pending_notices`` works out every notice due on a day in a fixed number of queries, whatever the number of
actions, and leaves out what ``reminders_sent`` says has already gone. ``claim`` records a notice just before
it is sent: the caller commits once the mail server has accepted it, or rolls back if it refused, so a notice
is marked as sent exactly when it was. (The unique key on ``reminders_sent`` also stops two runs at once from
both sending the same notice: the second one's claim fails.)

Kinds of notice, and the occasion that makes each one unique:

- ``due_30``, ``due_7``, ``due_1``: the action is due within 30, 7 or 1 days (occasion: the due date, so a
  moved due date earns fresh notices). Only the nearest applies: an action due in 3 days that missed its
  30-day notice gets only the 7-day one, and a missed daily run still sends it the next day.
- ``overdue``: past its due date and not finished (occasion: the due date).
- ``overdue_board``: overdue by more than the grace period; goes to the board (occasion: the due date).
- ``recheck_due``: assured (or embedded with a further re-check set) and its re-check date has come
  (occasion: the re-check date).
- ``returned``: the board returned the submission (occasion: the id of that sign-off).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from tracker import audit
from tracker.actions.models import Action
from tracker.actions.states import FINISHED, Status
from tracker.assurance.models import SignOff
from tracker.auth.models import Role, User, user_boards
from tracker.reminders.models import ReminderSent
from tracker.reviews.models import Review

# Nearest first: an action gets only the nearest window it falls in.
DUE_WINDOWS = (("due_1", 1), ("due_7", 7), ("due_30", 30))
DUE_KINDS = frozenset(kind for kind, _ in DUE_WINDOWS)
# Statuses whose re-check date, once it has come, earns a reminder.
RECHECK_STATUSES = (Status.ASSURED.value, Status.EMBEDDED.value)

# How the summary counts each kind, in the order it lists them.
CATEGORIES = (
    ("due soon", DUE_KINDS),
    ("overdue", frozenset({"overdue"})),
    ("overdue, to the board", frozenset({"overdue_board"})),
    ("re-check due", frozenset({"recheck_due"})),
    ("returned", frozenset({"returned"})),
)


@dataclass(frozen=True)
class Notice:
    """One e-mail to one person about one action. ``facts`` holds plain values for the message (never ORM
    objects, which expire at each commit of the run)."""

    action_id: int
    kind: str
    occasion: str
    recipient: str
    recipient_name: str
    facts: dict = field(compare=False, hash=False)


@dataclass
class Plan:
    """What a run has to send, and the actions with a notice due but nobody to send it to."""

    notices: list[Notice]
    nobody_to_tell: list[int]


def due_kind(days_left: int) -> str | None:
    """The nearest due-soon window an action due in ``days_left`` days falls in (None when none applies)."""
    if days_left < 0:
        return None
    for kind, limit in DUE_WINDOWS:
        if days_left <= limit:
            return kind
    return None


def pending_notices(session: Session, today: date, grace_days: int) -> Plan:
    """Every notice due on ``today`` that has not been sent yet, in a fixed number of queries."""
    actions = _candidate_actions(session, today)
    if not actions:
        return Plan([], [])
    action_ids = [action.id for action in actions]
    returns = _latest_returns(session, [a.id for a in actions if a.status == Status.RETURNED.value])
    leads = _agency_leads(session, {a.agency_id for a in actions if not _has_active_owner(a)})
    late_for_board = [a for a in actions if _overdue_days(a, today) > grace_days]
    members = _board_members(session, {board.id for a in late_for_board for board in a.review.boards})
    already = _already_sent(session, action_ids)

    notices: list[Notice] = []
    nobody: list[int] = []
    for action in actions:
        for kind, occasion, extra in _occasions(action, today, grace_days, returns):
            if kind == "overdue_board":
                people = _unique(person for board in action.review.boards for person in members.get(board.id, []))
            else:
                people = [action.owner] if _has_active_owner(action) else leads.get(action.agency_id, [])
            if not people:
                nobody.append(action.id)
                continue
            facts = {**_facts(action, today), **extra, "grace_days": grace_days}
            for person in people:
                if (action.id, kind, occasion, person.email) in already:
                    continue
                notices.append(
                    Notice(
                        action_id=action.id,
                        kind=kind,
                        occasion=occasion,
                        recipient=person.email,
                        recipient_name=person.name,
                        facts={**facts, "to_owner": person.id == action.owner_id},
                    )
                )
    return Plan(notices, sorted(set(nobody)))


def claim(session: Session, notice: Notice) -> None:
    """Record the notice as ours to send (flushes): the unique row is what stops a second run queuing it again."""
    session.add(
        ReminderSent(action_id=notice.action_id, kind=notice.kind, occasion=notice.occasion, recipient=notice.recipient)
    )
    session.flush()


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(sent: Counter, failures: list[tuple[int, str]], *, verb: str = "Queued") -> str:
    """ "Queued 12 reminders for sending (3 due soon, 2 overdue); 1 failed: ..." — for the command's output and
    the history. The outbox sends them later, so saying "sent" here would claim more than is true.
    ``failures`` holds (how many reminders, why) for each failure."""
    parts = []
    for label, kinds in CATEGORIES:
        count = sum(sent[kind] for kind in kinds)
        if count:
            parts.append(f"{count} {label}")
    text = f"{verb} {plural(sum(sent.values()), 'reminder')} for sending" + (f" ({', '.join(parts)})" if parts else "")
    if failures:
        text += f"; {sum(count for count, _ in failures)} failed: " + "; ".join(why for _, why in failures)
    return text


def record_run(session: Session, today: date, sent: Counter, failures: list[tuple[int, str]]) -> None:
    """One history entry per run, with its counts."""
    audit.record(
        session,
        actor="send-reminders",
        event="reminders.sent",
        obj_type="reminders",
        obj_id=None,
        summary=summary(sent, failures),
        after={
            "today": today,
            "sent": dict(sorted(sent.items())),
            "failed": sum(count for count, _ in failures),
        },
    )


# The queries ---------------------------------------------------------------------------------------------


def _candidate_actions(session: Session, today: date) -> list[Action]:
    unfinished = Action.status.not_in([status.value for status in FINISHED])
    return list(
        session.execute(
            select(Action)
            .where(
                or_(
                    and_(unfinished, Action.due_date.is_not(None), Action.due_date <= today + timedelta(days=30)),
                    and_(Action.status.in_(RECHECK_STATUSES), Action.recheck_due <= today),
                    Action.status == Status.RETURNED.value,
                )
            )
            .options(
                selectinload(Action.review).selectinload(Review.boards),
                selectinload(Action.recommendation),
                selectinload(Action.agency),
                selectinload(Action.owner),
            )
            .order_by(Action.id)
        ).scalars()
    )


def _latest_returns(session: Session, action_ids: list[int]) -> dict[int, SignOff]:
    """The latest sign-off of each action, when it was a return (a later decision supersedes it)."""
    if not action_ids:
        return {}
    latest = (
        select(func.max(SignOff.id)).where(SignOff.action_id.in_(action_ids)).group_by(SignOff.action_id)
    ).scalar_subquery()
    rows = session.execute(select(SignOff).where(SignOff.id.in_(latest), SignOff.decision == "returned")).scalars()
    return {sign_off.action_id: sign_off for sign_off in rows}


def _agency_leads(session: Session, agency_ids: set[int]) -> dict[int, list[User]]:
    if not agency_ids:
        return {}
    leads: dict[int, list[User]] = {}
    rows = session.execute(
        select(User)
        .where(User.agency_id.in_(agency_ids), User.role == Role.AGENCY_LEAD.value, User.is_active_account.is_(True))
        .order_by(User.email)
    ).scalars()
    for user in rows:
        leads.setdefault(user.agency_id, []).append(user)
    return leads


def _board_members(session: Session, board_ids: set[int]) -> dict[int, list[User]]:
    if not board_ids:
        return {}
    members: dict[int, list[User]] = {}
    rows = session.execute(
        select(user_boards.c.board_id, User)
        .join(User, User.id == user_boards.c.user_id)
        .where(
            user_boards.c.board_id.in_(board_ids),
            User.role == Role.BOARD_MEMBER.value,
            User.is_active_account.is_(True),
        )
        .order_by(User.email)
    )
    for board_id, user in rows:
        members.setdefault(board_id, []).append(user)
    return members


def _already_sent(session: Session, action_ids: list[int]) -> set[tuple[int, str, str, str]]:
    rows = session.execute(
        select(ReminderSent.action_id, ReminderSent.kind, ReminderSent.occasion, ReminderSent.recipient).where(
            ReminderSent.action_id.in_(action_ids)
        )
    )
    return {tuple(row) for row in rows}


# The rules -----------------------------------------------------------------------------------------------


def _has_active_owner(action: Action) -> bool:
    return action.owner is not None and action.owner.is_active_account


def _overdue_days(action: Action, today: date) -> int:
    """Days past the due date of an unfinished action (0 when it is not overdue)."""
    if not action.is_overdue(today):
        return 0
    return (today - action.due_date).days


def _occasions(action: Action, today: date, grace_days: int, returns: dict[int, SignOff]):
    """(kind, occasion, extra facts) of every notice the action is due today, sent or not."""
    unfinished = action.status_enum not in FINISHED
    if unfinished and action.due_date is not None:
        days_left = (action.due_date - today).days
        kind = due_kind(days_left)
        if kind:
            yield kind, action.due_date.isoformat(), {"days_left": days_left}
        late = _overdue_days(action, today)
        if late:
            yield "overdue", action.due_date.isoformat(), {"days_overdue": late}
        if late > grace_days:
            yield "overdue_board", action.due_date.isoformat(), {"days_overdue": late}
    if action.status in RECHECK_STATUSES and action.recheck_due is not None and action.recheck_due <= today:
        yield "recheck_due", action.recheck_due.isoformat(), {}
    sign_off = returns.get(action.id)
    if action.status == Status.RETURNED.value and sign_off is not None:
        yield (
            "returned",
            str(sign_off.id),
            {"returned_on": sign_off.decided_at.date(), "comments": sign_off.comments},
        )


def _facts(action: Action, today: date) -> dict:
    return {
        "action_id": action.id,
        "today": today,
        "review_title": action.review.title,
        "recommendation_ref": action.recommendation.ref if action.recommendation else None,
        "agency": action.agency.name,
        "text": action.text,
        "due_date": action.due_date,
        "recheck_due": action.recheck_due,
        "owner_name": action.owner.name if _has_active_owner(action) else None,
    }


def _unique(people) -> list[User]:
    seen: dict[int, User] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return sorted(seen.values(), key=lambda person: person.email)
