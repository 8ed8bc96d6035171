"""Visits of the site's pages in Chromium, at desktop and phone widths, and what each found.

Every page is visited at most once per width, each time in a fresh browser context so nothing
comes from a cache: at desktop width (1280 px) its traffic, timing, content and accessibility
are recorded, and as a phone (390 px) its width is measured. A screenshot of each visit is
saved. Axe is imported only when a page is first visited at desktop width.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.browser.paths import docname
from tests.browser.probes import CONTENT, FIGURES, LOAD_IMAGES, METRICS, NO_TRANSITIONS, WIDTH
from tests.browser.server import SERVED, served_since, site_file
from tests.browser.sources import (
    ExecutedCell,
    SourceCell,
    count_source_math,
    executed_cells,
    page_source,
    source_cells,
)
from tests.browser.traffic import Traffic, watch

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass
class DesktopVisit:
    """What a 1280 px wide visit of one page found."""

    page: str
    site: Path
    traffic: Traffic
    load_ms: float
    bytes: int
    content: dict[str, Any]
    axe: list[dict[str, Any]]
    axe_dark: list[dict[str, Any]]
    source: str | None
    cells: list[SourceCell]
    source_math: int
    executed: list[ExecutedCell] | None
    screenshot: Path

    @property
    def image_bytes(self) -> int:
        """Return the size of the site's image files the page shows (each counted once)."""
        files = {site_file(self.site, image["src"]) for image in self.content["images"]}
        return sum(path.stat().st_size for path in files if path is not None and path.is_file())


@dataclass
class PhoneVisit:
    """What a 390 px wide (phone) visit of one page found."""

    page: str
    traffic: Traffic
    scroll_width: int
    client_width: int
    offenders: list[str]
    screenshot: Path
    figures: list[dict[str, Any]]


# The desktop visits of the run, for the budget table printed at the end.
VISITS: dict[str, DesktopVisit] = {}


class SiteVisits:
    """Visit pages of the site in Chromium once each per width, and remember what was found."""

    def __init__(self, browser: Browser, base_url: str, site: Path, screenshots: Path) -> None:
        self.browser = browser
        self.base_url = base_url
        self.site = site
        self.screenshots = screenshots
        self._desktop: dict[str, DesktopVisit] = {}
        self._phone: dict[str, PhoneVisit] = {}

    def _screenshot(self, page: str, width: str) -> Path:
        return self.screenshots / f"{docname(page).replace('/', '__')}-{width}.png"

    def desktop(self, page: str) -> DesktopVisit:
        """Load the page at desktop width (once) and return what was found."""
        if page not in self._desktop:
            from axe_playwright_python.sync_playwright import Axe

            context = self.browser.new_context(viewport=DESKTOP, color_scheme="light")
            tab = context.new_page()
            traffic = watch(context, tab, self.base_url)
            mark = len(SERVED)
            tab.goto(self.base_url + page, wait_until="load")
            tab.wait_for_load_state("networkidle")
            metrics = tab.evaluate(METRICS)
            tab.evaluate(LOAD_IMAGES)
            content = tab.evaluate(CONTENT)
            traffic.recording = False
            traffic.bad_status = served_since(mark)
            axe = Axe()
            light = axe.run(tab).response["violations"]
            screenshot = self._screenshot(page, "desktop")
            tab.screenshot(path=screenshot, full_page=True)
            # The dark theme, as a reader who picked it sees it: colour contrast only.
            tab.add_style_tag(content=NO_TRANSITIONS)
            tab.evaluate("document.documentElement.dataset.theme = 'dark'")
            only_contrast = {"runOnly": ["color-contrast"], "resultTypes": ["violations"]}
            dark = axe.run(tab, options=only_contrast).response["violations"]
            context.close()
            source = page_source(self.site, page)
            visit = DesktopVisit(
                page=page,
                site=self.site,
                traffic=traffic,
                load_ms=float(metrics["loadMs"]),
                bytes=int(metrics["bytes"]),
                content=content,
                axe=light,
                axe_dark=dark,
                source=source,
                cells=source_cells(source or ""),
                source_math=count_source_math(source or ""),
                executed=executed_cells(self.site, page, content["links"]),
                screenshot=screenshot,
            )
            self._desktop[page] = VISITS[page] = visit
        return self._desktop[page]

    def phone(self, page: str) -> PhoneVisit:
        """Load the page as a 390 px wide phone (once) and return what was found."""
        if page not in self._phone:
            context = self.browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            tab = context.new_page()
            traffic = watch(context, tab, self.base_url)
            mark = len(SERVED)
            tab.goto(self.base_url + page, wait_until="load")
            tab.wait_for_load_state("networkidle")
            tab.evaluate(LOAD_IMAGES)
            width = tab.evaluate(WIDTH)
            traffic.recording = False
            traffic.bad_status = served_since(mark)
            screenshot = self._screenshot(page, "phone")
            tab.screenshot(path=screenshot, full_page=True)
            figures = tab.evaluate(FIGURES)  # after the screenshot: it opens collapsed blocks
            context.close()
            self._phone[page] = PhoneVisit(
                page=page,
                traffic=traffic,
                scroll_width=int(width["scrollWidth"]),
                client_width=int(width["clientWidth"]),
                offenders=list(width["offenders"]),
                screenshot=screenshot,
                figures=figures,
            )
        return self._phone[page]
