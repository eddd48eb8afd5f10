"""Accessibility checks for browser journeys: axe-core (from npm, exact version in package.json) run in the
page at 320 px and 1280 px wide, and no sideways scrolling at 320 px (WCAG 1.4.10 reflow).

Set ``A11Y_COLLECT`` to a file to list every page's problems there instead of failing at the first; set
``SCREENSHOTS_DIR`` to also save a full-page screenshot of every page checked, at both widths.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (320, 1280)
# WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _violations(page) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's debugging protocol, so the page's strict CSP (no inline script) holds.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
    ]


def check(page, name: str) -> None:
    """Zero axe violations at each width, and no sideways scroll at 320 px. Leaves the page at 1280 px."""
    problems = []
    page.wait_for_load_state("load")  # axe reads the whole document: never while the next page replaces it
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        problems += [f"{width}px: {v}" for v in _violations(page)]
        if width == 320:
            scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                problems.append(f"320px: the page scrolls sideways ({scroll} px wide in a {inner} px window)")
        shots = os.environ.get("SCREENSHOTS_DIR")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            page.screenshot(path=str(Path(shots) / f"{slug}-{width}.png"), full_page=True)
    report = f"{name} ({page.url}):\n" + "\n".join(problems)
    collect = os.environ.get("A11Y_COLLECT")  # while fixing pages: write every page's problems, fail none
    if collect:
        with open(collect, "a", encoding="utf-8") as out:
            out.write(report + "\n\n")
        return
    assert not problems, report
