"""Builds of the documentation site with conf/: strict, reproducible and self-contained.

These tests run Sphinx in a subprocess, as `nox -s docs` does, and take a minute or two; they
carry the `docs` marker and run in the docs session. When that session has just built the site,
it passes the build's folder in DROPOUT_BOOK_DOCS_HTML and the tests reuse it instead of building
the whole site once more.
"""

from __future__ import annotations

import base64
import difflib
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
DOCS = ROOT / "docs"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "docs"

# Pages whose HTML legitimately differs from one build to the next, with the reason; in every
# edition of the site (English at the root, each other one in a folder: ja/... by conf/build.py).
NOT_REPRODUCIBLE = {
    "reference/execution.html": "the execution report shows when and how long each page ran",
    "explanation/fast.html": "timings measured on the building machine",
}


def exempt(site: Path, page: str) -> bool:
    """Tell whether `page` is a page of NOT_REPRODUCIBLE in one of the site's editions."""
    edition, _, rest = page.partition("/")
    return page in NOT_REPRODUCIBLE or (
        rest in NOT_REPRODUCIBLE and (site / edition / "_static").is_dir()
    )


def sphinx_build(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """Build `source` with conf/ into `out/html`, strictly, executing every page afresh."""
    env = {**os.environ, "DROPOUT_BOOK_NB_EXECUTION_MODE": "force"}
    command = [
        *(sys.executable, "-m", "sphinx", "-T", "-W", "--keep-going", "-n"),
        *("-c", str(CONF), "-d", str(out / "doctrees"), str(source), str(out / "html")),
    ]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def build_site(out: Path) -> Path:
    """Build the whole site, every edition, into `out/html` as `nox -s docs` does; return it.

    Every page is executed afresh, once for all editions (conf/build.py). Fails with the log.
    """
    env = {**os.environ, "DROPOUT_BOOK_NB_EXECUTION_MODE": "force"}
    command = [sys.executable, str(CONF / "build.py"), str(out)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return out / "html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the built site: the docs session's build if it passed one, else a fresh build."""
    given = os.environ.get("DROPOUT_BOOK_DOCS_HTML")
    if given:
        return Path(given)
    return build_site(tmp_path_factory.mktemp("site"))


def html_pages(site: Path) -> dict[str, Path]:
    """Every HTML file of a build, by path relative to the build's root (POSIX separators)."""
    return {path.relative_to(site).as_posix(): path for path in sorted(site.rglob("*.html"))}


# --- execution errors ----------------------------------------------------------------------------


def test_failing_cell_fails_the_build_and_names_the_page(tmp_path: Path) -> None:
    """A cell that raises makes sphinx-build exit non-zero, and the log names the page."""
    result = sphinx_build(FIXTURES / "failing", tmp_path)
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert "broken-page" in log
    assert "ZeroDivisionError" in log


def test_raises_exception_cell_does_not_fail_the_build(tmp_path: Path) -> None:
    """A cell tagged raises-exception may raise: the build passes and shows the error."""
    result = sphinx_build(FIXTURES / "passing", tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    page = (tmp_path / "html" / "allowed-error.html").read_text(encoding="utf-8")
    assert "intended for the reader to see" in page
    # The same build shows the other things the pages rely on: MathML with aligned rows, and
    # alt text taken from the cell's metadata.
    assert page.count("<math ") == 2
    assert '<mtable class="ams-align">' in page  # aligned by conf/_static/mathml.css
    assert "\\begin" not in page
    assert 'alt="A rising straight line."' in page
    # An exercise (sphinx-exercise) whose solution, in the gated form, holds a code cell: the
    # cell ran at build time, and the solution is in the page, marked to be collapsed.
    assert '<div class="exercise admonition" id="fixture-exercise">' in page
    solution = page[page.index('<div class="solution dropdown admonition"') :]
    assert 'href="#fixture-exercise"' in solution[:500]
    assert "computed in the solution: 42" in solution
    assert "togglebutton.js" in page


def test_figure_without_alt_text_fails_the_build(tmp_path: Path) -> None:
    """An image output without alt text is a build error that names the page."""
    result = sphinx_build(FIXTURES / "missing-alt", tmp_path)
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert "unlabelled-figure.md" in log
    assert "image without alt text" in log


def test_formula_that_cannot_be_converted_fails_the_build(tmp_path: Path) -> None:
    """LaTeX the MathML converter does not know is a build error naming the page and formula."""
    result = sphinx_build(FIXTURES / "bad-math", tmp_path)
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert "index.md" in log
    assert "cannot convert '\\\\dropmask(x)' to MathML" in log
    assert 'Unknown LaTeX command "\\dropmask"' in log


# --- the whole site ------------------------------------------------------------------------------


# Files of a build besides its HTML pages that are published as they are.
PUBLISHED_FILES = ("sitemap.xml", "robots.txt", "_static/social-card.png")


def test_no_page_repeats_an_id(site: Path) -> None:
    """Every id appears once in its page (HTML's rule; links and scripts find the first only)."""
    repeated: dict[str, list[str]] = {}
    for page, path in html_pages(site).items():
        ids = re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8"))
        twice = sorted({value for value in ids if ids.count(value) > 1})
        if twice:
            repeated[page] = twice
    assert not repeated, repeated


def test_two_clean_builds_give_identical_html(site: Path, tmp_path: Path) -> None:
    """Two clean builds, each executing every page, give byte-identical HTML (known exceptions)."""
    other = build_site(tmp_path)
    for name in PUBLISHED_FILES:
        assert (site / name).read_bytes() == (other / name).read_bytes(), name
    first, second = html_pages(site), html_pages(other)
    assert first.keys() == second.keys()
    for page, reason in NOT_REPRODUCIBLE.items():
        assert page in first, f"{page} is exempt ({reason}) but was not built: update the list"
    differing = [
        page
        for page in first
        if not exempt(site, page) and first[page].read_bytes() != second[page].read_bytes()
    ]
    if differing:
        diff = difflib.unified_diff(
            first[differing[0]].read_text(encoding="utf-8").splitlines(),
            second[differing[0]].read_text(encoding="utf-8").splitlines(),
            lineterm="",
            n=1,
        )
        pytest.fail(f"pages differ between builds: {differing}\n" + "\n".join(list(diff)[:40]))


class ResourceFinder(HTMLParser):
    """Collect the URLs a browser would fetch by itself while rendering a page."""

    LINK_RELS = frozenset(
        {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "shortcut", "manifest"}
    )
    LINK_RELS |= {"apple-touch-icon", "mask-icon", "preconnect", "dns-prefetch"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the URLs this start tag makes the browser fetch."""
        values = {name: value or "" for name, value in attrs}
        fetched: list[str] = []
        if tag in {"script", "img", "source", "iframe", "audio", "video", "embed", "track"}:
            fetched += [values.get("src", ""), values.get("poster", "")]
            fetched += [part.split()[0] for part in values.get("srcset", "").split(",") if part]
        elif tag == "link" and self.LINK_RELS & set(values.get("rel", "").lower().split()):
            fetched.append(values.get("href", ""))
        elif tag == "object":
            fetched.append(values.get("data", ""))
        self.urls += [url for url in fetched if url]


def external(url: str) -> bool:
    """Whether a URL points to another host (absolute or protocol-relative)."""
    return url.startswith(("http:", "https:", "//", "ftp:"))


def iter_resource_urls(site: Path) -> Iterator[tuple[str, str]]:
    """(file, url) for every resource the site's pages and stylesheets load."""
    for name, path in html_pages(site).items():
        finder = ResourceFinder()
        finder.feed(path.read_text(encoding="utf-8"))
        yield from ((name, url) for url in finder.urls)
    for path in site.rglob("*.css"):
        text = path.read_text(encoding="utf-8", errors="replace")
        for chunk in text.split("url(")[1:]:
            yield path.relative_to(site).as_posix(), chunk.split(")")[0].strip("'\" ")


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    """Scripts, styles, fonts, icons and images all come from the site itself (no CDN)."""
    urls = list(iter_resource_urls(site))
    assert len(urls) > 100  # the scan does see the theme's own resources
    assert [(name, url) for name, url in urls if external(url)] == []
    assert not [url for _, url in urls if "mathjax" in url.lower()]


def test_every_notebook_page_offers_its_executed_ipynb(site: Path) -> None:
    """Each page with code cells links an .ipynb download that nbformat accepts, with outputs."""
    nbformat = pytest.importorskip("nbformat")
    notebooks = sorted(
        path.relative_to(DOCS).with_suffix("").as_posix()
        for path in DOCS.rglob("*.md")
        if "```{code-cell}" in path.read_text(encoding="utf-8")
    )
    assert notebooks, "no notebook pages found"
    for page in notebooks:
        download = site / "_sources" / f"{page}.ipynb"
        notebook = nbformat.read(download, as_version=4)
        nbformat.validate(notebook)
        assert any(cell.get("outputs") for cell in notebook.cells), page
        html = (site / f"{page}.html").read_text(encoding="utf-8")
        assert f"_sources/{page}.ipynb" in html, page


# --- icons ---------------------------------------------------------------------------------------

ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+,?)+)\{--fa:"\\([0-9a-f]+) ?"\}')
EMBEDDED_FONT = re.compile(
    r"@font-face\{[^}]*font-family:([^;]+);[^}]*src:url\(data:font/woff2;base64,([^)]+)\)"
)


def test_no_page_loads_fontawesome_script(site: Path) -> None:
    """No page loads FontAwesome's 1.5 MiB script: the theme's CSS draws the icons from fonts."""
    loading = [
        name
        for name, url in iter_resource_urls(site)
        if url.partition("?")[0].endswith("fontawesome.js") and not name.startswith("_static/")
    ]
    assert loading == []


def test_every_icon_a_page_names_is_in_the_sites_icon_fonts(site: Path) -> None:
    """Each FontAwesome icon in the pages has its glyph in the fonts _static/icons.css embeds."""
    ttlib = pytest.importorskip("fontTools.ttLib")
    theme_css = (site / "_static" / "styles" / "pydata-sphinx-theme.css").read_text("utf-8")
    points = {
        name.removeprefix("."): int(point, 16)
        for names, point in ICON_RULE.findall(theme_css)
        for name in names.split(",")
    }
    fonts: dict[str, set[int]] = {}
    for family, data in EMBEDDED_FONT.findall((site / "_static" / "icons.css").read_text("utf-8")):
        font = ttlib.TTFont(io.BytesIO(base64.b64decode(data)))
        fonts.setdefault("brands" if "Brands" in family else "free", set()).update(
            font.getBestCmap()
        )
    assert set(fonts) == {"free", "brands"}, "icons.css lacks the solid or the brands font"
    missing, seen = set(), set()
    for page in html_pages(site).values():
        for classes in re.findall(r'class="([^"]*\bfa-[^"]*)"', page.read_text("utf-8")):
            names = set(classes.split())
            style = "brands" if names & {"fab", "fa-brands"} else "free"
            for name in names & points.keys():
                seen.add(name)
                if points[name] not in fonts[style]:
                    missing.add(f"{name} ({style})")
    assert {"fa-magnifying-glass", "fa-github", "fa-chevron-down", "fa-bars"} <= seen
    assert not missing, f"icons without a glyph in _static/icons.css: {sorted(missing)}"


# --- copies of theme templates -------------------------------------------------------------------


def test_sidebar_template_is_the_themes_plus_a_label_on_its_toggles() -> None:
    """conf/_templates' sbt-sidebar-nav.html is the installed theme's, but for the aria-label.

    The copy replaces the theme's template whole: when an upgrade of sphinx-book-theme changes
    the original, this fails, so that the copy is made again from the new one.
    """
    theme = pytest.importorskip("sphinx_book_theme")
    components = Path(theme.__file__).parent / "theme" / "sphinx_book_theme" / "components"
    original = (components / "sbt-sidebar-nav.html").read_text(encoding="utf-8")
    copy = (CONF / "_templates" / "sbt-sidebar-nav.html").read_text(encoding="utf-8")
    assert "aria-label=" in copy
    # Take the copy's two additions away: its leading comment and the filter adding the label.
    unlabelled = re.sub(r"\A\{#-.*?-#\}\n", "", copy, flags=re.S)
    unlabelled = re.sub(r"\n\s*\| replace\('<summary>.*?'\) \}\}", " }}", unlabelled, flags=re.S)
    diff = difflib.unified_diff(original.splitlines(), unlabelled.splitlines(), lineterm="")
    assert unlabelled == original, "\n".join(diff)
