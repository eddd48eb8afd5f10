"""``flask send-reminders`` against a real SMTP server (aiosmtpd on 127.0.0.1): who gets what, and never twice."""

from __future__ import annotations

import hashlib
import socket
import ssl
import subprocess
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.utils import parseaddr

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select

from tests.actions.helpers import plan_action
from tracker import clock
from tracker.actions import services as actions
from tracker.actions.models import Action
from tracker.actions.states import Status
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.evidence.models import EvidenceItem
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.outbox.models import OutboxMessage
from tracker.outbox.sender import send_due
from tracker.reminders.models import ReminderSent
from tracker.reviews.models import Review

TODAY = date(2026, 3, 2)
PASSWORD = "correct horse battery staple"


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts and refuses the addresses in ``refused``."""

    def __init__(self):
        self.messages = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "message": message, "auth": session.auth_data})
        return "250 Message accepted for delivery"

    def take(self) -> list[dict]:
        taken, self.messages = self.messages, []
        return [
            {
                "to": item["to"],
                "subject": item["message"]["Subject"],
                "to_header": item["message"]["To"],
                "body": item["message"].get_content(),
                "auth": item["auth"],
            }
            for item in taken
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app, monkeypatch):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    for key, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": controller.port,
        "SMTP_STARTTLS": False,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "BASE_URL": "https://tracker.example.org/",
        "REMINDER_BOARD_GRACE_DAYS": 14,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    yield handler
    controller.stop()


def run(app, day: date, *extra: str):
    return app.test_cli_runner().invoke(args=["send-reminders", "--today", day.isoformat(), *extra])


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def tvp_action(position: int = 0) -> Action:
    """One of Thames Valley Police's actions under the Milton Keynes review of Child J (board: Milton Keynes)."""
    return db.session.execute(
        select(Action)
        .join(Review)
        .join(Agency, Agency.id == Action.agency_id)
        .where(Review.ref == "mk-child-j", Agency.key == "thames-valley-police")
        .order_by(Action.id)
        .offset(position)
        .limit(1)
    ).scalar_one()


def plan(action: Action, *, due: date | None, owner: User | None, status: Status = Status.IN_PROGRESS) -> int:
    action.due_date, action.owner, action.status = due, owner, status.value
    db.session.commit()
    return action.id


def sent_rows() -> list[tuple]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(ReminderSent.action_id, ReminderSent.kind, ReminderSent.occasion, ReminderSent.recipient).order_by(
                ReminderSent.id
            )
        )
    ]


def run_entries() -> list[HistoryEntry]:
    return list(
        db.session.execute(
            select(HistoryEntry).where(HistoryEntry.event == "reminders.sent").order_by(HistoryEntry.id)
        ).scalars()
    )


def another_lead(email: str, *, active: bool = True) -> User:
    lead = create_user(
        db.session,
        email=email,
        name=email.split("@")[0].title(),
        role="agency_lead",
        password=PASSWORD,
        agency_key="thames-valley-police",
    )
    lead.is_active_account = active
    db.session.commit()
    return lead


# What is sent, to whom, and only once ----------------------------------------------------------------------


def test_a_week_before_the_due_date_the_owner_is_reminded_once(app, users, inbox):
    action = tvp_action()
    action_id = plan(action, due=TODAY + timedelta(days=7), owner=user(users["agency_lead"]))
    text, ref = action.text, action.recommendation.ref

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    assert "Queued 1 reminder for sending (1 due soon)" in result.output
    [mail] = inbox.take()
    assert mail["to"] == ["lead@test.invalid"]
    assert mail["to_header"] == "Lead <lead@test.invalid>"
    assert mail["subject"] == f"Action due in 7 days: Serious Case Review: Child J, recommendation {ref}"
    body = " ".join(mail["body"].split())
    assert "Hello Lead," in body
    assert "An action you own is due in 7 days, on 9 March 2026." in body
    assert " ".join(text.split()) in body
    assert "Agency: Thames Valley Police" in body and f"Recommendation: Recommendation {ref}" in body
    assert "Review: Serious Case Review: Child J" in body and "Due date: 9 March 2026" in body
    assert f"Open the action: https://tracker.example.org/actions/{action_id}" in body
    assert sent_rows() == [(action_id, "due_7", "2026-03-09", "lead@test.invalid")]
    [entry] = run_entries()
    assert entry.object_type == "reminders" and entry.summary == "Queued 1 reminder for sending (1 due soon)"
    assert entry.after == {"today": "2026-03-02", "sent": {"due_7": 1}, "failed": 0}

    again = run(app, TODAY)
    later = run(app, TODAY + timedelta(days=2))
    dry = run(app, TODAY, "--dry-run")

    assert again.exit_code == 0 and "Queued 0 reminders for sending" in again.output
    assert later.exit_code == 0 and "Queued 0 reminders for sending" in later.output
    assert dry.exit_code == 0 and dry.output == "Dry run: would queue 0 reminders for sending\n"
    assert inbox.take() == []
    assert len(sent_rows()) == 1
    assert len(run_entries()) == 3  # one history entry per run, sending or not


def test_daily_runs_send_each_notice_once_and_the_board_only_after_the_grace_period(app, users, inbox):
    due = TODAY + timedelta(days=35)
    action_id = plan(tvp_action(), due=due, owner=user(users["agency_lead"]))

    received = []
    for offset in range(-35, 20):
        day = due + timedelta(days=offset)
        result = run(app, day)
        assert result.exit_code == 0, result.output
        received += [(offset, mail["to"], mail["subject"].split(":")[0]) for mail in inbox.take()]

    assert received == [
        (-30, ["lead@test.invalid"], "Action due in 30 days"),
        (-7, ["lead@test.invalid"], "Action due in 7 days"),
        (-1, ["lead@test.invalid"], "Action due tomorrow"),
        (1, ["lead@test.invalid"], "Action overdue since 6 April 2026"),
        (15, ["member@test.invalid"], "For the board"),
    ]
    assert [kind for _, kind, _, _ in sent_rows()] == ["due_30", "due_7", "due_1", "overdue", "overdue_board"]
    assert {row[0] for row in sent_rows()} == {action_id}


def test_a_missed_run_still_sends_the_nearest_notice_and_only_that(app, users, inbox):
    action_id = plan(tvp_action(), due=TODAY + timedelta(days=3), owner=user(users["agency_lead"]))

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    [mail] = inbox.take()
    assert mail["subject"].startswith("Action due in 3 days:")
    assert sent_rows() == [(action_id, "due_7", "2026-03-05", "lead@test.invalid")]


def test_moving_the_due_date_sends_a_fresh_notice_for_the_new_date(app, users, inbox):
    action = tvp_action()
    action_id = plan(action, due=TODAY + timedelta(days=5), owner=user(users["agency_lead"]))
    assert run(app, TODAY).exit_code == 0
    assert len(inbox.take()) == 1

    actions.update_plan(
        db.session,
        user(users["board_member"]),
        action,
        action.version,
        owner_id=action.owner_id,
        due_date=TODAY + timedelta(days=6),
        due_date_reason="The training dates moved",
        success_measure=action.success_measure,
    )
    db.session.commit()
    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    [mail] = inbox.take()
    assert mail["subject"].startswith("Action due in 6 days:")
    assert "Due date: 8 March 2026" in mail["body"]
    assert [row[1:3] for row in sent_rows()] == [("due_7", "2026-03-07"), ("due_7", "2026-03-08")]
    assert {row[0] for row in sent_rows()} == {action_id}


def test_overdue_goes_to_the_owner_then_to_the_board_after_the_grace_period(app, users, inbox, monkeypatch):
    monkeypatch.setitem(app.config, "REMINDER_BOARD_GRACE_DAYS", 3)
    action_id = plan(tvp_action(), due=TODAY - timedelta(days=3), owner=user(users["agency_lead"]))

    first = run(app, TODAY)

    assert first.exit_code == 0, first.output
    [to_owner] = inbox.take()
    assert to_owner["to"] == ["lead@test.invalid"]
    assert to_owner["subject"].startswith("Action overdue since 27 February 2026:")
    owner_body = " ".join(to_owner["body"].split())
    assert "was due on 27 February 2026 and is now 3 days overdue" in owner_body
    assert "If it is still overdue more than 3 days after its due date, the board will be told." in owner_body

    second = run(app, TODAY + timedelta(days=1))

    assert second.exit_code == 0, second.output
    assert "Queued 1 reminder for sending (1 overdue, to the board)" in second.output
    [to_board] = inbox.take()
    assert to_board["to"] == ["member@test.invalid"]
    assert to_board["subject"].startswith("For the board: action 4 days overdue: Serious Case Review: Child J")
    body = " ".join(to_board["body"].split())
    assert "Hello Member," in body and "more than the 3 days after which the board is told" in body
    assert "Its owner, Lead, has been reminded." in body
    assert f"https://tracker.example.org/actions/{action_id}" in body
    assert [row[1] for row in sent_rows()] == ["overdue", "overdue_board"]


def test_an_action_found_long_overdue_tells_the_owner_and_the_board_in_the_same_run(app, users, inbox):
    plan(tvp_action(), due=TODAY - timedelta(days=15), owner=user(users["agency_lead"]))

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    assert "Queued 2 reminders for sending (1 overdue, 1 overdue, to the board)" in result.output
    mails = {mail["to"][0]: mail for mail in inbox.take()}
    assert set(mails) == {"lead@test.invalid", "member@test.invalid"}
    owner_body = " ".join(mails["lead@test.invalid"]["body"].split())
    assert "As it is more than 14 days overdue, the board is being told too." in owner_body


def test_an_action_without_an_owner_reminds_its_agencys_active_leads(app, users, inbox):
    another_lead("second.lead@test.invalid")
    another_lead("gone.lead@test.invalid", active=False)
    action_id = plan(tvp_action(), due=TODAY + timedelta(days=1), owner=None)

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    assert "Queued 2 reminders for sending (2 due soon)" in result.output
    mails = sorted(inbox.take(), key=lambda mail: mail["to"])
    assert [mail["to"] for mail in mails] == [["lead@test.invalid"], ["second.lead@test.invalid"]]
    for mail in mails:
        body = " ".join(mail["body"].split())
        assert mail["subject"].startswith("Action due tomorrow:")
        assert "An action for Thames Valley Police is due tomorrow" in body
        assert "Owner: Not assigned" in body and "the action has no owner yet" in body
    assert {row[3] for row in sent_rows()} == {"lead@test.invalid", "second.lead@test.invalid"}
    assert {row[0] for row in sent_rows()} == {action_id}


def test_finished_actions_get_no_due_or_overdue_notices(app, users, inbox):
    action = tvp_action()
    action.closed_reason = "Superseded by the new multi-agency protocol"
    plan(action, due=TODAY - timedelta(days=40), owner=user(users["agency_lead"]), status=Status.CLOSED)
    plan(tvp_action(1), due=TODAY + timedelta(days=1), owner=user(users["agency_lead"]), status=Status.EMBEDDED)

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    assert inbox.take() == [] and sent_rows() == []


def test_a_due_recheck_is_sent_once_to_the_owner(app, users, inbox):
    action = tvp_action()
    action.recheck_due = TODAY + timedelta(days=1)
    # Assured long ago and past its due date: finished work is never "overdue", only due a re-check.
    action_id = plan(action, due=TODAY - timedelta(days=200), owner=user(users["agency_lead"]), status=Status.ASSURED)

    assert run(app, TODAY).exit_code == 0
    assert inbox.take() == []

    result = run(app, TODAY + timedelta(days=1))

    assert result.exit_code == 0, result.output
    assert "Queued 1 reminder for sending (1 re-check due)" in result.output
    [mail] = inbox.take()
    assert mail["to"] == ["lead@test.invalid"] and mail["subject"].startswith("Re-check due: Serious Case Review")
    assert "re-check of an action you own by 3 March 2026" in " ".join(mail["body"].split())
    assert sent_rows() == [(action_id, "recheck_due", "2026-03-03", "lead@test.invalid")]
    assert run(app, TODAY + timedelta(days=9)).exit_code == 0
    assert inbox.take() == []


def _submit_and_return(action: Action, lead: User, member: User, comments: str) -> int:
    evidence = EvidenceItem(
        action_id=action.id,
        kind="implementation",
        title="Briefing to all officers",
        narrative="Every response officer was briefed.",
        relates_to=TODAY,
        added_by_id=lead.id,
        digest=hashlib.sha256(comments.encode()).hexdigest(),
    )
    db.session.add(evidence)
    db.session.flush()
    plan_action(action, lead)
    actions.submit_for_assurance(db.session, lead, action, action.version, "Done, with the briefing record")
    sign_off = actions.decide(db.session, member, action, action.version, accept=False, comments=comments)
    db.session.commit()
    return sign_off.id


def test_a_returned_action_is_sent_once_per_return_with_the_reviewers_reasons(app, users, inbox):
    lead, member = user(users["agency_lead"]), user(users["board_member"])
    action = tvp_action()
    action_id = plan(action, due=None, owner=lead)
    first_return = _submit_and_return(action, lead, member, "Show how many officers attended the briefing.")

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    assert "Queued 1 reminder for sending (1 returned)" in result.output
    [mail] = inbox.take()
    assert mail["to"] == ["lead@test.invalid"]
    assert mail["subject"].startswith("Action returned by the board: Serious Case Review: Child J")
    body = " ".join(mail["body"].split())
    assert "the board returned an action you own without assuring it" in body
    assert "What the reviewer said: Show how many officers attended the briefing." in body
    assert run(app, TODAY + timedelta(days=1)).exit_code == 0
    assert inbox.take() == []

    second_return = _submit_and_return(action, lead, member, "The attendance list is still missing.")
    assert run(app, TODAY + timedelta(days=2)).exit_code == 0

    [again] = inbox.take()
    assert "The attendance list is still missing." in again["body"]
    assert sent_rows() == [
        (action_id, "returned", str(first_return), "lead@test.invalid"),
        (action_id, "returned", str(second_return), "lead@test.invalid"),
    ]


# Dry runs and failures ---------------------------------------------------------------------------------------


def test_a_dry_run_lists_what_would_be_sent_and_sends_and_records_nothing(app, users, inbox):
    action_id = plan(tvp_action(), due=TODAY + timedelta(days=30), owner=user(users["agency_lead"]))
    history_before = db.session.execute(select(func.count()).select_from(HistoryEntry)).scalar_one()

    result = run(app, TODAY, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Would send to lead@test.invalid: Action due in 30 days: Serious Case Review: Child J" in result.output
    assert "Dry run: would queue 1 reminder for sending (1 due soon)" in result.output
    assert inbox.take() == [] and sent_rows() == []
    assert db.session.execute(select(func.count()).select_from(HistoryEntry)).scalar_one() == history_before

    assert run(app, TODAY).exit_code == 0
    assert len(inbox.take()) == 1
    assert sent_rows() == [(action_id, "due_30", "2026-04-01", "lead@test.invalid")]


def outbox_statuses() -> list[tuple[str, str]]:
    rows = db.session.execute(select(OutboxMessage.recipient, OutboxMessage.status).order_by(OutboxMessage.id))
    return [(parseaddr(recipient)[1], status) for recipient, status in rows]


def test_a_refused_recipient_fails_in_the_outbox_and_the_others_still_get_theirs(app, users, inbox):
    second = another_lead("second.lead@test.invalid")
    plan(tvp_action(0), due=TODAY + timedelta(days=7), owner=second)
    plan(tvp_action(1), due=TODAY - timedelta(days=1), owner=user(users["agency_lead"]))
    inbox.refused = {"second.lead@test.invalid"}

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    [mail] = inbox.take()
    assert mail["to"] == ["lead@test.invalid"]
    assert sorted(outbox_statuses()) == [
        ("lead@test.invalid", "sent"),
        ("second.lead@test.invalid", "failed"),
    ]
    inbox.refused = set()
    assert run(app, TODAY).exit_code == 0 and inbox.take() == []  # never queued twice
    assert len(outbox_statuses()) == 2


def test_a_mail_server_down_then_up_sends_each_reminder_once(app, users, inbox, monkeypatch):
    plan(tvp_action(), due=TODAY + timedelta(days=7), owner=user(users["agency_lead"]))
    port = app.config["SMTP_PORT"]
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    assert len(sent_rows()) == 1 and outbox_statuses()[0][1] == "pending"
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_SECONDS", 0)
    clock_later = clock.now() + timedelta(hours=1)
    monkeypatch.setattr(clock, "now", lambda: clock_later)
    send_due()
    send_due()
    assert run(app, TODAY).exit_code == 0
    assert [mail["to"] for mail in inbox.take()] == [["lead@test.invalid"]]
    assert outbox_statuses()[0][1] == "sent"


def test_an_action_with_nobody_to_remind_is_named(app, users, inbox):
    action_id = plan(tvp_action(), due=TODAY + timedelta(days=7), owner=None)
    user(users["agency_lead"]).is_active_account = False
    db.session.commit()

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    assert f"No one to remind about action {action_id}" in result.output
    assert inbox.take() == []


# STARTTLS and login ------------------------------------------------------------------------------------------


@pytest.fixture
def tls_inbox(app, monkeypatch, tmp_path):
    """An SMTP server that insists on STARTTLS before login, with a self-signed certificate for 127.0.0.1 that
    the client is told to trust (OpenSSL reads SSL_CERT_FILE when the default context loads its CAs)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"tracker" and auth_data.password == b"smtp-secret"
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    handler = Inbox()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    for key_name, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": controller.port,
        "SMTP_STARTTLS": True,
        "SMTP_USERNAME": "tracker",
        "SMTP_PASSWORD": "smtp-secret",
    }.items():
        monkeypatch.setitem(app.config, key_name, value)
    yield handler
    controller.stop()


def test_the_mailer_uses_starttls_and_logs_in_when_configured(app, users, tls_inbox, monkeypatch):
    plan(tvp_action(), due=TODAY + timedelta(days=7), owner=user(users["agency_lead"]))

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    [mail] = tls_inbox.take()
    assert mail["to"] == ["lead@test.invalid"] and mail["auth"].login == b"tracker"
    assert len(sent_rows()) == 1


def test_without_starttls_a_server_that_requires_it_refuses_and_the_mail_waits(app, users, tls_inbox, monkeypatch):
    plan(tvp_action(), due=TODAY + timedelta(days=7), owner=user(users["agency_lead"]))
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)

    result = run(app, TODAY)

    assert result.exit_code == 0, result.output
    assert tls_inbox.take() == [] and outbox_statuses()[0][1] == "pending"


def test_a_notice_another_run_has_just_claimed_leaves_the_others_queued(app, users, inbox):
    from tracker.reminders.mailer import queue_notices
    from tracker.reminders.services import pending_notices

    lead = user(users["agency_lead"])
    ids = [plan(tvp_action(n), due=TODAY + timedelta(days=7), owner=lead) for n in range(3)]
    notices = sorted(pending_notices(db.session, TODAY, 7).notices, key=lambda notice: notice.action_id)
    assert [notice.action_id for notice in notices] == ids
    # Another run claims the middle notice between this run's reading the plan and its queuing it.
    middle = notices[1]
    db.session.add(
        ReminderSent(action_id=middle.action_id, kind=middle.kind, occasion=middle.occasion, recipient=middle.recipient)
    )
    db.session.commit()

    queued = queue_notices(db.session, notices, app.config)
    db.session.commit()

    assert sum(queued.values()) == 2
    keys = db.session.execute(select(OutboxMessage.idempotency_key).order_by(OutboxMessage.id)).scalars().all()
    assert [key.split(":")[1] for key in keys] == [str(ids[0]), str(ids[2])]
    assert sorted(row[0] for row in sent_rows()) == ids
