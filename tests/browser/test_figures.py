"""Figures a phone can read: the smallest text of every figure shows at 9 CSS px or more.

A figure is an image in a cell's output or in a ``<figure>`` element.

A figure's text is part of its pixels, so its size on the screen follows from four numbers:

    shown size in CSS px = size in pt / 72 * dpi * shown width / natural width

where the dpi and the natural width (in image pixels) are those of the PNG, and the shown width
(in CSS px) is the image's width on the page at 390 px. None of them is typed here:

- the PNG's resolution chunk (pHYs) holds the dpi matplotlib drew it at, and its header the
  natural width;
- the shown width is measured in the page, at phone width, after any collapsed block holding the
  image has been opened;
- the smallest text size in pt is written into a PNG text chunk when the figure is drawn, by the
  kernel startup conf/kernel_startup.py. It is the smallest size among the text artists of the
  figure as drawn (titles, labels, tick labels, legends, annotations), not the size the style
  asks for, so a page that shrinks a legend is measured as it is.

Reading the size from the style (conf/matplotlibrc) and forbidding pages to set their own would
need a search of every page's code for the many ways matplotlib takes a size (``fontsize=``,
``size=``, ``labelsize=``, ``prop=``, relative sizes such as "small", ``rcParams``...); a figure
that records what it drew cannot be fooled that way. An image without the chunk (drawn some other
way, or by a kernel that did not run the startup) fails the test, since its text cannot be
measured.
"""

from __future__ import annotations

import struct
import urllib.request
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.browser.visits import PhoneVisit

pytestmark = pytest.mark.browser

MIN_TEXT_PX = 9.0
# The keyword of the PNG text chunk written by conf/kernel_startup.py.
SMALLEST_TEXT_KEY = "Smallest text (pt)"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
METRES_PER_INCH = 0.0254


@dataclass(frozen=True)
class Png:
    """What a PNG says about itself: its width in pixels, its dpi and its text chunks."""

    width: int
    dpi: float | None
    text: dict[str, str]


def read_png(data: bytes) -> Png:
    """Read the header, resolution and text chunks of a PNG (the PNG specification, section 11)."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    width, dpi, text = 0, None, {}
    offset = len(PNG_SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length  # length, type, body, CRC
        if kind == b"IHDR":
            (width,) = struct.unpack_from(">I", body)
        elif kind == b"pHYs":
            per_unit_x, _, unit = struct.unpack(">IIB", body)
            if unit == 1:  # pixels per metre
                dpi = per_unit_x * METRES_PER_INCH
        elif kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            text[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            text[key.decode("latin-1")] = zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == b"IEND":
            break
    return Png(width=width, dpi=dpi, text=text)


def shown_text_px(size_pt: float, dpi: float, natural_width: float, shown_width: float) -> float:
    """Return the height in CSS px of text of `size_pt` points in an image drawn at `dpi`."""
    return size_pt / 72 * dpi * shown_width / natural_width


def test_shown_text_px_follows_the_formula() -> None:
    """10 pt at 200 dpi, a 1000 px image shown 500 px wide: 10/72 in * 100 px/in = 13.9 px."""
    assert shown_text_px(10, 200, 1000, 500) == pytest.approx(1000 / 72)
    assert shown_text_px(10, 100, 1000, 1000) == pytest.approx(1000 / 72)


def test_figure_text_is_readable_on_a_phone(phone: PhoneVisit) -> None:
    """At 390 px, the smallest text of every figure on the page is at least 9 CSS px high."""
    problems = []
    for figure in phone.figures:
        name = figure["src"].rsplit("/", 1)[-1][:16]
        with urllib.request.urlopen(figure["src"]) as response:  # the loopback server
            data = response.read()
        try:
            png = read_png(data)
        except ValueError:
            problems.append(f"{name}: not a PNG, its text cannot be measured")
            continue
        size = png.text.get(SMALLEST_TEXT_KEY)
        if size is None or png.dpi is None:
            problems.append(
                f"{name}: no {SMALLEST_TEXT_KEY!r} or resolution chunk: not drawn by a kernel "
                "that ran conf/kernel_startup.py"
            )
            continue
        assert png.width == figure["naturalWidth"], name  # the page shows this very file
        if figure["shownWidth"] == 0:
            problems.append(f"{name}: not shown at all, even with collapsed blocks opened")
            continue
        px = shown_text_px(float(size), png.dpi, png.width, figure["shownWidth"])
        if px < MIN_TEXT_PX:
            problems.append(
                f"{name} ({figure['alt'][:40]}...): {size} pt text at {png.dpi:.0f} dpi, "
                f"{png.width} px shown {figure['shownWidth']:.0f} px wide: {px:.1f} CSS px "
                f"< {MIN_TEXT_PX} (conf/matplotlibrc: no text under 10 pt, at most 5 inches wide)"
            )
    assert not problems, "\n".join(problems)
