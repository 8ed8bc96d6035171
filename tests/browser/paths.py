"""Where things are: the repository, the built site, and the pages in it.

A page is named by its path in the site (``tutorials/forward.html``). The site may hold other
editions of itself, each a complete Sphinx build in a folder of its own (the Japanese edition in
``ja/``, with its own ``_static/`` and ``_sources/``): their pages are pages of the site like any
other (``ja/tutorials/forward.html``), found by ``discover_pages``, and ``edition`` tells which
build a page belongs to.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def site_dir() -> Path:
    """Return the folder of the built HTML (it may not exist)."""
    return (ROOT / os.environ.get("DROPOUT_BOOK_SITE", "_build/html")).resolve()


def discover_pages(site: Path) -> list[str]:
    """Return every HTML page of the site (relative POSIX paths), the landing page first.

    The 404 pages are left out: their URLs are absolute, for the address the site is published
    at, and tests/browser/test_not_found.py requests them as GitHub Pages serves them.
    """
    pages = [
        path.relative_to(site).as_posix()
        for path in site.rglob("*.html")
        if not any(part.startswith("_") for part in path.relative_to(site).parts)
        and path.name != "404.html"
    ]
    return sorted(pages, key=lambda page: (page != "index.html", page))


def docname(page: str) -> str:
    """Return a page's path without ``.html`` (unique across editions)."""
    return page.removesuffix(".html")


def edition(site: Path, page: str) -> tuple[str, str]:
    """Split a page into the folder of its edition's build ("" or "ja/") and Sphinx's name of it."""
    first, _, rest = page.partition("/")
    if rest and (site / first / "_static").is_dir():
        return f"{first}/", docname(rest)
    return "", docname(page)
