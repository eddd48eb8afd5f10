"""Loading the seed files into the database, idempotently.

Run twice, nothing changes. Run after a seed file is corrected, the record is updated in place (its
words, paragraphs, agency, themes) while everything people recorded against it (owner, due date,
status, evidence) is kept. Every record created or corrected writes a history entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import audit
from tracker.actions.models import Action
from tracker.actions.states import initial_status_for_reported_progress
from tracker.actions.status import set_status
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import Recommendation, Review, Theme
from tracker.seeding.datafile import THEME_DEFINITIONS, check_layout
from tracker.timeline.periods import record_change

SEED_ACTOR = "seed loader"


class SeedError(ValueError):
    """A seed file that cannot be loaded, with every problem listed."""


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, which: str, kind: str) -> None:
        target = self.created if which == "created" else self.updated
        target[kind] = target.get(kind, 0) + 1

    def __str__(self) -> str:
        def fmt(counts: dict[str, int]) -> str:
            return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing"

        return f"created {fmt(self.created)}; updated {fmt(self.updated)}"


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _create_only(session: Session, report: SeedReport, model, lookup: dict, values: dict, kind: str, describe: str):
    """Boards and agencies are the administrators' once created (renamed, relinked, merged): the seeds only
    create what is missing and never undo their changes."""
    obj = session.execute(select(model).filter_by(**lookup)).scalar_one_or_none()
    if obj is not None:
        return obj
    return _upsert(session, report, model, lookup, values, kind, describe)


def _upsert(session: Session, report: SeedReport, model, lookup: dict, values: dict, kind: str, describe: str):
    """Create or correct one seeded record; write history only when something actually changed."""
    obj = session.execute(select(model).filter_by(**lookup)).scalar_one_or_none()
    if obj is None:
        obj = model(**lookup, **values)
        session.add(obj)
        session.flush()
        report.count("created", kind)
        entry = audit.record(
            session,
            actor=SEED_ACTOR,
            event=f"{kind}.seeded",
            obj_type=kind,
            obj_id=obj.id,
            summary=f"Loaded {describe} from the seed file",
            after=values_for_history(values),
        )
        if kind == "action":
            record_change(session, obj, entry)  # the action's timeline starts with its seeded status
        return obj
    before = {k: getattr(obj, k) for k in values if getattr(obj, k) != values[k]}
    if before:
        for key in before:
            setattr(obj, key, values[key])
        session.flush()
        report.count("updated", kind)
        entry = audit.record(
            session,
            actor=SEED_ACTOR,
            event=f"{kind}.corrected",
            obj_type=kind,
            obj_id=obj.id,
            summary=f"Corrected {describe} from the seed file",
            before=values_for_history(before),
            after=values_for_history({k: values[k] for k in before}),
        )
        if kind == "action":
            record_change(session, obj, entry)
    return obj


def values_for_history(values: dict) -> dict:
    return {
        k: (v.id if hasattr(v, "id") else v)
        for k, v in values.items()
        if not isinstance(v, list | set) or all(not hasattr(i, "id") for i in v)
    }


def _set_collection(obj, attribute: str, items: list) -> bool:
    current = getattr(obj, attribute)
    if {i.id for i in current} == {i.id for i in items}:
        return False
    setattr(obj, attribute, items)
    return True


def load_seeds(session: Session, seeds_dir: Path) -> SeedReport:
    report = SeedReport()
    boards = {}
    for item in _read(seeds_dir / "boards.yaml")["boards"]:
        boards[item["key"]] = _create_only(
            session, report, Board, {"key": item["key"]}, {"name": item["name"]}, "board", item["name"]
        )
    themes = {
        key: _upsert(
            session,
            report,
            Theme,
            {"key": key},
            {"label": theme.label, "description": theme.means, "broader_key": theme.broader},
            "theme",
            key,
        )
        for key, theme in THEME_DEFINITIONS.items()
    }
    agencies, aliases = _load_agencies(session, report, seeds_dir / "agencies.yaml", boards)
    for path in sorted((seeds_dir / "reviews").glob("*.yaml")):
        _load_review(session, report, _read(path), path.name, boards, agencies, aliases, themes)
    return report


def _load_agencies(session, report, path, boards):
    agencies, aliases = {}, {}
    for item in _read(path)["agencies"]:
        existing = session.execute(select(Agency).where(Agency.key == item["key"])).scalar_one_or_none()
        agency = _create_only(
            session,
            report,
            Agency,
            {"key": item["key"]},
            {"name": item["name"], "sector": item.get("sector")},
            "agency",
            item["name"],
        )
        if existing is None:
            _set_collection(agency, "boards", [boards[b] for b in item.get("boards", [])])
        # A record an administrator merged into another stands for that other one from now on.
        while agency.merged_into_id is not None:
            agency = session.get(Agency, agency.merged_into_id)
        agencies[item["key"]] = agency
        for alias in [item["key"], *item.get("aliases", [])]:
            aliases[alias] = item["key"]
    return agencies, aliases


def load_review(session, report, data, filename, boards, agencies, aliases, themes):
    """Load one review file's content (a dict in the seed layout); the importer creates reviews through this."""
    _load_review(session, report, data, filename, boards, agencies, aliases, themes)


def _load_review(session, report, data, filename, boards, agencies, aliases, themes):
    problems = check_layout(data)
    ref = (data.get("review") or {}).get("ref")
    local = {key: aliases.get(f"{ref}:{key}") or aliases.get(key) for key in data.get("agencies") or {}}
    unknown = {key for key, canonical in local.items() if canonical is None}
    problems += [f"agency key '{a}' is not in seeds/agencies.yaml" for a in sorted(unknown)]
    if problems:
        raise SeedError(f"{filename} cannot be loaded:\n" + "\n".join(f"  - {p}" for p in problems))

    def agency_for(key: str | None) -> Agency | None:
        return agencies[local[key]] if key else None

    meta = data["review"]
    review = _upsert(
        session,
        report,
        Review,
        {"ref": meta["ref"]},
        {
            "title": meta["title"],
            "child": meta["child"],
            "review_type": meta["review_type"],
            "incident_year": meta.get("incident_year"),
            "report_date": _as_date(meta.get("report_date")),
            "report_date_note": meta.get("report_date_note"),
            "author": meta.get("author"),
            "published_by": meta.get("published_by"),
            "summary": meta.get("summary"),
            "source_file": meta.get("source_file"),
        },
        "review",
        meta["title"],
    )
    _set_collection(review, "boards", [boards[key] for key in meta["boards"]])
    _add_participants(session, report, review, [agency_for(key) for key in meta.get("participants") or []])

    recs = {}
    for position, item in enumerate(data.get("recommendations") or [], start=1):
        _rename_recommendation(session, report, review, item)
        rec = _upsert(
            session,
            report,
            Recommendation,
            {"review_id": review.id, "ref": str(item["ref"])},
            {
                "position": position,
                "text": item["text"].strip(),
                "sub_points": list(item.get("sub_points") or []),
                "sub_points_lead_in": " ".join((item.get("sub_points_lead_in") or "").split()) or None,
                "addressed_to": item["addressed_to"],
                "agency_id": getattr(agency_for(item.get("agency")), "id", None),
                "kind": item["kind"],
                "paragraphs": [str(p) for p in item.get("paragraphs") or []],
                "note": item.get("note"),
            },
            "recommendation",
            f"recommendation {item['ref']} of {meta['ref']}",
        )
        _set_collection(rec, "themes", [themes[t] for t in item.get("themes") or []])
        recs[str(item["ref"])] = rec
        if item["kind"] == "single_agency" and item.get("agency"):
            # An agency's own recommendation is tracked as that agency's action.
            _load_action(
                session,
                report,
                review,
                [rec],
                f"{meta['ref']}:rec:{item['ref']}",
                {
                    "agency_id": agency_for(item["agency"]).id,
                    "recommendation_id": rec.id,
                    "text": _with_sub_points(item),
                    "source_paragraphs": [str(p) for p in item.get("paragraphs") or []],
                    "reported_progress": "not_stated",
                    "progress_quote": None,
                    "note": item.get("note"),
                    "themes": list(item.get("themes") or []),
                },
            )

    for item in data.get("agency_actions") or []:
        relates = [str(r) for r in item.get("relates_to") or []]
        _load_action(
            session,
            report,
            review,
            [recs[ref] for ref in relates],
            f"{meta['ref']}:action:{item['key']}",
            {
                "agency_id": agency_for(item["agency"]).id,
                "recommendation_id": recs[relates[0]].id if relates else None,
                "text": item["text"].strip(),
                "source_paragraphs": [str(p) for p in item.get("paragraphs") or []],
                "reported_progress": item["reported_progress"],
                "progress_quote": item.get("progress_quote"),
                "note": item.get("note"),
                "themes": list(item.get("themes") or []),
                "joint_key": item.get("joint_key"),
            },
            title=item.get("title"),
        )


def _load_action(session, report, review, recommendations, seed_key: str, values: dict, title=None) -> Action:
    """Create or correct a seeded action. A new one starts "not started"; when the review's report says the
    work is under way or done, it is then moved to "in progress" through the one status writer (as the
    agency's move: the report is the agency's account). Later re-seeds never touch the status."""
    existing = session.execute(select(Action).where(Action.seed_key == seed_key)).scalar_one_or_none()
    if existing is None:
        values = {**values, "review_id": review.id}
    elif existing.title is None and title:
        # The title is the board's once written: the seed only gives one where none has been written yet.
        values = {**values, "title": title}
    if existing is None and title:
        values = {**values, "title": title}
    action = _upsert(session, report, Action, {"seed_key": seed_key}, values, "action", f"action {seed_key}")
    if _set_collection(action, "recommendations", recommendations):
        session.flush()
    start = initial_status_for_reported_progress(values["reported_progress"])
    if existing is None and start != action.status_enum:
        set_status(
            session,
            action,
            start,
            actor=SEED_ACTOR,
            party="agency",
            event="action.status",
            summary=f"Status set to “{start.label}” from the review's report ({action.reported_progress_label})",
        )
    return action


def _rename_recommendation(session, report, review, item) -> None:
    """A recommendation whose reference was corrected (e.g. to show it unnumbered, as printed) keeps its
    record, with everything recorded against it, under the new reference."""
    ref = str(item["ref"])
    if session.execute(select(Recommendation).filter_by(review_id=review.id, ref=ref)).scalar_one_or_none():
        return
    for former in item.get("former_refs") or []:
        rec = session.execute(
            select(Recommendation).filter_by(review_id=review.id, ref=str(former))
        ).scalar_one_or_none()
        if rec is not None:
            rec.ref = ref
            session.flush()
            report.count("updated", "recommendation")
            audit.record(
                session,
                actor=SEED_ACTOR,
                event="recommendation.corrected",
                obj_type="recommendation",
                obj_id=rec.id,
                summary=f"Corrected the reference of recommendation {former} of {review.ref} to {ref}",
                before={"ref": str(former)},
                after={"ref": ref},
            )
            return


def _add_participants(session, report, review, agencies) -> None:
    """Participants the seed names are added; any an administrator added are kept."""
    current = {agency.id for agency in review.participants}
    missing = [agency for agency in agencies if agency.id not in current]
    if not missing:
        return
    review.participants = sorted([*review.participants, *missing], key=lambda agency: agency.name)
    session.flush()
    report.count("updated", "review participants")
    audit.record(
        session,
        actor=SEED_ACTOR,
        event="review.participants_added",
        obj_type="review",
        obj_id=review.id,
        summary=f"Added {len(missing)} participating agencies to {review.ref} from the seed file",
        after={"agencies": [agency.id for agency in missing]},
    )


def _with_sub_points(item: dict) -> str:
    points = item.get("sub_points") or []
    return "\n".join([item["text"].strip(), *points]) if points else item["text"].strip()


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
