"""What each kind of job is: the work the worker does, what its pages call it, and the rules its download keeps.

A job's result is only ever offered to the person who asked (``permissions.can_view_job``). On top of that,
``may_download`` asks again, at download time, the rule of the immediate download of the same thing (someone
who has lost access since gets a 404, as they would for the page), ``fresh`` asks for the password again as
the immediate route does, and ``downloaded`` records the download in the history as the immediate one is
(a kind recorded when it is asked for, or while it is made, has none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for


@dataclass(frozen=True)
class Kind:
    noun: str  # "Preparing your {noun}", "Your {noun} is ready"
    run: Callable  # (job, report) -> (file name, content type, temporary file path); see runner.py
    back: Callable  # (job) -> the address of the page where it is asked for again
    may_download: Callable = lambda user, job: True  # (user, job) -> bool
    downloaded: Callable | None = None  # (session, user, job) -> None; flushes, never commits
    fresh: bool = False


def unless_refused(rule: Callable) -> Callable:
    """A ``may_download`` from the rule a job asks again when it runs: ``rule(user, params)`` raises
    ``JobRefused`` when the person may no longer have what they asked for."""
    from tracker.jobs.runner import JobRefused

    def may_download(user, job) -> bool:
        try:
            rule(user, job.params)
        except JobRefused:
            return False
        return True

    return may_download


def registry() -> dict[str, Kind]:
    from tracker.jobs import exports, packs, reports

    return {
        "plan_xlsx": Kind(
            "export",
            exports.plan_xlsx,
            lambda job: url_for("exports.index"),
            may_download=unless_refused(exports.scope_again),
        ),
        "report_pdf": Kind(
            "PDF",
            reports.report_pdf,
            reports.back,
            may_download=reports.may_download,
            downloaded=reports.downloaded,
        ),
        "evidence_pack": Kind(
            "evidence pack",
            packs.evidence_pack,
            lambda job: url_for("packs.index"),
            may_download=unless_refused(packs.scope_again),
            fresh=True,
        ),
    }


def kind_of(job) -> Kind | None:
    return registry().get(job.kind)
