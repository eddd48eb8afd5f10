"""Signing in (password, then a code from the authenticator app or a recovery code), confirming who you are
before a sensitive step, staying signed in, and signing out. The account pages are in account_views."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from tracker.auth import sessions, two_factor
from tracker.auth.accounts import confirm_identity
from tracker.auth.forms import CodeForm, ConfirmForm, RecoveryCodeForm, SignInForm
from tracker.auth.fresh import RETRY_KEY, mark_fresh, safe_next
from tracker.auth.services import SignInRefused, authenticate, end_all_sessions
from tracker.extensions import db
from tracker.refusals import attempt

bp = Blueprint("auth", __name__)
bp.before_app_request(sessions.enforce_limits)


@bp.app_context_processor
def _session_timeout():
    return {"session_timeout": sessions.timeout_settings}


def home_for(user) -> str:
    """Everyone lands on their home page: what is waiting for them."""
    return url_for("home.index")


def _finish_sign_in(user, next_url: str | None):
    sessions.start(user)
    if current_app.config.get("TWO_FACTOR_REQUIRED") and not two_factor.is_on(user):
        return redirect(url_for("auth.two_factor_setup"))
    return redirect(next_url or home_for(user))


@bp.route("/")
def start():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.sign_in"))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(
                db.session, form.email.data, form.password.data, request.remote_addr, current_app.config
            )
        except SignInRefused as refused:
            db.session.commit()  # keep the record of the failure
            form.email.errors.append(refused.message)
            status = 429 if refused.throttled else 200
        else:
            db.session.commit()
            next_url = safe_next(request.args.get("next"))
            if two_factor.is_on(user):
                sessions.begin_second_step(user, next_url)
                return redirect(url_for("auth.sign_in_code"))
            return _finish_sign_in(user, next_url)
    return render_template("auth/sign_in.html", form=form), status


def _second_step(form, template: str, check):
    """The code and recovery-code pages: the same shape, a different check."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    user, next_url = sessions.pending()
    if user is None:
        if request.method == "POST":
            flash("Sign in again: the time to enter a code ran out", "info")
        return redirect(url_for("auth.sign_in"))
    status = 200
    if form.validate_on_submit():
        try:
            remaining = check(user, form.code.data)
        except SignInRefused as refused:
            db.session.commit()  # keep the record of the failure
            form.code.errors.append(refused.message)
            status = 429 if refused.throttled else 200
        else:
            db.session.commit()
            response = _finish_sign_in(user, next_url)
            if remaining is not None:
                flash(_codes_left(remaining), "info")  # after the session is started afresh, so that it shows
            return response
    return render_template(template, form=form), status


def _codes_left(remaining: int) -> str:
    plural = "" if remaining == 1 else "s"
    words = f"You signed in with a recovery code. You have {remaining} recovery code{plural} left"
    if remaining < 3:
        words += ". Ask an administrator to reset your two-factor sign-in, then set it up again to get new codes"
    return words


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    def check(user, code):
        two_factor.sign_in_with_code(db.session, user, code, request.remote_addr, current_app.config)
        return None

    return _second_step(CodeForm(), "auth/code.html", check)


@bp.route("/sign-in/recovery", methods=["GET", "POST"])
def sign_in_recovery():
    def check(user, code):
        return two_factor.sign_in_with_recovery_code(db.session, user, code, request.remote_addr, current_app.config)

    return _second_step(RecoveryCodeForm(), "auth/recovery.html", check)


@bp.route("/sign-in/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    user = current_user._get_current_object()
    form = ConfirmForm()
    if not two_factor.is_on(user):
        del form.code
    next_url = safe_next(request.args.get("next"))
    status = 200
    if form.validate_on_submit():
        code = form.code.data if "code" in form else None
        throttled: list[SignInRefused] = []

        def confirm_now() -> None:
            try:
                confirm_identity(db.session, user, form.password.data, code, request.remote_addr, current_app.config)
            except SignInRefused as refused:  # not a DomainError: committed, as the failure must be kept
                throttled.append(refused)

        refusal = attempt(confirm_now, form, keep_refused=True)  # keep the record of the failure
        if throttled:
            form.password.errors.append(throttled[0].message)
            status = 429
        elif refusal is None:
            mark_fresh()
            if session.pop(RETRY_KEY, False):
                flash("Thank you. Now make your change again: it was not saved before you confirmed", "info")
            return redirect(next_url or home_for(user))
    fresh_for = sessions.in_words(float(current_app.config["FRESH_LOGIN_MINUTES"]) * 60)
    return render_template("auth/confirm.html", form=form, fresh_for=fresh_for), status


@bp.route("/session/extend", methods=["POST"])
@login_required
def extend_session():
    """ "Stay signed in": the request itself restarts the idle limit (see sessions.enforce_limits)."""
    if request.accept_mimetypes.best == "application/json":
        idle, absolute = sessions.seconds_left()
        return jsonify(idle_seconds=idle, absolute_seconds=absolute)
    return redirect(safe_next(request.form.get("next")) or home_for(current_user))


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    end_all_sessions(db.session, current_user._get_current_object(), "signed out")
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


# The account pages share this blueprint; importing them registers their routes.
from tracker.auth import account_views  # noqa: E402, F401
