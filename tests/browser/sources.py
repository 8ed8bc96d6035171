"""What a page was built from: its MyST source and its executed notebook.

From the source, the code cells (code and tags) and the number of formulas; from the notebook
MyST-NB executed, the code cells and whether each shows an output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.browser.paths import ROOT, docname

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


_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")


def _tag_list(value: str, following: list[str]) -> list[str]:
    """Parse ``[a, b]`` or a YAML block list (``- a`` on the following lines)."""
    value = value.strip()
    if value.startswith("["):
        return [item.strip().strip("'\"") for item in value.strip("[]").split(",") if item.strip()]
    items = []
    for line in following:
        match = re.match(r"^\s+-\s*(.+)$", line)
        if not match:
            break
        items.append(match.group(1).strip().strip("'\""))
    return items


def _source_cell(body: list[str]) -> SourceCell:
    """Split a code-cell directive's body into its options and its code."""
    tags: list[str] = []
    start = 0
    if body and body[0].strip() == "---":  # options as a YAML block
        end = next(i for i in range(1, len(body)) if body[i].strip() == "---")
        for i in range(1, end):
            if body[i].startswith("tags:"):
                tags = _tag_list(body[i].removeprefix("tags:"), body[i + 1 : end])
        start = end + 1
    else:  # options as `:key: value` lines (nested YAML continues on `:  ...` lines)
        while start < len(body) and body[start].startswith(":"):
            option = _OPTION.match(body[start])
            if option and option["key"] == "tags":
                following = [line.removeprefix(":") for line in body[start + 1 :]]
                tags = _tag_list(option["value"], following)
            start += 1
    return SourceCell(code="\n".join(body[start:]).strip("\n"), tags=frozenset(tags))


def _front_matter_end(lines: list[str]) -> int:
    """Return the index of the first line after the YAML front matter (0 without one)."""
    if lines and lines[0].strip() == "---":
        return next(j for j in range(1, len(lines)) if lines[j].strip() == "---") + 1
    return 0


def _scan(lines: list[str]) -> Iterator[tuple[str | None, list[str]]]:
    """Yield ``(info, body)`` for each fenced block and ``(None, [line])`` for each other line."""
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            yield None, [lines[i]]
            i += 1
            continue
        fence = opening["fence"]
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            j += 1
        yield opening["info"].strip(), lines[i + 1 : j]
        i = j + 1


def source_cells(text: str) -> list[SourceCell]:
    """Return the code cells of a MyST-NB text notebook, in order."""
    lines = text.splitlines()
    return [
        _source_cell(body)
        for info, body in _scan(lines[_front_matter_end(lines) :])
        if info is not None and info.startswith("{code-cell}")
    ]


# Fenced blocks whose body is code or raw text, not MyST prose.
_VERBATIM = ("{code-cell}", "{code-block}", "{code}", "{sourcecode}", "{literalinclude}", "{raw}")
_INLINE_CODE = re.compile(r"``.*?``|`[^`\n]*`")
_DOLLAR_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$\w])\$(?=\S)[^$\n]*?(?<=\S)\$(?![\w$])", re.S)


def _prose(lines: list[str]) -> Iterator[str]:
    """Yield the prose lines of MyST text, inside directives too; count {math} blocks as `$$`."""
    for info, body in _scan(lines):
        if info is None:
            yield from body
        elif info.startswith("{math}"):
            yield "$$ $$"
        elif info.startswith("{") and not info.startswith(_VERBATIM):
            yield from _prose(body)


def count_source_math(text: str) -> int:
    """Count the formulas of a page's source: ``$...$``, ``$$...$$`` and ``{math}``."""
    lines = text.splitlines()
    prose = "\n".join(
        _INLINE_CODE.sub("", line) for line in _prose(lines[_front_matter_end(lines) :])
    )
    return len(_DOLLAR_MATH.findall(prose)) + prose.count("{math}")


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
    for path in (
        site / "_sources" / f"{docname(page)}.md",
        site / "_sources" / f"{docname(page)}.md.txt",
        ROOT / "docs" / f"{docname(page)}.md",
    ):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def executed_cells(
    site: Path, base_url: str, page: str, links: list[str]
) -> list[ExecutedCell] | None:
    """Return the code cells of the page's executed notebook, if found.

    `links` are the page's links to the site, served from `base_url`.
    """
    # The page's own .ipynb download first: what a reader gets. Failing that, the executed
    # notebook MyST-NB writes to jupyter_execute/ beside the HTML folder.
    candidates = []
    for link in links:
        link_path = urlsplit(link).path
        if link_path.endswith(f"/{docname(page)}.ipynb"):
            candidates.append(site / unquote(link_path[len(urlsplit(base_url).path) :]))
    candidates.append(site.parent / "jupyter_execute" / f"{docname(page)}.ipynb")
    for path in candidates:
        if path.is_file():
            notebook = json.loads(path.read_text(encoding="utf-8"))
            return [
                ExecutedCell(
                    code="".join(cell["source"]).strip("\n"),
                    shows_output=renders_output(cell.get("outputs", [])),
                )
                for cell in notebook["cells"]
                if cell["cell_type"] == "code"
            ]
    return None
