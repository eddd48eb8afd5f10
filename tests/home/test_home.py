"""Home pages: what is waiting for each person, longest waiting first, one click from the work, with the
same queries feeding the lists and the navigation's count, and nothing outside the person's reach."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.actions.helpers import add_evidence, plan_action, police_action, user
from tests.conftest import sign_in
from tracker import clock
from tracker.actions import services
from tracker.actions.models import Action
from tracker.assurance.exercises import open_exercise
from tracker.extensions import db
from tracker.home import queries
from tracker.reviews.models import Review


def _submitted(users, action=None):
    action = plan_action(action or police_action())
    lead = user(users["agency_lead"])
    services.change_status(db.session, lead, action, action.version, "in_progress")
    add_evidence(action, lead)
    services.submit_for_assurance(db.session, lead, action, action.version, "Done")
    db.session.flush()
    return action


def test_board_member_sees_the_submission_waiting_for_their_decision(signed_in, users):
    action = _submitted(users)
    client = signed_in("board_member")
    response = client.get("/home")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "What is waiting for you" in page
    section = page.split('id="awaiting"', 1)[1].split("</section>", 1)[0]
    assert f'href="/actions/{action.id}"' in section
    assert "Waiting today" in section
    # The navigation counts it too, from the same query.
    member = user(users["board_member"])
    assert queries.waiting_count(db.session, member, clock.today()) >= 1
    assert "waiting for you" in page


def test_waiting_longest_first_and_days_counted(users):
    first, second = (
        db.session.execute(
            select(Action)
            .join(Review)
            .where(Review.ref == "mk-child-j", Action.agency.has(key="thames-valley-police"))
            .order_by(Action.id)
            .limit(2)
        )
        .scalars()
        .all()
    )
    for action in (first, second):
        action.status = "not_started"
    _submitted(users, second)
    _submitted(users, first)
    member = user(users["board_member"])
    listed = queries.first(db.session, queries.awaiting_decision_query(queries.member_actions(member), member))
    ids = [row.id for row in listed.items]
    assert ids.index(second.id) < ids.index(first.id)
    assert listed.total == queries.count(
        db.session, queries.awaiting_decision_query(queries.member_actions(member), member)
    )


def test_a_member_never_sees_their_own_agencys_submission_to_decide(users):
    action = _submitted(users)
    member = user(users["board_member"])
    member.agency_id = action.agency_id
    db.session.flush()
    listed = queries.first(db.session, queries.awaiting_decision_query(queries.member_actions(member), member))
    assert action.id not in [row.id for row in listed.items]


def test_other_boards_are_out_of_reach(users):
    """The Milton Keynes member sees nothing from Southampton's review."""
    member = user(users["board_member"])
    where = queries.member_actions(member)
    rows = queries.first(db.session, queries.not_planned_query(where), limit=1000).items
    review_ids = {row.review_id for row in rows}
    soton = db.session.execute(select(Review.id).where(Review.ref == "southampton-child-i-and-m")).scalar_one()
    assert rows and soton not in review_ids
    recs = queries.first(db.session, queries.unanswered_recommendations_query(member), limit=1000).items
    assert recs and soton not in {row.review_id for row in recs}


def test_not_planned_lists_actions_without_owner_or_date(signed_in, users):
    action = police_action()
    action.owner_id, action.due_date = None, None
    db.session.flush()
    member = user(users["board_member"])
    rows = queries.first(db.session, queries.not_planned_query(queries.member_actions(member)), limit=1000).items
    assert action.id in {row.id for row in rows}
    action.owner_id, action.due_date = user(users["agency_lead"]).id, clock.today() + timedelta(days=90)
    db.session.flush()
    rows = queries.first(db.session, queries.not_planned_query(queries.member_actions(member)), limit=1000).items
    assert action.id not in {row.id for row in rows}


def test_agency_lead_sees_returned_with_reasons_and_open_exercise_returns(signed_in, users):
    action = _submitted(users)
    member = user(users["board_member"])
    services.decide(
        db.session, member, action, action.version, accept=False, comments="Add the audit", recheck_due=None
    )
    exercise = open_exercise(
        db.session,
        member,
        action.review,
        title="Spring check",
        deadline=clock.today() + timedelta(days=10),
    )
    db.session.flush()
    client = signed_in("agency_lead")
    page = client.get("/home").get_data(as_text=True)
    returned = page.split('id="returned"', 1)[1].split("</section>", 1)[0]
    assert f'href="/actions/{action.id}"' in returned and "Add the audit" in returned and "Member" in returned
    returns = page.split('id="returns"', 1)[1].split("</section>", 1)[0]
    assert f"/exercises/{exercise.id}/agencies/{action.agency_id}" in returns
    assert "Spring check" in returns


def test_other_agencies_lead_sees_nothing_of_them(signed_in, users):
    action = _submitted(users)
    member = user(users["board_member"])
    services.decide(
        db.session, member, action, action.version, accept=False, comments="Add the audit", recheck_due=None
    )
    db.session.flush()
    client = signed_in("other_lead")
    response = client.get("/home")
    assert response.status_code == 200 and "What is waiting for you" in response.get_data(as_text=True)
    assert f'href="/actions/{action.id}"' not in response.get_data(as_text=True)


def test_auditor_sees_boards_in_reach_with_report_links(signed_in):
    client = signed_in("auditor")
    page = client.get("/home").get_data(as_text=True)
    assert "Buckinghamshire" in page and "/reports/boards/" in page
    assert "Milton Keynes" not in page.split('id="boards"', 1)[1]


def test_everyone_lands_on_their_home_page(client, users):
    assert sign_in(client, users["agency_lead"]).headers["Location"] == "/home"


def test_the_reports_waiting_figure_links_to_the_items(signed_in, users):
    action = _submitted(users)
    client = signed_in("board_member")
    board_id = action.review.boards[0].id
    page = client.get(f"/reports/boards/{board_id}").get_data(as_text=True)
    assert 'href="#waiting"' in page
    waiting = page.split('id="waiting"', 1)[1].split("</section>", 1)[0]
    assert f'href="/actions/{action.id}"' in waiting


def cold():
    """Start the next request as a real one starts: nothing already loaded. The test client's requests share
    the test's session, whose identity map holds objects only while something refers to them, so without this
    a count would depend on when the garbage collector last ran (the signed-in user's boards loaded or not)."""
    db.session.flush()
    db.session.expire_all()


def test_the_home_page_costs_the_same_queries_however_much_waits(signed_in, users):
    from tests.reports.test_query_count import counting

    client = signed_in("board_member")
    actions = (
        db.session.execute(
            select(Action)
            .join(Review)
            .where(Review.ref == "mk-child-j", Action.agency.has(key="thames-valley-police"))
            .order_by(Action.id)
            .limit(4)
        )
        .scalars()
        .all()
    )
    for action in actions:
        action.status = "not_started"
    _submitted(users, actions[0])
    cold()
    with counting() as few:
        assert client.get("/home").status_code == 200
    for action in actions[1:]:
        _submitted(users, action)
    cold()
    with counting() as more:
        assert client.get("/home").status_code == 200
    assert len(more) == len(few)


def _police_actions(n: int) -> list[Action]:
    found = (
        db.session.execute(
            select(Action)
            .join(Review)
            .where(Review.ref == "mk-child-j", Action.agency.has(key="thames-valley-police"))
            .order_by(Action.id)
            .limit(n)
        )
        .scalars()
        .all()
    )
    for action in found:
        action.status = "not_started"
    return found


def test_the_navigation_count_is_what_the_home_lists_hold(signed_in, users):
    """The count every page draws is counted by its own statement: it must be exactly the lists' totals,
    each kind of waiting item included once, and nothing of another agency."""
    today = clock.today()
    returned, rechecked, waiting = _police_actions(3)
    member, lead = user(users["board_member"]), user(users["agency_lead"])
    for action in (returned, rechecked):
        _submitted(users, action)
    services.decide(db.session, member, returned, returned.version, accept=False, comments="More", recheck_due=None)
    services.decide(db.session, member, rechecked, rechecked.version, accept=True, comments=None, recheck_due=today)
    returned.due_date = today - timedelta(days=3)  # returned and overdue: on both of the lead's lists
    _submitted(users, waiting)
    open_exercise(db.session, member, returned.review, title="Spring check", deadline=today + timedelta(days=9))
    db.session.flush()

    lead_lists = (
        queries.returned_query(queries.agency_actions(lead)),
        queries.overdue_or_due_soon_query(queries.agency_actions(lead), today),
        queries.open_returns_query(lead),
    )
    lead_totals = [queries.count(db.session, query) for query in lead_lists]
    assert all(total >= 1 for total in lead_totals)
    assert queries.waiting_count(db.session, lead, today) == sum(lead_totals)

    where = queries.member_actions(member)
    member_lists = (queries.awaiting_decision_query(where, member), queries.rechecks_due_query(where, today))
    member_totals = [queries.count(db.session, query) for query in member_lists]
    assert all(total >= 1 for total in member_totals)
    assert queries.waiting_count(db.session, member, today) == sum(member_totals)

    # A member of the agency under review decides none of its submissions: not counted for them.
    member.agency_id = waiting.agency_id
    db.session.flush()
    assert queries.waiting_count(db.session, member, today) == member_totals[1]
    assert queries.waiting_count(db.session, user(users["auditor"]), today) == 0

    page = signed_in("agency_lead").get("/home").get_data(as_text=True)
    assert f'<span class="app-count">{sum(lead_totals)}</span>' in page
