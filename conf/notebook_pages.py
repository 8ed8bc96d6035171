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

Alt text: docutils writes ``alt="<file name>"`` for an image without one, which helps nobody.
Every image, cell outputs and glued figures included, must carry alt text; a warning (an error
under -W) names the page otherwise.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


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


def for_download(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for key in ("source_map", "file_format", "jupytext"):
        notebook.metadata.pop(key, None)
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
    nbformat.write(for_download(executed), target)
    context["ipynb_source"] = f"{pagename}.ipynb"


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
    app.connect("doctree-resolved", require_alt_text)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
