"""Readable, resolvable type hints in the API reference.

autodoc evaluates the annotations, so ``ArrayLike`` arrives as NumPy's long private union and
``NDArray[X]`` as ``ndarray[tuple[Any, ...], dtype[X]]``; both are put back to their public
names here. (``autodoc_type_aliases`` would do it for unevaluated hints, but with Sphinx 9 it
leaves names such as ``np.floating`` unresolved and prints ``TypeAliasForwardRef`` for
``ArrayLike | None``.) Short names in docstring types (``ndarray``) are resolved to NumPy's
objects through the local inventories of conf/inventories/.
"""

from __future__ import annotations

import re
from typing import Any

import numpy.typing as npt
from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.ext.intersphinx import missing_reference
from sphinx.util.typing import stringify_annotation

_ARRAY_LIKE = stringify_annotation(npt.ArrayLike, "smart")
_NDARRAY = re.compile(
    r"~numpy\.ndarray\[tuple\[~typing\.Any, \.\.\.\], ~numpy\.dtype\[([^\]]+)\]\]"
)
_PRIVATE = {"~numpy.random._generator.Generator": "~numpy.random.Generator"}

# Names used in numpydoc type fields -> the object they mean; and the private path of a
# property's type (autodoc writes a property's `:type:` without autodoc-process-signature).
SHORT_NAMES = {
    "ndarray": "numpy.ndarray",
    "Generator": "numpy.random.Generator",
    "numpy.random._generator.Generator": "numpy.random.Generator",
}


def public_names(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.replace(_ARRAY_LIKE, "~numpy.typing.ArrayLike")
    text = _NDARRAY.sub(r"~numpy.typing.NDArray[\1]", text)
    for private, public in _PRIVATE.items():
        text = text.replace(private, public)
    return text


def process_signature(
    app: Sphinx,
    what: str,
    name: str,
    obj: Any,
    options: Any,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str | None, str | None]:
    return public_names(signature), public_names(return_annotation)


def resolve_short_name(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.reference | None:
    target = SHORT_NAMES.get(node.get("reftarget", ""))
    if node.get("refdomain") != "py" or target is None:
        return None
    renamed = node.deepcopy()
    renamed["reftarget"] = target
    return missing_reference(app, env, renamed, contnode)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.intersphinx")
    app.connect("autodoc-process-signature", process_signature)
    app.connect("missing-reference", resolve_short_name)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
