"""Render math to MathML at build time with latex2mathml: no MathJax, no network.

Registered as the HTML math renderer "mathml" (conf.py: ``html_math_renderer = "mathml"``), so
Sphinx adds no MathJax script. Browsers draw MathML natively (MathML Core: Chromium 109+,
Firefox, Safari). LaTeX that latex2mathml does not understand is reported as a warning (an error
under -W) naming the page, instead of showing up as raw commands on the page.
"""

from __future__ import annotations

import html
import re
from typing import Any

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number
from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

# latex2mathml has no `aligned` environment (it would print the `&` signs); `align*` renders the
# same right/left column pairs without equation numbers.
_REWRITES = [
    (re.compile(r"\\(begin|end)\{aligned\}"), r"\\\1{align*}"),
    (re.compile(r"\\(begin|end)\{gathered\}"), r"\\\1{gather*}"),
]
# Output that latex2mathml gets wrong: `\sim` comes out as an identifier "~" (U+007E, a
# tilde), not the relation U+223C TILDE OPERATOR with its spacing.
_FIXES = [("<mi>&#x0007E;</mi>", "<mo>&#x0223C;</mo>")]
# Signs that latex2mathml did not understand the input: it keeps unknown commands and stray
# alignment tabs as identifiers instead of failing.
_UNKNOWN = re.compile(r"<mi>(\\[A-Za-z]+|&amp;|&)</mi>")


def to_mathml(latex: str, *, display: bool, node: nodes.Node) -> str:
    source = latex.strip()
    for pattern, replacement in _REWRITES:
        source = pattern.sub(replacement, source)
    try:
        mathml = convert(source, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many exception types
        logger.warning("latex2mathml cannot convert %r: %s", latex, error, location=node)
        return f"<code>{html.escape(latex)}</code>"
    for wrong, right in _FIXES:
        mathml = mathml.replace(wrong, right)
    unknown = _UNKNOWN.search(mathml)
    if unknown:
        logger.warning(
            "latex2mathml does not support %r in %r", unknown.group(1), latex, location=node
        )
    return mathml


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
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
