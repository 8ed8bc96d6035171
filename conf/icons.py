"""The theme's icons as a webfont subset of a few KiB, instead of FontAwesome's 1.5 MiB script.

How the theme draws its icons: its templates write FontAwesome classes (``<i class="fa-solid
fa-magnifying-glass">``). pydata-sphinx-theme 0.20 loads ``_static/scripts/fontawesome.js``
(FontAwesome's SVG+JS build, from ``head_js_preload`` in its static/webpack-macros.html, "so that
users can add custom icons"), which replaces each such element by an inline ``<svg>`` when the
page runs. Its stylesheet also carries FontAwesome's webfont CSS: ``@font-face`` rules for
``vendor/fontawesome/webfonts/*.woff2`` and, for each icon, the code point of its glyph
(``.fa-magnifying-glass{--fa:"\\f002"}``), which draw the same elements as glyphs of those fonts
when the script is absent.

So ``conf/_templates/layout.html`` drops the script, and the theme's own CSS draws the icons;
``conf/icons.css`` gives the glyphs the boxes sphinx-book-theme gave the SVGs in its header.
Loaded whole, the solid and brands fonts would still weigh 220 KiB; this extension writes
``_static/icons.css``, which declares the same font faces again with fonts cut down (fontTools)
to the icons the theme and this site can show, embedded as ``data:`` URIs so that they cost no
request. A later ``@font-face`` rule with the same family, weight and style takes precedence,
so the browser never fetches the full fonts.

Which icons: every ``fa-*`` name in the theme packages' templates, Python and scripts (the
header buttons are built in Python, the toctree's chevrons too) and in ``conf/_templates``; the
repository provider's brand icon, which sphinx-book-theme names with an f-string
(``fab fa-{provider}``, header_buttons/source.py); and the characters the theme's stylesheets
draw by themselves (admonition titles, version notes). tests/test_docs_build.py checks that
every icon the built pages name has its glyph here; tests/browser, that no page loads the full
fonts (which the browser would fetch for a glyph missing here).
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

from fontTools import subset
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

CSS_FILE = "icons.css"
# Rules for the glyphs' boxes, written at the top of CSS_FILE.
LOOK = Path(__file__).with_name("icons.css")
# `.fa-magnifying-glass,.fa-search{--fa:"\f002"}`: an icon's names and its code point.
_ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+,?)+)\{--fa:"\\([0-9a-f]+) ?"\}')
_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
_FONT_URL = re.compile(r"src:url\(([^)]+\.woff2)\)")
_ICON_NAME = re.compile(r"\bfa-[a-z0-9]+(?:-[a-z0-9]+)*")
# FontAwesome's code points are in Unicode's private use area.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def theme_stylesheet() -> Path:
    import pydata_sphinx_theme

    theme = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    return theme / "static" / "styles" / "pydata-sphinx-theme.css"


def code_points(css: str) -> dict[str, int]:
    """Return the code point of each icon name the stylesheet knows (aliases included)."""
    points = {}
    for names, point in _ICON_RULE.findall(css):
        for name in names.split(","):
            points[name.removeprefix(".")] = int(point, 16)
    return points


def named_icons(folders: list[Path]) -> set[str]:
    """Return every ``fa-*`` name in the templates, Python and scripts under `folders`."""
    names: set[str] = set()
    for path in _files(folders, {".html", ".py", ".js"}):
        names.update(_ICON_NAME.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return names


def drawn_by_css(folders: list[Path]) -> set[int]:
    """Return the code points the stylesheets under `folders` write as characters.

    These are the icons the theme draws from CSS alone (``--pst-icon-*``: admonitions, version
    notes, external links...), with no class to name them.
    """
    points: set[int] = set()
    for path in _files(folders, {".css"}):
        text = path.read_text(encoding="utf-8", errors="ignore")
        points.update(ord(char) for char in _PRIVATE_USE.findall(text))
    return points


def _files(folders: list[Path], suffixes: set[str]) -> list[Path]:
    """Return the files with these suffixes under `folders`, FontAwesome's own files left out."""
    return [
        path
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.suffix in suffixes and not path.name.startswith("fontawesome")
    ]


def font_subset(path: Path, points: set[int]) -> bytes | None:
    """Return the woff2 font at `path` cut down to `points`, or None if it has none of them."""
    options = subset.Options(flavor="woff2")
    font = subset.load_font(str(path), options)
    if not points & set(font.getBestCmap()):
        return None
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=points)
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def icon_css(icons: set[str], characters: set[int]) -> str:
    """Return @font-face rules for the theme's icon fonts as data URIs, cut down to the icons.

    `icons` are names (``fa-github``), `characters` code points.
    """
    stylesheet = theme_stylesheet()
    css = stylesheet.read_text(encoding="utf-8")
    points = code_points(css)
    wanted = {points[name] for name in icons if name in points} | characters
    rules = [
        LOOK.read_text(encoding="utf-8"),
        "/* FontAwesome's fonts as the theme declares them, cut down to the icons this site can"
        " show (conf/icons.py). */",
    ]
    for face in _FONT_FACE.findall(css):
        url = _FONT_URL.search(face)
        if url is None:
            continue
        font = font_subset((stylesheet.parent / url.group(1)).resolve(), wanted)
        if font is None:  # none of the icons is in this font: the theme's rule stays as is
            continue
        data = base64.b64encode(font).decode("ascii")
        rules.append(face.replace(url.group(0), f"src:url(data:font/woff2;base64,{data})"))
    return "\n".join(rules) + "\n"


def write_icon_css(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    import pydata_sphinx_theme
    import sphinx_book_theme

    folders = [Path(pydata_sphinx_theme.__file__).parent, Path(sphinx_book_theme.__file__).parent]
    folders += [Path(app.confdir, folder) for folder in app.config.templates_path]
    icons = named_icons(folders)
    provider = app.config.html_theme_options.get("repository_provider")
    if provider:
        icons.add(f"fa-{provider.lower()}")
    static = Path(app.outdir, "_static")
    static.mkdir(parents=True, exist_ok=True)
    css = icon_css(icons, drawn_by_css(folders))
    (static / CSS_FILE).write_text(css, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    # Written before any page, so that Sphinx can stamp its link with the file's checksum.
    app.connect("builder-inited", write_icon_css)
    app.add_css_file(CSS_FILE)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
