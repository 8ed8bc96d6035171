"""Exercises: one id per element, however many exercises a page holds.

sphinx-exercise gives the body of every exercise and of every solution the same id,
``exercise-content`` and ``solution-content`` (``nodes.section(ids=[...])`` in
sphinx_exercise/directive.py and transforms.py, marked "TODO: should id be classes?" there). A
page with two exercises then repeats an id, which HTML forbids: a link or a script looking for
one of them finds the first. Nothing (the extension's CSS and script included) refers to these
ids, so they become classes of the same names. Delete this file when sphinx-exercise stops
setting them.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

SHARED_IDS = ("exercise-content", "solution-content")


def ids_to_classes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for section in doctree.findall(nodes.section):
        for shared in SHARED_IDS:
            if shared in section["ids"]:
                section["ids"].remove(shared)
                section["classes"].append(shared)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-resolved", ids_to_classes)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
