"""What a page was built from: its MyST source and its executed notebook.

From the source, the code cells (code and tags, read by jupytext as MyST-NB reads them) and the
number of formulas (counted on the tokens of MyST's Markdown parser); from the notebook MyST-NB
executed, the code cells and whether each shows an output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.browser.paths import ROOT, edition
from tests.browser.server import site_file

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# Outputs of myst_nb.glue(..., display=False) carry only mime types with this prefix, and MyST-NB
# renders nothing for them.
GLUE_PREFIX = "application/papermill.record/"


@dataclass(frozen=True)
class SourceCell:
    """A ``{code-cell}`` of a page's MyST source."""

    code: str
    tags: frozenset[str]


@dataclass(frozen=True)
class ExecutedCell:
    """A code cell of the page's executed notebook: its code, and whether it shows output."""

    code: str
    shows_output: bool


def source_cells(text: str) -> list[SourceCell]:
    """Return the code cells of a MyST-NB text notebook, in order."""
    import jupytext  # the browser group's: the other sessions collect this module without it

    notebook = jupytext.reads(text, fmt="md:myst")
    return [
        SourceCell(code=cell.source.strip("\n"), tags=frozenset(cell.metadata.get("tags", [])))
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


@cache
def _myst() -> MarkdownIt:
    """MyST's own Markdown parser, with the extensions of conf.py that can hold math.

    Dollar math with MyST's default options, colon fences, and roles such as {math}`x`.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.colon_fence import colon_fence_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
    from mdit_py_plugins.myst_role import myst_role_plugin

    return (
        MarkdownIt("commonmark")
        .use(front_matter_plugin)
        .use(dollarmath_plugin, allow_labels=True, allow_space=True, allow_digits=True)
        .use(colon_fence_plugin)
        .use(myst_role_plugin)
    )


_MATH_TOKENS = {"math_inline", "math_inline_double", "math_block", "math_block_label"}
# Directives whose body is code or raw text, not MyST prose.
_VERBATIM = {"code-cell", "code-block", "code", "sourcecode", "literalinclude", "raw"}


def count_source_math(markdown: str) -> int:
    """Count the formulas of MyST text: ``$...$``, ``$$...$$``, {math} roles and blocks."""
    count = 0
    for block in _myst().parse(markdown):
        for token in [block, *(block.children or [])]:
            if token.type in _MATH_TOKENS or (
                token.type == "myst_role" and token.meta.get("name") == "math"
            ):
                count += 1
            elif token.type in {"fence", "colon_fence"} and token.info.startswith("{"):
                directive = token.info[1:].partition("}")[0]
                if directive == "math":
                    count += 1
                elif directive not in _VERBATIM:  # an admonition, a figure...: MyST prose
                    count += count_source_math(token.content)
    return count


def renders_output(outputs: list[dict[str, Any]]) -> bool:
    """Tell whether MyST-NB shows anything for a code cell's executed outputs."""
    for output in outputs:
        kind = output.get("output_type")
        if kind == "error" or (kind == "stream" and output.get("text")):
            return True
        data = output.get("data", {})
        if any(not mime.startswith(GLUE_PREFIX) for mime in data):
            return True
    return False


def page_source(site: Path, page: str) -> str | None:
    """Return the MyST source the page was built from, if it has one."""
    folder, name = edition(site, page)
    for path in (
        site / folder / "_sources" / f"{name}.md",
        site / folder / "_sources" / f"{name}.md.txt",
        ROOT / "docs" / f"{name}.md",
    ):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def executed_cells(site: Path, page: str, links: list[str]) -> list[ExecutedCell] | None:
    """Return the code cells of the page's executed notebook, if found.

    `links` are the page's links to the site (absolute URLs).
    """
    folder, name = edition(site, page)
    # The page's own .ipynb download first: what a reader gets. Failing that, the executed
    # notebook MyST-NB writes to jupyter_execute/ beside its build's HTML folder.
    candidates = [
        site_file(site, link) for link in links if urlsplit(link).path.endswith(f"/{name}.ipynb")
    ]
    candidates.append((site / folder).parent / "jupyter_execute" / f"{name}.ipynb")
    for path in candidates:
        if path is not None and path.is_file():
            notebook = json.loads(path.read_text(encoding="utf-8"))
            return [
                ExecutedCell(
                    code="".join(cell["source"]).strip("\n"),
                    shows_output=renders_output(cell.get("outputs", [])),
                )
                for cell in notebook["cells"]
                # Not the install cell that opens every download (conf/notebook_pages.py).
                if cell["cell_type"] == "code"
                and "install-dropout-book" not in cell.get("metadata", {}).get("tags", [])
            ]
    return None
