"""A person's own account (password, two-factor sign-in), a forgotten password, and an administrator's reset
of someone's two-factor sign-in. Routes of the ``auth`` blueprint."""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from tracker import permissions
from tracker.auth import accounts, sessions, two_factor
from tracker.auth.forms import (
    ChangePasswordForm,
    ForgottenPasswordForm,
    ResetPasswordForm,
    ResetTwoFactorForm,
    SetUpTwoFactorForm,
)
from tracker.auth.fresh import fresh_login_required, safe_next
from tracker.auth.models import User
from tracker.auth.services import SignInRefused
from tracker.auth.views import bp, home_for
from tracker.extensions import db
from tracker.outbox import services as outbox
from tracker.refusals import attempt

log = logging.getLogger(__name__)

RESET_KEY = "password_reset"


def _user() -> User:
    return current_user._get_current_object()


# Your account ----------------------------------------------------------------------------------------------


@bp.route("/account")
@login_required
def account():
    user = _user()
    codes_left = two_factor.remaining_recovery_codes(db.session, user) if two_factor.is_on(user) else None
    return render_template("account/index.html", person=user, codes_left=codes_left)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = _user()
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        throttled: list[SignInRefused] = []

        def change() -> None:
            try:
                accounts.change_password(
                    db.session,
                    user,
                    form.current_password.data,
                    form.new_password.data,
                    request.remote_addr,
                    current_app.config,
                )
            except SignInRefused as refused:  # not a DomainError: committed, as the failure must be kept
                throttled.append(refused)

        refusal = attempt(change, form, keep_refused=True)  # keep the record of a wrong current password
        if throttled:
            form.current_password.errors.append(throttled[0].message)
            status = 429
        elif refusal is None:
            sessions.keep_current(user)
            flash("Your password has been changed. You have been signed out everywhere else", "success")
            return redirect(url_for("auth.account"))
    return render_template("account/password.html", form=form), status


# Two-factor sign-in ----------------------------------------------------------------------------------------


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@login_required
@fresh_login_required
def two_factor_setup():
    user = _user()
    if two_factor.is_on(user):
        return render_template("account/two_factor_on.html")
    secret = two_factor.pending_secret(db.session, user)
    db.session.commit()  # the same secret until it is confirmed, however often the page is loaded
    form = SetUpTwoFactorForm()
    if form.validate_on_submit():
        turned_on: list[list[str]] = []
        refusal = attempt(lambda: turned_on.append(two_factor.turn_on(db.session, user, form.code.data)))
        if refusal is not None:
            form.code.errors.append(refusal.message)
        else:
            codes = turned_on[0]
            sessions.keep_current(user)
            # Shown once, in this response, and never again: only their hashes are kept.
            return render_template("account/recovery_codes.html", codes=codes, next_url=home_for(user))
    uri = two_factor.provisioning_uri(user, secret)
    return render_template(
        "account/two_factor_setup.html",
        form=form,
        secret=secret,
        qr_code=two_factor.qr_code_data_uri(uri),
        required=current_app.config.get("TWO_FACTOR_REQUIRED"),
    )


@bp.route("/people/<id:user_id>/two-factor/reset", methods=["POST"])
@login_required
@fresh_login_required
def reset_two_factor(user_id: int):
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    if not permissions.can_manage_users(current_user):
        abort(403)
    form = ResetTwoFactorForm()
    if not form.validate_on_submit():
        abort(400)
    attempt(lambda: two_factor.reset(db.session, _user(), person))  # refused only as NotPermitted: 403
    flash(
        f"The two-factor sign-in of {person.name} has been reset and they have been signed out. They will set "
        "it up again when they next sign in",
        "success",
    )
    return redirect(safe_next(form.next.data) or _person_page(person))


def _person_page(person: User) -> str:
    if "people.show" in current_app.view_functions:
        return url_for("people.show", user_id=person.id)
    return home_for(current_user)


# A forgotten password --------------------------------------------------------------------------------------


def _reset_link(token: str) -> str:
    path = url_for("auth.reset_password_link", token=token)
    return current_app.config["BASE_URL"].rstrip("/") + path


@bp.route("/password/forgotten", methods=["GET", "POST"])
def forgotten_password():
    form = ForgottenPasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/forgotten.html", form=form)
    made = accounts.request_reset(db.session, form.email.data, current_app.config)
    if made is not None:
        # Sent by the worker from the outbox: the answer takes the same time whether or not there is an account.
        user, token = made
        body = render_template(
            "auth/password_reset_email.txt",
            name=user.name,
            link=_reset_link(token),
            valid_for=_valid_for(),
        )
        outbox.enqueue(
            db.session,
            key=f"password-reset:{accounts.token_hash(token)}",
            kind="password_reset",
            to=user.email,
            subject="Set a new password for Review Action Tracker",
            body=body,
        )
    db.session.commit()
    # The same answer whether or not there is such an account.
    return render_template("auth/forgotten_sent.html", email=form.email.data.strip(), valid_for=_valid_for())


@bp.route("/password/reset/<token>")
def reset_password_link(token: str):
    """The link in the e-mail. The token moves into the session and out of the address bar (and out of the
    browser's history) before the form is shown."""
    hashed = accounts.token_hash(token)
    if accounts.open_reset(db.session, hashed) is None:
        return _link_not_working()
    session[RESET_KEY] = hashed
    return redirect(url_for("auth.reset_password"))


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_password():
    hashed = session.get(RESET_KEY)
    reset = accounts.open_reset(db.session, hashed) if hashed else None
    if reset is None:
        session.pop(RESET_KEY, None)
        return _link_not_working()
    form = ResetPasswordForm()
    if form.validate_on_submit():
        refusal = attempt(lambda: accounts.reset_password(db.session, hashed, form.new_password.data))
        if refusal is not None:
            form.new_password.errors.append(refusal.message)
        else:
            # Nobody is signed in by a reset: whoever was (on this browser or any other) is signed out.
            logout_user()
            session.clear()
            flash("Your password has been changed. Sign in with your new password", "success")
            return redirect(url_for("auth.sign_in"))
    person = db.session.get(User, reset.user_id)
    return render_template("auth/reset.html", form=form, person=person)


def _link_not_working():
    return render_template("auth/reset_invalid.html", valid_for=_valid_for()), 400


def _valid_for() -> str:
    return sessions.in_words(float(current_app.config["PASSWORD_RESET_MINUTES"]) * 60)
