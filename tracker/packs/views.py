"""The evidence packs page: choose a board, a review or an agency (and optionally dates), download one ZIP.

For auditors, board members and admins, for the boards in their reach; agency leads may not export packs
(see ``permissions.can_export_pack``). The download is streamed: the response is a generator over the
pack, never the pack in memory. A large pack (PACK_JOB_ACTIONS, PACK_JOB_BYTES) is made by the worker instead,
and the person is sent to its progress page.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from tracker.auth.fresh import fresh_login_required
from tracker.extensions import db
from tracker.jobs import packs as pack_jobs
from tracker.packs import scope
from tracker.packs.forms import PackForm
from tracker.permissions import can_export_pack
from tracker.refusals import attempt

if TYPE_CHECKING:
    from tracker.packs.services import EvidencePack

bp = Blueprint("packs", __name__)


@bp.route("/packs", methods=["GET", "POST"])
@login_required
@fresh_login_required(back="packs.index")
def index():
    if not can_export_pack(current_user):
        abort(403)
    form = PackForm()
    form.offer(scope.choices_for(db.session, current_user))
    if form.validate_on_submit():
        from tracker.packs import services  # the pack's making (zipstream, the report text): when one is asked for

        target = scope.chosen(db.session, current_user, form.scope.data, form.chosen_id())
        if target is None:
            abort(404)
        user, period = current_user._get_current_object(), scope.Period(form.date_from.data, form.date_to.data)
        made: list = []
        if large := pack_jobs.is_large(db.session, target):
            # Too large for one request: checked now, made by the worker, offered on the progress page.
            make = partial(pack_jobs.start, db.session, user, target, period, form.reason.data)
        else:
            make = partial(services.make_pack, db.session, user, target, period=period, reason=form.reason.data)
        refusal = attempt(lambda: made.append(make()), form, top_of_form=False)
        if refusal is None:
            return redirect(url_for("jobs.show", job_id=made[0].id)) if large else _download(made[0])
        if not refusal.placed:  # a refusal naming no field of this form belongs beside the reason
            form.reason.errors = [*form.reason.errors, refusal.message]
    status = 422 if form.is_submitted() else 200
    return render_template("packs/index.html", form=form), status


def _download(pack: EvidencePack) -> Response:
    # No Content-Length: the report is drawn while the evidence streams, so the size is not known yet. A
    # download the server cuts off (the report could not be drawn) is not complete, whatever the browser says:
    # it has no manifests and does not open as a ZIP.
    response = Response(pack.chunks(), mimetype="application/zip", direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{pack.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.call_on_close(pack.close)
    return response
