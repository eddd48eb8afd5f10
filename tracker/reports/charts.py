"""Server-rendered SVG charts: horizontal stacked bars, drawn here without a charting library.

Each chart is an image with a title and a description (``role="img"``, ``aria-labelledby``), every bar
carries its words and counts, segment by segment, in one ``<title>`` (shown wherever the bar is pointed at),
and each segment its count when wide enough; the legend names every colour; and the report always prints
the same figures in a table beside the chart, so colour is never the only signal. Attributes shared by every
text and bar are set once on the chart, so that a chart of fifty agencies stays a few kilobytes.
Presentation attributes only (no ``style``), so the strict Content Security Policy allows it inline, and
WeasyPrint draws the same markup in the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

from tracker.actions.states import Status
from tracker.reports.brag import Brag

FONT = "Helvetica, Arial, 'DejaVu Sans', sans-serif"
_ids = count(1)


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    fill: str
    text: str  # the colour of a count written on the fill


STATUS_SEGMENTS = [
    Segment(Status.NOT_STARTED, "Not started", "#b1b4b6", "#0b0c0c"),
    Segment(Status.IN_PROGRESS, "In progress", "#5694ca", "#0b0c0c"),
    Segment(Status.SUBMITTED, "Submitted for assurance", "#4c2c92", "#ffffff"),
    Segment(Status.RETURNED, "Returned", "#f47738", "#0b0c0c"),
    Segment(Status.ASSURED, "Assured", "#00703c", "#ffffff"),
    Segment(Status.EMBEDDED, "Embedded", "#1d70b8", "#ffffff"),
    Segment(Status.CLOSED, "Closed without implementation", "#505a5f", "#ffffff"),
]

BRAG_SEGMENTS = [
    Segment(Brag.RED, "Red", "#d4351c", "#ffffff"),
    Segment(Brag.NOT_PLANNED, "No owner or due date", "#4c2c92", "#ffffff"),
    Segment(Brag.NO_ACTION, "No action set", "#ffdd00", "#0b0c0c"),
    Segment(Brag.AMBER, "Amber", "#f47738", "#0b0c0c"),
    Segment(Brag.GREEN, "Green", "#00703c", "#ffffff"),
    Segment(Brag.BLUE, "Blue", "#1d70b8", "#ffffff"),
    Segment(Brag.NOT_RATED, "Not rated", "#b1b4b6", "#0b0c0c"),
]


def _text(x, y, words, *, anchor="start", fill=None, size=None, weight=None) -> str:
    """A text; the font size (13), colour (#0b0c0c) and anchor (start) are the chart's unless given."""
    extra = "".join(
        f' {name}="{value}"'
        for name, value in (("font-size", size), ("fill", fill), ("font-weight", weight))
        if value is not None
    )
    align = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return f'<text x="{x}" y="{y}"{align}{extra}>{escape(words)}</text>'


def _clip(words: str, limit: int) -> str:
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def stacked_bars(
    title: str,
    description: str,
    rows: Sequence[tuple[str, dict]],
    segments: Sequence[Segment],
    *,
    width: int = 720,
    label_width: int = 230,
) -> Markup:
    """One horizontal bar per row, stacked by segment, scaled to the largest row; ``rows`` are (label,
    {segment key: count})."""
    chart_id = f"chart-{next(_ids)}"
    bar_left, bar_right = label_width + 8, width - 56
    span = bar_right - bar_left
    legend_rows = _legend_layout(segments, width)
    top = 8 + 22 * len(legend_rows) + 8
    row_height, gap = 24, 8
    height = top + len(rows) * (row_height + gap) + 4
    biggest = max([sum(values.values()) for _, values in rows] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" '
        'font-size="13" fill="#0b0c0c">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for line, entries in enumerate(legend_rows):
        y = 8 + 22 * line
        for x, segment in entries:
            parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{segment.fill}" stroke="#0b0c0c"/>')
            parts.append(_text(x + 19, y + 12, segment.label))
    for index, (label, values) in enumerate(rows):
        y = top + index * (row_height + gap)
        total = sum(values.values())
        counted = [(segment, values.get(segment.key, 0)) for segment in segments if values.get(segment.key, 0)]
        words = "; ".join(f"{n} {segment.label.lower()}" for segment, n in counted)
        parts.append(f"<g><title>{escape(label)}: {total} in all{': ' + escape(words) if words else ''}</title>")
        parts.append(_text(label_width, y + 17, _clip(label, 30), anchor="end"))
        x = float(bar_left)
        for segment, n in counted:
            w = span * n / biggest
            left, right = round(x), round(x + w)  # whole pixels, edge to edge: no gap, no overlap
            parts.append(
                f'<rect x="{left}" y="{y}" width="{right - left}" height="{row_height}" fill="{segment.fill}"/>'
            )
            if w >= 8 * len(str(n)) + 6:
                parts.append(_text(round(x + w / 2), y + 17, str(n), anchor="middle", fill=segment.text))
            x += w
        parts.append(_text(round(x + 6), y + 17, str(total), weight="bold"))
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped


def _legend_layout(segments: Sequence[Segment], width: int) -> list[list[tuple[int, Segment]]]:
    lines: list[list[tuple[int, Segment]]] = [[]]
    x = 0
    for segment in segments:
        needed = 19 + 7 * len(segment.label) + 18
        if x and x + needed > width:
            lines.append([])
            x = 0
        lines[-1].append((x, segment))
        x += needed
    return lines


def report_charts(report) -> dict[str, Markup]:
    """The report's charts; each is followed on the page and in the PDF by a table of the same figures."""
    on = report.on.strftime("%-d %B %Y")
    charts = {
        "ratings": stacked_bars(
            "Actions and recommendations by rating",
            f"Ratings on {on}: {report.headline.total} actions and {report.recommendation_count} recommendations, "
            "each bar split into red, amber, green, blue and not rated. The same figures are in the table below.",
            [("Actions", report.headline.by_brag), ("Recommendations", report.recommendations_by_rating)],
            BRAG_SEGMENTS,
        ),
    }
    if report.themes:
        charts["themes"] = stacked_bars(
            "Actions under each theme, by status",
            f"For each theme, on {on}, the actions of the recommendations that carry it, split by status; the "
            "number in brackets is how many reviews the theme appears in, most first. The same figures are in the "
            "table below.",
            [(f"{theme.label} ({len(theme.reviews)})", theme.tally.by_status) for theme in report.themes],
            STATUS_SEGMENTS,
        )
    if report.agencies:
        charts["agencies"] = stacked_bars(
            "Actions of each agency, by status",
            f"For each agency, on {on}, its actions split by status. The same figures are in the table below.",
            [(agency.name, agency.tally.by_status) for agency in report.agencies],
            STATUS_SEGMENTS,
        )
    return charts
