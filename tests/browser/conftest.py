"""Fixtures of the browser tests: the built site on a loopback port, one Chromium, page visits.

Every page of the built site is visited twice, each time in a fresh browser context so nothing
comes from a cache: once at desktop width (1280 px), where the page's traffic, timing, content
and accessibility are recorded, and once as a phone (390 px), where its width is measured. The
tests read these records, so a page is loaded twice however many tests look at it. A screenshot
of each visit is saved for review, and the page budget table is printed at the end of the run.

Environment variables:

- ``DROPOUT_BOOK_SITE``: the built HTML (default ``_build/html`` of the repository, which
  ``nox -s docs`` writes).
- ``DROPOUT_BOOK_CHROMIUM``: the browser executable (default ``/usr/bin/chromium``, Debian's).
- ``DROPOUT_BOOK_SCREENSHOTS``: where screenshots go (default ``screenshots/`` beside the site,
  inside the git-ignored build folder).
- ``CI``: when set, a missing site or browser fails the run instead of skipping it.

Playwright and axe are imported inside the fixtures, so that the other test sessions, which
collect this folder without installing the ``browser`` group, are not affected.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import unquote, urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Error,
        Page,
        Request,
        Route,
        ViewportSize,
    )

ROOT = Path(__file__).resolve().parents[2]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
# Debian's Chromium, driven by Playwright (which cannot download its own browser here). The
# sandbox needs kernel features containers and root accounts lack; the pages are our own,
# served from loopback, and every request to another host is blocked.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
# Outputs of myst_nb.glue(..., display=False) carry only mime types with this prefix, and MyST-NB
# renders nothing for them.
GLUE_PREFIX = "application/papermill.record/"
# Load the page's images even if marked lazy, so the checks see every one.
LOAD_IMAGES = """async () => {
    await Promise.all([...document.images].map((img) => {
        img.loading = "eager";
        return img.decode().catch(() => null);
    }));
}"""
METRICS = """() => {
    const [nav] = performance.getEntriesByType("navigation");
    const resources = performance.getEntriesByType("resource");
    return {
        loadMs: nav.loadEventEnd - nav.startTime,
        bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    };
}"""
CONTENT = """() => {
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
    // Text a reader sees as prose: code, scripts and styles left out.
    const main = document.querySelector("main") || document.body;
    const prose = main.cloneNode(true);
    prose.querySelectorAll("pre, code, kbd, samp, script, style, textarea, .highlight")
        .forEach((el) => el.remove());
    return {
        math: document.querySelectorAll("math").length,
        mathErrors: document.querySelectorAll("math merror").length,
        mathFallbacks: document.querySelectorAll(".math > code").length,
        mathUnsized: [...document.querySelectorAll("main math")]
            .filter((m) => m.getClientRects().length > 0)
            .filter((m) => m.getBoundingClientRect().width === 0).length,
        prose: prose.textContent,
        images: [...document.images].map((img) => ({
            src: img.getAttribute("src"),
            alt: img.getAttribute("alt"),
            width: img.naturalWidth,
            complete: img.complete,
        })),
        figures: [...document.querySelectorAll("main figure")].map((fig) => ({
            id: describe(fig),
            images: fig.querySelectorAll("img, svg, object").length,
        })),
        cells: [...document.querySelectorAll("div.cell")].map((cell) => {
            const input = cell.querySelector(".cell_input pre");
            const outputs = [...cell.querySelectorAll(".cell_output")];
            return {
                input: input ? input.textContent : null,
                outputText: outputs.map((o) => o.textContent).join("").trim(),
                outputImages: outputs.reduce((n, o) => n + o.querySelectorAll("img").length, 0),
                outputError: outputs.some((o) => o.querySelector(".traceback, .error") !== null),
                tags: [...cell.classList].filter((c) => c.startsWith("tag_")),
            };
        }),
        icon: document.querySelector("link[rel~='icon']")?.href ?? null,
        links: [...document.querySelectorAll("a[href]")].map((a) => a.href)
            .filter((href) => href.startsWith(location.origin)),
    };
}"""
# At phone width: the page's width, and the outermost elements that stick out of the viewport
# without a scrolling container of their own to hold them (named in failure messages).
WIDTH = """() => {
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
    const root = document.documentElement;
    const viewport = root.clientWidth;
    const held = (el) => {
        for (let a = el.parentElement; a && a !== root; a = a.parentElement) {
            const style = getComputedStyle(a);
            if (style.overflowX !== "visible" || style.position === "fixed") return true;
        }
        return getComputedStyle(el).position === "fixed";
    };
    const sticksOut = (el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.right > viewport + 0.5;
    };
    const offenders = [...document.body.querySelectorAll("*")]
        .filter((el) => sticksOut(el) && !sticksOut(el.parentElement) && !held(el))
        .map((el) => `${describe(el)} (right edge ${el.getBoundingClientRect().right | 0})`);
    return {scrollWidth: root.scrollWidth, clientWidth: viewport, offenders: offenders.slice(0, 8)};
}"""
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; }"


# --- where things are -------------------------------------------------------------------------


def site_dir() -> Path:
    """Return the folder of the built HTML (it may not exist)."""
    return (ROOT / os.environ.get("DROPOUT_BOOK_SITE", "_build/html")).resolve()


def discover_pages(site: Path) -> list[str]:
    """Return every HTML page of the site (relative POSIX paths), the landing page first."""
    pages = [
        path.relative_to(site).as_posix()
        for path in site.rglob("*.html")
        if not any(part.startswith("_") for part in path.relative_to(site).parts)
    ]
    return sorted(pages, key=lambda page: (page != "index.html", page))


def docname(page: str) -> str:
    """Return Sphinx's name of a page: its path without ``.html``."""
    return page.removesuffix(".html")


def _missing(message: str) -> NoReturn:
    """Skip the test for a missing prerequisite; under CI, fail instead."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# --- the page's source: code cells and maths ------------------------------------------------


@dataclass(frozen=True)
class SourceCell:
    """A ``{code-cell}`` of a page's MyST source."""

    code: str
    tags: frozenset[str]


@dataclass(frozen=True)
class ExecutedCell:
    """A code cell of the page's executed notebook: its code, and whether it shows output."""

    code: str
    shows_output: bool


_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")


def _tag_list(value: str, following: list[str]) -> list[str]:
    """Parse ``[a, b]`` or a YAML block list (``- a`` on the following lines)."""
    value = value.strip()
    if value.startswith("["):
        return [item.strip().strip("'\"") for item in value.strip("[]").split(",") if item.strip()]
    items = []
    for line in following:
        match = re.match(r"^\s+-\s*(.+)$", line)
        if not match:
            break
        items.append(match.group(1).strip().strip("'\""))
    return items


def _source_cell(body: list[str]) -> SourceCell:
    """Split a code-cell directive's body into its options and its code."""
    tags: list[str] = []
    start = 0
    if body and body[0].strip() == "---":  # options as a YAML block
        end = next(i for i in range(1, len(body)) if body[i].strip() == "---")
        for i in range(1, end):
            if body[i].startswith("tags:"):
                tags = _tag_list(body[i].removeprefix("tags:"), body[i + 1 : end])
        start = end + 1
    else:  # options as `:key: value` lines (nested YAML continues on `:  ...` lines)
        while start < len(body) and body[start].startswith(":"):
            option = _OPTION.match(body[start])
            if option and option["key"] == "tags":
                following = [line.removeprefix(":") for line in body[start + 1 :]]
                tags = _tag_list(option["value"], following)
            start += 1
    return SourceCell(code="\n".join(body[start:]).strip("\n"), tags=frozenset(tags))


def _front_matter_end(lines: list[str]) -> int:
    """Return the index of the first line after the YAML front matter (0 without one)."""
    if lines and lines[0].strip() == "---":
        return next(j for j in range(1, len(lines)) if lines[j].strip() == "---") + 1
    return 0


def _scan(lines: list[str]) -> Iterator[tuple[str | None, list[str]]]:
    """Yield ``(info, body)`` for each fenced block and ``(None, [line])`` for each other line."""
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            yield None, [lines[i]]
            i += 1
            continue
        fence = opening["fence"]
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            j += 1
        yield opening["info"].strip(), lines[i + 1 : j]
        i = j + 1


def source_cells(text: str) -> list[SourceCell]:
    """Return the code cells of a MyST-NB text notebook, in order."""
    lines = text.splitlines()
    return [
        _source_cell(body)
        for info, body in _scan(lines[_front_matter_end(lines) :])
        if info is not None and info.startswith("{code-cell}")
    ]


# Fenced blocks whose body is code or raw text, not MyST prose.
_VERBATIM = ("{code-cell}", "{code-block}", "{code}", "{sourcecode}", "{literalinclude}", "{raw}")
_INLINE_CODE = re.compile(r"``.*?``|`[^`\n]*`")
_DOLLAR_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$\w])\$(?=\S)[^$\n]*?(?<=\S)\$(?![\w$])", re.S)


def _prose(lines: list[str]) -> Iterator[str]:
    """Yield the prose lines of MyST text, inside directives too; count {math} blocks as `$$`."""
    for info, body in _scan(lines):
        if info is None:
            yield from body
        elif info.startswith("{math}"):
            yield "$$ $$"
        elif info.startswith("{") and not info.startswith(_VERBATIM):
            yield from _prose(body)


def count_source_math(text: str) -> int:
    """Count the formulas of a page's source: ``$...$``, ``$$...$$`` and ``{math}``."""
    lines = text.splitlines()
    prose = "\n".join(
        _INLINE_CODE.sub("", line) for line in _prose(lines[_front_matter_end(lines) :])
    )
    return len(_DOLLAR_MATH.findall(prose)) + prose.count("{math}")


def renders_output(outputs: list[dict[str, Any]]) -> bool:
    """Tell whether MyST-NB shows anything for a code cell's executed outputs."""
    for output in outputs:
        kind = output.get("output_type")
        if kind == "error" or (kind == "stream" and output.get("text")):
            return True
        data = output.get("data", {})
        if any(not mime.startswith(GLUE_PREFIX) for mime in data):
            return True
    return False


# --- what a visit records ---------------------------------------------------------------------


@dataclass
class Traffic:
    """The network and console record of one page load."""

    requests: int = 0
    bad_status: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    # Off once the page has settled: what axe fetches for its checks is not the page's doing.
    recording: bool = True


@dataclass
class DesktopVisit:
    """What a 1280 px wide visit of one page found."""

    page: str
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


@dataclass
class PhoneVisit:
    """What a 390 px wide (phone) visit of one page found."""

    page: str
    traffic: Traffic
    scroll_width: int
    client_width: int
    offenders: list[str]
    screenshot: Path


# The desktop visits of the run, for the budget table printed at the end.
VISITS: dict[str, DesktopVisit] = {}
# Every request the local server answered, in order: (path, status). The server's view also
# holds what the browser asks for on its own, such as /favicon.ico.
SERVED: list[tuple[str, int]] = []


def served_since(mark: int) -> list[str]:
    """Return the requests answered with anything but 200 since SERVED had `mark` entries."""
    return [f"{status} {path}" for path, status in SERVED[mark:] if status != 200]


def watch(context: BrowserContext, page: Page, base_url: str) -> Traffic:
    """Block every request to another host, and record requests, statuses and console."""
    traffic = Traffic()

    def elsewhere(url: str) -> bool:
        return url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(base_url)

    def block(route: Route) -> None:
        traffic.blocked.append(route.request.url)
        route.abort("blockedbyclient")

    def on_request(request: Request) -> None:
        if traffic.recording and request.url.startswith(("http:", "https:")):
            traffic.requests += 1

    def on_failed(request: Request) -> None:
        if traffic.recording and request.url.startswith(base_url):
            traffic.failed.append(f"{request.failure} {request.url}")

    def on_console(message: ConsoleMessage) -> None:
        if traffic.recording and message.type in {"error", "warning"}:
            where = message.location
            origin = f"{where.get('url', '')}:{where.get('lineNumber', '')}"
            traffic.console.append(f"{message.type}: {message.text} ({origin})")

    def on_page_error(error: Error) -> None:
        if traffic.recording:
            traffic.console.append(f"uncaught exception: {error}")

    context.route(elsewhere, block)
    page.on("request", on_request)
    page.on("requestfailed", on_failed)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return traffic


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

    def source(self, page: str) -> str | None:
        """Return the MyST source the page was built from, if it has one."""
        for path in (
            self.site / "_sources" / f"{docname(page)}.md",
            self.site / "_sources" / f"{docname(page)}.md.txt",
            ROOT / "docs" / f"{docname(page)}.md",
        ):
            if path.is_file():
                return path.read_text(encoding="utf-8")
        return None

    def executed(self, page: str, content: dict[str, Any]) -> list[ExecutedCell] | None:
        """Return the code cells of the page's executed notebook, if found."""
        # The page's own .ipynb download first: what a reader gets. Failing that, the executed
        # notebook MyST-NB writes to jupyter_execute/ beside the HTML folder.
        candidates = []
        for link in content["links"]:
            path = urlsplit(link).path
            if path.endswith(f"/{docname(page)}.ipynb"):
                candidates.append(self.site / unquote(path[len(urlsplit(self.base_url).path) :]))
        candidates.append(self.site.parent / "jupyter_execute" / f"{docname(page)}.ipynb")
        for path in candidates:
            if path.is_file():
                notebook = json.loads(path.read_text(encoding="utf-8"))
                return [
                    ExecutedCell(
                        code="".join(cell["source"]).strip("\n"),
                        shows_output=renders_output(cell.get("outputs", [])),
                    )
                    for cell in notebook["cells"]
                    if cell["cell_type"] == "code"
                ]
        return None

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
            source = self.source(page)
            visit = DesktopVisit(
                page=page,
                traffic=traffic,
                load_ms=float(metrics["loadMs"]),
                bytes=int(metrics["bytes"]),
                content=content,
                axe=light,
                axe_dark=dark,
                source=source,
                cells=source_cells(source or ""),
                source_math=count_source_math(source or ""),
                executed=self.executed(page, content),
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
            context.close()
            self._phone[page] = PhoneVisit(
                page=page,
                traffic=traffic,
                scroll_width=int(width["scrollWidth"]),
                client_width=int(width["clientWidth"]),
                offenders=list(width["offenders"]),
                screenshot=screenshot,
            )
        return self._phone[page]


# --- fixtures ---------------------------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run page tests once per page of the built site, tutorial tests once per tutorial."""
    # Without a built site, one placeholder page lets the `site` fixture say what to do.
    pages = discover_pages(site_dir()) if site_dir().is_dir() else []
    if "page_path" in metafunc.fixturenames:
        metafunc.parametrize("page_path", pages or ["index.html"])
    if "tutorial" in metafunc.fixturenames:
        tutorials = [p for p in pages if p.startswith("tutorials/") and p != "tutorials/index.html"]
        metafunc.parametrize("tutorial", tutorials or ["tutorials/forward.html"])


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serve the site's files; note each request's path and status in SERVED, print nothing."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Note the request's path and status."""
        SERVED.append((self.path, int(code)))

    def log_message(self, format: str, *args: Any) -> None:
        """Print nothing."""


@pytest.fixture(scope="session")
def site() -> Path:
    """Return the built HTML site (skip, or under CI fail, without one)."""
    path = site_dir()
    if not (path / "index.html").is_file():
        _missing(f"no built site at {path}: run `nox -s docs` first, or set DROPOUT_BOOK_SITE")
    return path


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    """Serve the site on a free loopback port for the session; yield its address."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}/"
        server.shutdown()
        thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Yield one headless Chromium for the whole session."""
    executable = Path(os.environ.get("DROPOUT_BOOK_CHROMIUM", "/usr/bin/chromium"))
    if not executable.is_file():
        _missing(
            f"Chromium not found at {executable}: install it with `apt-get install chromium` "
            "(Debian/Ubuntu), or point DROPOUT_BOOK_CHROMIUM at a Chromium executable"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is missing: install the `browser` dependency group (nox -s browser)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots(site: Path) -> Path:
    """Return the folder for screenshots (in the git-ignored build folder by default)."""
    path = Path(os.environ.get("DROPOUT_BOOK_SCREENSHOTS", site.parent / "screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def visits(browser: Browser, base_url: str, site: Path, screenshots: Path) -> SiteVisits:
    """Return the record of every page visited in this session."""
    return SiteVisits(browser, base_url, site, screenshots)


@pytest.fixture
def desktop(page_path: str, visits: SiteVisits) -> DesktopVisit:
    """Return the desktop visit of the page under test."""
    return visits.desktop(page_path)


@pytest.fixture
def phone(page_path: str, visits: SiteVisits) -> PhoneVisit:
    """Return the phone visit of the page under test."""
    return visits.phone(page_path)


@dataclass
class Tab:
    """A browser tab for an interaction, in a fresh context, with its traffic record."""

    page: Page
    traffic: Traffic


@pytest.fixture
def tab(browser: Browser, base_url: str) -> Iterator[Tab]:
    """Yield a fresh desktop tab (clipboard allowed, other hosts blocked)."""
    context = browser.new_context(viewport=DESKTOP, color_scheme="light", base_url=base_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    page = context.new_page()
    traffic = watch(context, page, base_url)
    yield Tab(page, traffic)
    context.close()


# --- the page budget table --------------------------------------------------------------------


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print requests, bytes and load time of every page visited (cold cache, desktop)."""
    if not VISITS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("page budget (desktop, cold cache)")
    write(f"{'page':<34} {'requests':>8} {'KiB':>8} {'load ms':>8} {'blocked':>8} {'axe':>4}")
    for page, visit in sorted(VISITS.items()):
        serious = sum(v["impact"] in {"serious", "critical"} for v in visit.axe + visit.axe_dark)
        write(
            f"{page:<34} {visit.traffic.requests:>8} {visit.bytes / 1024:>8.0f} "
            f"{visit.load_ms:>8.0f} {len(visit.traffic.blocked):>8} {serious:>4}"
        )
    some = next(iter(VISITS.values()))
    write(f"screenshots: {some.screenshot.parent}")
