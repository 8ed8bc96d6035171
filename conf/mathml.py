"""Render math to MathML at build time with docutils' converter: no MathJax, no network.

Registered as the HTML math renderer "mathml" (conf.py: ``html_math_renderer = "mathml"``), so
Sphinx adds no MathJax script. Browsers draw MathML natively (MathML Core: Chromium 109+,
Firefox, Safari). The converter is docutils' own (``docutils.utils.math.latex2mathml``, which
docutils' HTML writer uses for ``math_output: MathML``): Sphinx already depends on docutils, and
it raises on a command it does not know instead of printing it as text. A formula it cannot
convert is reported as a warning (an error under -W) naming the page and the formula.
"""

from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from docutils.utils.math.latex2mathml import tex2mathml
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number
from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)


def to_mathml(latex: str, *, display: bool, node: nodes.Node) -> str:
    try:
        return str(tex2mathml(latex.strip(), as_block=display))
    # MathError (a ValueError) for LaTeX it does not know; malformed input, such as an `&`
    # outside an alignment, can end in other exceptions from inside the parser.
    except Exception as error:
        logger.warning("cannot convert %r to MathML: %s", latex, error, location=node)
        return f"<code>{html.escape(latex)}</code>"


def visit_math(self: HTML5Translator, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate"))
    self.body.append(to_mathml(node.astext(), display=False, node=node))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self: HTML5Translator, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    # Sphinx's convention: blank lines separate equations within one block.
    for part in node.astext().split("\n\n"):
        if part.strip():
            self.body.append(to_mathml(part, display=True, node=node))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    # Alignment of `aligned` rows, which browsers' MathML does not take from attributes.
    # The file is in conf/_static, which conf.py lists in html_static_path.
    app.add_css_file("mathml.css")
    return {"version": "2", "parallel_read_safe": True, "parallel_write_safe": True}
