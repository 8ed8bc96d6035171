"""Where things are: the repository, the built site, and the pages in it."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
