"""Evidence packs made by the worker, when their scope is large (more than PACK_JOB_ACTIONS actions or
PACK_JOB_BYTES of evidence): a whole board's pack can be gigabytes, more than one request can stream.

The pack is checked (who may make it, the dates, the reason) when it is asked for, so a refusal shows on the
form at once; the worker checks again who may make it, makes it exactly as the immediate download does
(recording its export in the history, whose entry the pack itself names) and writes the ZIP, reporting how
many of its bytes are written. The download is the owner's alone, while they may still export that pack.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date

from flask import current_app

from tracker.errors_domain import DomainError, NotPermitted
from tracker.extensions import db
from tracker.jobs import services as jobs
from tracker.jobs.runner import JobRefused
from tracker.packs import queries, scope
from tracker.packs.scope import PackScope, Period
from tracker.permissions import can_export_pack

KIND = "evidence_pack"


def is_large(session, target: PackScope) -> bool:
    actions, evidence_bytes = queries.size_of(session, target)
    config = current_app.config
    return actions > int(config.get("PACK_JOB_ACTIONS", 1000)) or evidence_bytes > int(
        config.get("PACK_JOB_BYTES", 100 * 1024 * 1024)
    )


def start(session, user, target: PackScope, period: Period, reason: str | None):
    """Check the pack may be made as asked, then ask the worker for it (flushes, never commits)."""
    from tracker.packs import services  # imported when a pack is asked for, not when the app starts

    if not can_export_pack(user, target):
        raise NotPermitted("You cannot make an evidence pack for this")
    services.check_period(period)
    params = {
        "scope": target.kind,
        "id": target.id,
        "date_from": period.start.isoformat() if period.start else None,
        "date_to": period.end.isoformat() if period.end else None,
        "reason": services.clean_reason(reason),
    }
    return jobs.start(session, user, KIND, f"Evidence pack for {target.label} ({period.in_words()})", params)


def scope_again(user, params: dict) -> PackScope:
    target = None
    if user.is_active and can_export_pack(user):
        target = scope.chosen(db.session, user, params.get("scope"), params.get("id"))
    if target is None:
        raise JobRefused("You can no longer make an evidence pack for this.")
    return target


def _period(params: dict) -> Period:
    start, end = params.get("date_from"), params.get("date_to")
    return Period(date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)


def evidence_pack(job, report) -> tuple[str, str, str]:
    from tracker.packs import services

    user = job.owner
    target = scope_again(user, job.params)
    report(5, "Listing the actions and their evidence")
    try:
        pack = services.make_pack(db.session, user, target, period=_period(job.params), reason=job.params["reason"])
    except DomainError as refused:  # NotPermitted too: what changed since it was asked is told plainly
        raise JobRefused(refused.message) from None
    report(20, "Writing the pack")  # commits the pack's entry in the history
    handle, path = tempfile.mkstemp(prefix="tracker-job-")
    try:
        with os.fdopen(handle, "wb") as target_file:
            written, told = 0, 20
            for chunk in pack.chunks():
                target_file.write(chunk)
                written += len(chunk)
                # expected_size leaves out the report, drawn meanwhile: a little short, so capped.
                progress = min(95, 20 + (75 * written) // max(pack.expected_size, 1))
                if progress >= told + 5:  # a commit per five per cent, not per megabyte
                    report(progress)
                    told = progress
    except BaseException:
        pack.close()
        os.unlink(path)
        raise
    return pack.filename, "application/zip", path
