"""The dropout playground of the forward tutorial, driven as a reader drives it.

The figure (conf/playground.py, conf/_static/dropout-playground.js) draws one uniform number
``u`` per unit from a generator seeded by the figure's ``data-seed`` and keeps a unit when
``u > p``. Each test opens the tutorial in a fresh tab (conftest.py's ``tab``), with the seed
rewritten on its way from the server, so that every draw below is fixed in advance: the
statistical test is exact, never flaky, and does not depend on the seed the page happens to use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Route

    from tests.browser.traffic import Tab

pytestmark = pytest.mark.browser

FORWARD = "tutorials/forward.html"
FIGURE = "figure.dropout-playground"
SEED = 20160916
RATIOS = (0.1, 0.25, 0.5, 0.75, 0.9)
DRAWS = 20
# Chance that a correct figure fails the statistical test, for a seed chosen at random.
ALPHA = 1e-6


def binomial_interval(n: int, q: float, alpha: float) -> tuple[int, int]:
    """Return the narrowest [lo, hi] with P(K < lo) <= alpha / 2 and P(K > hi) <= alpha / 2.

    K is Binomial(n, q), 0 < q < 1: the number of units kept when each of n is kept
    independently with probability q. The tails are summed from the probability mass function
    C(n, k) q^k (1 - q)^(n - k), evaluated through its logarithm (C(n, k) overflows a float for
    n in the thousands) to a relative error near 1e-12: no normal approximation, so the bound
    holds for any n and q.
    """
    log_q, log_1q = math.log(q), math.log1p(-q)
    pmf = [
        math.exp(
            math.lgamma(n + 1)
            - math.lgamma(k + 1)
            - math.lgamma(n - k + 1)
            + k * log_q
            + (n - k) * log_1q
        )
        for k in range(n + 1)
    ]
    lo, below = 0, 0.0
    while below + pmf[lo] <= alpha / 2:
        below += pmf[lo]
        lo += 1
    hi, above = n, 0.0
    while above + pmf[hi] <= alpha / 2:
        above += pmf[hi]
        hi -= 1
    return lo, hi


@dataclass
class Playground:
    """The figure in a tab, with every console message the tab logged (of any type)."""

    page: Page
    console: list[str]

    def mask(self) -> list[bool]:
        """Return the drawn mask, unit by unit: True where the grid shows a kept unit."""
        mask: list[bool] = self.page.locator(f"{FIGURE} rect").evaluate_all(
            "cells => cells.map((c) => c.classList.contains('dpg-kept'))"
        )
        return mask

    def inputs(self) -> list[float]:
        """Return the fixed input of every unit, as the grid records it."""
        values: list[str] = self.page.locator(f"{FIGURE} rect").evaluate_all(
            "cells => cells.map((c) => c.dataset.x)"
        )
        return [float(value) for value in values]

    def set_ratio(self, ratio: float) -> None:
        """Set the slider's value, as a pointer drag does, and let the page hear it."""
        self.page.locator(f"{FIGURE} input[type=range]").evaluate(
            "(slider, value) => { slider.value = value;"
            " slider.dispatchEvent(new Event('input', {bubbles: true})); }",
            str(ratio),
        )

    def ratio(self) -> float:
        """Return the slider's value."""
        return float(self.page.locator(f"{FIGURE} input[type=range]").input_value())

    def draw_again(self) -> None:
        """Press the button that draws new uniform numbers."""
        self.page.locator(f"{FIGURE} button.dpg-draw").click()

    def shown(self, selector: str) -> str:
        """Return the text the figure shows in `selector`."""
        return str(self.page.locator(f"{FIGURE} {selector}").inner_text()).strip()


def _open(page: Page, seed: int) -> None:
    """Load the forward tutorial with the playground's seed replaced by `seed`."""

    def reseed(route: Route) -> None:
        response = route.fetch()
        html, count = re.subn(r'data-seed="\d+"', f'data-seed="{seed}"', response.text())
        assert count == 1, f"{count} playgrounds with a data-seed on {FORWARD}"
        route.fulfill(response=response, body=html)

    page.route(f"**/{FORWARD}", reseed)
    page.goto(FORWARD)
    page.locator(f"{FIGURE} svg rect").first.wait_for()


@pytest.fixture
def playground(tab: Tab) -> Iterator[Playground]:
    """Yield the playground, reseeded with SEED; fail if it logged anything to the console.

    The theme logs a line or two of its own while the page loads (console.log, type "log");
    what must stay silent is the playground: nothing from its script, of any type, and nothing
    from anywhere once the page has loaded, while the reader moves the slider and draws. Errors
    and warnings from any source fail the test through the tab's own record.
    """
    console: list[str] = []
    loaded = False

    def on_console(message: ConsoleMessage) -> None:
        origin = message.location.get("url", "")
        if loaded or "dropout-playground" in origin:
            console.append(f"{message.type}: {message.text} ({origin})")

    tab.page.on("console", on_console)
    _open(tab.page, SEED)
    tab.page.wait_for_load_state("networkidle")
    loaded = True
    yield Playground(tab.page, console)
    assert not console, "the playground logged:\n" + "\n".join(console)
    assert not tab.traffic.console, "\n".join(tab.traffic.console)
    assert not tab.traffic.blocked, "\n".join(tab.traffic.blocked)


def test_binomial_interval_is_exact_on_a_small_case() -> None:
    """The interval helper cuts exactly the tails whose mass is at most alpha / 2."""
    # Binomial(4, 1/2): P(K = 0) = P(K = 4) = 1/16, P(K <= 1) = 5/16.
    assert binomial_interval(4, 0.5, 2 / 16) == (1, 3)
    assert binomial_interval(4, 0.5, 2 / 16 - 1e-12) == (0, 4)
    assert binomial_interval(4, 0.5, 10 / 16) == (2, 2)


def test_kept_fraction_stays_within_binomial_bounds(playground: Playground) -> None:
    """For several p, every drawn mask keeps a number of units within exact binomial bounds.

    Each unit is kept independently with probability q = 1 - p, so the number kept of n units
    is Binomial(n, q). For each p the test draws DRAWS masks with the button and checks each
    count, and their total, which is Binomial(DRAWS * n, q). With m = len(RATIOS) * (DRAWS + 1)
    checks, each uses the interval whose two tails hold at most ALPHA / m: by the union bound a
    correct figure fails with probability at most ALPHA, whatever the seed. The seed is fixed,
    so the outcome is the same on every run. The shown kept fraction and 1 - p are checked
    against the grid at every draw.
    """
    units = len(playground.mask())
    checks = len(RATIOS) * (DRAWS + 1)
    for ratio in RATIOS:
        keep = 1 - ratio
        playground.set_ratio(ratio)
        assert playground.ratio() == ratio
        lo, hi = binomial_interval(units, keep, ALPHA / checks)
        total = 0
        for _ in range(DRAWS):
            playground.draw_again()
            kept = sum(playground.mask())
            assert lo <= kept <= hi, f"p = {ratio}: {kept} of {units} kept, outside [{lo}, {hi}]"
            assert playground.shown(".dpg-kept-value") == f"{kept} / {units} = {kept / units:.3f}"
            assert playground.shown(".dpg-expected-value") == f"{keep:.3f}"
            total += kept
        lo, hi = binomial_interval(DRAWS * units, keep, ALPHA / checks)
        assert lo <= total <= hi, f"p = {ratio}: {total} kept in {DRAWS} draws, [{lo}, {hi}]"


def test_ratio_zero_keeps_every_unit_and_one_keeps_none(playground: Playground) -> None:
    """At p = 0 every unit is kept (u > 0), at p = 1 none is (u < 1), draw after draw."""
    for ratio, expected in [(0.0, True), (1.0, False)]:
        playground.set_ratio(ratio)
        for _ in range(3):
            assert set(playground.mask()) == {expected}
            playground.draw_again()
    assert playground.shown(".dpg-row-inverted .dpg-training") == "0.000"


def test_keyboard_moves_the_slider_and_presses_the_button(playground: Playground) -> None:
    """Arrow keys, Home and End move the slider; Enter and Space on the button draw again.

    Moving the slider compares the same uniform numbers with another ratio, so a larger p
    keeps a subset of the units kept at a smaller one; only the button draws new numbers.
    """
    page = playground.page
    slider = page.locator(f"{FIGURE} input[type=range]")
    slider.focus()
    playground.set_ratio(0.5)
    before = playground.mask()
    page.keyboard.press("ArrowRight")
    assert playground.ratio() == pytest.approx(0.51)
    assert playground.shown(".dpg-ratio-value") == "0.51"
    after = playground.mask()
    assert all(b or not a for a, b in zip(after, before, strict=True)), "a unit came back"
    page.keyboard.press("ArrowLeft")
    assert playground.mask() == before
    page.keyboard.press("Home")
    assert playground.ratio() == 0.0
    assert all(playground.mask())
    page.keyboard.press("End")
    assert playground.ratio() == 1.0
    assert not any(playground.mask())

    playground.set_ratio(0.5)
    masks = [playground.mask()]
    button = page.locator(f"{FIGURE} button.dpg-draw")
    button.focus()
    for key in ("Enter", "Space"):
        page.keyboard.press(key)
        masks.append(playground.mask())
    # Two draws of 256 units agree by chance with probability 2^-256.
    assert masks[0] != masks[1] != masks[2] != masks[0]


def test_outputs_are_those_of_the_book_and_inverted_layers(playground: Playground) -> None:
    """The table shows the mean output of each layer for the drawn mask and at inference."""
    x = playground.inputs()
    for ratio in (0.2, 0.5, 0.8):
        playground.set_ratio(ratio)
        mask = playground.mask()
        keep = 1 - ratio
        book = sum(xi for xi, kept in zip(x, mask, strict=True) if kept) / len(x)
        expected = {
            ".dpg-row-book .dpg-training": book,
            ".dpg-row-book .dpg-inference": keep * sum(x) / len(x),
            ".dpg-row-inverted .dpg-training": book / keep,
            ".dpg-row-inverted .dpg-inference": sum(x) / len(x),
        }
        for cell, value in expected.items():
            # The grid records x to 6 decimals, the table shows 3.
            assert float(playground.shown(cell)) == pytest.approx(value, abs=5e-4 + 1e-5)


def test_same_seed_same_masks_and_another_seed_others(tab: Tab) -> None:
    """The masks are a function of data-seed: a reload repeats them, another seed changes them."""
    page = tab.page
    grid = f"{FIGURE} rect"
    read = "cells => cells.map((c) => c.classList.contains('dpg-kept'))"
    _open(page, SEED)
    first = page.locator(grid).evaluate_all(read)
    page.reload()
    page.locator(f"{grid}").first.wait_for()
    assert page.locator(grid).evaluate_all(read) == first
    page.unroute(f"**/{FORWARD}")
    _open(page, SEED + 1)
    assert page.locator(grid).evaluate_all(read) != first


def test_labels_and_text_alternative_come_from_the_page(playground: Playground) -> None:
    """Controls are labelled by the page's own paragraphs; the grid's alternative is current."""
    page = playground.page
    texts = f"{FIGURE} .dpg-texts"
    assert page.locator(texts).is_hidden()
    slider = page.locator(f"{FIGURE} input[type=range]")
    ratio_text = page.locator(f"{texts} .dpg-ratio").text_content()
    assert slider.evaluate("s => [...s.labels].map((l) => l.textContent)") == [ratio_text]
    draw_text = page.locator(f"{texts} .dpg-draw").text_content()
    assert page.locator(f"{FIGURE} button.dpg-draw").inner_text() == draw_text
    assert page.locator(f"{FIGURE} .dpg-noscript").count() == 0
    grid = page.locator(f"{FIGURE} svg")
    assert grid.get_attribute("role") == "img"
    kept = sum(playground.mask())
    label = grid.get_attribute("aria-label") or ""
    assert f" {kept} " in label, label
    assert "{" not in label, f"a placeholder was left unfilled: {label}"
    assert page.locator(f"{FIGURE} .dpg-numbers").get_attribute("aria-live") == "polite"


def test_without_javascript_a_sentence_stands_in(browser: Browser, base_url: str) -> None:
    """With scripts off, the figure is its caption and a sentence saying what it would show."""
    context = browser.new_context(java_script_enabled=False, base_url=base_url)
    page = context.new_page()
    page.goto(FORWARD)
    figure = page.locator(FIGURE)
    assert figure.locator(".dpg-noscript").is_visible()
    assert figure.locator(".dpg-caption").is_visible()
    assert figure.locator("svg, input, button").count() == 0
    assert figure.locator(".dpg-texts").is_hidden()
    context.close()


def test_dark_mode_recolours_the_grid(playground: Playground) -> None:
    """The kept units take the theme's colours, so they change with the dark theme."""
    page = playground.page
    kept = page.locator(f"{FIGURE} rect.dpg-kept").first
    fill = "(cell) => getComputedStyle(cell).fill"
    background = "getComputedStyle(document.body).backgroundColor"
    light = kept.evaluate(fill), page.evaluate(background)
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    dark = kept.evaluate(fill), page.evaluate(background)
    assert light[1] != dark[1], "the page did not switch to the dark theme"
    assert light[0] != dark[0], f"the kept units stayed {light[0]} in dark mode"
    assert dark[0] != dark[1], "kept units the colour of the dark background"
