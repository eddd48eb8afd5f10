"""A published report, cleaned for reading: page headers and footers set aside, hard-wrapped lines joined,
paragraph numbers turned into anchors, footnotes found by number, and any quoted passage located.

Free of Flask and SQLAlchemy. The report files stay exactly as extracted (seeds/reports/README.md); what
is set aside or mended comes from seeds/reports/display.yaml, which the seed checker reads too, so the
passage a page highlights is the one the checker matched word for word.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tracker.seeding import datafile

_DIGITS_ONLY = re.compile(r"\d{1,3}")
_PARAGRAPH_NUMBER = re.compile(r"^(?:[-\u2022\u25cf\uf0b7]\s*)?(\d{1,2}(?:\.\d{1,2}){1,3})\.?(?=\s|$)")
_SUPERSCRIPT = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
_FOOTNOTE_LINE = re.compile(rf"^([{_SUPERSCRIPT}]+)\s*(.*)$")
_INLINE_FOOTNOTE = re.compile(r"\[(\d{1,3}):\s+(.*?)\s*\]")
_BULLET_START = re.compile(r"^\s*(?:[-\u2022\u25cf\u25aa\u25a0\u00b7\uf0b7\uf0a7\uf0d8]|\(?[a-z]{1,4}[.)]|\d+[.)])\s")
# Footnote marks shown as superscript: Word's markers and numbers glued to the end of a word.
_FOOTNOTE_MARKS = re.compile(r"\[footnoteRef:(\d+)\]|(?<=[A-Za-z\)\u2019\u201d\"])(\d{1,2})(?=\s|$)")
_SUPERSCRIPT_TO_DIGIT = str.maketrans(_SUPERSCRIPT, "0123456789")


@dataclass(frozen=True)
class Block:
    """One paragraph (or heading, list item, footnote) of the report: its lines span ``text[start:end]``."""

    start: int
    end: int
    lines: tuple[tuple[int, int], ...]
    number: str | None = None
    footnote: str | None = None

    @property
    def anchor(self) -> str | None:
        if self.footnote:
            return f"footnote-{self.footnote}"
        return f"paragraph-{self.number}" if self.number else None


@dataclass
class Segment:
    text: str
    kind: str = ""  # "" plain, "mark" the quoted passage, "note" a footnote mark
    first_mark: bool = False


@dataclass
class Span:
    start: int
    end: int


@dataclass
class Passage:
    """Where an item's words are in the report, and the footnote it comes from if any."""

    spans: list[Span] = field(default_factory=list)
    footnote_number: str | None = None
    footnote_text: str | None = None

    @property
    def found(self) -> bool:
        return bool(self.spans)


class Document:
    def __init__(self, text: str, blocks: list[Block], footnotes: dict[str, str]):
        self.text = text
        self.blocks = blocks
        self.footnotes = footnotes
        self._comparable, self._positions = _comparable_with_positions(text)

    # Finding ----------------------------------------------------------------------------------------------

    def find(self, quote: str, after: int = 0) -> Span | None:
        """The first place at or after ``after`` where the quote's words occur (compared as the checker does)."""
        wanted = datafile.comparable(quote)
        if not wanted:
            return None
        from_index = bisect.bisect_left(self._positions, after)
        at = self._comparable.find(wanted, from_index)
        if at < 0:
            return None
        return Span(self._positions[at], self._positions[at + len(wanted) - 1] + 1)

    def passage(self, quotes: list[str], paragraphs: list[str] | None = None) -> Passage:
        """Locate each quote in turn (each after the one before: sub-points follow their lead text)."""
        passage = Passage()
        after = 0
        for quote in quotes:
            span = self.find(quote, after) or self.find(quote)
            if span:
                passage.spans.append(span)
                after = span.end
        for ref in paragraphs or []:
            match = re.search(r"footnote\s+(\d+)", str(ref))
            if match and match.group(1) in self.footnotes:
                passage.footnote_number = match.group(1)
                passage.footnote_text = self.footnotes[match.group(1)]
        return passage

    def first_block_with(self, span: Span) -> Block | None:
        return next((b for b in self.blocks if b.start <= span.start < b.end or b.start >= span.start), None)

    # Rendering --------------------------------------------------------------------------------------------

    def rendered(self, passage: Passage | None = None) -> list[tuple[Block, list[list[Segment]]]]:
        """Every block with its lines cut into segments: plain text, the marked passage, footnote marks."""
        spans = passage.spans if passage else []
        out = []
        first = True
        for block in self.blocks:
            lines = []
            for start, end in block.lines:
                segments = []
                for piece_start, piece_end, marked in _cut(start, end, spans):
                    for text, kind in _with_footnote_marks(self.text[piece_start:piece_end]):
                        if marked and kind == "":
                            kind = "mark"
                        segment = Segment(text, kind, first_mark=first and kind == "mark")
                        if segment.first_mark:
                            first = False
                        segments.append(segment)
                lines.append(segments)
            out.append((block, lines))
        return out


def _cut(start: int, end: int, spans: list[Span]):
    """Pieces of [start, end) with whether each lies inside one of the spans."""
    points = {start, end}
    for span in spans:
        if span.start < end and span.end > start:
            points |= {max(span.start, start), min(span.end, end)}
    edges = sorted(points)
    for a, b in itertools.pairwise(edges):
        if a < b:
            yield a, b, any(s.start <= a and b <= s.end for s in spans)


def _with_footnote_marks(text: str):
    at = 0
    for match in _FOOTNOTE_MARKS.finditer(text):
        if match.start() > at:
            yield text[at : match.start()], ""
        yield (match.group(1) or match.group(2)), "note"
        at = match.end()
    if at < len(text):
        yield text[at:], ""


def _comparable_with_positions(text: str) -> tuple[str, list[int]]:
    """``datafile.comparable(text)`` together with where each kept character was in ``text``."""
    chars = list(text)
    positions = list(range(len(text)))
    for pattern in (
        datafile._FOOTNOTE_MARKER,
        datafile._SUPERSCRIPT_DIGITS,
        datafile._GLUED_FOOTNOTE,
        datafile._BULLETS,
        datafile._PRIVATE_USE,
        datafile._WHITESPACE,
    ):
        current = "".join(chars)
        removed = set()
        for match in pattern.finditer(current):
            removed.update(range(match.start(), match.end()))
        if removed:
            chars = [c for i, c in enumerate(chars) if i not in removed]
            positions = [p for i, p in enumerate(positions) if i not in removed]
    return "".join(chars), positions


# Building ---------------------------------------------------------------------------------------------------


def build(raw: str, page_lines: list[str], corrections: list[dict]) -> Document:
    raw = datafile.apply_corrections(unicodedata.normalize("NFC", raw), corrections)
    patterns = [re.compile(p) for p in page_lines]
    groups: list[list[str]] = [[]]
    for line in raw.splitlines():
        stripped = line.strip()
        if _DIGITS_ONLY.fullmatch(stripped) or any(p.fullmatch(stripped) for p in patterns):
            continue
        if not stripped:
            groups.append([])
        elif (_PARAGRAPH_NUMBER.match(stripped) or _FOOTNOTE_LINE.match(stripped)) and groups[-1]:
            groups.append([stripped])
        else:
            groups[-1].append(stripped)

    text_parts: list[str] = []
    blocks: list[Block] = []
    footnotes: dict[str, str] = {}
    at = 0
    for group in groups:
        if not group:
            continue
        lines = _joined(group)
        start = at
        spans = []
        for i, line in enumerate(lines):
            spans.append((at, at + len(line)))
            at += len(line) + (1 if i < len(lines) - 1 else 0)
        block_text = "\n".join(lines)
        text_parts.append(block_text)
        number_match = _PARAGRAPH_NUMBER.match(lines[0])
        footnote_match = _FOOTNOTE_LINE.match(lines[0])
        footnote = footnote_match.group(1).translate(_SUPERSCRIPT_TO_DIGIT) if footnote_match else None
        if footnote:
            footnotes.setdefault(footnote, " ".join([footnote_match.group(2), *lines[1:]]).strip())
        for number, note in _INLINE_FOOTNOTE.findall(block_text):
            footnotes.setdefault(number, note)
        blocks.append(Block(start, at, tuple(spans), number_match.group(1) if number_match else None, footnote))
        at += 2
    return Document("\n\n".join(text_parts), _unique_anchors(blocks), footnotes)


def _joined(group: list[str]) -> list[str]:
    """Hard-wrapped lines joined into one; a bullet, list item or numbered line starts a new line."""
    lines: list[str] = []
    for line in group:
        if lines and not _BULLET_START.match(line) and not _PARAGRAPH_NUMBER.match(line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def _unique_anchors(blocks: list[Block]) -> list[Block]:
    """A paragraph number printed twice (a contents list, a repeat) anchors its first occurrence only."""
    seen: set[str] = set()
    out = []
    for block in blocks:
        anchor = block.anchor
        if anchor and anchor in seen:
            block = Block(block.start, block.end, block.lines)
        elif anchor:
            seen.add(anchor)
        out.append(block)
    return out


@lru_cache(maxsize=16)
def _load(path: str, mtime: float, page_lines: tuple[str, ...], corrections: tuple[tuple[str, str], ...]):
    raw = Path(path).read_text(encoding="utf-8")
    return build(raw, list(page_lines), [{"printed": p, "reads": r} for p, r in corrections])


def load_document(reports_dir: Path, source_file: str) -> Document | None:
    """The report a review quotes, or None when its file is not there (the page then says so)."""
    name = Path(source_file).name  # never a path out of the reports folder
    path = reports_dir / name
    if not name or not path.is_file():
        return None
    rules = datafile.load_display_rules(reports_dir).get(name) or {}
    corrections = tuple((c["printed"], c["reads"]) for c in rules.get("corrections") or [])
    return _load(str(path), path.stat().st_mtime, tuple(rules.get("page_lines") or []), corrections)
