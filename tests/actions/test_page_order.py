"""The action page puts what a person decides on above the decision, and the lead's next step first."""

from __future__ import annotations

import re

from tests.actions.helpers import add_evidence, police_action, user
from tracker.actions import services
from tracker.extensions import db


def _primary_buttons(page: str) -> list[str]:
    """Buttons and button-styled links that are not secondary or warning: the page's primary actions."""
    found = []
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    for match in re.finditer(r'<(button|a)\b[^>]*class="(govuk-button[^"]*)"[^>]*>.*?</\1>', main, re.S):
        classes = match.group(2).split()
        if "govuk-button" in classes and not {"govuk-button--secondary", "govuk-button--warning"} & set(classes):
            found.append(match.group(0))
    return found


def _submitted(users, statement="Done"):
    action = police_action()
    lead = user(users["agency_lead"])
    services.change_status(db.session, lead, action, action.version, "in_progress")
    add_evidence(action, lead, title="Protocol v1")
    action.success_measure = "Every strategy meeting is minuted within two days"
    services.submit_for_assurance(db.session, lead, action, action.version, statement)
    db.session.flush()
    return action, lead


def test_reviewer_sees_measure_then_evidence_then_the_decision(signed_in, users):
    action, _ = _submitted(users)
    page = signed_in("board_member").get(f"/actions/{action.id}").get_data(as_text=True)
    measure = page.index("Every strategy meeting is minuted within two days")
    evidence = page.index("Protocol v1")
    form = page.index(f'action="/actions/{action.id}/decision"')
    assert measure < evidence < form
    assert "first time this action has been put forward" in page
    # The re-check date is in a block shown only once "Accept" is chosen (enhance.js), after the choice.
    reveal = page.split('data-app-reveal-when="decision=accept"', 1)[1].split("</fieldset>", 1)[0]
    assert "Re-check date" in reveal
    assert page.index('value="return"') < page.index("Re-check date")


def test_what_changed_since_the_last_decision(signed_in, users):
    action, lead = _submitted(users)
    member = user(users["board_member"])
    services.decide(db.session, member, action, action.version, accept=False, comments="Add minutes", recheck_due=None)
    services.change_status(db.session, lead, action, action.version, "in_progress")
    add_evidence(action, lead, title="Meeting minutes")
    services.submit_for_assurance(db.session, lead, action, action.version, "Minutes added")
    db.session.flush()
    page = signed_in("board_member").get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Since the last decision (Returned" in page
    assert "New since the last decision: “Meeting minutes” (version 1)" in page
    assert "Unchanged since the last decision: “Protocol v1” (version 1)" in page


def test_leads_next_step_is_the_one_primary_button_once_evidence_exists(signed_in, users):
    action = police_action()
    lead = user(users["agency_lead"])
    services.change_status(db.session, lead, action, action.version, "in_progress")
    db.session.flush()
    client = signed_in("agency_lead")
    before = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Next step: submit for assurance" not in before
    add_evidence(action, lead)
    db.session.flush()
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Next step: submit for assurance" in page
    primary = _primary_buttons(page)
    assert len(primary) == 1 and "Submit for assurance" in primary[0]
