"""The translated editions: complete catalogues, the same outputs, the same words, a way back.

- conf/catalogues.py, which stops the build when a message is missing, untranslated or fuzzy,
  is run on fixture catalogues (tests/fixtures/translations);
- a small translated site (tests/fixtures/docs/translated) is built in English and Japanese:
  glued values, cross-references, maths, inline code and alt text survive translation, and the
  Japanese build takes the English build's executed notebooks instead of running the code;
- every translated message of locales/ uses the Japanese term of each English term its English
  text uses (docs/reference/terms.md);
- on the built site, for each translated edition listed in pyproject.toml: every page exists in
  both editions, with the same outputs, the right ``<html lang>`` and links to each other.

They need Sphinx and Babel (the docs group) and carry the ``docs`` marker.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from posixpath import normpath
from typing import Any

import pytest

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
LOCALES = ROOT / "locales"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CATALOGUES = FIXTURES / "translations"


def listed_languages() -> list[str]:
    """Return the site's editions as pyproject.toml lists them, English first."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        languages: list[str] = tomllib.load(file)["tool"]["dropout_book"]["docs"]["languages"]
    return languages


# --- the completeness check ----------------------------------------------------------------------


def check(locales: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Run conf/catalogues.py on the fixture messages and the Japanese catalogues of `locales`."""
    command = [sys.executable, str(CONF / "catalogues.py"), str(CATALOGUES / "pot")]
    command += [str(locales), "ja", *options]
    return subprocess.run(command, capture_output=True, text=True, check=False)


MESSAGE = "'The mask kept {glue:text}`n_kept` units; see {ref}`tutorial-forward`.'"


def test_complete_catalogues_pass() -> None:
    """Catalogues that translate every message of every page pass."""
    result = check(CATALOGUES / "complete")
    assert result.returncode == 0, result.stderr
    assert "Every message of the ja catalogues is translated." in result.stdout


@pytest.mark.parametrize(
    ("case", "problem"),
    [
        ("untranslated", "untranslated"),
        ("fuzzy", "fuzzy (review it)"),
        ("outdated", "missing (the English changed)"),
    ],
)
def test_incomplete_catalogue_fails_naming_file_message_and_remedy(case: str, problem: str) -> None:
    """An empty, fuzzy or missing translation fails, naming the file, the message and the fix."""
    result = check(CATALOGUES / case)
    assert result.returncode == 1
    catalogue = (CATALOGUES / case / "ja" / "LC_MESSAGES" / "tutorials" / "page.po").as_posix()
    assert f"  {catalogue}: {problem}: {MESSAGE}\n" in result.stderr
    assert "1 messages of the ja catalogues need work" in result.stderr
    assert "run `nox -s translations`" in result.stderr


def test_catalogue_of_a_removed_page_fails() -> None:
    """A catalogue whose page is gone fails, so that it is deleted rather than forgotten."""
    result = check(CATALOGUES / "stale")
    assert result.returncode == 1
    stale = (CATALOGUES / "stale" / "ja" / "LC_MESSAGES" / "removed.po").as_posix()
    assert f"{stale}: no such page any more" in result.stderr


def test_report_lists_the_work_without_failing() -> None:
    """With --report (nox -s translations), the list is printed and the exit status is 0."""
    result = check(CATALOGUES / "untranslated", "--report")
    assert result.returncode == 0
    assert f"untranslated: {MESSAGE}" in result.stderr


# --- a translated build --------------------------------------------------------------------------


class Outputs(HTMLParser):
    """Collect what a page shows of its code: glued values, cells' code and outputs, images.

    A figure's caption is prose, translated like any other (the captions have a test of their
    own): its text is left out of the output it belongs to.
    """

    KINDS = ("pasted-text", "cell_input", "cell_output")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: list[tuple[str, int, list[str]]] = []  # kind, depth, text
        self._depth = 0
        self._caption_depth = 0  # of the open <figcaption>, 0 outside one

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a collected element, or note an output's image by its (content-hashed) file."""
        values = {name: value or "" for name, value in attrs}
        if tag == "img" and any(kind == "cell_output" for kind, _, _ in self._open):
            self.found.append(("image", values.get("src", "")))
        if tag in {"img", "br", "hr", "meta", "link", "input", "source"}:
            return  # void elements: no end tag
        self._depth += 1
        if tag == "figcaption" and not self._caption_depth:
            self._caption_depth = self._depth
        classes = values.get("class", "").split()
        kind = next((kind for kind in self.KINDS if kind in classes), None)
        if kind:
            self._open.append((kind, self._depth, []))

    def handle_endtag(self, tag: str) -> None:
        """Close the element at this depth, if collected."""
        if self._open and self._open[-1][1] == self._depth:
            kind, _, text = self._open.pop()
            self.found.append((kind, "".join(text)))
        if self._depth == self._caption_depth:
            self._caption_depth = 0
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        """Add text to every collected element it is in, unless it is a caption's."""
        if self._caption_depth:
            return
        for _, _, text in self._open:
            text.append(data)


def outputs(page: Path) -> list[tuple[str, str]]:
    """Return what a built page shows of its code, in order."""
    parser = Outputs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def shown(page: Path) -> list[tuple[str, str] | tuple[str, list[str]]]:
    """Return a page's cells and outputs in order, with the glued values between two cells.

    A translation may reorder a sentence, and with it the values glued into it ("1 of 4" is
    「4個のうち1個」), so the values between two cells are compared as a sorted list; the cells,
    their outputs and images are compared in order.
    """
    found: list[tuple[str, str] | tuple[str, list[str]]] = []
    glued: list[str] = []
    for kind, value in [*outputs(page), ("end", "")]:
        if kind == "pasted-text":
            glued.append(value)
            continue
        if glued:
            found.append(("pasted-text", sorted(glued)))
            glued = []
        found.append((kind, value))
    return found


def sphinx_build(source: Path, out: Path, language: str, env: dict[str, str]) -> str:
    """Build `source` in `language` into `out`/html, strictly; return the log."""
    command = [
        *(sys.executable, "-m", "sphinx", "-T", "-W", "--keep-going", "-n"),
        *("-c", str(CONF), "-d", str(out / "doctrees"), "-D", f"language={language}"),
        *("-D", f"locale_dirs={source / 'locales'}", str(source), str(out / "html")),
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    return log


@pytest.fixture(scope="module")
def translated_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build the translated fixture site in English, then in Japanese, as conf/build.py does."""
    tmp = tmp_path_factory.mktemp("translated")
    # A copy: Sphinx writes the compiled catalogues (.mo) beside the .po files.
    source = shutil.copytree(FIXTURES / "docs" / "translated", tmp / "source")
    env = {
        **os.environ,
        "DROPOUT_BOOK_NB_EXECUTION_MODE": "cache",
        "DROPOUT_BOOK_JUPYTER_CACHE": str(tmp / "jupyter_cache"),
    }
    env.pop("DROPOUT_BOOK_DRAFT_TRANSLATIONS", None)
    logs = {
        language: sphinx_build(source, tmp / language, language, env) for language in ("en", "ja")
    }
    return {"logs": logs, "html": {language: tmp / language / "html" for language in logs}}


def test_translated_page_shows_the_same_glued_values_and_outputs(
    translated_site: dict[str, Any],
) -> None:
    """Glued values in translated sentences, code and outputs are those of the English page."""
    english = outputs(translated_site["html"]["en"] / "glued.html")
    japanese = outputs(translated_site["html"]["ja"] / "glued.html")
    assert [value for kind, value in english if kind == "pasted-text"] == ["7", "0.123"]
    assert japanese == english
    japanese_page = (translated_site["html"]["ja"] / "glued.html").read_text(encoding="utf-8")
    assert 'マスクは10個のうち<span class="pasted-text">7</span>個のニューロン' in japanese_page


def test_translated_page_keeps_references_maths_and_inline_code(
    translated_site: dict[str, Any],
) -> None:
    """References resolve to the English targets; maths and inline code are unchanged."""
    english = (translated_site["html"]["en"] / "glued.html").read_text(encoding="utf-8")
    japanese = (translated_site["html"]["ja"] / "glued.html").read_text(encoding="utf-8")
    assert '<html lang="ja"' in japanese
    assert '<html lang="en"' in english
    assert 'href="#fixture-glued"><span class="std std-ref">貼り付けた数値</span></a>' in japanese
    assert (
        'href="glossary.html#term-mask"><span class="xref std std-term">マスク</span>' in japanese
    )
    for fragment in re.findall(r"<math .*?</math>|<code .*?</code>", english):
        assert fragment in japanese
    assert japanese.count("<math ") == english.count("<math ") == 2
    assert 'alt="右上がりの直線。"' in japanese
    glossary = (translated_site["html"]["ja"] / "glossary.html").read_text(encoding="utf-8")
    assert '<dt id="term-mask">マスク' in glossary


def test_translated_build_reuses_the_executed_notebooks(translated_site: dict[str, Any]) -> None:
    """The code runs once: the Japanese build takes the notebook the English build executed."""
    assert "glued.md: Executed notebook" in translated_site["logs"]["en"]
    assert "glued.md: Using cached notebook" in translated_site["logs"]["ja"]
    assert "Executed notebook" not in translated_site["logs"]["ja"]


# --- the terms -----------------------------------------------------------------------------------

_ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<content>[^`]*)`")
_HIDDEN = re.compile(r"``.*?``|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|<[^>]+>")


def visible_text(message: str) -> str:
    """Return the words a reader sees of a MyST message: no code, maths, tags or role targets."""

    def role(match: re.Match[str]) -> str:
        title, _, target = match["content"].partition("<")
        if target:
            return title
        return match["content"] if match["name"] == "term" else ""  # a label shows its title

    return _HIDDEN.sub(" ", _ROLE.sub(role, message))


def term_problems(locales: Path, pairs: Any) -> list[str]:
    """Return, per catalogue, each term its English uses and its Japanese never says.

    Only translated messages count, and not those kept in English on purpose (identical msgstr:
    titles of papers, names): a page translated in part is checked on the part translated.
    """
    from babel.messages.pofile import read_po

    problems = []
    for path in sorted(locales.rglob("*.po")):
        with path.open("rb") as file:
            messages = [m for m in read_po(file) if m.id and m.string and m.string != m.id]
        english = " ".join(visible_text(m.id) for m in messages if not m.fuzzy)
        japanese = " ".join(visible_text(m.string) for m in messages if not m.fuzzy)
        for pair in pairs:
            used = [
                name
                for name in pair.english
                if re.search(rf"(?<!\w){re.escape(name)}(?:s|es)?(?!\w)", english, re.IGNORECASE)
            ]
            if used and pair.japanese not in japanese:
                name = path.relative_to(locales).as_posix()
                problems.append(
                    f"{name}: the English says {used[0]!r}, the Japanese never {pair.japanese}"
                )
    return problems


@pytest.fixture(scope="module")
def pairs() -> Any:
    """Return the term pairs of docs/reference/terms.md."""
    sys.path.insert(0, str(CONF))
    try:
        from terms import term_pairs  # conf/terms.py
    finally:
        sys.path.remove(str(CONF))
    return term_pairs()


def test_terms_table_holds_the_books_terms(pairs: Any) -> None:
    """The table pairs the book's terms with their English names."""
    japanese = {pair.japanese: pair.english for pair in pairs}
    assert japanese["逆伝播"] == ("backward pass",)
    assert japanese["テスト時"] == ("inference mode", "inference", "test time")
    for term in ("ドロップアウト", "ニューロン", "訓練時", "順伝播", "誤差逆伝播法", "過学習"):
        assert term in japanese
    for term in ("重み", "勾配確認", "ミニバッチ", "エポック"):
        assert term in japanese


def test_every_translation_uses_the_terms_of_the_table(pairs: Any) -> None:
    """Each catalogue whose English uses a term says its Japanese counterpart."""
    assert term_problems(LOCALES, pairs) == []


def test_term_check_finds_a_missing_term(pairs: Any, tmp_path: Path) -> None:
    """A translation that says 「後ろ向きの計算」 for "backward pass" is reported."""
    catalogue = tmp_path / "ja" / "LC_MESSAGES" / "page.po"
    catalogue.parent.mkdir(parents=True)
    catalogue.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "The {term}`mask` is kept for the backward pass."\n'
        'msgstr "{term}`マスク <mask>`は後ろ向きの計算のために残します。"\n',
        encoding="utf-8",
    )
    assert term_problems(tmp_path, pairs) == [
        "ja/LC_MESSAGES/page.po: the English says 'backward pass', the Japanese never 逆伝播"
    ]


def test_search_keeps_each_japanese_term_whole(pairs: Any) -> None:
    """The Japanese search index has 逆伝播 as one word where TinySegmenter alone cuts it."""
    from sphinx.search.ja import DefaultSplitter

    sys.path.insert(0, str(CONF))
    try:
        from terms import TermSplitter
    finally:
        sys.path.remove(str(CONF))
    text = "ドロップアウトの逆伝播では、誤差逆伝播法と同じくマスクを使います。"
    assert "逆伝播" not in DefaultSplitter({}).split(text)  # the reason for TermSplitter
    words = TermSplitter({}).split(text)
    assert {"ドロップアウト", "逆伝播", "誤差逆伝播法", "マスク"} <= set(words)
    assert "".join(words) == text


# --- the built site ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Path:
    """Return the built site (the docs session passes its build; else _build/html)."""
    path = Path(os.environ.get("DROPOUT_BOOK_DOCS_HTML", ROOT / "_build" / "html"))
    if not (path / "index.html").is_file():
        pytest.skip(f"no built site at {path}: run `nox -s docs`")
    return path


class Links(HTMLParser):
    """The page's language, and its language switch's links by language."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.switch: dict[str, str] = {}
        self.alternates: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note <html lang>, the switch's links and the alternate links."""
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "a" and "language-switch__link" in values.get("class", "").split():
            self.switch[values["hreflang"]] = values["href"]
        elif tag == "link" and values.get("rel") == "alternate" and "hreflang" in values:
            self.alternates[values["hreflang"]] = values["href"]


def links(page: Path) -> Links:
    """Parse a built page's language and language links."""
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def edition_root(site: Path, language: str) -> Path:
    """Return the folder of an edition in the built site (the site's root for the first)."""
    return site if language == listed_languages()[0] else site / language


def edition_pages(site: Path, language: str) -> set[str]:
    """Return the HTML pages of an edition, relative to the edition's folder."""
    root = edition_root(site, language)
    others = {f"{other}/" for other in listed_languages()[1:]}
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*.html")
        if not path.relative_to(root).as_posix().startswith(("_", *others))
    }


@pytest.mark.parametrize("language", listed_languages()[1:])
def test_edition_has_every_page_each_linked_to_its_english_page(site: Path, language: str) -> None:
    """Every page is in both editions, with its <html lang>, linking to the other and back."""
    english = listed_languages()[0]
    pages = edition_pages(site, english)
    assert edition_pages(site, language) == pages
    problems = []
    for page in sorted(pages):
        there = links(site / language / page)
        here = links(site / page)
        if page == "404.html":
            # Served at any depth: no relative switch; its text names every edition's home.
            if here.switch or there.switch or here.alternates or there.alternates:
                problems.append(f"{page}: a language link that breaks at depth")
            continue
        forth = normpath(f"{Path(page).parent.as_posix()}/{here.switch.get(language, '?')}")
        back = normpath(
            f"{language}/{Path(page).parent.as_posix()}/{there.switch.get(english, '?')}"
        )
        if (here.lang, there.lang) != (english, language):
            problems.append(f"{page}: <html lang> {here.lang!r} and {there.lang!r}")
        if forth != f"{language}/{page}" or back != page:
            problems.append(f"{page}: the switch leads to {forth} and back to {back}")
        if here.alternates.get(language) != here.switch.get(language):
            problems.append(f"{page}: <link rel=alternate> and the switch disagree")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", listed_languages()[1:])
def test_edition_shows_the_same_outputs(site: Path, language: str) -> None:
    """Each translated page shows exactly the English page's code, outputs and glued values."""
    differing = [
        page
        for page in sorted(edition_pages(site, language))
        if shown(site / language / page) != shown(site / page)
    ]
    assert not differing


_FIGURE = re.compile(r"<figure\b.*?</figure>", re.S)
_CAPTION = re.compile(r'<span class="caption-text">(.*?)<a class="headerlink"', re.S)
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize("language", listed_languages())
def test_every_figure_has_a_caption_in_the_editions_language(site: Path, language: str) -> None:
    """Every figure of a page is captioned, and a translated edition's caption is translated.

    The labels inside the images are English: the caption says in the edition's language what
    the axes are, so that a reader of the Japanese edition can read the figure.
    """
    root = edition_root(site, language)
    figures = 0
    problems = []
    for page in sorted(edition_pages(site, language)):
        html = (root / page).read_text(encoding="utf-8")
        article = html[html.find("<article") : html.rfind("</article>")]
        # The figures made by the pages' code: their images are in _images/.
        inside = [figure for figure in _FIGURE.findall(article) if "_images/" in figure]
        images = len(re.findall(r'<img [^>]*src="[^"]*_images/', article))
        if images != len(inside):
            problems.append(f"{page}: an image outside a figure")
        for figure in inside:
            figures += 1
            caption = _CAPTION.search(figure)
            text = re.sub(r"<[^>]+>", "", caption.group(1)) if caption else ""
            if len(text) < 30:
                problems.append(f"{page}: a figure without a caption")
            elif language == "ja" and not _JAPANESE.search(text):
                problems.append(f"{page}: an untranslated caption: {text[:60]}")
    assert not problems, "\n".join(problems)
    assert figures == 18
