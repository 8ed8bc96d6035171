"""Startup of every kernel that executes a page: figures as sharp PNGs that name their text size.

conf/conf.py names this file in PYTHONSTARTUP, which IPython runs in each kernel before the
page's first cell (``InteractiveShellApp.exec_PYTHONSTARTUP``). It replaces the inline backend's
PNG formatter, so that every figure a page shows or glues

- is drawn at twice its dpi and shown at half its pixel width (IPython's "retina" format): sharp
  on high-density screens, the same size in CSS px as a figure drawn at its dpi;
- carries, in a PNG text chunk, the size in points of the smallest text drawn on it.

tests/browser/test_figures.py reads that chunk and the PNG's own resolution and pixel width to
compute how large the smallest text is on a phone. The size is taken from the figure's text
artists as drawn, not from the style's settings, so a page that shrinks a legend or a tick label
is measured as it is.

A downloaded notebook runs without this file and shows its figures as Jupyter does by default.
"""


# Everything happens inside one function, deleted afterwards: IPython runs this file in the
# page's namespace, and a name left there could hide a missing import from the page's reader.
def _install_figure_formatter() -> None:
    from IPython import get_ipython
    from IPython.core.pylabtools import retina_figure
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    # The PNG text chunk's keyword (tests/browser/test_figures.py reads it).
    key = "Smallest text (pt)"

    def smallest_text_pt(fig: Figure) -> float | None:
        """Return the size in points of the smallest visible, non-empty text of `fig`."""
        fig.draw_without_rendering()  # place the ticks and their labels as the PNG shows them
        sizes = [
            text.get_fontsize()
            for text in fig.findobj(Text)
            if text.get_visible() and text.get_text().strip()
        ]
        return min(sizes, default=None)

    def png(fig: Figure) -> tuple[str, dict[str, int]] | None:
        """Format `fig` as a base64 PNG at twice its dpi, its smallest text size recorded."""
        size = smallest_text_pt(fig)
        metadata = {} if size is None else {key: f"{size:g}"}
        drawn = retina_figure(fig, base64=True, bbox_inches="tight", metadata=metadata)
        if drawn is None:  # an empty figure shows nothing, as with the inline backend
            return None
        data, shape = drawn
        # The width only: given a height too, a browser would keep it when the column is
        # narrower than the figure, and stretch the image.
        return data, {"width": shape["width"]}

    shell = get_ipython()
    if shell is None:
        return
    # Load the inline backend now, so that its own PNG formatter is installed before ours
    # replaces it (otherwise the page's first plot would install it over ours).
    shell.enable_matplotlib("inline")
    shell.display_formatter.formatters["image/png"].for_type(Figure, png)


_install_figure_formatter()
del _install_figure_formatter
