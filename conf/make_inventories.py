"""Write the small intersphinx inventories of conf/inventories/ (run by hand, output committed).

The site is built offline, so remote intersphinx is off. The API pages still link the few NumPy and
Python objects that appear in dropout_book's type hints; these hand-made inventories list exactly
those objects with their addresses in the published documentation. Links to them are ordinary
<a href> links: nothing is loaded from another host. Add a line here when a new type appears, then
run `python conf/make_inventories.py`.
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent / "inventories"

NUMPY = [
    # name, role, uri (relative to https://numpy.org/doc/stable/)
    ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#numpy.ndarray"),
    ("numpy.dtype", "py:class", "reference/generated/numpy.dtype.html#numpy.dtype"),
    ("numpy.generic", "py:class", "reference/arrays.scalars.html#numpy.generic"),
    ("numpy.floating", "py:class", "reference/arrays.scalars.html#numpy.floating"),
    ("numpy.float64", "py:class", "reference/arrays.scalars.html#numpy.float64"),
    ("numpy.bool", "py:class", "reference/arrays.scalars.html#numpy.bool"),
    ("numpy.bool_", "py:attribute", "reference/arrays.scalars.html#numpy.bool_"),
    # NumPy files these two as py:data, but Sphinx links every name in a type hint with the
    # py:class role, which does not look up py:data; listed as classes so hints resolve.
    ("numpy.typing.ArrayLike", "py:class", "reference/typing.html#numpy.typing.ArrayLike"),
    ("numpy.typing.NDArray", "py:class", "reference/typing.html#numpy.typing.NDArray"),
    (
        "numpy.random.Generator",
        "py:class",
        "reference/random/generator.html#numpy.random.Generator",
    ),
]

PYTHON = [
    # name, role, uri (relative to https://docs.python.org/3/)
    (
        "collections.abc.Callable",
        "py:class",
        "library/collections.abc.html#collections.abc.Callable",
    ),
    (
        "collections.abc.Sequence",
        "py:class",
        "library/collections.abc.html#collections.abc.Sequence",
    ),
]


def write(path: Path, project: str, version: str, entries: list[tuple[str, str, str]]) -> None:
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in entries)
    path.write_bytes(header.encode() + zlib.compress(body.encode(), 9))


if __name__ == "__main__":
    write(HERE / "numpy.inv", "NumPy", "2", NUMPY)
    write(HERE / "python.inv", "Python", "3", PYTHON)
