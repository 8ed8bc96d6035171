"""What a published site needs besides its pages: its address, a 404 page, a sitemap, robots.txt.

conf.py names the site's address once (``publish_root_url``: the English edition's root, from
the DROPOUT_BOOK_BASEURL environment variable or the GitHub Pages address of the repository)
and the editions the site holds (``publish_editions``: language -> folder under the root). Each
edition is a build of its own (the Japanese one goes to ``ja/``, with ``-D language=ja``, which
conf.py cannot see); so the settings that depend on the edition are derived here, once the
configuration is complete:

- ``html_baseurl`` (Sphinx writes a canonical link per page from it), ``ogp_site_url`` (the
  link previews' URLs) and ``notfound_urls_prefix`` (sphinx-notfound-page makes every URL of
  the 404 page absolute with it, so that the page works at any depth);
- the 404 page's text, in every language the site holds: GitHub Pages serves the root's
  404.html for a missing page anywhere under the site, in either edition;
- ``sitemap.xml`` and ``robots.txt`` are written by the root edition only, for the whole site:
  sphinx-sitemap lists the pages of the build, and this module adds each page's other editions
  as alternates (``xhtml:link rel="alternate" hreflang=...``), and the other editions' URLs.
  sphinx-sitemap's own locale support assumes every language lives under ``<lang>/``, while this
  site keeps English at the root.

The link previews' image is drawn here as well, at build time, with the package itself: a
dropout mask of the layer, kept units as discs and dropped units as rings (the favicon's motif).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
CARD_IMAGE = "_static/social-card.png"
CARD_SIZE = (1200, 630)  # pixels: the size the link-preview services ask for
# Pages that a search engine has no use for; the 404 page must not be indexed at all.
NOT_IN_SITEMAP = ["404.html", "search.html", "genindex.html", "py-modindex.html"]

NOT_FOUND = {
    "en": (
        "<h1>Page not found</h1>\n"
        "<p>There is no page at this address: it may have moved, or the link has a typo. "
        'The <a href="{home}">home page</a> leads to every page, and the search field '
        "finds a word in any of them.</p>"
    ),
    "ja": (
        '<div lang="ja">\n<h2>ページが見つかりません</h2>\n'
        "<p>このアドレスにはページがありません。ページが移動したか、リンクのアドレスが"
        '間違っているのかもしれません。<a href="{home}">日本語版のトップページ</a>から'
        "すべてのページをたどれます。検索欄からはページの中の言葉を探せます。</p>\n</div>"
    ),
}


def edition_prefix(config: Config) -> str:
    """Folder of this build's edition under the site's root ('' for the root edition)."""
    editions: dict[str, str] = config.publish_editions
    return editions.get(config.language, "")


def is_root_edition(config: Config) -> bool:
    return edition_prefix(config) == ""


def derive_urls(app: Sphinx, config: Config) -> None:
    """Set the edition's base URL, the 404 page's prefix and text, the sitemap's exclusions."""
    root = config.publish_root_url
    if not root.endswith("/"):
        root += "/"
    config.publish_root_url = root
    config.html_baseurl = root + edition_prefix(config)
    config.ogp_site_url = config.html_baseurl
    config.notfound_urls_prefix = urlsplit(config.html_baseurl).path
    root_path = urlsplit(root).path
    paragraphs = [
        text.format(home=f"{root_path}{prefix}index.html")
        for language, prefix in config.publish_editions.items()
        if (text := NOT_FOUND.get(language))
    ]
    config.notfound_context = {"title": "Page not found", "body": "\n".join(paragraphs)}
    # One sitemap for the whole site, at its root: another edition's build writes none.
    config.sitemap_excludes = NOT_IN_SITEMAP if is_root_edition(config) else ["*"]


def not_found_page_head(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """The 404 page stands for every missing address: no canonical URL, never indexed."""
    if pagename == app.config.notfound_pagename:
        context["pageurl"] = None
        context["metatags"] = context.get("metatags", "") + (
            '<meta name="robots" content="noindex" />\n'
        )


# A page's description for search results and link previews: its first paragraphs of prose,
# cut at a word before this many characters. sphinxext-opengraph's own description takes every
# text node in order, display math and doctest blocks included (raw LaTeX, ">>>" prompts), and
# loses the spaces around references; so it is given this one instead.
DESCRIPTION_LENGTH = 200
NOT_PROSE = (
    nodes.Admonition,
    nodes.caption,
    nodes.citation,
    nodes.definition_list,
    nodes.field_list,
    nodes.footnote,
    nodes.sidebar,
    nodes.table,
    nodes.topic,
)


def is_prose(paragraph: nodes.paragraph) -> bool:
    """Whether a paragraph is running text: not in a cell, note, caption, table or list of terms."""
    parent = paragraph.parent
    while parent is not None:
        if isinstance(parent, NOT_PROSE) or parent.get("nb_element"):
            return False
        parent = parent.parent
    return True


def page_description(doctree: nodes.document, limit: int = DESCRIPTION_LENGTH) -> str:
    """The page's first paragraphs of prose, whitespace collapsed, cut at a word with '…'."""
    text = ""
    for paragraph in doctree.findall(nodes.paragraph):
        if is_prose(paragraph):
            # Text only: the markup of inline HTML (a <span lang="ja">, say) is not prose.
            words = "".join(
                node.astext()
                for node in paragraph.findall(nodes.Text)
                if not isinstance(node.parent, nodes.raw)
            ).split()
            text = f"{text} {' '.join(words)}".strip()
            if len(text) > limit:
                return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:(") + "…"
    return text


def describe_page(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give the page's description to the link previews and to search engines."""
    if doctree is None or not (description := page_description(doctree)):
        return
    # A copy: context["meta"] is the page's metadata in the build environment.
    # sphinxext-opengraph escapes only the quotes of a value given this way.
    og_description = html.escape(description, quote=False)
    context["meta"] = {**(context.get("meta") or {}), "og:description": og_description}
    context["metatags"] = context.get("metatags", "") + (
        f'<meta name="description" content="{html.escape(description)}" />\n'
    )


def with_alternates(sitemap: bytes, root: str, editions: dict[str, str]) -> bytes:
    """Return the sitemap with every page in every edition, each listing all its editions.

    ``sitemap`` lists the root edition's pages as sphinx-sitemap wrote them, with URLs under
    ``root``; ``editions`` maps each language to its folder under the root ('' for the root
    edition). With one edition the pages are only sorted. Otherwise every page gets a
    ``<url>`` per edition, and each of those lists the page in every edition (itself included)
    as an alternate, plus an ``x-default`` for the root edition, as search engines ask. The
    URLs come sorted, whatever the editions.
    """
    pages = sorted(
        loc.removeprefix(root)
        for element in ElementTree.fromstring(sitemap).iter(f"{{{SITEMAP_NS}}}loc")
        if (loc := element.text or "").startswith(root)
    )
    alternates = [*sorted(editions.items()), ("x-default", "")] if len(editions) > 1 else []
    lines = [
        "<?xml version='1.0' encoding='utf-8'?>",
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">',
    ]
    for prefix, page in sorted(
        ((prefix, page) for prefix in editions.values() for page in pages),
        key=lambda entry: entry[0] + entry[1],
    ):
        lines += ["  <url>", f"    <loc>{escape(root + prefix + page)}</loc>"]
        lines += [
            f'    <xhtml:link rel="alternate" hreflang="{language}" '
            f"href={quoteattr(root + other + page)} />"
            for language, other in alternates
        ]
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines).encode() + b"\n"


def robots_txt(root: str) -> str:
    """robots.txt for the site: everything may be crawled; where the sitemap is.

    Crawlers read robots.txt only at a host's root, so this file takes effect when the site is
    served at one (a custom domain); under GitHub Pages' /<repository>/ the sitemap still
    reaches search engines through their consoles.
    """
    return f"User-agent: *\nAllow: /\n\nSitemap: {root}sitemap.xml\n"


def draw_card(path: Path, title: str, subtitle: str) -> None:
    """Draw the link-preview image: the site's name beside a dropout mask drawn by the layer."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, FancyBboxPatch

    from dropout_book import Dropout

    ink, paper = "#1f4e79", "#ffffff"
    width, height = CARD_SIZE
    # Every setting explicit: the site's matplotlibrc (for the pages' figures) applies here too.
    figure = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor=paper, layout="none")
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1), xlim=(0, width), ylim=(0, height))
    axes.set_axis_off()
    axes.text(64, 360, title, fontsize=50, fontweight="bold", color=ink, va="baseline")
    axes.text(66, 300, subtitle, fontsize=22, color="#333333", va="top", linespacing=1.6)
    # A mask the layer drew: 5 x 5 units, dropout ratio 0.5; this seed keeps 12 of them, with
    # at least one in every row and column.
    units, pitch, pad = 5, 80, 52
    kept = Dropout(0.5, rng=2018).forward(np.ones((units, units))) > 0
    side = (units - 1) * pitch + 2 * pad
    left, bottom = width - 64 - side, (height - side) / 2
    box = FancyBboxPatch(
        (left, bottom),
        side,
        side,
        boxstyle="round,pad=0,rounding_size=36",
        facecolor=ink,
        edgecolor="none",
    )
    axes.add_patch(box)
    for (row, column), unit_kept in np.ndenumerate(kept):
        centre = (left + pad + column * pitch, bottom + side - pad - row * pitch)
        if unit_kept:
            axes.add_patch(Circle(centre, 25, facecolor=paper, edgecolor="none"))
        else:
            axes.add_patch(Circle(centre, 21, facecolor="none", edgecolor=paper, linewidth=5))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, facecolor=paper)


def write_site_files(app: Sphinx, exception: Exception | None) -> None:
    """After a good HTML build: the card image; for the root edition, sitemap and robots.txt."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    draw_card(
        outdir / CARD_IMAGE,
        app.config.project,
        "The Dropout layer of Saito (2016),\nrebuilt in NumPy and run\nstep by step",
    )
    if not is_root_edition(app.config):
        return
    root = app.config.publish_root_url
    sitemap = outdir / "sitemap.xml"
    sitemap.write_bytes(with_alternates(sitemap.read_bytes(), root, app.config.publish_editions))
    (outdir / "robots.txt").write_text(robots_txt(root), encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("publish_root_url", "", "html", types=frozenset({str}))
    app.add_config_value("publish_editions", {"en": ""}, "html", types=frozenset({dict}))
    app.connect("config-inited", derive_urls, priority=800)
    app.connect("html-page-context", not_found_page_head)
    # Before sphinxext-opengraph writes its tags (priority 500).
    app.connect("html-page-context", describe_page, priority=499)
    # After sphinx-sitemap has written sitemap.xml (build-finished, priority 500).
    app.connect("build-finished", write_site_files, priority=800)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
