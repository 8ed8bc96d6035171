"""Figures: every PNG image of the built site stored with a palette of at most 256 colours.

matplotlib writes full-colour PNGs (RGBA, 8 bits a channel), but a plot has a few hundred to a
few thousand colours, most of them the anti-aliased edges of lines and text. Reduced to 256
colours (Pillow's octree quantiser, without dithering, so flat areas stay flat) a figure weighs
a quarter to a third as much. The quantiser gives each group of colours their mean, which turns
the white background into (254, 254, 254): each palette colour is then replaced by the commonest
true colour of its group, so that the background, the lines and the markers keep their exact
colours and only anti-aliased edges move (by 0.1 to 0.6 levels of 255 on average). Images that
already have a palette are left alone, so that running this twice changes nothing, and so is an
image the palette would not make smaller. The images keep their names (MyST-NB names them by a
hash of the cell's output), their resolution (pHYs) and their text chunks, which
tests/browser/test_figures.py reads.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sphinx.application import Sphinx


def with_palette(image: Image.Image) -> Image.Image:
    """Return the image with at most 256 colours (opaque images lose their alpha channel)."""
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")
    elif image.mode not in {"RGB", "RGBA"}:
        image = image.convert("RGBA")
    quantised = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    # The commonest true colour of each palette entry's pixels: a pixel's channels packed into
    # one integer, sorted with the entry's index above them, and counted.
    pixels = np.asarray(image, dtype=np.uint64)
    colour = sum(pixels[..., channel] << (8 * channel) for channel in range(pixels.shape[-1]))
    entry = np.asarray(quantised, dtype=np.uint64)
    pairs, counts = np.unique((entry << 32 | colour).ravel(), return_counts=True)
    commonest = {}
    for pair in pairs[np.argsort(counts, kind="stable")].tolist():  # rarest first
        commonest[pair >> 32] = pair & 0xFFFFFFFF  # so the last written is the commonest
    palette = quantised.getpalette(image.mode) or []
    width = len(image.mode)
    for index, packed in commonest.items():
        palette[index * width : (index + 1) * width] = packed.to_bytes(width, "little")
    quantised.putpalette(palette, image.mode)
    return quantised


def optimise_png(path: Path) -> None:
    with Image.open(path) as image:
        if image.mode in {"P", "L", "1"}:
            return
        text = PngInfo()
        for key, value in image.text.items():
            text.add_text(key, value)
        kept = {"dpi": image.info["dpi"]} if "dpi" in image.info else {}
        smaller = io.BytesIO()
        with_palette(image).save(smaller, format="PNG", optimize=True, pnginfo=text, **kept)
    if smaller.tell() < path.stat().st_size:
        path.write_bytes(smaller.getvalue())


def optimise_figures(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for path in sorted(Path(app.outdir, "_images").glob("*.png")):
        optimise_png(path)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("build-finished", optimise_figures)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
