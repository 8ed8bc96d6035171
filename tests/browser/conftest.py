"""Fixtures of the browser tests: the built site on a loopback port, Chromium, page visits.

Every page of the built site is visited twice, each time in a fresh browser context so nothing
comes from a cache: once at desktop width (1280 px), where the page's traffic, timing, content
and accessibility are recorded, and once as a phone (390 px), where its width is measured. The
tests read these records, so a page is loaded twice however many tests look at it. A screenshot
of each visit is saved for review, and the page budget table is printed at the end of the run.

pytest-playwright starts Playwright and the browser (its ``browser``, ``context`` and ``page``
fixtures), set up here for Debian's Chromium and the local site; its options work as usual
(``--headed``, ``--slowmo``, ``--screenshot``, ``--tracing``). The rest is done by plain modules
beside this file: ``paths`` (where the site and its pages are), ``server`` (the loopback server,
which serves the site under a prefix as GitHub Pages does), ``chromium`` (which browser),
``visits`` (a visit at each width, with the scripts of ``probes``), ``traffic`` (what a tab asks
of the network and logs to its console) and ``sources`` (the MyST source and executed notebook
of a page).

Environment variables:

- ``DROPOUT_BOOK_SITE``: the built HTML (default ``_build/html`` of the repository, which
  ``nox -s docs`` writes).
- ``DROPOUT_BOOK_CHROMIUM``: the browser executable (default ``/usr/bin/chromium``, Debian's).
- ``DROPOUT_BOOK_SCREENSHOTS``: where screenshots go (default ``screenshots/`` beside the site,
  inside the git-ignored build folder).
- ``CI``: when set, a missing site or browser fails the run instead of skipping it.

Playwright and axe are imported only where a fixture or test uses them, so that the other test
sessions, which collect this folder without installing the ``browser`` group, are not affected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from tests.browser.chromium import CHROMIUM_ARGS, chromium_executable
from tests.browser.paths import discover_pages, site_dir
from tests.browser.server import serve
from tests.browser.traffic import Tab, watch
from tests.browser.visits import DESKTOP, VISITS, DesktopVisit, PhoneVisit, SiteVisits

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


def _missing(message: str) -> NoReturn:
    """Skip the test for a missing prerequisite; under CI, fail instead."""
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


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


@pytest.fixture(scope="session")
def site() -> Path:
    """Return the built HTML site (skip, or under CI fail, without one)."""
    path = site_dir()
    if not (path / "index.html").is_file():
        _missing(f"no built site at {path}: run `nox -s docs` first, or set DROPOUT_BOOK_SITE")
    return path


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    """Serve the site under its prefix on a free loopback port; yield its address.

    pytest-playwright gives it to every context it makes, so tabs take relative URLs.
    """
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium (skip, or under CI fail, without it)."""
    executable = chromium_executable()
    if not executable.is_file():
        _missing(
            f"Chromium not found at {executable}: install it with `apt-get install chromium` "
            "(Debian/Ubuntu), or point DROPOUT_BOOK_CHROMIUM at a Chromium executable"
        )
    return {**browser_type_launch_args, "executable_path": str(executable), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Open the tabs of the interaction tests at desktop width, in light colours."""
    return {**browser_context_args, "viewport": DESKTOP, "color_scheme": "light"}


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


@pytest.fixture
def tab(context: BrowserContext, page: Page, base_url: str) -> Tab:
    """Return a fresh desktop tab (clipboard allowed, other hosts blocked)."""
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    return Tab(page, watch(context, page, base_url))


# --- the page budget table --------------------------------------------------------------------


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print requests, bytes and load time of every page visited (cold cache, desktop)."""
    if not VISITS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("page budget (desktop, cold cache)")
    write(
        f"{'page':<34} {'requests':>8} {'KiB':>8} {'img KiB':>8} {'load ms':>8} {'blocked':>8} "
        f"{'axe':>4}"
    )
    for page, visit in sorted(VISITS.items()):
        serious = sum(v["impact"] in {"serious", "critical"} for v in visit.axe + visit.axe_dark)
        write(
            f"{page:<34} {visit.traffic.requests:>8} {visit.bytes / 1024:>8.0f} "
            f"{visit.image_bytes / 1024:>8.0f} "
            f"{visit.load_ms:>8.0f} {len(visit.traffic.blocked):>8} {serious:>4}"
        )
    some = next(iter(VISITS.values()))
    write(f"screenshots: {some.screenshot.parent}")
