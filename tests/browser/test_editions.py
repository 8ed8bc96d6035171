"""The site's editions in the browser: the language switch, and search in Japanese.

Each page of every edition passes the checks of test_pages.py (the Japanese pages are pages of
the site like any other, under ``ja/``). These tests add what a reader of two editions does:
switch language from the keyboard and land on the same page, and search in Japanese. They run
when the built site holds the Japanese edition (``_build/html/ja/``), and are skipped otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from tests.browser.traffic import Tab

pytestmark = pytest.mark.browser

PAGES = ["index.html", "tutorials/forward.html", "reference/glossary.html"]


@pytest.fixture
def japanese(site: Path) -> str:
    """Return the folder of the Japanese edition (skip when the site has none)."""
    if not (site / "ja" / "index.html").is_file():
        pytest.skip("the site has no Japanese edition (pyproject.toml lists it when complete)")
    return "ja/"


def _clean(tab: Tab) -> None:
    """Fail if the tab logged a console error or warning or tried to reach another host."""
    assert not tab.traffic.console, "\n".join(tab.traffic.console)
    assert not tab.traffic.blocked, "\n".join(tab.traffic.blocked)


def _switch_with_keyboard(tab: Tab, language: str) -> None:
    """Move the focus with Tab to the link to the `language` edition, and follow it with Enter."""
    page = tab.page
    link = page.locator(f"a.language-switch__link[hreflang={language}]")
    assert link.count() == 1, f"no link to the {language} edition"
    for _ in range(60):  # the switch comes early in the header: a few presses reach it
        page.keyboard.press("Tab")
        if link.evaluate("a => a === document.activeElement"):
            break
    else:
        pytest.fail(f"Tab never reached the link to the {language} edition")
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("path", PAGES)
def test_language_switch_leads_to_the_same_page_and_back(
    tab: Tab, base_url: str, japanese: str, path: str
) -> None:
    """From the keyboard, the switch opens the same page in Japanese, whose switch leads back."""
    page = tab.page
    page.goto(path)
    assert page.evaluate("document.documentElement.lang") == "en"
    _switch_with_keyboard(tab, "ja")
    assert page.url == base_url + japanese + path
    assert page.evaluate("document.documentElement.lang") == "ja"
    _switch_with_keyboard(tab, "en")
    assert page.url == base_url + path
    _clean(tab)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("マスク", "tutorials/forward.html"), ("逆伝播", "tutorials/backward.html")],
)
def test_japanese_search_finds_the_tutorial(
    tab: Tab, base_url: str, japanese: str, query: str, expected: str
) -> None:
    """Searching the Japanese edition for a term of the book lists the tutorial about it."""
    page = tab.page
    page.goto(f"{japanese}index.html")
    page.keyboard.press("Control+k")
    field = page.locator("input[name=q]").filter(visible=True).first
    field.fill(query)
    field.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    # Finished when the title stops pulsing: Sphinx's Japanese catalogue leaves the summary line
    # ("Search finished, found N pages") empty, so its text cannot be awaited as in English.
    page.locator("#search-results .search-summary").wait_for(state="attached")
    page.wait_for_function("() => Search._pulse_status === -1")
    summary = page.locator("#search-results h2")
    hits = page.locator("#search-results ul.search li a").evaluate_all(
        "links => links.map((a) => a.href)"
    )
    pages = [urlsplit(hit).path for hit in hits]
    wanted = urlsplit(base_url + japanese + expected).path
    assert wanted in pages, f"{summary.inner_text()}: {pages}"
    _clean(tab)
