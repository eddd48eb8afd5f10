"""Every route, for every role: who may reach what. The walk fails if a new route is added without a
declared expectation here or in a feature's ``tests/<feature>/access_routes.py`` (which defines ``ROUTES``
in the same form and ``object_ids()`` for the ids its paths need)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.actions.models import Action
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Recommendation, Review

PUBLIC = {"auth.sign_in", "auth.start", "static"}


def _ids():
    def review(ref):
        return db.session.execute(select(Review.id).where(Review.ref == ref)).scalar_one()

    def agency(key):
        return db.session.execute(select(Agency.id).where(Agency.key == key)).scalar_one()

    def action(ref, key):
        return db.session.execute(
            select(Action.id).join(Review).where(Review.ref == ref, Action.agency_id == agency(key)).limit(1)
        ).scalar_one()

    def rec(ref):
        return db.session.execute(select(Recommendation.id).join(Review).where(Review.ref == ref).limit(1)).scalar_one()

    return {
        "mk_review": review("mk-child-j"),
        "soton_review": review("southampton-child-i-and-m"),
        "bucks_review": review("bucks-baby-k"),
        "mk_rec": rec("mk-child-j"),
        "soton_rec": rec("southampton-child-i-and-m"),
        "tvp_action": action("mk-child-j", "thames-valley-police"),
        "soton_action": action("southampton-child-i-and-m", "southampton-city-council-childrens-social-care"),
        "bucks_csc_action": action("bucks-baby-k", "buckinghamshire-county-council-childrens-and-families-service"),
    }


# (method, path template, endpoint, {role: expected status}); roles not named expect the default.
ROUTES = [
    ("GET", "/reviews", "reviews.index", {}),
    ("GET", "/reviews/{mk_review}", "reviews.show", {"auditor": 404, "other_lead": 404}),
    (
        "GET",
        "/reviews/{soton_review}",
        "reviews.show",
        {"board_member": 404, "agency_lead": 404, "auditor": 404},
    ),
    ("GET", "/reviews/{bucks_review}", "reviews.show", {"board_member": 404, "other_lead": 404}),
    ("GET", "/recommendations/{mk_rec}", "reviews.recommendation", {"auditor": 404, "other_lead": 404}),
    (
        "GET",
        "/recommendations/{soton_rec}",
        "reviews.recommendation",
        {"board_member": 404, "agency_lead": 404, "auditor": 404},
    ),
    ("GET", "/actions/{tvp_action}", "actions.show", {"auditor": 404, "other_lead": 404}),
    (
        "GET",
        "/actions/{soton_action}",
        "actions.show",
        {"board_member": 404, "agency_lead": 404, "auditor": 404},
    ),
    (
        "GET",
        "/actions/{bucks_csc_action}",
        "actions.show",
        {"board_member": 404, "agency_lead": 404, "other_lead": 404},
    ),
    # Steps on an action: reaching the rule (409 for a form without its version, 422 for an empty form)
    # means the role may take the step; 403 that it may see the action but not take it; 404 not see it.
    (
        "POST",
        "/actions/{tvp_action}/plan",
        "actions.plan",
        {"admin": 409, "board_member": 409, "agency_lead": 403, "auditor": 404, "other_lead": 404},
    ),
    (
        "POST",
        "/actions/{tvp_action}/owner",
        "actions.reassign",
        {"admin": 409, "board_member": 409, "agency_lead": 409, "auditor": 404, "other_lead": 404},
    ),
    (
        "POST",
        "/actions/{tvp_action}/status",
        "actions.change_status",
        {"admin": 403, "board_member": 409, "agency_lead": 409, "auditor": 404, "other_lead": 404},
    ),
    (
        "POST",
        "/actions/{tvp_action}/submit",
        "actions.submit",
        {"admin": 403, "board_member": 403, "agency_lead": 409, "auditor": 404, "other_lead": 404},
    ),
    (
        "POST",
        "/actions/{tvp_action}/decision",
        "actions.decide",
        {"admin": 403, "board_member": 422, "agency_lead": 403, "auditor": 404, "other_lead": 404},
    ),
    (
        "GET",
        "/recommendations/{mk_rec}/actions/new",
        "actions.new",
        {"agency_lead": 403, "auditor": 404, "other_lead": 404},
    ),
    (
        "POST",
        "/recommendations/{mk_rec}/response",
        "reviews.respond",
        {"admin": 422, "board_member": 422, "agency_lead": 403, "auditor": 404, "other_lead": 404},
    ),
    ("GET", "/my-agency", "actions.my_agency", {"admin": 404, "board_member": 404, "auditor": 404}),
    ("GET", "/export", "exports.index", {}),
    ("POST", "/export/plan.csv", "exports.plan", {}),
    ("POST", "/sign-out", "auth.sign_out", {"*": 302}),
]
ROLES = ["admin", "board_member", "agency_lead", "auditor", "other_lead"]

_FEATURE_MODULES = [
    importlib.import_module(f"tests.{info.name}.access_routes")
    for info in pkgutil.iter_modules([str(Path(__file__).parent)])
    if info.ispkg and (Path(__file__).parent / info.name / "access_routes.py").exists()
]
for _module in _FEATURE_MODULES:
    ROUTES += _module.ROUTES
    PUBLIC |= getattr(_module, "PUBLIC", set())  # pages for people not signed in (a feature tests them itself)


def _all_ids() -> dict:
    ids = _ids()
    for module in _FEATURE_MODULES:
        ids.update(module.object_ids())
    return ids


def test_every_endpoint_has_a_declared_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - PUBLIC == {endpoint for _, _, endpoint, _ in ROUTES}


@pytest.mark.parametrize(("method", "path", "endpoint", "expected"), ROUTES, ids=lambda v: str(v))
def test_anonymous_visitors_are_sent_to_sign_in(app, client, method, path, endpoint, expected):
    response = client.open(path.format(**_all_ids()), method=method)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "endpoint", "expected"), ROUTES, ids=lambda v: str(v))
def test_each_role_reaches_only_what_it_may(app, signed_in, role, method, path, endpoint, expected):
    client = signed_in(role)
    response = client.open(path.format(**_all_ids()), method=method)
    want = expected.get(role, expected.get("*", 200))
    assert response.status_code == want, f"{role} {method} {path}"


def test_export_holds_only_what_the_user_may_see(signed_in):
    client = signed_in("agency_lead")
    body = client.post("/export/plan.json").get_json()
    refs = {review["ref"] for review in body["reviews"]}
    # Thames Valley Police serves Buckinghamshire and Milton Keynes, so the lead sees those boards' reviews.
    assert refs == {"bucks-baby-k", "bucks-child-aa", "mk-child-j", "northants-mk-child-m"}
    assert "southampton-child-i-and-m" not in refs
