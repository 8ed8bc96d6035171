"""The theme's icons show: each has a size and visible ink, at desktop and phone widths.

The icons are glyphs of FontAwesome's webfonts, cut down to the icons in use (conf/icons.py),
instead of the SVGs FontAwesome's script used to draw. A glyph missing from the fonts, or a font
that fails to load, leaves an empty box or nothing: so each icon is measured in the page, and a
screenshot of it must hold ink (dark pixels on the light page), not only take room.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.visits import PHONE

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.traffic import Tab

pytestmark = pytest.mark.browser

PAGE = "tutorials/forward.html"  # a page with every kind of header button and a toctree
# Every FontAwesome element whose parent is rendered: the icon should then be drawn as well.
# Each is marked with a number, for a screenshot of it alone.
SHOWN_ICONS = """(scope) => {
    const root = scope ? document.querySelector(scope) : document;
    const rendered = (el) => el.checkVisibility({visibilityProperty: true, opacityProperty: true});
    return [...root.querySelectorAll("[class*='fa-']")]
        .filter((icon) => !icon.dataset.probe && rendered(icon.parentElement))
        .filter((icon) => getComputedStyle(icon).display !== "none")
        .map((icon) => {
            icon.dataset.probe = document.querySelectorAll("[data-probe]").length;
            const box = icon.getBoundingClientRect();
            const name = [...icon.classList].filter((c) => /^fa-(?!solid|brands|lg|fw)/.test(c));
            return {probe: icon.dataset.probe, name: name.join(" "), width: box.width,
                    height: box.height};
        });
}"""
# A screenshot of an icon holds ink if its darkest and lightest pixels differ by this much (of
# 255): an icon in the theme's muted text colour on the light page differs by about 160, an
# empty box by 0.
MIN_INK = 64
# Menus of the header, opened in turn; and the primary sidebar, hidden behind its toggle on a
# phone.
MENUS = [".dropdown-source-buttons", ".dropdown-download-buttons", ".theme-switch-container"]
PRIMARY_SIDEBAR = "#pst-primary-sidebar-modal[open]"  # the sidebar as a dialog, on a phone


def _check(page: Page, scope: str | None = None) -> tuple[set[str], list[str]]:
    """Return the names of the icons shown (in `scope`), and the problems of those not drawn."""
    from PIL import Image

    names, problems = set(), []
    icons: list[dict[str, Any]] = page.evaluate(SHOWN_ICONS, scope)
    for icon in icons:
        names.add(icon["name"])
        if icon["width"] < 1 or icon["height"] < 1:
            problems.append(f"{icon['name']}: {icon['width']:.0f} x {icon['height']:.0f} px")
            continue
        shot = page.locator(f"[data-probe='{icon['probe']}']").screenshot()
        low, high = Image.open(io.BytesIO(shot)).convert("L").getextrema()
        if high - low < MIN_INK:
            problems.append(f"{icon['name']}: no ink (grey levels {low} to {high})")
    return names, problems


def _open(page: Page, selector: str) -> bool:
    """Click the toggle of the menu `selector`, if shown; tell whether it opened."""
    toggle = page.locator(f"{selector} > button").filter(visible=True)
    if not toggle.count():
        return False
    toggle.first.click()
    page.locator(f"{selector} .dropdown-menu.show").wait_for()
    return True


WIDTHS = [
    pytest.param({"desktop": True}, id="desktop"),
    pytest.param(
        {"desktop": False},
        id="phone",
        marks=pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True),
    ),
]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_icon_has_a_size_and_ink(tab: Tab, width: dict[str, bool]) -> None:
    """Header buttons, menus, search, theme switch and sidebar toggles draw visible icons."""
    page = tab.page
    page.goto(PAGE)
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    names, problems = _check(page)
    for menu in MENUS:
        if _open(page, menu):
            more, trouble = _check(page, f"{menu} .dropdown-menu.show")
            names |= more
            problems += [f"{menu} menu: {problem}" for problem in trouble]
            page.keyboard.press("Escape")
    if not width["desktop"]:
        page.locator(".primary-toggle").filter(visible=True).first.click()
        page.locator(PRIMARY_SIDEBAR).wait_for()
        more, trouble = _check(page, PRIMARY_SIDEBAR)
        names |= more
        problems += [f"sidebar: {problem}" for problem in trouble]
    assert not problems, "\n".join(problems)
    expected = {
        "fa-bars",  # the primary sidebar's toggle
        "fa-github",  # the repository menu, and its first entry
        "fa-download",  # the download menu
        "fa-code",  # .ipynb in the download menu, source in the repository menu
        "fa-file-pdf",
        "fa-lightbulb",  # open an issue
        "fa-circle-half-stroke",  # the theme switch, in the automatic mode of a first visit
        "fa-sun",
        "fa-moon",
        "fa-magnifying-glass",  # search
        "fa-chevron-down",  # the toctree's section toggles
    }
    assert expected <= names, f"icons not found: {sorted(expected - names)}"
    assert not tab.traffic.console, "\n".join(tab.traffic.console)
