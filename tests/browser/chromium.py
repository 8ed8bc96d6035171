"""The browser: Debian's Chromium, headless, driven by Playwright.

Playwright is imported only when Chromium is launched, so that importing this module needs
nothing beyond the standard library.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser

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


def chromium_executable() -> Path:
    """Return the path of the browser executable (it may not exist)."""
    return Path(os.environ.get("DROPOUT_BOOK_CHROMIUM", "/usr/bin/chromium"))


@contextmanager
def launch(executable: Path) -> Iterator[Browser]:
    """Launch headless Chromium under Playwright until the block ends; yield the browser.

    Raises
    ------
    ImportError
        If Playwright is not installed.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
