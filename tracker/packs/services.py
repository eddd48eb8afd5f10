"""Making an evidence pack: one ZIP of a board's, a review's or an agency's actions, streamed as it is read.

``make_pack`` checks who may make it, builds the small generated files (manifests, history excerpt, the
assurance report's HTML), records the export in the history (in the caller's transaction: flushes, never
commits) and returns an ``EvidencePack`` whose ``chunks()`` stream the ZIP. Nothing is held whole in memory:
evidence files are read from storage a megabyte at a time while the ZIP is sent.

The first byte goes at once: drawing the assurance report as PDF takes seconds (WeasyPrint), so it is drawn
in a process of its own while the evidence streams, and its member follows the evidence. What depends on the PDF's size
and hash (bag-info.txt's Payload-Oxum, manifest-sha256.txt, the tag manifest and the ZIP's central
directory) comes after it, at the end: if the drawing fails, the stream stops with an error before any of
them, so what was received neither opens as a ZIP nor verifies as a bag. The price: the ZIP's size is not
known before the first byte (no Content-Length); ``expected_size`` is every byte known then, for progress.

Members are stored, not deflated: evidence is mostly PDF, Office files and images, which are compressed
already (deflating them saves a few per cent at a tenth of the speed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy.orm import Session
from zipstream import ZipStream

from tracker import audit, clock, files, permissions
from tracker.auth.models import User
from tracker.custody import checkpoints
from tracker.db import utcnow
from tracker.errors_domain import DomainError, NotPermitted
from tracker.orgs.models import Agency, Board
from tracker.packs import bag, contents
from tracker.packs.scope import REASON_MAX, PackScope, Period
from tracker.reviews.models import Review

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
FORMAT = "review-action-tracker-evidence-pack"
FORMAT_VERSION = 1

README = """Evidence pack: {description}
Made {made_at} by {made_by}.

This is a BagIt bag (RFC 8493). Every file under data/ is listed with its SHA-256 in manifest-sha256.txt,
and tagmanifest-sha256.txt covers bagit.txt, bag-info.txt and manifest-sha256.txt. To check it:

    unzip PACK.zip -d pack && cd pack
    sha256sum -c manifest-sha256.txt && sha256sum -c tagmanifest-sha256.txt
    or: python -m bagit --validate .   (bagit-python; it checks every SHA-256)
    or, without unzipping, with Review Action Tracker: flask --app wsgi verify-pack PACK.zip

What is here:
    manifest.json, manifest.csv   every action in scope with its history, sign-offs and evidence
                                  (file name, size, SHA-256, who added it and when, the date it relates
                                  to, and where the file is in this pack)
    history.jsonl                 the history entries involved, one per line, with their hashes: each
                                  entry_hash covers the entry and the previous entry's hash (prev_hash)
    assurance-report.pdf          the assurance report for the same scope{as_at}
    history-checkpoint.json       the head of the whole history just after this export, signed (Ed25519)
                                  when the service has a signing key: keep it, and `flask verify-audit
                                  --checkpoints DIR --public-key FILE` shows later that no entry up to it
                                  was rewritten or cut off
    evidence/                     every evidence file, under generated names (the original names are in
                                  the manifest)

The SHA-256 of each evidence file is the one recorded when it was uploaded. If a stored file has changed
since, the pack still lists the recorded hash, so checking the pack names the file that changed. A file
marked "missing_from_storage" in the manifest could not be found when the pack was made: it is listed in
manifest-sha256.txt but absent, and checking the pack reports it.
Dates: {period}.
"""


@dataclass(frozen=True)
class Member:
    arcname: str
    size: int
    sha256: str
    data: bytes | None = None
    key: str | None = None  # an evidence file's storage key
    generated: contents.GeneratedFile | None = None


class EvidencePack:
    """A pack ready to stream. Close it when done (a response closes it when the download ends)."""

    def __init__(
        self,
        filename: str,
        head: list[Member],
        tail: Callable[[bytes], list[Member]],
        report_html: str,
        built: contents.Contents,
        history_entry_id: int,
    ):
        self.filename = filename
        self.counts = built.counts
        self.history_entry_id = history_entry_id
        self.file_count = len(head) + TAIL_MEMBERS
        # Every member but the report and the tag files after it (tens of kilobytes): the ZIP is a little larger.
        self.expected_size = sum(member.size for member in head)
        self._head, self._tail, self._report_html = head, tail, report_html
        self._built = built
        self._store = files.current_store()
        self._zip = ZipStream(sized=False)

    def _add(self, member: Member) -> None:
        if member.data is not None:
            self._zip.add(member.data, member.arcname)
        elif member.generated is not None:
            self._zip.add(member.generated.chunks(CHUNK_BYTES), member.arcname, size=member.size)
        else:
            self._zip.add(_read(self._store, member.key), member.arcname, size=member.size)

    def chunks(self) -> Iterator[bytes]:
        """The ZIP, in pieces of at most about a megabyte: the evidence while the report is drawn, then the
        report, bag-info.txt, the manifests and the ZIP's directory. Raises, having sent none of those last,
        when the report cannot be drawn."""
        try:
            drawing = _draw_in_background(self._report_html)
            for member in self._head:
                self._add(member)
            yield from self._zip.all_files()
            try:
                report = drawing.result()
            except Exception:
                log.exception(
                    "Evidence pack %s: the assurance report could not be drawn, so the pack was cut off before "
                    "its manifests",
                    self.history_entry_id,
                )
                raise
            for member in self._tail(report):
                self._add(member)
            yield from self._zip.finalize()
        finally:
            self.close()

    @property
    def files_streamed(self) -> int:
        return self._zip.num_streamed

    def close(self) -> None:
        self._built.close()


def _draw_in_background(html: str) -> Future[bytes]:
    """Start drawing the report in a process of its own (see ``reports.drawing``), waited for by a thread. A
    download abandoned half way leaves the drawing to finish and be thrown away."""
    from tracker.reports import drawing

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-report")
    try:
        return executor.submit(drawing.in_child, html)
    finally:
        executor.shutdown(wait=False)  # its one thread ends when the drawing does


def _read(store: files.FileStore, key: str) -> Iterator[bytes]:
    # Opened only when the ZIP reaches this file, so one file at a time is open, whatever the pack's size.
    source = store.open(key)
    try:
        while data := source.read(CHUNK_BYTES):
            yield data
    finally:
        source.close()


def clean_reason(reason: str | None) -> str | None:
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise DomainError(f"The reason must be {REASON_MAX} characters or fewer", field="reason")
    return reason or None


def check_period(period: Period) -> None:
    today = clock.today()
    if period.start and period.start > today:
        raise DomainError("The start date must be today or in the past", field="date_from")
    if period.end and period.end > today:
        raise DomainError("The end date must be today or in the past", field="date_to")
    if period.start and period.end and period.end < period.start:
        raise DomainError("The end date must be the same as or after the start date", field="date_to")


def file_name(scope: PackScope, period: Period, on: date) -> str:
    dates = ""
    if period.is_limited:
        dates = f"-{period.start.isoformat() if period.start else 'start'}-to-{(period.end or on).isoformat()}"
    return f"evidence-pack-{scope.kind}-{contents.safe_part(scope.key, str(scope.id))}{dates}-made-{on}.zip"


def _assurance_report_html(session: Session, scope: PackScope, period: Period, viewer) -> str:
    """The report's HTML, read now in the pack's transaction under the same visibility rule; drawn later."""
    from tracker.reports.pdf import report_html  # built alongside; imported when a pack is made

    as_at = period.end if period.end and period.end < clock.today() else None
    target = {scope.kind: session.get(_MODELS[scope.kind], scope.id)}
    return report_html(session, as_at=as_at, viewer=viewer, **target)


_MODELS = {"board": Board, "review": Review, "agency": Agency}


def make_pack(
    session: Session, actor, scope: PackScope, *, period: Period | None = None, reason: str | None = None
) -> EvidencePack:
    """Build the pack for ``scope`` and record its export. ``actor`` is the person (whose permission and reach
    apply) or, from the command line, a label such as "command line" (everything, no reach limit)."""
    period = period or Period()
    person = actor if isinstance(actor, User) else None
    if person is not None and not permissions.can_export_pack(person, scope):
        raise NotPermitted("You cannot make an evidence pack for this")
    check_period(period)
    reason = clean_reason(reason)
    made_at = utcnow().replace(microsecond=0)
    made_by = person.email if person else str(actor)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "scope": {"kind": scope.kind, "key": scope.key, "name": scope.name},
        "date_from": contents.iso(period.start),
        "date_to": contents.iso(period.end),
        "date_rule": "history entries and sign-offs by when they happened, evidence by the date it relates to",
        "made_at": contents.iso(made_at),
        "made_by": made_by,
        "reason": reason,
        "hashes": "each file's SHA-256 is the one recorded when it was uploaded",
    }
    built = contents.build(session, scope, period, header)
    try:
        report_html = _assurance_report_html(session, scope, period, person)
        entry = audit.record(
            session,
            actor=actor,
            event="pack.exported",
            obj_type=scope.kind,
            obj_id=scope.id,
            summary=f"Evidence pack made for {scope.label} ({period.in_words()}): {built.counts.actions} actions, "
            f"{built.counts.files} files",
            after={
                "scope": scope.kind,
                "key": scope.key,
                "date_from": period.start,
                "date_to": period.end,
                "reason": reason,
                "actions": built.counts.actions,
                "files": built.counts.files,
                "file_bytes": built.counts.file_bytes,
            },
        )
        if built.counts.missing_files:
            log.error(
                "Evidence pack %s: %d files missing from storage: %s",
                entry.id,
                len(built.counts.missing_files),
                ", ".join(built.counts.missing_files[:20]),
            )
        checkpoint = _history_checkpoint(session)
        head, tail = _members(scope, period, built, entry, made_by, made_at, checkpoint)
        return EvidencePack(file_name(scope, period, made_at.date()), head, tail, report_html, built, entry.id)
    except BaseException:
        built.close()
        raise


def _history_checkpoint(session: Session) -> bytes:
    """The history's head after the export entry, signed when a signing key is configured. A key that cannot
    be read is logged and the checkpoint goes unsigned (it says so): the pack is still made."""
    try:
        key = checkpoints.configured_private_key(current_app.config)
    except checkpoints.CheckpointError:
        log.exception("Evidence pack: the history signing key is unusable, so the checkpoint is unsigned")
        key = None
    return checkpoints.checkpoint_json(checkpoints.make_checkpoint(session, key)).encode()


REPORT = "data/assurance-report.pdf"
TAIL_MEMBERS = 4  # the report, bag-info.txt and the two manifests


def _members(
    scope, period, built, entry, made_by: str, made_at, checkpoint: bytes
) -> tuple[list[Member], Callable[[bytes], list[Member]]]:
    """The members known now (bagit.txt, the generated files, the evidence), and how to make the rest once
    the report is drawn (the report, then bag-info.txt and the manifests, which cover it)."""
    description = f"{scope.label} ({scope.kind} {scope.key}), {period.in_words()}"
    as_at = period.end if period.end and period.end < made_at.date() else None
    readme = README.format(
        description=description,
        made_at=contents.iso(made_at),
        made_by=made_by,
        period=period.in_words(),
        as_at=f", as it stood on {as_at.isoformat()}" if as_at else "",
    ).encode("utf-8")
    generated = [
        Member("data/README.txt", len(readme), bag.sha256_of(readme), data=readme),
        *(Member(made.arcname, made.size, made.sha256, generated=made) for made in built.generated),
    ]
    signed = Member("data/history-checkpoint.json", len(checkpoint), bag.sha256_of(checkpoint), data=checkpoint)
    evidence = [
        Member(item.arcname, item.size_on_disk, item.sha256, key=item.source)
        for item in built.evidence
        if item.size_on_disk is not None
    ]
    fields = [
        ("Source-Organization", "Review Action Tracker"),
        ("Bagging-Date", made_at.date().isoformat()),
        ("External-Description", f"Evidence pack for {description}"),
        ("External-Identifier", f"history entry {entry.id}"),
        ("Bag-Software-Agent", f"Review Action Tracker evidence packs (format {FORMAT_VERSION})"),
        ("Scope", f"{scope.kind} {scope.key}"),
        ("Date-From", period.start.isoformat() if period.start else None),
        ("Date-To", period.end.isoformat() if period.end else None),
        ("Made-By", made_by),
        ("Made-At", contents.iso(made_at)),
        ("Export-History-Entry", f"{entry.id} {entry.entry_hash}"),
        ("Actions", built.counts.actions),
        ("Evidence-Files", built.counts.files),
        ("Files-Missing-From-Storage", len(built.counts.missing_files) or None),
    ]
    declaration = bag.BAGIT_TXT.encode("utf-8")

    def tail(report: bytes) -> list[Member]:
        drawn = Member(REPORT, len(report), bag.sha256_of(report), data=report)
        # Evidence is listed with the size and hash recorded at upload, also when it is missing from storage,
        # so that checking the pack reports any difference.
        listed = [bag.Listed(member.arcname, member.sha256, member.size) for member in (*generated, drawn, signed)]
        listed += [bag.Listed(item.arcname, item.sha256, item.size) for item in built.evidence]
        tags = bag.tag_files(bag.bag_info(fields, listed), listed)
        return [drawn, *(Member(name, len(data), bag.sha256_of(data), data=data) for name, data in tags[1:])]

    # The declaration first; the report, bag-info.txt and the manifests last (see the module's docstring).
    head = [Member(bag.TAG_FILES[0], len(declaration), bag.sha256_of(declaration), data=declaration)]
    return [*head, *generated, signed, *evidence], tail
