"""The rules of an action's life: planning, progress, submission for assurance and the board's decision.

Every function takes the session explicitly, checks who may do it, flushes but never commits, changes status
only through ``status.set_status`` (the one writer, which asks the status machine), writes one history entry
per change and raises a DomainError (NotPermitted, StaleEdit, InvalidTransition) with
words a person understands. Views, the CLI and the tests all call these.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload

from tracker import clock, permissions
from tracker.actions import rules
from tracker.actions.models import Action
from tracker.actions.states import InvalidTransition, Status, check_transition
from tracker.actions.status import record, set_status
from tracker.assurance.models import SignOff, Submission
from tracker.audit import HistoryEntry
from tracker.auth.models import Role, User
from tracker.errors_domain import DomainError, NotPermitted, StaleEdit
from tracker.evidence.models import EvidenceItem
from tracker.ids import parse_id
from tracker.orgs.models import Agency
from tracker.reviews.models import Recommendation
from tracker.text import clean

DEFAULT_RECHECK_MONTHS = 6


# Shared checks and the history ----------------------------------------------------------------------------


def check_version(session: Session, action: Action, version: int | str | None) -> None:
    """Refuse a save made from a form loaded before someone else's change, saying what they changed."""
    try:
        loaded = int(version)
    except (TypeError, ValueError):
        loaded = -1
    if loaded == action.version:
        return
    entries = session.execute(
        select(HistoryEntry)
        .where(HistoryEntry.object_type == "action", HistoryEntry.object_id == action.id)
        .order_by(HistoryEntry.id)
    ).scalars()
    changes = [
        f"{entry.summary} ({entry.actor_label}, {entry.at:%d %B %Y %H:%M})"
        for entry in entries
        if (entry.after or {}).get("version", 0) > loaded
    ]
    raise StaleEdit(
        "Someone else changed this action after you opened it, so your change has not been saved. "
        "Check what they changed, then make your change again.",
        changes,
    )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotPermitted(message)


def _owner_for(session: Session, action_agency_id: int, owner_id: int | None) -> User | None:
    if owner_id in (None, "", 0):
        return None
    owner_key = parse_id(owner_id)
    owner = session.get(User, owner_key) if owner_key else None
    if owner is None or not owner.is_active_account or owner.agency_id != action_agency_id:
        raise DomainError("Choose an owner who works for the agency responsible for this action", field="owner")
    return owner


# The statements the action page runs on every view are built once, with parameters: building one (and
# SQLAlchemy's key for its compiled form) took as long as running it.
_OWNERS = (
    select(User)
    .where(User.agency_id == bindparam("agency_id"), User.is_active_account.is_(True), User.role == Role.AGENCY_LEAD)
    .order_by(User.name)
)


def owner_choices(session: Session, agency_id: int) -> list[User]:
    return list(session.execute(_OWNERS, {"agency_id": agency_id}).scalars())


def _name(user: User | None) -> str:
    return user.name if user else "nobody"


# Planning -------------------------------------------------------------------------------------------------


def create_action(
    session: Session,
    actor,
    recommendation: Recommendation,
    *,
    agency_id: int,
    text: str,
    owner_id: int | None = None,
    due_date: date | None = None,
    success_measure: str | None = None,
) -> Action:
    _require(permissions.can_plan_review(actor, recommendation.review), "Only a board member can add actions")
    agency_key = parse_id(agency_id)
    agency = session.get(Agency, agency_key) if agency_key else None
    if agency is None:
        raise DomainError("Choose the agency responsible", field="agency")
    text = clean(text, name="What will be done", field="text")
    success_measure = clean(success_measure, name="How success will be measured", field="success_measure")
    if not (text or "").strip():
        raise DomainError("Enter what will be done", field="text")
    action = Action(
        review_id=recommendation.review_id,
        recommendation_id=recommendation.id,
        agency_id=agency.id,
        text=text.strip(),
        due_date=due_date,
        original_due_date=due_date,
        success_measure=(success_measure or "").strip() or None,
        reported_progress="not_stated",
    )
    action.owner = _owner_for(session, agency.id, owner_id)
    action.recommendations = [recommendation]
    session.add(action)
    session.flush()
    record(
        session,
        actor,
        action,
        "action.created",
        f"Action created for {agency.name} under recommendation {recommendation.ref}",
        after={"agency": agency.name, "owner": _name(action.owner), "due_date": due_date, "text": action.text},
    )
    return action


def update_plan(
    session: Session,
    actor,
    action: Action,
    version,
    *,
    owner_id: int | None,
    due_date: date | None,
    due_date_reason: str | None,
    success_measure: str | None,
) -> None:
    """Assign the owner, due date and measure of success. Moving a set due date needs a reason."""
    _require(permissions.can_plan_action(actor, action), "Only a board member can change the plan for an action")
    check_version(session, action, version)
    owner = _owner_for(session, action.agency_id, owner_id)
    reason = (clean(due_date_reason, name="The reason", field="due_date_reason") or "").strip()
    before, after, said = {}, {}, []
    if due_date != action.due_date:
        if action.due_date is not None and not reason:
            raise DomainError("Give a reason for changing the due date", field="due_date_reason")
        before["due_date"], after["due_date"] = action.due_date, due_date
        said.append(
            f"due date {'moved from ' + action.due_date.isoformat() + ' ' if action.due_date else 'set '}"
            f"to {due_date.isoformat() if due_date else 'none'}" + (f" because: {reason}" if reason else "")
        )
        if action.original_due_date is None:
            action.original_due_date = due_date
        action.due_date = due_date
    if owner != action.owner:
        before["owner"], after["owner"] = _name(action.owner), _name(owner)
        said.append(f"owner changed from {_name(action.owner)} to {_name(owner)}")
        action.owner = owner
    measure = (
        clean(success_measure, name="How success will be measured", field="success_measure") or ""
    ).strip() or None
    if measure != action.success_measure:
        before["success_measure"], after["success_measure"] = action.success_measure, measure
        said.append("how success will be measured updated")
        action.success_measure = measure
    if not said:
        return
    if reason:
        after["reason"] = reason
    record(session, actor, action, "action.planned", "Plan changed: " + "; ".join(said), before, after)


def reassign_owner(session: Session, actor, action: Action, version, owner_id: int | None) -> None:
    _require(permissions.can_reassign_owner(actor, action), "You cannot reassign this action")
    check_version(session, action, version)
    owner = _owner_for(session, action.agency_id, owner_id)
    if owner == action.owner:
        return
    before = {"owner": _name(action.owner)}
    action.owner = owner
    record(
        session,
        actor,
        action,
        "action.reassigned",
        f"Owner changed from {before['owner']} to {_name(owner)}",
        before,
        {"owner": _name(owner)},
    )


# Progress -------------------------------------------------------------------------------------------------

MOVES_WITH_THEIR_OWN_STEP = {
    Status.SUBMITTED: "Use “Submit for assurance”, which records the evidence put forward",
    Status.ASSURED: "Use the reviewer's decision, which records the sign-off",
    Status.EMBEDDED: "Use the re-check decision, which records the sign-off",
    Status.RETURNED: "Use the reviewer's decision, which records the reasons",
}


def change_status(session: Session, actor, action: Action, version, target: str, reason: str | None = None) -> None:
    """Start work, resume returned work, or (board) close without implementation."""
    party = permissions.party_for(actor, action)
    _require(party is not None, "You cannot change the status of this action")
    check_version(session, action, version)
    try:
        target_status = Status(target)
    except ValueError:
        raise DomainError("Choose a status", field="status") from None
    if target_status in MOVES_WITH_THEIR_OWN_STEP:
        raise InvalidTransition(MOVES_WITH_THEIR_OWN_STEP[target_status])
    if target_status == Status.CLOSED:
        _require(
            permissions.can_close_action(actor, action),
            "Only a board member of this review's board, outside the agency responsible, can close this action",
        )
        party = "board"
    check_transition(action.status_enum, target_status, party)
    reason = (clean(reason, name="The reason", field="reason") or "").strip()
    if target_status == Status.CLOSED and not reason:
        raise DomainError("Give the reason for closing this action without implementation", field="reason")
    was = action.status_enum
    if target_status == Status.CLOSED:
        action.closed_reason = reason
    set_status(
        session,
        action,
        target_status,
        actor=actor,
        party=party,
        event="action.status",
        summary=f"Status changed from “{was.label}” to “{target_status.label}”" + (f": {reason}" if reason else ""),
        after={"reason": reason} if reason else None,
    )


# Evidence, submission and sign-off -----------------------------------------------------------------------


_SUPERSEDED = select(EvidenceItem.supersedes_id).where(
    EvidenceItem.action_id == bindparam("action_id"), EvidenceItem.supersedes_id.is_not(None)
)
_CURRENT_EVIDENCE = (
    select(EvidenceItem)
    .where(EvidenceItem.action_id == bindparam("action_id"), EvidenceItem.id.not_in(_SUPERSEDED))
    .options(joinedload(EvidenceItem.added_by), selectinload(EvidenceItem.files))  # shown with each item
    .order_by(EvidenceItem.relates_to, EvidenceItem.id)
)


def current_evidence(session: Session, action: Action) -> list[EvidenceItem]:
    """The latest version of every evidence item of the action (superseded versions are kept, not shown)."""
    return list(session.execute(_CURRENT_EVIDENCE, {"action_id": action.id}).scalars())


def evidence_snapshot(items: list[EvidenceItem]) -> list[dict]:
    return [
        {
            "item_id": item.id,
            "version": item.version,
            "kind": item.kind,
            "title": item.title,
            "digest": item.digest,
            "files": [{"name": f.original_name, "sha256": f.sha256, "size": f.size} for f in item.files],
        }
        for item in items
    ]


def pending_submission(session: Session, action: Action) -> Submission | None:
    return session.execute(
        select(Submission)
        .outerjoin(SignOff, SignOff.submission_id == Submission.id)
        .where(Submission.action_id == action.id, SignOff.id.is_(None))
        .order_by(Submission.id.desc())
        .limit(1)
    ).scalar_one_or_none()


# Each shown with the person who submitted or decided it.
_SUBMISSIONS = (
    select(Submission)
    .where(Submission.action_id == bindparam("action_id"))
    .options(joinedload(Submission.submitted_by))
    .order_by(Submission.id.desc())
)
_SIGN_OFFS = select(SignOff).where(SignOff.action_id == bindparam("action_id")).options(joinedload(SignOff.decided_by))


def assurance_record(
    session: Session, action: Action
) -> tuple[list[Submission], dict[int, SignOff], Submission | None]:
    """Every submission of the action (latest first), the sign-offs by submission, and the pending submission:
    the latest without a sign-off, as ``pending_submission`` reads it, taken from the two lists the page
    shows anyway (a test holds the two readings together)."""
    submissions = list(session.execute(_SUBMISSIONS, {"action_id": action.id}).scalars())
    sign_offs = {s.submission_id: s for s in session.execute(_SIGN_OFFS, {"action_id": action.id}).scalars()}
    pending = next((s for s in submissions if s.id not in sign_offs), None)
    return submissions, sign_offs, pending


def evidence_adders(session: Session, submission: Submission) -> set[int]:
    """Everyone who added an evidence item put forward in ``submission``."""
    ids = [e["item_id"] for e in submission.evidence]
    return set(session.execute(select(EvidenceItem.added_by_id).where(EvidenceItem.id.in_(ids))).scalars())


def _last_sign_off(session: Session, action: Action) -> SignOff | None:
    return session.execute(
        select(SignOff).where(SignOff.action_id == action.id).order_by(SignOff.id.desc()).limit(1)
    ).scalar_one_or_none()


def _submission_kind(action: Action) -> str:
    """A submission of an assured or embedded action is a re-check once its re-check date has come."""
    if action.status_enum in (Status.ASSURED, Status.EMBEDDED) and action.recheck_due:
        return "recheck" if action.recheck_due <= clock.today() else "assurance"
    return "assurance"


def ensure_evidence_can_change(action: Action) -> None:
    """Evidence is frozen while the board reviews a submission, and once the action is closed."""
    if action.status_enum == Status.SUBMITTED:
        raise DomainError(
            "This action is with the board for assurance, so its evidence cannot change while they review it. "
            "Ask the reviewer to return it if something needs correcting."
        )
    if action.status_enum == Status.CLOSED:
        raise DomainError("This action was closed without implementation, so evidence can no longer be added.")


def submit_for_assurance(session: Session, actor, action: Action, version, statement: str | None) -> Submission:
    _require(
        permissions.can_work_on_action(actor, action),
        "Only a lead of the agency responsible can submit this action for assurance",
    )
    check_version(session, action, version)
    kind = _submission_kind(action)
    check_transition(action.status_enum, Status.SUBMITTED, "agency")
    refusal = rules.plan_refusal(rules.missing_from_plan(action.owner_id, action.due_date, action.success_measure))
    if refusal:
        raise DomainError(refusal)
    items = current_evidence(session, action)
    if not items:
        raise DomainError("Add evidence of what was done before submitting this action for assurance")
    if kind == "recheck":
        last = _last_sign_off(session, action)
        since = last.decided_at if last else None
        fresh = [i for i in items if i.kind == "impact" and (since is None or _after(i.added_at, since))]
        if not fresh:
            raise DomainError("A re-check needs fresh evidence of impact: add what has changed for children since")
    return _submit(
        session,
        actor,
        action,
        kind,
        (clean(statement, name="The statement", field="statement") or "").strip() or None,
        items,
    )


def _after(moment, since) -> bool:
    strip = lambda m: m.replace(tzinfo=None) if m.tzinfo else m  # noqa: E731 - SQLite returns naive times
    return strip(moment) >= strip(since)


def _submit(session, actor, action, kind, statement, items) -> Submission:
    """Put the evidence forward (the agency's move): from in progress or returned, or back from assured or
    embedded when evidence changed after sign-off or a re-check falls due."""
    check_transition(action.status_enum, Status.SUBMITTED, "agency")
    submission = Submission(
        action_id=action.id,
        kind=kind,
        submitted_by_id=actor.id,
        statement=statement,
        evidence=evidence_snapshot(items),
    )
    session.add(submission)
    session.flush()
    set_status(
        session,
        action,
        Status.SUBMITTED,
        actor=actor,
        party="agency",
        event="action.submitted",
        summary=(
            "Submitted for a re-check that the change was maintained"
            if kind == "recheck"
            else "Submitted for assurance"
        )
        + f", with {len(items)} evidence item{'s' if len(items) != 1 else ''}",
        after={"submission_id": submission.id, "evidence": submission.evidence},
    )
    return submission


def evidence_changed(session: Session, actor, action: Action) -> Submission | None:
    """Called after evidence is added or corrected. After sign-off, the action goes back for assurance
    (or, once its re-check is due, for the re-check) with the evidence as it now stands."""
    if action.status_enum not in (Status.ASSURED, Status.EMBEDDED):
        return None
    kind = _submission_kind(action)
    statement = (
        "Fresh evidence for the re-check that the change was maintained."
        if kind == "recheck"
        else "Evidence was added or changed after sign-off, so the action goes back for assurance."
    )
    return _submit(session, actor, action, kind, statement, current_evidence(session, action))


def decide(
    session: Session,
    actor,
    action: Action,
    version,
    *,
    accept: bool,
    comments: str | None,
    recheck_due: date | None = None,
    meets_measure: bool | None = None,
) -> SignOff:
    """The reviewer's decision on the pending submission. Never by its submitter, nor by anyone who added
    the evidence, nor by the agency's own people."""
    _require(
        permissions.can_review_action(actor, action),
        "Only a board member of this review's board, outside the agency responsible, can assure this action",
    )
    check_version(session, action, version)
    submission = pending_submission(session, action)
    if submission is None or action.status_enum != Status.SUBMITTED:
        raise DomainError("There is no submission waiting for a decision on this action")
    refusal = rules.sign_off_refusal(actor.id, submission.submitted_by_id, evidence_adders(session, submission))
    if refusal:
        raise NotPermitted(refusal)
    refusal = rules.decision_refusal(accept, meets_measure)
    if refusal:
        raise DomainError(refusal, field="meets_measure")
    comments = (clean(comments, name="Comments", field="comments") or "").strip() or None
    if not accept and not comments:
        raise DomainError("Give the reasons for returning it, so the agency knows what to do", field="comments")

    target, decision = rules.decision_outcome(submission.kind, accept)
    check_transition(action.status_enum, target, "board")

    before = {"recheck_due": action.recheck_due}
    if decision == "assured":
        action.recheck_due = recheck_due or clock.add_months(clock.today(), DEFAULT_RECHECK_MONTHS)
        action.completed_on = action.completed_on or submission.submitted_at.date()
    elif decision in ("embedded", "reopened"):
        action.recheck_due = None
    if recheck_due and decision == "embedded":
        action.recheck_due = recheck_due  # a further re-check, if the board wants one
    sign_off = SignOff(
        submission_id=submission.id,
        action_id=action.id,
        decided_by_id=actor.id,
        decision=decision,
        comments=comments,
        evidence_seen=submission.evidence,
        recheck_due=action.recheck_due,
    )
    session.add(sign_off)
    session.flush()
    words = {
        "assured": f"Assured; re-check due {action.recheck_due.isoformat() if action.recheck_due else 'not set'}",
        "returned": "Returned to the agency",
        "embedded": "Re-check confirmed: the change was maintained (embedded)",
        "reopened": "Re-check not confirmed: the action is reopened",
    }[decision]
    set_status(
        session,
        action,
        target,
        actor=actor,
        party="board",
        event=f"action.{decision}",
        summary=words + (f": {comments}" if comments else ""),
        before=before,
        after={
            "recheck_due": action.recheck_due,
            "sign_off_id": sign_off.id,
            **({} if meets_measure is None else {"meets_measure": meets_measure}),
        },
    )
    return sign_off


_HISTORY = (
    select(HistoryEntry)
    .where(HistoryEntry.object_type == "action", HistoryEntry.object_id == bindparam("action_id"))
    .order_by(HistoryEntry.id.desc())
)


def action_history(session: Session, action: Action) -> list[HistoryEntry]:
    return list(session.execute(_HISTORY, {"action_id": action.id}).scalars())
