"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth.forms import SignInForm
from tracker.auth.models import Role
from tracker.auth.services import SignInRefused, authenticate, end_all_sessions
from tracker.extensions import db

bp = Blueprint("auth", __name__)


def home_for(user) -> str:
    if user.role == Role.AGENCY_LEAD:
        return url_for("actions.my_agency")
    return url_for("reviews.index")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


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
            next_url = _safe_next(request.args.get("next"))
            session.clear()  # a fresh session: nothing from before sign-in survives it
            login_user(user)
            session.permanent = True
            return redirect(next_url or home_for(user))
    return render_template("auth/sign_in.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    end_all_sessions(db.session, current_user._get_current_object(), "signed out")
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))
