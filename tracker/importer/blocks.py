"""The report as a list of blocks: headings, paragraphs, list items and footnotes, with their numbers.

Extraction leaves artefacts that must go before anything is proposed: running page headers and footers
(recognised by repetition next to page numbers or at the edges of pages), footnote numbers glued to
words, bullets turned into stray glyphs, words hyphenated across lines and paragraphs broken by page
breaks. The cleaner works the same on text that keeps one paragraph per line and on text wrapped at a
fixed width, because reports arrive both ways.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
PAGE_BREAK = "\f"
_SUPER_TO_DIGIT = str.maketrans(SUPERSCRIPTS, "0123456789")
BULLET_GLYPHS = "•●▪■◦‣⁃\uf0b7\uf0a7\uf0d8\uf076\uf0fc\u2023\u25cf\u25aa\u25a0\u25e6"
_BULLET = re.compile(rf"^\s*(?:[{BULLET_GLYPHS}*]|[-–](?=\s))\s*(.*)$")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
_NUMBER_ONLY = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s*$")
_DOTTED_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(\S.*)$")
_TOP_NUMBER = re.compile(r"^(\d{1,2})(?:\.\s*|\s+)(?=[A-Z])(.*)$")
_LABEL = re.compile(r"^(\(?)([A-Z]|[a-z]|[ivxlc]{1,6}|[IVXLC]{1,6}|\d{1,2}[a-z]?)([\).])\s+(\S.*)$")
_FOOTNOTE_LINE = re.compile(rf"^\s*([{SUPERSCRIPTS}]+)\s*(\S.*)$")
_INLINE_FOOTNOTE = re.compile(r"\[(\d{1,3}):\s*(.*?)\]\s*(?=\[\d{1,3}:|$)")
_FOOTNOTE_MARK = re.compile(r"\[footnoteRef:(\d+)\]")
_GLUED_SUPER = re.compile(rf"(?<=[^\s{SUPERSCRIPTS}])([{SUPERSCRIPTS}]+)")
_GLUED_DIGITS = re.compile(r"(?:(?<=[a-z\)’”\"])|(?<=[a-z]\.))(\d{1,2})(?=\s|$)")
_PAGE_LINE = re.compile(r"(?i)^(?:.*\bpage\s+\d+(?:\s+of\s+\d+)?|-?\s*\d{1,3}\s*-?|\d{1,3}\s*/\s*\d{1,3})$")
_TOC_LINE = re.compile(r"(?:\t|\.{3,}|\s{3,})\s*(?:page\s*)?\d{1,3}\s*$", re.IGNORECASE)
_END_PUNCT = re.compile(r"[.:;?!][\"'”’)]*$")
_RUNS_ON = re.compile(r"(?:[-,–]|\b(?:and|or|the|of|to|a|an|in|for|with|between|by|from|that|which))$")


@dataclass
class Block:
    index: int
    kind: str  # heading | para | bullet | footnote
    text: str
    number: str | None = None  # the paragraph number as printed ("6.3.4")
    label: str | None = None  # an item's label as printed ("A", "ii", "1a"), with its style
    label_style: str | None = None
    context: str = ""  # where a reader finds it: the paragraph number in force, or the heading
    heading: str = ""  # the nearest heading above it
    footnotes: list[str] = field(default_factory=list)
    indent: int = 0
    start: int = 0
    end: int = 0

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "kind": self.kind,
            "text": self.text,
            "number": self.number,
            "label": self.label,
            "context": self.context,
            "start": self.start,
            "end": self.end,
        }


def running_artefacts(pages: list[list[str]]) -> set[str]:
    """Lines that are page furniture: repeated at the edges of pages, or next to page numbers."""

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.strip())

    artefacts: set[str] = set()
    if len(pages) >= 3:
        edges = Counter()
        for lines in pages:
            content = [line for line in lines if line.strip()]
            for line in {key(x) for x in content[:3] + content[-3:]}:
                edges[line] += 1
        artefacts |= {k for k, n in edges.items() if n >= max(3, len(pages) * 0.3) and len(k) < 120}
    elif len(pages) == 2:
        first, second = ({re.sub(r"\d+", "#", x.strip()) for x in _edges(p)} for p in pages)
        artefacts |= {k for k in first & second if k and len(k) < 120}
    flat = [line.strip() for lines in pages for line in lines]
    counts = Counter(flat)
    for i, line in enumerate(flat):
        if counts[line] < 3 or not line or len(line) > 100:
            continue
        near = flat[max(0, i - 3) : i] + flat[i + 1 : i + 4]
        if any(_PAGE_LINE.match(n) and not _NUMBER_ONLY.match(n) for n in near) or _PAGE_LINE.match(line):
            artefacts.add(key(line))
    for line in flat:
        if line and _PAGE_LINE.match(line) and not _NUMBER_ONLY.match(line):
            artefacts.add(key(line))
    return artefacts


def clean_lines(pages: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The report's lines with page furniture removed, and the footnotes written inline as [N: text]."""
    split = [unicodedata.normalize("NFC", page).replace("\r\n", "\n").replace("\r", "\n").split("\n") for page in pages]
    artefacts = running_artefacts(split)
    lines: list[str] = []
    inline_notes: list[tuple[str, str]] = []
    for page in split:
        kept = []
        for i, line in enumerate(page):
            k = re.sub(r"\d+", "#", line.strip())
            if k in artefacts:
                continue
            # A bare page number sitting next to removed furniture goes with it.
            if _NUMBER_ONLY.match(line) and "." not in line.strip() and _next_to_artefact(page, i, artefacts):
                continue
            lead = len(line) - len(line.lstrip(" "))
            kept.append(" " * lead + re.sub(r"[ \u00a0]{2,}", " ", line.strip()))
        lines.extend(kept)
        lines.append(PAGE_BREAK)
    out = []
    for line in lines:
        line = _FOOTNOTE_MARK.sub(lambda m: "⟦" + m.group(1) + "⟧", line)
        for match in _INLINE_FOOTNOTE.finditer(line):
            inline_notes.append((match.group(1), match.group(2).strip()))
        line = _INLINE_FOOTNOTE.sub("", line)
        out.append(line.replace("\t", " "))
    return out, inline_notes


def _edges(lines: list[str]) -> list[str]:
    content = [line for line in lines if line.strip()]
    return content[:2] + content[-2:]


def _next_to_artefact(page: list[str], i: int, artefacts: set[str]) -> bool:
    window = page[max(0, i - 3) : i] + page[i + 1 : i + 4]
    return any(re.sub(r"\d+", "#", w.strip()) in artefacts for w in window if w.strip())


def _is_heading_text(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= 12
        and len(text) < 80
        and not _END_PUNCT.search(text)
        and (text[0].isupper() or text[0].isdigit())
    )


def build_blocks(pages: list[str]) -> list[Block]:
    lines, inline_notes = clean_lines(pages)
    content = [line.strip() for line in lines if line.strip()]
    lengths = sorted(len(line) for line in content) or [80]
    one_per_line = statistics.median(lengths) > 110
    width = lengths[int(len(lengths) * 0.9)] if lengths else 80

    raw: list[tuple[list[str], int]] = []  # lines of one block, indent of its first line
    current: list[str] = []
    indent = 0

    def flush():
        nonlocal current
        if current:
            raw.append((current, indent))
        current = []

    i = 0
    n = len(lines)
    in_bullets = False
    while i < n:
        line = lines[i]
        if line == PAGE_BREAK:
            # A sentence runs on over a page break even when the next page starts with a capital.
            if current and (_END_PUNCT.search(current[-1]) or (len(current) == 1 and _is_heading_text(current[0]))):
                flush()
            i += 1
            continue
        stripped = _PRIVATE_USE.sub(lambda m: "•" if m.group(0) in BULLET_GLYPHS else "", line).strip()
        if not stripped or stripped in "•":
            if current and stripped == "•":
                flush()
            if current and not _continues(current[-1], _next_content(lines, i)):
                flush()
            i += 1
            continue
        nxt = _next_content(lines, i)
        heading_like = (
            _is_heading_text(stripped)
            and not _continues(stripped, nxt)
            and (one_per_line or len(stripped) < 0.8 * width)
        )
        previous_line = current[-1] if current else (raw[-1][0][-1] if raw else "")
        in_list = previous_line.endswith(":") or in_bullets
        if (
            not one_per_line
            and len(line) - len(line.lstrip(" ")) == 1
            and ((stripped[:1].isupper() and not heading_like) or (in_list and stripped[:1].isalpha()))
            and not stripped.isupper()
        ):
            # A bullet the extraction turned into a single space.
            stripped, heading_like = "• " + stripped, False
        starts_item = bool(
            _BULLET.match(stripped)
            or _FOOTNOTE_LINE.match(stripped)
            or _DOTTED_NUMBER.match(stripped)
            or (_LABEL.match(stripped) and current and _END_PUNCT.search(current[-1]))
            or (heading_like and _TOP_NUMBER.match(stripped))
        )
        if current and _FOOTNOTE_LINE.match(current[0]) and stripped[:1].islower():
            # A paragraph broken by a page's footnotes runs on after them.
            broken = next((lines_of for lines_of, _ in reversed(raw) if not _FOOTNOTE_LINE.match(lines_of[0])), None)
            if broken is not None and not _END_PUNCT.search(broken[-1]) and (one_per_line or len(current) == 1):
                flush()
                broken.append(stripped)
                i += 1
                continue
        if current and (
            starts_item
            or (one_per_line and not _continues(current[-1], stripped))
            or (
                heading_like
                and (_END_PUNCT.search(current[-1]) or (in_bullets and len(current[-1]) < 0.8 * width))
                and not _lower_start(nxt)
            )
            or _ends_block(current[-1], stripped, width)
        ):
            flush()
        if not current:
            indent = len(line) - len(line.lstrip())
            in_bullets = bool(_BULLET.match(stripped))
        current.append(stripped)
        label = _LABEL.match(stripped)
        short_label = label and len(label.group(4).split()) <= 5 and _is_heading_text(label.group(4))
        if _NUMBER_ONLY.match(stripped) or (len(current) == 1 and (heading_like or short_label)):
            flush()
        i += 1
    flush()
    blocks = _classify(raw)
    for number, text in inline_notes:
        blocks.append(Block(0, "footnote", text, number=number))
    _number_and_place(blocks)
    return blocks


def _next_content(lines: list[str], i: int) -> str:
    for line in lines[i + 1 :]:
        if line.strip() and line != PAGE_BREAK:
            return line.strip()
    return ""


def _lower_start(line: str) -> bool:
    return bool(line) and line[0].islower() and not _LABEL.match(line)


def _continues(previous: str, nxt: str) -> bool:
    """A line break (or page break) inside a sentence: the text runs on in lower case."""
    if not nxt:
        return False
    if _END_PUNCT.search(previous) or _LABEL.match(nxt) or _DOTTED_NUMBER.match(nxt):
        return False
    return nxt[0].islower() or bool(_RUNS_ON.search(previous))


def _ends_block(previous: str, nxt: str, width: int) -> bool:
    if _continues(previous, nxt):
        return False
    if _END_PUNCT.search(previous) and len(previous) < 0.8 * width:
        return True
    return bool(_NUMBER_ONLY.match(previous))


def _join(lines: list[str]) -> str:
    text = ""
    for line in lines:
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            text = text[:-1] + line  # a word hyphenated across lines
        elif text:
            text += " " + line
        else:
            text = line
    return re.sub(r"\s+", " ", text).strip()


def _classify(raw: list[tuple[list[str], int]]) -> list[Block]:
    blocks: list[Block] = []
    pending_number: str | None = None
    for lines, indent in raw:
        text = _join(lines)
        kind, number, label, style = "para", None, None, None
        note = _FOOTNOTE_LINE.match(text)
        if note:
            blocks.append(
                Block(0, "footnote", _strip_marks(note.group(2))[0], number=note.group(1).translate(_SUPER_TO_DIGIT))
            )
            continue
        bullet = _BULLET.match(text)
        if bullet:
            kind, text = "bullet", bullet.group(1).strip()
            if not text:
                continue
        only = _NUMBER_ONLY.match(text)
        if only:
            pending_number = only.group(1)
            continue
        dotted = _DOTTED_NUMBER.match(text) or _TOP_NUMBER.match(text)
        if dotted and re.search(r"(^|\.)0\d", dotted.group(1)):
            dotted = None  # a date such as 03.01.14, not a paragraph number
        if dotted:
            number, text = dotted.group(1), dotted.group(2).strip()
            kind = "para" if kind == "bullet" else kind
        else:
            labelled = _LABEL.match(text)
            if labelled and not (labelled.group(3) == "." and labelled.group(2).isdigit()):
                label = labelled.group(2)
                style = _label_style(labelled.group(1), label, labelled.group(3))
                text = labelled.group(4).strip()
            elif labelled:
                number, text = labelled.group(2), labelled.group(4).strip()
        if number is None and pending_number is not None:
            number = pending_number
        pending_number = None
        text, marks = _strip_marks(text)
        if kind == "para" and label is None and len(lines) == 1 and _is_heading_text(text):
            kind = "heading"
        blocks.append(
            Block(0, kind, text, number=number, label=label, label_style=style, footnotes=marks, indent=indent)
        )
    return blocks


def _label_style(opening: str, label: str, closing: str) -> str:
    if label.isdigit() or label[:-1].isdigit():
        family = "number"
    elif re.fullmatch(r"[ivxlc]+|[IVXLC]+", label) and label not in ("C", "c", "L", "l", "D"):
        family = "roman"
    else:
        family = "letter"
    case = "upper" if label.isupper() else "lower"
    return f"{family}:{case}:{opening}{closing}"


def _strip_marks(text: str) -> tuple[str, list[str]]:
    """Footnote numbers out of the text (kept as the block's references): superscripts, Word markers, glued digits."""
    marks: list[str] = []

    def keep(match: re.Match) -> str:
        marks.append(match.group(1).translate(_SUPER_TO_DIGIT))
        return ""

    text = re.sub(r"⟦(\d+)⟧", keep, text)
    text = _GLUED_SUPER.sub(keep, text)
    text = _GLUED_DIGITS.sub(keep, text)
    text = re.sub(r"\s+([.,;:])", r"\1", text) if marks else text
    return re.sub(r"\s+", " ", text).strip(), marks


def _number_and_place(blocks: list[Block]) -> None:
    context, heading, offset = "", "", 0
    for index, block in enumerate(blocks):
        block.index = index
        if block.kind == "heading":
            heading = block.text
            context = block.number or block.text
        elif block.number:
            context = block.number
        if block.kind == "footnote":
            block.context = f"footnote {block.number}"
        else:
            block.context = block.number or context or heading
        block.heading = heading
        block.start = offset
        block.end = offset + len(block.text)
        offset = block.end + 2


def document_text(blocks: list[Block]) -> str:
    """The cleaned report as stored: blocks separated by blank lines, so that offsets point into it."""
    return "\n\n".join(block.text for block in blocks)
