"""Notebook pages: offer each executed page as .ipynb, and refuse images without alt text.

Download: sphinx-book-theme's download menu lists only the text source (.md) and print-to-PDF for
text notebooks, but it adds an ``.ipynb`` entry pointing at ``_sources/<ipynb_source>`` whenever a
page's context sets ``ipynb_source`` (sphinx_book_theme/header_buttons/__init__.py). MyST-NB
writes every executed notebook, outputs included, to its output folder (``<outdir>/../
jupyter_execute/<docname>.ipynb``, sphinx_.py); it is copied beside the page's source here and
announced to the theme, before the theme builds its buttons (priority 501). In cache mode, a
page served from the cache is written there without its outputs: ``with_outputs`` works around
that MyST-NB bug. On the way, the notebook loses MyST-NB's bookkeeping (source map, text-format
metadata) and its cells get ids derived from their position and source, instead of the random
ids jupytext draws on each read, so that the download, like the HTML, is the same from one
build to the next.

Run anywhere: the download is meant to run outside this repository (Colab, Binder, a reader's
Jupyter). Its first cell installs ``dropout_book`` with the ``notebooks`` extra (what the pages
use besides the package) when the kernel cannot import it, and does nothing when it can: the
build's kernels import the package, so the build never reaches the network. The pages pass
values to their text with ``myst_nb.glue``; MyST-NB is a build tool (it would bring Sphinx into
a reader's kernel), so where it is missing the cell puts a ``glue`` in its place that shows the
value, which is what ``glue`` does in a notebook. Until the package
is on PyPI it is installed from the repository's ``main`` branch, the branch the published site
is built from, so that the notebook and the package agree; after the first release,
``INSTALL_REQUIREMENT`` becomes ``dropout_book[notebooks]==<version>``.

Launch links: the theme's Colab and Binder buttons point at the page's source in the repository,
a MyST ``.md`` file, which Colab cannot open and Binder opens as text. The Pages workflow
(.github/workflows/pages.yml) publishes the executed notebooks, the same files as the downloads,
to the repository's ``notebooks`` branch (``<edition folder><page>.ipynb``); each notebook page
gets plain links that open its notebook there, in Colab and in Binder (whose default
environment is enough, thanks to the install cell). Nothing is loaded from either service.

Alt text: docutils writes ``alt="<file name>"`` for an image without one, which helps nobody.
Every image, cell outputs and glued figures included, must carry alt text; a warning (an error
under -W) names the page otherwise.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

NOTEBOOKS_BRANCH = "notebooks"  # written by .github/workflows/pages.yml
EXTRA = "notebooks"  # pyproject.toml: [project.optional-dependencies]
INSTALL_CELL = """\
# Run anywhere: installs dropout_book, and what these pages use, when this kernel lacks it.
import importlib
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("dropout_book") is None:
    requirement = {requirement!r}
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", requirement])
    importlib.invalidate_caches()

# The site's build hands values to the page's text with MyST-NB's glue(); without MyST-NB,
# glue() just shows the value.
try:
    import myst_nb
except ImportError:
    import types

    import IPython.display

    def _glue(name, variable, display=True):
        if display:
            IPython.display.display(variable)

    sys.modules["myst_nb"] = types.ModuleType("myst_nb")
    sys.modules["myst_nb"].glue = _glue
"""


def install_requirement(repository: str) -> str:
    """What the install cell installs: the package from the repository's main branch."""
    return f"dropout_book[{EXTRA}] @ git+{repository}@main"


def install_cell(repository: str) -> nbformat.NotebookNode:
    source = INSTALL_CELL.format(requirement=install_requirement(repository)).rstrip("\n")
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["install-dropout-book"]})


def executed_notebook(app: Sphinx, docname: str) -> Path | None:
    path = Path(app.env.mystnb_config.output_folder, *f"{docname}.ipynb".split("/"))
    return path if path.is_file() else None


def with_outputs(app: Sphinx, notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Add the outputs that MyST-NB 1.4 leaves out of a cache hit's executed notebook.

    The cause is upstream, in myst_nb/sphinx_.py (``Parser.parse``): it writes the notebook it
    parsed (``nbformat.writes(notebook)``), not the one the execution client returns
    (``nb_client.notebook``). The direct executor fills the parsed notebook in place, but on a
    cache hit myst_nb/core/execute/cache.py merges the cached outputs into a new object, which
    is never written. Delete this function when sphinx_.py writes ``nb_client.notebook``.
    """
    config = app.env.mystnb_config
    if config.execution_mode != "cache":
        return notebook
    from jupyter_cache import get_cache

    with suppress(KeyError):  # not in the cache: the page's cells were not run
        _, notebook = get_cache(config.execution_cache_path).merge_match_into_notebook(notebook)
    return notebook


def for_download(notebook: nbformat.NotebookNode, repository: str) -> nbformat.NotebookNode:
    for key in ("source_map", "file_format", "jupytext"):
        notebook.metadata.pop(key, None)
    notebook.cells.insert(0, install_cell(repository))
    for index, cell in enumerate(notebook.cells):
        digest = hashlib.sha256(f"{index}\0{cell.source}".encode()).hexdigest()
        cell.id = f"cell-{index}-{digest[:8]}"
    nbformat.validate(notebook)
    return notebook


def add_ipynb_download(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if doctree is None or pagename not in app.env.found_docs:
        return
    notebook = executed_notebook(app, pagename)
    if notebook is None:
        return
    target = Path(app.outdir, "_sources", *f"{pagename}.ipynb".split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    executed = with_outputs(app, nbformat.read(notebook, as_version=4))
    repository = app.config.html_theme_options["repository_url"]
    nbformat.write(for_download(executed, repository), target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def launch_links(repository: str, notebook: str) -> dict[str, str]:
    """Colab and Binder addresses that open `notebook` (a path) from the notebooks branch."""
    owner, name = urlsplit(repository).path.strip("/").split("/")[:2]
    return {
        "Colab": (
            f"https://colab.research.google.com/github/{owner}/{name}/blob/"
            f"{NOTEBOOKS_BRANCH}/{notebook}"
        ),
        "Binder": (
            f"https://mybinder.org/v2/gh/{owner}/{name}/{NOTEBOOKS_BRANCH}"
            f"?urlpath=lab/tree/{notebook}"
        ),
    }


def add_launch_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if "ipynb_source" not in context or "header_buttons" not in context:
        return
    from publishing import edition_prefix

    links = launch_links(
        app.config.html_theme_options["repository_url"],
        edition_prefix(app.config) + context["ipynb_source"],
    )
    context["header_buttons"].append(
        {
            "type": "group",
            "tooltip": "Run this page's notebook",
            "icon": "fas fa-rocket",
            "label": "launch-buttons",
            "buttons": [
                # Text only: the theme's logos for these services would cost two requests
                # on every notebook page, for a menu that is mostly closed.
                {
                    "type": "link",
                    "text": service,
                    "tooltip": f"Open this page's notebook in {service}",
                    "url": url,
                }
                for service, url in links.items()
            ],
        }
    )


def line_of(node: nodes.Node) -> int | None:
    """Line of the node, or of the nearest enclosing node that knows it (the code cell)."""
    current: nodes.Node | None = node
    while current is not None and not current.line:
        current = current.parent
    return current.line if current is not None else None


def require_alt_text(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for image in doctree.findall(nodes.image):
        if not image.get("alt", "").strip():
            logger.warning(
                "image without alt text (%s); for a cell output set it in the cell metadata "
                "(mystnb: image: alt: ...), for a glued figure use glue:figure with :alt:",
                image.get("uri", "?"),
                location=(docname, line_of(image)),
                type="a11y",
                subtype="alt",
            )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", add_ipynb_download, priority=500)
    # After the theme has added its header buttons (priority 501), before it draws them: the
    # launch menu comes after the download menu, whose .ipynb link stays the page's first.
    app.connect("html-page-context", add_launch_links, priority=502)
    app.connect("doctree-resolved", require_alt_text)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
