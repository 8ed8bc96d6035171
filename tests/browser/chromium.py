"""The browser: Debian's Chromium, headless, launched by pytest-playwright."""

from __future__ import annotations

import os
from pathlib import Path

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
