"""Every page of the built site, loaded in Chromium: traffic, content, width, accessibility.

Each test runs once per HTML page of the site (search and index pages included). The fixtures in
conftest.py load each page once per width and record what they find; these tests judge it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser.paths import edition
from tests.browser.server import PREFIX, site_file

if TYPE_CHECKING:
    from tests.browser.visits import DesktopVisit, PhoneVisit

pytestmark = pytest.mark.browser

# The page budget: a cold load at desktop width from the loopback server, requests and bytes
# as the browser counts them (Resource Timing's transferSize, headers included), set to what
# the site reaches (the table printed at the end of the run). Before the icons were cut down
# (conf/icons.py) a page took 2.36 to 2.51 MiB in 25 to 27 requests, 62% of it FontAwesome's
# script and 9% its two full fonts. Now a page without a figure takes 24 requests (four of them
# the exercises' styles and scripts, loaded on every page) and each figure one more, and 0.62
# to 0.82 MiB (the most: the API reference, whose HTML alone is 200 KiB). Sphinx's search
# scripts and index (90 KiB in English, 150 KiB in Japanese) load on the search page only
# (conf/_templates/layout.html). A figure or a script more on a page is then a decision, taken
# by raising these.
MAX_REQUESTS = 27
MAX_BYTES = 840 * 1024
# A page of a translated edition (ja/) loads one file more: Sphinx's translations.js (5 KiB, the
# search page's and the scripts' strings in the edition's language).
TRANSLATED_EXTRA_REQUESTS = 1
# The images of one page, counted as the files they are (figures are stored with a palette of
# 256 colours by conf/figures.py, a quarter of matplotlib's bytes): today at most 49.8 KiB.
MAX_IMAGE_BYTES = 50 * 1024
# Loopback has no network latency: this is parsing, scripts and layout on a 2-core machine
# shared with builds, hence the margin; it catches a page gone wrong, it does not time one.
MAX_LOAD_MS = 3000

PHONE_WIDTH = 390
# LaTeX left in the prose means a formula was not rendered.
RAW_LATEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\frac\{|\$\\[A-Za-z]")
SEVERE = {"critical", "serious"}


def _describe(violations: list[dict[str, Any]]) -> str:
    """Name each axe violation with the first few elements it found."""
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"]]
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}; "
            f"{len(targets)} element(s): {'; '.join(targets[:5])}"
        )
    return "\n".join(lines)


@cache
def _ids(path: Path) -> frozenset[str]:
    """Return the element ids of an HTML file."""
    return frozenset(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))


def test_every_request_answers_200(desktop: DesktopVisit, phone: PhoneVisit) -> None:
    """Every request the page makes to the site answers 200, at both widths."""
    problems = [*desktop.traffic.bad_status, *desktop.traffic.failed]
    problems += [*phone.traffic.bad_status, *phone.traffic.failed]
    assert not problems, "\n".join(problems)


def test_console_shows_no_error_or_warning(desktop: DesktopVisit, phone: PhoneVisit) -> None:
    """The browser console shows no error, warning or uncaught exception, at both widths."""
    messages = [*desktop.traffic.console, *phone.traffic.console]
    assert not messages, "\n".join(messages)


def test_no_request_leaves_the_local_server(desktop: DesktopVisit, phone: PhoneVisit) -> None:
    """The page asks nothing of any other host, so it works offline."""
    blocked = [*desktop.traffic.blocked, *phone.traffic.blocked]
    assert len(blocked) == 0, "requests to other hosts, blocked:\n" + "\n".join(blocked)


def test_page_stays_within_budget(desktop: DesktopVisit, site: Path) -> None:
    """A cold load stays within the request, byte and load-time budget."""
    figures = (
        f"{desktop.traffic.requests} requests, {desktop.bytes / 1024:.0f} KiB, "
        f"load event at {desktop.load_ms:.0f} ms"
    )
    translated = edition(site, desktop.page)[0] != ""
    max_requests = MAX_REQUESTS + (TRANSLATED_EXTRA_REQUESTS if translated else 0)
    assert desktop.traffic.requests <= max_requests, figures
    assert desktop.bytes <= MAX_BYTES, figures
    assert desktop.load_ms <= MAX_LOAD_MS, figures


def test_icons_come_from_the_cut_down_fonts(desktop: DesktopVisit) -> None:
    """Neither FontAwesome's script nor its full fonts are loaded: the icons are in icons.css."""
    loaded = [url for url in desktop.traffic.urls if "fontawesome" in url.lower()]
    assert not loaded, "\n".join(loaded)


def test_images_stay_within_budget(desktop: DesktopVisit) -> None:
    """The images of a page weigh no more than the budget (figures are stored with a palette)."""
    assert desktop.image_bytes <= MAX_IMAGE_BYTES, f"{desktop.image_bytes / 1024:.0f} KiB"


def test_math_is_rendered(desktop: DesktopVisit) -> None:
    """Every formula of the source is MathML on the page, and no raw LaTeX is left in the text."""
    content = desktop.content
    assert content["math"] >= desktop.source_math, (
        f"the source has {desktop.source_math} formulas, the page {content['math']} <math>"
    )
    assert content["mathErrors"] == 0, "the MathML holds <merror> elements"
    assert content["mathFallbacks"] == 0, "formulas shown as code: conf/mathml.py failed on them"
    assert content["mathUnsized"] == 0, "visible <math> elements with no width: not rendered"
    raw = sorted({match.group() for match in RAW_LATEX.finditer(content["prose"])})
    assert not raw, f"raw LaTeX in the visible text: {raw}"


def test_images_load_and_have_alt_text(desktop: DesktopVisit) -> None:
    """Every image has loaded and has alt text; every figure holds an image."""
    images = desktop.content["images"]
    broken = [image["src"] for image in images if not image["complete"] or image["width"] == 0]
    no_alt = [image["src"] for image in images if not (image["alt"] or "").strip()]
    empty = [figure["id"] for figure in desktop.content["figures"] if figure["images"] == 0]
    assert not broken, f"images that did not load: {broken}"
    assert not no_alt, f"images without alt text: {no_alt}"
    assert not empty, f"figures without an image: {empty}"


def test_code_cells_show_their_output(desktop: DesktopVisit) -> None:
    """Each code cell of the source is on the page, with its output unless a tag removes it.

    A cell tagged ``remove-cell`` is not on the page; ``remove-input`` leaves out its code and
    ``remove-output`` its outputs. Whether a cell has output at all (``x = 1`` has none, nor has
    ``glue(..., display=False)``) is read from the executed notebook MyST-NB wrote.
    """
    shown = [cell for cell in desktop.cells if "remove-cell" not in cell.tags]
    on_page = desktop.content["cells"]
    assert len(on_page) == len(shown), (
        f"the source has {len(shown)} code cells to show, the page {len(on_page)}"
    )
    if not desktop.cells:
        return
    executed = desktop.executed
    assert executed is not None, "the executed notebook was not found (jupyter_execute/)"
    assert [cell.code for cell in executed] == [cell.code for cell in desktop.cells], (
        "the executed notebook's code cells differ from the source's"
    )
    if not any(cell.shows_output for cell in executed):
        assert not any(cell["outputText"] or cell["outputImages"] for cell in on_page), (
            "the page shows outputs its executed notebook lacks: the notebook was written "
            "without them (MyST-NB's cache mode writes cache hits without outputs)"
        )
    ran = [
        run
        for run, cell in zip(executed, desktop.cells, strict=True)
        if "remove-cell" not in cell.tags
    ]
    problems = []
    for number, (cell, page_cell, run) in enumerate(zip(shown, on_page, ran, strict=True), 1):
        where = f"cell {number} ({cell.code.splitlines()[0] if cell.code else 'empty'!r})"
        if "remove-input" in cell.tags:
            if page_cell["input"] is not None:
                problems.append(f"{where}: code shown despite remove-input")
        elif (page_cell["input"] or "").strip("\n") != cell.code:
            problems.append(f"{where}: the code on the page differs from the source")
        has_output = bool(page_cell["outputText"]) or page_cell["outputImages"] > 0
        if "remove-output" in cell.tags:
            if has_output:
                problems.append(f"{where}: output shown despite remove-output")
        elif run.shows_output and not has_output:
            problems.append(f"{where}: its output is missing from the page")
        if page_cell["outputError"] and "raises-exception" not in cell.tags:
            problems.append(f"{where}: shows an error but is not tagged raises-exception")
    assert not problems, "\n".join(problems)


def test_internal_links_resolve(desktop: DesktopVisit, site: Path) -> None:
    """Every link to the site stays under its prefix and names a file and an anchor that exist."""
    broken = []
    for link in sorted(set(desktop.content["links"])):
        target = site_file(site, link)
        fragment = unquote(urlsplit(link).fragment)
        if target is None:
            broken.append(f"{link}: outside the site's prefix {PREFIX}")
        elif not target.is_file():
            broken.append(f"{link}: no such file")
        elif fragment and target.suffix == ".html" and fragment not in _ids(target):
            broken.append(f"{link}: no such anchor")
    assert not broken, "\n".join(broken)


def test_page_declares_its_tab_icon(desktop: DesktopVisit, site: Path) -> None:
    """The page names an icon that exists, so browsers do not ask for a missing /favicon.ico."""
    # Chromium leaves /favicon.ico alone while requests are intercepted, as they are here, so
    # the missing icon never shows up as a 404 in these tests; a reader's browser asks for it.
    icon = desktop.content["icon"]
    assert icon, "no <link rel=icon>: set html_favicon in conf.py"
    target = site_file(site, icon)
    assert target is not None, f"{icon}: outside the site's prefix {PREFIX}"
    assert target.is_file(), f"{icon}: no such file"


def test_no_horizontal_overflow_on_a_phone(phone: PhoneVisit) -> None:
    """At 390 px the page does not scroll sideways: wide content scrolls in its own box."""
    assert phone.client_width == PHONE_WIDTH
    assert phone.scroll_width <= PHONE_WIDTH, (
        f"the page is {phone.scroll_width} px wide at {PHONE_WIDTH} px; sticking out: "
        + ", ".join(phone.offenders)
    )


def test_no_serious_accessibility_violation(desktop: DesktopVisit) -> None:
    """axe-core finds no critical or serious violation (dark theme: colour contrast)."""
    light = [v for v in desktop.axe if v["impact"] in SEVERE]
    dark = [v for v in desktop.axe_dark if v["impact"] in SEVERE]
    report = ""
    if light:
        report += "light theme:\n" + _describe(light) + "\n"
    if dark:
        report += "dark theme:\n" + _describe(dark)
    assert not report, report
