"""Proposing a report's recommendations from its blocks, by rule, each with the reason it was proposed.

Two layouts cover the reports partnerships publish: recommendations announced one by one under a
"Recommendation N" heading (often set out once in the findings and again in the conclusions, where the
later wording is the one the board adopted), and a "Recommendations" section whose items are numbered
("8.2.3"), lettered ("A)", "(i)") or not numbered at all. Sub-points are the bullets or differently
labelled items after a lead-in ending with a colon, and the "should" paragraphs numbered under the
recommendation's own paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.importer.agencies import AgencyMatcher, Mention
from tracker.importer.blocks import Block
from tracker.importer.themes import suggest_themes

_REC_HEADING = re.compile(r"^recommendations?\s+(\d{1,2}[a-z]?|[A-Z]|[ivx]{1,5})\s*[:.\-–]?\s*(.*)$", re.IGNORECASE)
_SECTION = re.compile(r"^(?:[\w\s-]{0,40}\s)?recommendations\b", re.IGNORECASE)
_SECTION_END = re.compile(r"^(appendix|annex|glossary|references|bibliography|terms of reference)\b", re.IGNORECASE)
_TOC = re.compile(r"(?:page\s*)?\d{1,3}\s*$", re.IGNORECASE)
_MODAL = re.compile(r"\b(should|must|needs? to|is to|are to)\b", re.IGNORECASE)
_VERBS = (
    "ensure|review|monitor|work|promote|oversee|consider|develop|establish|undertake|raise|remind|liaise|continue|"
    "seek|provide|identify|evaluate|audit|agree|embed|share|hold|commission|produce|introduce|implement|"
    "strengthen|improve|update|revise|check|be|access|increase|re-circulate|highlight"
)
_SUBJECT_TO_VERB = re.compile(rf"^[A-Z][\w’'&().,/ -]{{1,120}}? to ({_VERBS})\b")
_NAMED_TO_VERB = re.compile(r"^(?:The )?(?:[A-Z][\w’'&()-]*\s){1,8}to [a-z]{3,}\b")
_IMPERATIVE = re.compile(rf"^({_VERBS})\b", re.IGNORECASE)
_BOARD = re.compile(
    r"\b((?i:board|partnership)|LSCB|LSCP|SCB|SCP|SAB|"
    r"safeguarding (children|adults) (board|partnership)|[A-Z]{2,5}S[BP])\b"
)
_ALL_AGENCIES = re.compile(r"^(all|each|every)\s+(agenc|partner|organisation|organization|service)", re.IGNORECASE)


@dataclass
class RecommendationProposal:
    ref: str
    text: str
    sub_points: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    addressed_to: str = "board"
    kind: str = "board"
    agency: str | None = None
    agency_key: str | None = None
    themes: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "ref": self.ref,
            "text": self.text,
            "sub_points": self.sub_points,
            "paragraphs": self.paragraphs,
            "addressed_to": self.addressed_to,
            "kind": self.kind,
        }


def propose_recommendations(blocks: list[Block], matcher: AgencyMatcher) -> list[RecommendationProposal]:
    body = [b for b in blocks if b.kind != "footnote"]
    headed = [b for b in body if _REC_HEADING.match(b.text) and (b.kind == "heading" or len(b.text) < 40)]
    found = _by_headings(body, headed) if headed else _by_section(body)
    for proposal in found:
        _address(proposal, matcher)
        proposal.themes = suggest_themes(" ".join([proposal.text, *proposal.sub_points]))
    return found


def _by_headings(body: list[Block], headed: list[Block]) -> list[RecommendationProposal]:
    by_ref: dict[str, RecommendationProposal] = {}
    order: list[str] = []
    positions = {b.index: i for i, b in enumerate(body)}
    for heading in headed:
        match = _REC_HEADING.match(heading.text)
        ref, rest = match.group(1), match.group(2).strip()
        at = positions[heading.index]
        used = [heading]
        if len(rest.split()) > 4:
            text = rest
        else:
            nxt = body[at + 1] if at + 1 < len(body) else None
            if nxt is None or nxt.kind == "heading":
                continue
            text, used = nxt.text, [heading, nxt]
            at += 1
        subs, sub_blocks = _sub_points(body, at, text, heading.number or heading.context)
        place = heading.number or heading.context
        proposal = RecommendationProposal(
            ref=ref,
            text=text,
            sub_points=subs,
            paragraphs=[place] if place else [],
            why=[f"under the heading “{heading.text}”" + (f" at paragraph {place}" if heading.number else "")],
            blocks=[b.index for b in used] + sub_blocks,
        )
        proposal._lead = ""  # type: ignore[attr-defined]
        proposal._heading = ""  # type: ignore[attr-defined]
        if ref in by_ref:
            earlier = by_ref[ref]
            # Set out again later (typically in the conclusions): the later wording is the adopted one.
            proposal.paragraphs = _unique(earlier.paragraphs + proposal.paragraphs)
            proposal.why = [*earlier.why, "set out again: the later wording is kept", *proposal.why]
            proposal.blocks = earlier.blocks + proposal.blocks
        else:
            order.append(ref)
        by_ref[ref] = proposal
    return [by_ref[ref] for ref in order]


def _sub_points(body: list[Block], at: int, text: str, place: str) -> tuple[list[str], list[int]]:
    """Bullets after a lead-in, and 'should' paragraphs numbered under the recommendation's paragraph."""
    subs, used = [], []
    lead_in = text.rstrip().endswith(":")
    for block in body[at + 1 :]:
        if block.kind == "heading" or _REC_HEADING.match(block.text):
            break
        if block.kind == "bullet" and not block.number:
            if lead_in:
                subs.append(block.text)
                used.append(block.index)
            continue
        if block.number:
            if not (place and block.number.startswith(place + ".")):
                break
            lead_in = block.text.rstrip().endswith(":")
            if not lead_in and _MODAL.search(block.text):
                subs.append(block.text)
                used.append(block.index)
            continue
        break
    return subs, used


def _by_section(body: list[Block]) -> list[RecommendationProposal]:
    starts = [
        i for i, b in enumerate(body) if _SECTION.match(b.text) and b.kind == "heading" and not _TOC.search(b.text)
    ]
    starts = [
        i
        for i in starts
        if not _TOC.search(body[i].text) or (body[i].kind == "heading" and not re.search(r"\d\s*$", body[i].text))
    ]
    if not starts:
        return []
    start = starts[-1]
    section = body[start]
    items = []
    for block in body[start + 1 :]:
        if block.kind == "heading" and _SECTION_END.match(block.text):
            break
        if block.number and section.number and "." not in block.number and block.number != section.number:
            break
        items.append(block)
    numbers = [b.number for b in items if b.number]
    parents = {n for n in numbers if any(o.startswith(n + ".") for o in numbers)}
    labelled_seen = False
    proposals: list[RecommendationProposal] = []
    current: RecommendationProposal | None = None
    current_style: str | None = None
    lead, heading, agency_heading = "", "", ""
    for position, block in enumerate(items):
        item_label = block.label or (block.number if block.number and block.number not in parents else None)
        style = block.label_style or ("number" if item_label else None)
        if block.number in parents:
            agency_heading, heading, current = block.text, block.text, None
            continue
        if block.kind == "heading" and not item_label and agency_heading:
            heading, current = block.text, None
            continue
        if block.kind == "heading" and not item_label:
            heading, current = block.text, None
            continue
        if (
            current is not None
            and current.text.endswith(":")
            and ((block.kind == "bullet" and not item_label) or (item_label and style != current_style))
        ):
            current.sub_points.append(block.text)
            current.blocks.append(block.index)
            continue
        if item_label:
            labelled_seen = True
            text, used = block.text, [block.index]
            if len(text.split()) <= 5 and not re.search(r"[.:;]$", text) and position + 1 < len(items):
                heading = text  # "v. Information sharing" then the text below it
                text, used = items[position + 1].text, [block.index, items[position + 1].index]
                items[position + 1] = Block(-1, "consumed", "")
            place = block.number or section.number or section.text
            current = RecommendationProposal(
                ref=item_label,
                text=text,
                paragraphs=[place + (f": {heading}" if heading and not block.number else "")],
                why=[f"item {item_label} in the section “{section.text}”"],
                blocks=used,
            )
            current_style = style
            current._lead, current._heading = lead, agency_heading  # type: ignore[attr-defined]
            proposals.append(current)
            continue
        if block.kind == "consumed":
            continue
        if block.text.endswith(":"):
            lead, current = block.text, None
            continue
        if not labelled_seen and not numbers and block.kind in ("para", "bullet") and _directive(block.text):
            current = RecommendationProposal(
                ref="",
                text=block.text,
                paragraphs=[section.number or section.text],
                why=[f"an unnumbered directive paragraph in the section “{section.text}”"],
                blocks=[block.index],
            )
            current_style = None
            current._lead, current._heading = lead, agency_heading  # type: ignore[attr-defined]
            proposals.append(current)
    _number_unnumbered(proposals)
    return proposals


def _directive(text: str) -> bool:
    return bool(
        _MODAL.search(text) or _SUBJECT_TO_VERB.match(text) or _NAMED_TO_VERB.match(text) or _IMPERATIVE.match(text)
    )


def _number_unnumbered(proposals: list[RecommendationProposal]) -> None:
    """A recommendation the report does not number stays unnumbered, as printed ("Recommendation
    (unnumbered)" on its pages): it is given the seed files' reference ``unnumbered-N`` only so that it can be
    told apart, never a number the report does not print."""
    counter = 0
    for proposal in proposals:
        if proposal.ref:
            continue
        counter += 1
        proposal.ref = f"unnumbered-{counter}"
        proposal.why.append("not numbered in the report: shown unnumbered, as printed")


def _address(proposal: RecommendationProposal, matcher: AgencyMatcher) -> None:
    lead = getattr(proposal, "_lead", "")
    heading = getattr(proposal, "_heading", "")
    subject = proposal.text[:90]
    multi = bool(re.search(r"multi-agency (recommendation|learning)", lead, re.IGNORECASE)) or (
        "multi-agency" in proposal.text.lower()
    )
    heading_agency = None
    if heading and not _BOARD.search(heading):
        heading_agency = matcher.first(heading) or Mention(re.sub(r"\s*\(.*\)$", "", heading), None, 0)
    first = matcher.first(subject)
    if _ALL_AGENCIES.match(proposal.text):
        proposal.addressed_to, proposal.kind = "all_agencies", "multi_agency"
        proposal.why.append("addressed to every agency")
    elif heading_agency is not None:
        proposal.addressed_to, proposal.kind = "agency", "single_agency"
        proposal.agency, proposal.agency_key = heading_agency.label, heading_agency.key
        proposal.why.append(f"listed under the agency heading “{heading}”")
    elif _BOARD.search(subject) or _BOARD.search(heading):
        proposal.addressed_to = "board"
        proposal.kind = "multi_agency" if multi else "board"
        proposal.why.append("addressed to the board or partnership")
    elif first is not None and first.position < 40:
        proposal.addressed_to, proposal.kind = "agency", "single_agency"
        proposal.agency, proposal.agency_key = first.label, first.key
        proposal.why.append(f"addressed to {first.label}")
    else:
        proposal.addressed_to, proposal.kind = "board", "multi_agency"
        proposal.why.append("no addressee named: taken as for the board and its partners")


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
