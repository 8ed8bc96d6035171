"""The ``dropout-playground`` directive: a layer's mask, drawn in the reader's browser.

A page writes::

    ```{dropout-playground}
    :seed: 10
    :units: 16
    :ratio: 0.5

    caption: What the figure shows, always visible.
    noscript: What a reader without JavaScript sees instead of the figure.
    ratio: Dropout ratio $p$
    ...
    ```

and gets a ``<figure class="dropout-playground">`` whose ``data-seed``, ``data-units`` and
``data-ratio`` attributes configure ``_static/dropout-playground.js``, which draws the grid, the
slider, the button and the numbers in the browser. Every string the reader sees comes from the
directive's content, one ``key: text`` line each (continuation lines indented), rendered as an
ordinary paragraph: Sphinx's gettext builder extracts each one as a message of its own, so a
translated edition translates the figure with the page, and the script holds no visible text.
The paragraphs of the labels sit in a ``hidden`` block, which the script reads; the ``noscript``
paragraph is removed by the script, so it shows only where scripts do not run.

The script and its style sheet are added to the pages that hold a playground, and to no other.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective, SphinxTranslator

# Every string the figure shows. `summary` is the text alternative of the drawn grid, with
# {kept}, {units}, {fraction} and {expected} filled in by the script.
TEXTS = (
    "caption",
    "noscript",
    "ratio",
    "draw",
    "kept",
    "expected",
    "outputs",
    "training",
    "inference",
    "book",
    "inverted",
    "summary",
)
ALWAYS_SHOWN = ("caption", "noscript")
_LINE = re.compile(r"(?P<key>[a-z]+):\s*(?P<text>.*)")


class dropout_playground(nodes.General, nodes.Element):  # noqa: N801 (docutils' node names)
    """The figure; its attributes become the data-* attributes of the HTML."""


class dropout_playground_texts(nodes.General, nodes.Element):  # noqa: N801
    """The labels the script reads, in a block hidden from view."""


def _ratio(value: str | None) -> float:
    number = float(directives.unchanged_required(value))
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"ratio must be in [0, 1], got {number}")
    return number


class DropoutPlayground(SphinxDirective):
    """Insert an interactive dropout mask; see the module docstring for the syntax."""

    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "seed": directives.nonnegative_int,
        "units": directives.positive_int,
        "ratio": _ratio,
    }

    def run(self) -> list[nodes.Node]:
        texts = self._texts()
        figure = dropout_playground(
            seed=self.options.get("seed", 0),
            units=self.options.get("units", 16),
            ratio=self.options.get("ratio", 0.5),
        )
        self.set_source_info(figure)
        labels = dropout_playground_texts()
        messages: list[nodes.Node] = []
        for key in TEXTS:
            text, lineno = texts[key]
            # A paragraph with a source, a line and its raw text is what gettext extracts as
            # one message (sphinx.util.nodes.is_translatable), and what a translation replaces.
            children, problems = self.state.inline_text(text, lineno)
            paragraph = nodes.paragraph(text, "", *children, classes=[f"dpg-{key}"])
            paragraph.source, paragraph.line = self.get_source_info()[0], lineno
            (figure if key in ALWAYS_SHOWN else labels).append(paragraph)
            messages += problems
        figure.append(labels)
        return [figure, *messages]

    def _texts(self) -> dict[str, tuple[str, int]]:
        """Read the ``key: text`` lines of the content; every key of TEXTS exactly once."""
        found: dict[str, tuple[list[str], int]] = {}
        current: list[str] | None = None
        for offset, line in enumerate(self.content):
            lineno = self.content_offset + offset + 1
            if not line.strip():
                current = None
                continue
            match = _LINE.fullmatch(line)
            if match and not line[0].isspace():
                key = match["key"]
                if key not in TEXTS:
                    raise self.error(f"unknown text {key!r}; expected one of {', '.join(TEXTS)}")
                if key in found:
                    raise self.error(f"text {key!r} given twice")
                current = [match["text"]]
                found[key] = (current, lineno)
            elif current is not None and line[0].isspace():
                current.append(line.strip())
            else:
                raise self.error(f"expected 'key: text' on line {lineno}, got {line!r}")
        missing = [key for key in TEXTS if key not in found]
        if missing:
            raise self.error(f"missing texts: {', '.join(missing)}")
        return {key: (" ".join(parts), lineno) for key, (parts, lineno) in found.items()}


def visit_html(translator: SphinxTranslator, node: dropout_playground) -> None:
    attributes = {
        "data-seed": str(node["seed"]),
        "data-units": str(node["units"]),
        "data-ratio": repr(node["ratio"]),
    }
    translator.body.append(
        translator.starttag(node, "figure", CLASS="dropout-playground", **attributes)
    )


def depart_html(translator: SphinxTranslator, node: dropout_playground) -> None:
    translator.body.append("</figure>\n")


def visit_texts(translator: SphinxTranslator, node: dropout_playground_texts) -> None:
    translator.body.append(translator.starttag(node, "div", CLASS="dpg-texts", hidden="hidden"))


def depart_texts(translator: SphinxTranslator, node: dropout_playground_texts) -> None:
    translator.body.append("</div>\n")


def add_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Load the script and style sheet on the pages that hold a playground (and only there)."""
    if doctree is not None and next(doctree.findall(dropout_playground), None) is not None:
        app.add_css_file("dropout-playground.css")
        app.add_js_file("dropout-playground.js", loading_method="defer")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(dropout_playground, html=(visit_html, depart_html))
    app.add_node(dropout_playground_texts, html=(visit_texts, depart_texts))
    app.add_directive("dropout-playground", DropoutPlayground)
    app.connect("html-page-context", add_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
