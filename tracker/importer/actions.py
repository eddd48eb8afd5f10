"""Proposing the single-agency actions a report describes, with the agency, the progress it reports and why.

Reports describe what agencies have changed in three places: lists introduced as learning or actions
already taken ("A number of actions have already been taken… These include:"), sentences in the body
that say an agency has done, is doing or will do something ("has since been addressed", "is being
developed"), and footnotes that say the same. Progress is read from the report's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.importer.agencies import AgencyMatcher, Mention
from tracker.importer.blocks import Block
from tracker.importer.themes import suggest_themes

_LIST_WORDS = re.compile(r"\b(learning|actions?|changes?|improvements?|developments?|steps)\b", re.IGNORECASE)
_LIST_TIME = re.compile(
    r"\b(already|taken place|to date|since the|undertaken|implemented|been taken|in place)\b", re.IGNORECASE
)
_PAST_VERBS = (
    "developed|introduced|improved|reviewed|clarified|issued|undertaken|put in place|implemented|established|"
    "updated|revised|addressed|reinforced|recognised|recognized|refined|changed|strengthened|agreed|created|"
    "appointed|launched|taken|produced|trained|adopted|rolled out|commissioned|amended|set up"
)
PROGRESS_CUES: list[tuple[str, re.Pattern]] = [
    (
        "in_progress",
        re.compile(
            r"\b(?:is|are) (?:now |currently )?being \w+(?: and \w+)?|\bha(?:s|ve) (?:both )?initiated\b"
            r"|\bsteps are being taken\b"
            r"|\b(?:is|are) (?:now |currently )?(?:reviewing|developing|updating|revising|introducing|implementing"
            r"|piloting|working on)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "planned",
        re.compile(
            r"\bwill (?:now )?(?:be )?\w+|\bplans? to \w+|\bplanning to \w+|\bintends? to \w+",
            re.IGNORECASE,
        ),
    ),
    (
        "proposed",
        re.compile(
            r"\b(?:are|is) considering\b|^considering\b|\b(?:are|is) looking to \w+|\bproposes?\b"
            r"|\brecommendation (?:is|was|has been) (?:therefore )?made\b.*|\bsubject of a recommendation\b.*"
            r"|\bforms? the basis of a recommendation\b.*",
            re.IGNORECASE,
        ),
    ),
    (
        "reported_done",
        re.compile(
            rf"(?<!would )(?<!could )(?<!should )(?<!might )(?<!may )(?<!must )(?<!not )"
            rf"\b(?:has|have) (?:now |since |also |both |already |recently )*(?:been )?(?:{_PAST_VERBS})\b"
            r"|\bnow (?:also )?(?:has|have|uses?|automatically \w+|includes?)\b|\bis now \w+"
            r"|\bsince \w+ \d{4} [\w ]{0,40}?(?:has|have) been \w+|report that the situation is improved"
            r"|\bhave been \w+ by [\w’' ]+ issuing\b",
            re.IGNORECASE,
        ),
    ),
]
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z“\"‘(])")
_ANAPHORA = re.compile(r"^(this|it|these|they|some action|such)\b", re.IGNORECASE)
_APPENDIX = re.compile(r"^(appendix|annex|glossary|references|bibliography)\b", re.IGNORECASE)
_BOARD_SUBJECT = re.compile(r"^(the )?(board|partnership|review|panel|serious case review|scr|author)\b", re.IGNORECASE)


@dataclass
class ActionProposal:
    agency: str | None
    agency_key: str | None
    text: str
    paragraphs: list[str] = field(default_factory=list)
    reported_progress: str = "not_stated"
    progress_quote: str | None = None
    themes: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "agency": self.agency,
            "text": self.text,
            "paragraphs": self.paragraphs,
            "reported_progress": self.reported_progress,
        }


def progress_of(text: str) -> tuple[str, str | None]:
    for value, pattern in PROGRESS_CUES:
        match = pattern.search(text)
        if match:
            return value, match.group(0).strip()
    return "not_stated", None


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def propose_actions(blocks: list[Block], matcher: AgencyMatcher, skip: set[int]) -> list[ActionProposal]:
    """All proposals, lists first then body sentences and footnotes, in report order within each."""
    in_lists: set[int] = set()
    found = _from_lists(blocks, matcher, skip, in_lists)
    found += _from_body(blocks, matcher, skip | in_lists)
    for proposal in found:
        proposal.themes = suggest_themes(proposal.text)
    found.sort(key=lambda p: p.blocks[0] if p.blocks else 0)
    return found


def _is_list_intro(block: Block) -> bool:
    text = block.text
    if block.kind == "heading" or text.endswith(":"):
        return bool(_LIST_WORDS.search(text) and _LIST_TIME.search(text))
    return False


def _from_lists(blocks, matcher, skip, in_lists) -> list[ActionProposal]:
    found: list[ActionProposal] = []
    i = 0
    while i < len(blocks):
        intro = blocks[i]
        if not _is_list_intro(intro):
            i += 1
            continue
        j = i + 1
        previous_agency: Mention | None = None
        lead: tuple[Mention | None, str, str | None] | None = None
        while j < len(blocks):
            block = blocks[j]
            if block.kind == "footnote":
                j += 1
                continue
            if block.index in skip or block.number or (block.kind == "heading" and not _is_list_intro(block)):
                break
            in_lists.add(block.index)
            if (_is_list_intro(block) and block.kind == "heading") or (block.text.endswith(":") and j == i + 1):
                j += 1
                continue  # the list's own introduction
            place = block.context or intro.text
            if block.text.endswith(":"):
                mention = matcher.first(block.text) or previous_agency
                value, quote = progress_of(block.text)
                lead = (mention, value, block.text)
                j += 1
                continue
            if block.kind != "bullet":
                lead = None
            for text in _action_units(block.text):
                mention = matcher.first(text) or (lead[0] if lead else None) or previous_agency
                value, quote = progress_of(text)
                why = [f"in the list introduced by “{intro.text[:80]}”"]
                if lead and block.kind == "bullet":
                    if lead[1] != "not_stated" or value == "not_stated":
                        value, quote = lead[1], lead[2]
                    why.append(f"a point under “{lead[2][:60]}”")
                found.append(_proposal(mention, text, [place], value, quote, why, block.index))
                previous_agency = mention or previous_agency
            j += 1
        i = j
    return found


def _action_units(text: str) -> list[str]:
    """A list item split where each sentence states its own change; cue-less sentences join a neighbour."""
    units: list[str] = []
    pending = ""
    for sentence in sentences(text):
        if progress_of(sentence)[0] == "not_stated":
            if units and not pending:
                units[-1] += " " + sentence
            else:
                pending = (pending + " " + sentence).strip()
            continue
        units.append((pending + " " + sentence).strip())
        pending = ""
    if pending:
        units.append(pending) if not units else units.__setitem__(-1, units[-1] + " " + pending)
    return units


def _from_body(blocks, matcher, skip) -> list[ActionProposal]:
    found: list[ActionProposal] = []
    cited_by: dict[str, Block] = {}
    for block in blocks:
        for mark in block.footnotes:
            cited_by.setdefault(mark, block)
    previous: Block | None = None
    for block in blocks:
        if block.kind == "heading" and _APPENDIX.match(block.text):
            break
        if block.index in skip or block.kind == "heading":
            previous = None
            continue
        parts = sentences(block.text)
        if previous is not None and block.kind == "para" and parts and _ANAPHORA.match(parts[0]):
            # A paragraph broken by a page break: "This…" refers back to the sentence before the break.
            parts = [sentences(previous.text)[-1], *parts]
            offset = 1
        else:
            offset = 0
        previous = block if block.kind == "para" else previous
        for k, sentence in enumerate(parts):
            if k < offset:
                continue
            value, quote = progress_of(sentence)
            if value not in ("reported_done", "in_progress", "proposed") or _BOARD_SUBJECT.match(sentence):
                continue
            if value == "proposed" and "recommendation" not in sentence.lower():
                continue
            text = sentence
            if k and (_ANAPHORA.match(sentence) or sentence.rstrip(". ").lower().endswith("this")):
                text = parts[k - 1] + " " + sentence
            mention = matcher.first(text)
            paragraphs = [block.context]
            why = [f"says “{quote}” at paragraph {block.context}"]
            if block.kind == "footnote":
                citing = cited_by.get(block.number or "")
                if citing is not None:
                    paragraphs = [citing.context, f"footnote {block.number}"]
                    mention = mention or _nearest_mention(citing, matcher, block.number)
                why = [f"footnote {block.number} says “{quote}”"]
            elif mention is None:
                earlier = matcher.mentions(" ".join(parts[:k]))
                mention = earlier[-1] if earlier else None
            if mention is None:
                continue
            found.append(_proposal(mention, text, paragraphs, value, quote, why, block.index))
    return found


def _nearest_mention(block: Block, matcher: AgencyMatcher, mark: str | None) -> Mention | None:
    """The agency named in the sentence that cites the footnote, else anywhere in the citing paragraph."""
    for sentence in sentences(block.text):
        found = matcher.mentions(sentence)
        if found:
            return found[-1]
    return matcher.first(block.text)


def _proposal(mention, text, paragraphs, value, quote, why, index) -> ActionProposal:
    if mention is not None:
        why = [*why, f"names {mention.label}"]
    return ActionProposal(
        agency=mention.label if mention else None,
        agency_key=mention.key if mention else None,
        text=text,
        paragraphs=[p for p in paragraphs if p],
        reported_progress=value,
        progress_quote=quote,
        why=why,
        blocks=[index],
    )
