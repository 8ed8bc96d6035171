"""The site's editions, one per language, and the switch between them on every page.

The editions are listed in pyproject.toml (``[tool.dropout_book.docs] languages``): the first,
English, is built at the root of the site, each other one into a folder named by its language
(``ja/``), from the same sources and the catalogues in locales/. Every page links to the same
page in each other edition, with relative URLs, so that the site works under any sub-path:

- a visible link in the page's header (``_templates/language-switch.html``), named in the
  other language and marked with its ``lang`` and ``hreflang``;
- ``<link rel="alternate" hreflang>`` in the page's head, for browsers and search engines.

An edition is listed once its catalogues are complete; conf/build.py refuses to build one that
is not, unless in a draft build (DROPOUT_BOOK_DRAFT_TRANSLATIONS), which also builds the editions
not listed yet, for translators to read their work in place.

The ``<html lang>`` of each page is the build's ``language`` (Sphinx's basic layout).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

ROOT = Path(__file__).resolve().parents[1]

# The name of each language, in that language: what a reader looks for in a language switch.
NAMES = {"en": "English", "ja": "日本語"}


def languages() -> list[str]:
    """Return the languages of the site's editions, the root edition's first.

    A draft build (DROPOUT_BOOK_DRAFT_TRANSLATIONS set, for translators) adds every language
    that has catalogues in locales/, listed or not.
    """
    with (ROOT / "pyproject.toml").open("rb") as file:
        config = tomllib.load(file)
    listed: list[str] = config["tool"]["dropout_book"]["docs"]["languages"]
    if os.environ.get("DROPOUT_BOOK_DRAFT_TRANSLATIONS"):
        drafts = sorted(path.parent.name for path in (ROOT / "locales").glob("*/LC_MESSAGES"))
        listed = listed + [language for language in drafts if language not in listed]
    return listed


def folder(language: str) -> str:
    """Return the folder of an edition inside the site: "" for the root edition, else "ja/"."""
    return "" if language == languages()[0] else f"{language}/"


def other_editions(language: str, page_uri: str) -> list[dict[str, str]]:
    """Return, for each other edition, its language, name and the page's relative URL there.

    `page_uri` is the page's URI relative to the root of its own edition (tutorials/forward.html).
    """
    # Up to the edition's root, then out of the edition's folder, if any, to the site's root.
    to_site_root = "../" * (page_uri.count("/") + folder(language).count("/"))
    return [
        {"lang": other, "name": NAMES[other], "url": to_site_root + folder(other) + page_uri}
        for other in languages()
        if other != language
    ]


def add_language_switch(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    language = app.config.language
    if language not in languages():
        return
    # The 404 page is served for a missing address at any depth, so a relative link from it
    # leads nowhere; it already speaks every edition's language and links to each home page.
    if pagename == getattr(app.config, "notfound_pagename", None):
        return
    editions = other_editions(language, app.builder.get_target_uri(pagename))
    context["other_editions"] = editions
    links = "".join(
        f'<link rel="alternate" hreflang="{edition["lang"]}" href="{edition["url"]}" />\n'
        for edition in editions
    )
    context["metatags"] = context.get("metatags", "") + links


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", add_language_switch)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
