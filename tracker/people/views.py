"""People pages: the list (filtered by board, agency, role and whether active), inviting someone, a person's
page (change their role, boards and agency, deactivate or reactivate them), resending or cancelling an
invitation, and the invitation link itself, where the person sets their password.

Views stay thin: load the object (404 when out of reach), parse the form, call one service, commit once,
redirect. An invitation e-mail is sent before the commit: if the mail server refuses it, nothing is kept.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from tracker import history_words, permissions
from tracker.auth.fresh import fresh_login_required
from tracker.auth.models import Invitation, Role, User
from tracker.extensions import db
from tracker.ids import id_arg, page_arg
from tracker.loading import load_visible
from tracker.people import invitations, queries, services
from tracker.people.forms import AcceptForm, AccessForm, ConfirmForm, InviteForm, role_choices, role_items
from tracker.refusals import attempt

log = logging.getLogger(__name__)

bp = Blueprint("people", __name__)


def _user():
    return current_user._get_current_object()


def _require_people_manager() -> None:
    if not permissions.can_manage_people(current_user):
        abort(403)


def _fill_choices(form, person: User | None = None) -> None:
    """Only what the signed-in user may give; a person's current agency stays choosable."""
    user = _user()
    form.role.choices = role_choices([role for role in Role if permissions.can_give_role(user, role)])
    reach = permissions.grantable_board_ids(user)
    form.boards.choices = [SelectChoice(b.id, b.name) for b in queries.boards_to_filter(db.session, reach)]
    agencies = queries.agencies_in_use(db.session, reach)
    if person is not None and person.agency is not None and person.agency not in agencies:
        agencies.append(person.agency)
    form.agency.choices = [SelectChoice("", "No agency")] + [SelectChoice(str(a.id), a.name) for a in agencies]


def _refused(form, call) -> bool:
    """Run one service call through ``refusals.attempt``; True (with the reason on the form: on the field it
    names, else beside the role) when it was refused."""
    refusal = attempt(call, form, top_of_form=False)
    if refusal is not None and not refusal.placed:
        form.role.errors = [*form.role.errors, refusal.message]
    return refusal is not None


@bp.route("/people")
@login_required
def index():
    _require_people_manager()
    reach = permissions.grantable_board_ids(_user())
    role = request.args.get("role")
    active = {"active": True, "inactive": False}.get(request.args.get("active", ""))
    filters = queries.Filters(
        board_id=id_arg("board"),
        agency_id=id_arg("agency"),
        role=role if role in {r.value for r in Role} else None,
        active=active,
    )
    query = queries.people_query(reach, filters)
    size = current_app.config["PAGE_SIZE"]
    total = queries.count(db.session, query)
    pages = max((total + size - 1) // size, 1)
    page = page_arg(last=pages)
    people = list(db.session.execute(query.limit(size).offset((page - 1) * size)).scalars())
    return render_template(
        "people/index.html",
        people=people,
        filters=filters,
        total=total,
        page=page,
        pages=pages,
        boards=queries.boards_to_filter(db.session, reach),
        agencies=queries.agencies_in_use(db.session, reach),
        roles=[r for r in Role if reach is None or r != Role.ADMIN],
        invitations=queries.waiting_invitations(db.session, reach),
        invitation_state=invitations.state_label,
        confirm_form=ConfirmForm(),
    )


@bp.route("/people/invite", methods=["GET", "POST"])
@login_required
def invite():
    _require_people_manager()
    form = InviteForm()
    _fill_choices(form)
    if form.validate_on_submit():
        sent: list[Invitation] = []

        def invite_and_send() -> None:
            invitation, token = invitations.invite(
                db.session,
                _user(),
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                board_ids=form.boards.data or [],
                agency_id=form.agency_id(),
            )
            invitations.send_email(db.session, current_app.config, invitation, token, _user())
            sent.append(invitation)

        if not _refused(form, invite_and_send):
            flash(f"Invitation sent to {sent[0].email}. The link works for 72 hours.", "success")
            return redirect(url_for("people.index"))
    status = 422 if form.errors else 200
    return render_template("people/invite.html", form=form, role_items=role_items(form.role)), status


def _load_person(user_id: int) -> User:
    return load_visible(User, user_id, permissions.can_manage_person)


def _person_page(person: User, form: AccessForm | None = None, status: int = 200, problem: str | None = None):
    if form is None:
        form = AccessForm(
            formdata=None,
            role=person.role,
            boards=[board.id for board in person.boards],
            agency=str(person.agency_id or ""),
        )
    _fill_choices(form, person)
    if problem:
        form.form_errors.append(problem)
    return render_template(
        "people/show.html",
        person=person,
        form=form,
        role_items=role_items(form.role),
        confirm_form=ConfirmForm(),
        is_self=person.id == current_user.id,
        history=history_words.sentences(db.session, queries.person_history(db.session, person)),
    ), status


@bp.route("/people/<id:user_id>")
@login_required
def show(user_id: int):
    return _person_page(_load_person(user_id))


@bp.route("/people/<id:user_id>/access", methods=["POST"])
@login_required
@fresh_login_required(back="people.show")
def change_access(user_id: int):
    person = _load_person(user_id)
    form = AccessForm()
    _fill_choices(form, person)
    if not form.validate_on_submit():
        return _person_page(person, form, 422)
    changed: list[bool] = []
    if _refused(
        form,
        lambda: changed.append(
            services.change_access(
                db.session,
                _user(),
                person,
                role=form.role.data,
                board_ids=form.boards.data or [],
                agency_id=form.agency_id(),
            )
        ),
    ):
        return _person_page(db.session.get(User, user_id), form, 422)
    flash(f"{person.name}'s access has been changed" if changed[0] else "Nothing was changed", "success")
    return redirect(url_for("people.show", user_id=person.id))


def _confirmed_step(user_id: int, step, done: str):
    person = _load_person(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    refusal = attempt(lambda: step(db.session, _user(), person))
    if refusal is not None:
        return _person_page(db.session.get(User, user_id), status=422, problem=refusal.message)
    flash(done.format(name=person.name), "success")
    return redirect(url_for("people.show", user_id=person.id))


@bp.route("/people/<id:user_id>/deactivate", methods=["POST"])
@login_required
@fresh_login_required(back="people.show")
def deactivate(user_id: int):
    return _confirmed_step(
        user_id, services.deactivate, "{name}'s account has been deactivated and their sessions have ended"
    )


@bp.route("/people/<id:user_id>/reactivate", methods=["POST"])
@login_required
@fresh_login_required(back="people.show")
def reactivate(user_id: int):
    return _confirmed_step(user_id, services.reactivate, "{name}'s account has been reactivated")


def _load_invitation(invitation_id: int) -> Invitation:
    return load_visible(Invitation, invitation_id, permissions.can_manage_invitation)


def _invitation_refused(message: str, status: int = 422):
    return render_template("people/invitation_problem.html", message=message), status


@bp.route("/invitations/<id:invitation_id>/resend", methods=["POST"])
@login_required
def resend_invitation(invitation_id: int):
    invitation = _load_invitation(invitation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sent: list[Invitation] = []

    def resend_and_send() -> None:
        fresh, token = invitations.resend(db.session, _user(), invitation)
        invitations.send_email(db.session, current_app.config, fresh, token, _user())
        sent.append(fresh)

    refusal = attempt(resend_and_send)
    if refusal is not None:
        return _invitation_refused(refusal.message)
    flash(f"A new invitation has been sent to {sent[0].email}. The earlier link no longer works.", "success")
    return redirect(url_for("people.index"))


@bp.route("/invitations/<id:invitation_id>/cancel", methods=["POST"])
@login_required
def cancel_invitation(invitation_id: int):
    invitation = _load_invitation(invitation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    refusal = attempt(lambda: invitations.cancel(db.session, _user(), invitation))
    if refusal is not None:
        return _invitation_refused(refusal.message)
    flash(f"The invitation to {invitation.email} has been cancelled. Its link no longer works.", "success")
    return redirect(url_for("people.index"))


def _link_not_usable(unusable):
    return render_template("people/link_not_usable.html", heading=unusable.heading, message=unusable.message), 400


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The link in the e-mail: open to anyone who has it, for as long as it works."""
    found: list[Invitation] = []
    refusal = attempt(lambda: found.append(invitations.usable_invitation(db.session, token)))
    if refusal is not None:
        return _link_not_usable(refusal.error)
    invitation = found[0]
    if current_user.is_authenticated:
        return render_template("people/accept.html", invitation=invitation, form=None, signed_in_as=current_user)
    form = AcceptForm()
    if form.validate_on_submit():
        accepted: list[User] = []
        try:
            refusal = attempt(lambda: accepted.append(invitations.accept(db.session, token, form.password.data)))
        except IntegrityError:
            # The same link used twice at the same moment: the other request created the account
            # (``attempt`` has rolled back).
            return render_template(
                "people/link_not_usable.html",
                heading="This invitation has already been used",
                message="Your account has been set up. Sign in with your email address and the password you chose.",
            ), 400
        if refusal is None:
            name = accepted[0].name
            flash(f"Your account is ready, {name}. Sign in with your email address and new password.", "success")
            return redirect(url_for("auth.sign_in"))
        if isinstance(refusal.error, invitations.LinkNotUsable):
            return _link_not_usable(refusal.error)
        form.password.errors = [*form.password.errors, refusal.message]
    status = 422 if form.errors else 200
    return render_template("people/accept.html", invitation=invitation, form=form, signed_in_as=None), status
