"""Sphinx configuration of the dropout_book site.

Build with ``nox -s docs`` (strict, into _build/html), or by hand from the repository root:
``sphinx-build -W --keep-going -n -c conf docs <out>``. Every page is a MyST Markdown notebook
whose cells run at build time. Our own small extensions live beside this file:

- ``mathml``: renders math to MathML at build time with docutils' converter (no MathJax, no CDN);
- ``signatures``: readable, resolvable type hints in the API reference;
- ``notebook_pages``: an .ipynb download of each executed page, and alt text required on images;
- ``editions``: the language switch between the English and Japanese editions;
- ``translated_glue``: glued values inside translated paragraphs;
- ``icons``: the theme's icons as a small webfont subset (with ``_templates/layout.html``, which
  drops FontAwesome's 1.5 MiB script);
- ``figures``: every PNG figure stored with a palette of 256 colours (a quarter of the bytes);
- ``playground``: the ``dropout-playground`` directive, a mask drawn in the reader's browser;
- ``publishing``: the site's address per edition, the 404 page's text, the sitemap's language
  alternates, robots.txt and the link-preview image.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

CONF_DIR = Path(__file__).resolve().parent
ROOT = CONF_DIR.parent
sys.path.insert(0, str(CONF_DIR))

# --- reproducibility ------------------------------------------------------------------------
# Two clean builds must give identical HTML (tests/test_docs_build.py checks it). Sphinx,
# matplotlib and friends take their dates from SOURCE_DATE_EPOCH; the kernels inherit these
# variables from this process. Any fixed value works (this one is 2026-01-01T00:00Z).
os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
# Stable str/bytes hashing in the kernels (set iteration order shows in printed output).
os.environ.setdefault("PYTHONHASHSEED", "0")
# The one figure style of the site (conf/matplotlibrc), and the kernel startup
# (conf/kernel_startup.py) that draws each figure sharp and records its smallest text size,
# sends each cell's printed output in one piece, and keeps BLAS to one thread. Set, not
# defaulted: a reader's own settings must not change the published pages.
os.environ["MATPLOTLIBRC"] = str(CONF_DIR / "matplotlibrc")
os.environ["PYTHONSTARTUP"] = str(CONF_DIR / "kernel_startup.py")
# matplotlib prints "building the font cache" to stderr the first time it is imported in a
# fresh environment; a cell output would then differ between the first build and the next.
# Build the cache here, in the build process, before any kernel starts.
import matplotlib.font_manager  # noqa: E402, F401

_BUILD_YEAR = datetime.datetime.fromtimestamp(
    int(os.environ["SOURCE_DATE_EPOCH"]), datetime.UTC
).year

# --- project --------------------------------------------------------------------------------
project = "dropout_book"
author = "the dropout_book authors"
copyright = f"{_BUILD_YEAR}, {author}"
release = version = metadata.version("dropout_book")

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx_copybutton",
    # Exercises and their solutions; sphinx_togglebutton collapses each solution (the
    # `dropdown` class set below) until the reader opens it. The solution stays in the page's
    # HTML, and shows in full where scripts do not run.
    "sphinx_exercise",
    "sphinx_togglebutton",
    "exercises",  # one id per element on a page of several exercises
    "mathml",
    "signatures",
    "notebook_pages",
    "editions",
    "translated_glue",
    "icons",
    "figures",
    "playground",
    "notfound.extension",
    "sphinx_sitemap",
    "sphinxext.opengraph",
    "publishing",
]
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints", ".jupyter_cache"]
# Every cross-reference must resolve (also checked by `-n` on the command line).
nitpicky = True

# --- where the site is published -------------------------------------------------------------
# The repository named in pyproject.toml is the one the theme's buttons (source, issues, edit)
# and the notebooks' launch links point at; the site's address derives from it.
_PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REPOSITORY = _PYPROJECT["project"]["urls"]["Repository"].rstrip("/")
_OWNER, _NAME = urlsplit(REPOSITORY).path.strip("/").split("/")[:2]
# The address of the English edition's root, the one place it is set: the Pages workflow passes
# the address GitHub Pages serves the site at; by default, a GitHub project site's address.
# conf/publishing.py derives html_baseurl (canonical links), the sitemap, the link previews'
# URLs and the 404 page's prefix from it, for each edition.
publish_root_url = os.environ.get("DROPOUT_BOOK_BASEURL") or (
    f"https://{_OWNER.lower()}.github.io/{_NAME}/"
)
html_baseurl = publish_root_url
# Each edition of the site and its folder under the root, as conf/editions.py lays them out
# (the languages of pyproject.toml's [tool.dropout_book.docs], plus drafts in a draft build).
import editions  # noqa: E402 (conf/editions.py)

publish_editions = {language: editions.folder(language) for language in editions.languages()}
# sphinx-sitemap: URLs as <root><page>.html (its default puts the language and version first).
sitemap_url_scheme = "{link}"
sitemap_locales = [None]  # alternates are added by conf/publishing.py, which knows the folders
# Link previews (sphinxext-opengraph): title and description per page, one card image drawn at
# build time (conf/publishing.py). Its per-page cards are off: they would need fonts for both
# languages and some 60 KiB per page for the same picture.
ogp_image = "_static/social-card.png"
ogp_image_alt = "dropout_book: a dropout mask, kept units as discs and dropped units as rings"
ogp_social_cards = {"enable": False}
ogp_custom_meta_tags = [
    '<meta property="og:image:width" content="1200" />',
    '<meta property="og:image:height" content="630" />',
    # Twitter (X) reads the title, description and image from the OpenGraph tags.
    '<meta name="twitter:card" content="summary_large_image" />',
]
# The 404 page: sphinx-notfound-page renders it with the theme; its text and the prefix of its
# absolute URLs are set per edition by conf/publishing.py.
notfound_template = "page.html"

# --- math: MathML at build time, no MathJax ---------------------------------------------------
html_math_renderer = "mathml"
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]

# --- editions: English, and Japanese from the catalogues in locales/ ---------------------------
# English is the source. `sphinx-build -D language=ja` builds the Japanese edition from
# locales/ja/LC_MESSAGES/<page>.po (one catalogue per page: gettext_compact off). Code, outputs
# and literal blocks are not translated (gettext_additional_targets stays empty), so both
# editions show the same code. Catalogue locations would change with every English edit above a
# message and churn the .po files: left out. `nox -s translations` updates the catalogues;
# locales/README.md is the translators' guide. editions.py adds the language switch.
language = "en"
locale_dirs = [str(ROOT / "locales")]
gettext_compact = False
gettext_uuid = False
gettext_location = False
gettext_additional_targets: list[str] = []
# Search in the edition's language; for Japanese, Sphinx's built-in port of TinySegmenter splits
# the words (sphinx/search/ja.py: no MeCab, no dictionary, no download), except that the terms
# of docs/reference/terms.md stay whole (conf/terms.py says why). Sphinx 9 wants the splitter's
# dotted path here: the "default" its documentation shows fails to import.
html_search_options = {"type": "terms.TermSplitter"}

# --- notebooks ------------------------------------------------------------------------------
# A cell that raises fails the build, naming the page (MyST-NB otherwise only warns, and the
# build exits 0: MyST-NB #248, #650). Cells tagged `raises-exception` may raise.
nb_execution_raise_on_error = True
nb_execution_show_tb = True  # print the failing cell's traceback in the build log
# A cell's printed output arrives in chunks whose boundaries depend on timing, and MyST-NB
# renders each chunk as a block of its own: merged, the HTML is the same from build to build.
nb_merge_streams = True
nb_execution_timeout = 120  # seconds per cell; `None` fails validation (use -1 for none)
# Locally, pages are executed once and their outputs cached; CI (env CI set) always executes
# every page afresh. DROPOUT_BOOK_NB_EXECUTION_MODE overrides both (the docs tests use "force").
nb_execution_mode = os.environ.get(
    "DROPOUT_BOOK_NB_EXECUTION_MODE", "force" if os.environ.get("CI") else "cache"
)


def _cache_key() -> str:
    """Hash of what a page's outputs depend on besides its cells: our package, style and tools.

    jupyter-cache keys an entry on the cells' source, metadata and the kernelspec only
    (MyST-NB #299): after an edit to dropout_book, the cache would keep serving outputs computed
    with the old code. Naming the cache folder by a hash of the package's source (and of the
    versions of the libraries that compute and draw the outputs) gives every state of the
    package its own cache, so a change re-executes every page once. Old folders are harmless;
    delete .jupyter_cache/ to reclaim the space.
    """
    digest = hashlib.sha256()
    kernel_setup = [Path(os.environ["MATPLOTLIBRC"]), Path(os.environ["PYTHONSTARTUP"])]
    for path in [*sorted((ROOT / "dropout_book").glob("*.py")), *kernel_setup]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"python=={sys.version}\0".encode())
    for package in ("numpy", "matplotlib", "ipykernel"):
        digest.update(f"{package}=={metadata.version(package)}\0".encode())
    return digest.hexdigest()[:16]


nb_execution_cache_path = str(
    Path(os.environ.get("DROPOUT_BOOK_JUPYTER_CACHE", ROOT / ".jupyter_cache")) / _cache_key()
)
if nb_execution_mode == "cache":
    # With `-j N`, parallel readers that find no cache database each try to create it, and all
    # but one crash ("table settings already exists"). Create it here, before Sphinx forks.
    from jupyter_cache import get_cache

    get_cache(nb_execution_cache_path).db  # noqa: B018 (the property creates the database)

# The gettext builder (`nox -s translations`) must see cell outputs, so that the alt text of
# their images reaches the catalogues: MyST-NB keeps an output only in a mime type the builder
# has a priority for, and its table has no "gettext" entry (base_render_priority in
# myst_nb/core/render.py), so every output was dropped. Give it the HTML builder's priorities.
nb_mime_priority_overrides = [
    ("gettext", mime, priority)
    for priority, mime in enumerate(
        ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/plain"]
    )
]

# Kernels talk to the build over CurveZMQ-encrypted sockets. ipykernel (7.4) logs "Kernel is
# running over TCP without encryption ..." for each kernel whose manager gave it no CurveZMQ
# keys (IPKernelApp.init_sockets, ipykernel/kernelapp.py): a warning per executed page. The
# supported remedy is the one it names: jupyter_client (8.10) provisions the keys when
# KernelManager.transport_encryption is "auto" and the kernelspec declares "curve" support,
# as ipykernel's does. MyST-NB starts its kernels through jupyter-cache and nbclient, neither
# of which passes a configuration on to the KernelManager; so the trait's default is set for
# this build process. The log then stays quiet without any message being filtered; on a pyzmq
# without CurveZMQ the default is left alone, and the warning shows.
import zmq  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

if zmq.has("curve"):
    KernelManager.transport_encryption.default_value = "auto"

# Alt text for images produced by cells: MyST-NB reads it from the cell's metadata,
#     ```{code-cell} ipython3
#     :mystnb:
#     :  image:
#     :    alt: Three rows of squares, ...
#     ```
# (render_image in myst_nb/core/render.py takes `alt` from the cell-level `image` options;
# `nb_render_image_options` would set one default for every image, which is no use for alt
# text). A glued figure takes it from the directive: ```{glue:figure} key``` with `:alt: ...`.
# conf/notebook_pages.py turns an image without alt text into a build error.

# --- API reference --------------------------------------------------------------------------
# Remote inventories would need the network; conf/inventories/ holds small hand-made ones
# (written by conf/make_inventories.py) for the NumPy and Python names in our type hints.
intersphinx_mapping = {
    "numpy": ("https://numpy.org/doc/stable/", str(CONF_DIR / "inventories" / "numpy.inv")),
    "python": ("https://docs.python.org/3/", str(CONF_DIR / "inventories" / "python.inv")),
}
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
autodoc_class_signature = "mixed"
# numpydoc sections are read by napoleon. Parameter and return types are shown as written in
# the docstring ("ndarray of shape (N, D)", "float, default 0.5"): free text that is not a
# list of object names, which Sphinx's type fields would try (and fail) to cross-reference.
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_param = False
napoleon_use_rtype = False
napoleon_use_ivar = True

# --- HTML -----------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "dropout_book"
# A page without an icon makes browsers ask for /favicon.ico, which the site does not have.
# The icon is a mask: kept units as discs, dropped units as rings.
html_favicon = "_static/favicon.svg"
html_static_path = ["_static"]
# reader-fixes.css: layout fixes found by the browser tests (tests/browser); each rule says why.
# figures.css: pairs of figures side by side on a wide screen, stacked on a phone.
html_css_files = ["reader-fixes.css", "figures.css"]
# Absolute: the HTML builder reads templates_path from the configuration folder, but the
# gettext builder from the source folder (sphinx/builders/gettext.py), and it extracts the
# templates' own strings (the language switch's label) into sphinx.pot only if it finds them.
templates_path = [str(CONF_DIR / "_templates")]
html_last_updated_fmt = None  # a date in every page would break reproducible HTML
html_copy_source = True  # the .md download in the theme's menu
html_theme_options = {
    # The theme derives the repository, source and issues links from these. It guesses the
    # provider from the URL's host and stops the build when it cannot (a mirror or a
    # self-hosted forge): the provider is stated, not guessed.
    "repository_url": REPOSITORY,
    "repository_provider": "github",
    "repository_branch": "main",
    "path_to_docs": "docs",
    "use_repository_button": True,
    "use_source_button": True,
    "use_issues_button": True,
    "use_edit_page_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    # pydata-sphinx-theme 0.20 puts a search field in a top bar of its own by default, which
    # sphinx-book-theme 1.4 then shows above its layout: a second search field across the whole
    # width (sphinx-book-theme #986). The sidebar's search field and Ctrl+K remain.
    "navbar_persistent": [],
    # No launch buttons (Binder, Colab, ...): the site must work offline.
    "launch_buttons": {},
    # The link to the same page in the other language comes first (conf/editions.py).
    "article_header_end": ["language-switch.html", "article-header-buttons.html"],
}
# The colour mode a first visit starts in. pydata-sphinx-theme reads it from the template
# context; sphinx-book-theme does not set it, and with it empty the theme logs "Got invalid
# theme mode" as a console error on every first visit (found by tests/browser).
html_context = {"default_mode": "auto"}

# --- copy buttons ---------------------------------------------------------------------------
# Only code, never the prompts `>>> ` / `... ` or the printed output of a `>>>` session:
# Pygments marks prompts as .gp and outputs as .go, which are left out; the prompt regexp is a
# second line of defence for blocks not lexed as pycon. Cell outputs get no button.
copybutton_selector = "div:not(.output) > div.highlight pre"
copybutton_exclude = ".linenos, .gp, .go"
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_remove_prompts = True
