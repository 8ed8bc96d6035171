"""What a reader does on the built site: search, copy code, switch theme, download a notebook.

Each test drives a fresh desktop tab (conftest.py's ``tab`` fixture), in which requests to any
other host are blocked and console messages are recorded.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from tests.browser.server import PREFIX

if TYPE_CHECKING:
    from tests.browser.traffic import Tab
    from tests.browser.visits import SiteVisits

pytestmark = pytest.mark.browser

FORWARD = "tutorials/forward.html"


def _clean(tab: Tab) -> None:
    """Fail if the tab logged a console error or warning or tried to reach another host."""
    assert not tab.traffic.console, "\n".join(tab.traffic.console)
    assert not tab.traffic.blocked, "\n".join(tab.traffic.blocked)


def test_site_is_served_only_under_its_prefix(base_url: str) -> None:
    """The test server answers under PREFIX only, as GitHub Pages does for a project's site."""
    assert urlsplit(base_url).path == PREFIX
    with urlopen(base_url + "index.html") as response:
        assert response.status == 200
    root = base_url.removesuffix(PREFIX) + "/index.html"
    with pytest.raises(HTTPError) as refused:
        urlopen(root)
    refused.value.close()
    assert refused.value.code == 404


def test_search_for_mask_lists_the_forward_tutorial(tab: Tab) -> None:
    """Searching "mask" from the search field lists the forward-pass tutorial."""
    page = tab.page
    page.goto("index.html")
    page.keyboard.press("Control+k")  # the theme's shortcut to the search field
    field = page.locator("input[name=q]").filter(visible=True).first
    field.fill("mask")
    field.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q=mask"))
    summary = page.locator("#search-results .search-summary")
    summary.filter(has_text=re.compile("finished|did not match")).wait_for()
    hits = page.locator("#search-results ul.search li a").evaluate_all(
        "links => links.map((a) => a.href)"
    )
    pages = [urlsplit(hit).path.removeprefix(PREFIX) for hit in hits]
    assert FORWARD in pages, f"{summary.inner_text()}: {pages}"
    _clean(tab)


def test_a_search_result_highlights_the_searched_word(tab: Tab) -> None:
    """A page opened from the search results marks the searched word where it occurs."""
    page = tab.page
    page.goto("search.html?q=mask")
    summary = page.locator("#search-results .search-summary")
    summary.filter(has_text=re.compile("finished|did not match")).wait_for()
    result = page.locator(f'#search-results ul.search li a[href*="{FORWARD}"]').first
    result.click()
    page.wait_for_url(re.compile(re.escape(FORWARD)))
    marked = page.locator("span.highlighted")
    marked.first.wait_for(state="attached")
    words = {text.lower() for text in marked.all_text_contents()}
    assert words == {"mask"}, words
    assert page.locator("span.highlighted:visible").count() >= 5
    _clean(tab)


def test_copy_button_copies_exactly_a_cells_code(tab: Tab, visits: SiteVisits) -> None:
    """The copy button of a code cell copies its code: no prompt, no output."""
    cells = [cell for cell in visits.desktop(FORWARD).cells if "remove-cell" not in cell.tags]
    page = tab.page
    page.goto(FORWARD)
    on_page = page.locator("div.cell")
    assert on_page.count() == len(cells), "cells on the page and in the source differ"
    # The first cell that shows both its code and an output: the copy must hold only the code.
    for number, cell in enumerate(cells):
        shown = on_page.nth(number)
        if shown.locator(".cell_input").count() and shown.locator(".cell_output").count():
            code = cell.code
            break
    else:
        pytest.fail(f"{FORWARD} has no cell showing both code and output")
    block = shown.locator(".cell_input div.highlight")
    block.hover()
    button = block.locator("button.copybtn")
    assert button.count() == 1, "no copy button on the cell's code (sphinx-copybutton)"
    button.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    # A trailing newline is harmless when pasted; anything else must match to the character.
    assert copied.removesuffix("\n") == code
    _clean(tab)


def test_theme_choice_changes_colours_and_survives_a_reload(tab: Tab) -> None:
    """Choosing the dark theme darkens the page, and the choice outlives reloads and links."""
    page = tab.page
    page.goto("index.html")
    background = "getComputedStyle(document.body).backgroundColor"
    theme = "[document.documentElement.dataset.mode, document.documentElement.dataset.theme]"
    light = page.evaluate(background)
    page.locator(".theme-switch-button").filter(visible=True).first.click()
    page.locator(".theme-change-button[data-mode=dark]").filter(visible=True).first.click()
    assert page.evaluate(theme) == ["dark", "dark"]
    dark = page.evaluate(background)
    assert dark != light, f"the background stayed {light}"
    page.reload()
    assert page.evaluate(theme) == ["dark", "dark"]
    assert page.evaluate(background) == dark
    page.goto(FORWARD)
    assert page.evaluate(theme) == ["dark", "dark"]
    _clean(tab)


def test_tutorial_offers_a_valid_notebook(tab: Tab, tutorial: str) -> None:
    """A tutorial links a .ipynb download, served as a notebook that nbformat validates."""
    import nbformat

    page = tab.page
    page.goto(tutorial)
    links = page.locator("a[href$='.ipynb']")
    assert links.count() > 0, f"{tutorial} has no .ipynb download link"
    href = links.first.evaluate("a => a.href")
    response = page.request.get(href)
    assert response.status == 200, f"{response.status} {href}"
    notebook = nbformat.reads(response.text(), as_version=4)  # type: ignore[no-untyped-call, unused-ignore]
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "the notebook has no code cell"
    assert any(cell.outputs for cell in code), "the notebook holds no outputs: not executed"
    _clean(tab)
