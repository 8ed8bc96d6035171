"""Startup of every kernel that executes a page: sharp figures, whole outputs, one BLAS thread.

conf/conf.py names this file in PYTHONSTARTUP, which IPython runs in each kernel before the
page's first cell (``InteractiveShellApp.exec_PYTHONSTARTUP``). It sets up three things, each
for the published pages to be the same from build to build and machine to machine:

- **Figures.** It replaces the inline backend's PNG formatter, so that every figure a page shows
  or glues is drawn at twice its dpi and shown at half its pixel width (IPython's "retina"
  format: sharp on high-density screens, the same size in CSS px as a figure drawn at its dpi),
  and carries, in a PNG text chunk, the size in points of the smallest text drawn on it.
  tests/browser/test_figures.py reads that chunk and the PNG's own resolution and pixel width to
  compute how large the smallest text is on a phone. The size is taken from the figure's text
  artists as drawn, not from the style's settings, so a page that shrinks a legend or a tick
  label is measured as it is.
- **Printed output in one piece per cell.** ipykernel sends what a cell prints in chunks, one
  every ``flush_interval`` (0.2 s), so where a chunk ends depends on the machine's speed.
  MyST-NB then merges a cell's chunks with ``coalesce_streams`` (myst_nb/core/utils.py), which
  strips the end of each chunk and adds a newline: ``print("a:", x)`` split between two chunks
  is printed on two lines, and two builds of the same page differ. With a flush interval longer
  than any cell, the kernel sends a cell's output when the cell ends (ipykernel flushes both
  streams before it replies), in one chunk, whatever the timing.
- **One BLAS thread.** The pages multiply small matrices, which one thread computes faster than
  two, and many times faster on a machine whose cores are busy; and the order in which threads
  add partial sums can change the last bits of a product, which one thread fixes. threadpoolctl
  sets the limit through the libraries' own calls; no environment variable changes.

A downloaded notebook runs without this file: its figures show as Jupyter shows them by default,
and nothing else a reader sees changes.
"""


# Everything happens inside functions, deleted afterwards: IPython runs this file in the
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


def _send_output_when_cells_end() -> None:
    import sys

    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "flush_interval"):  # ipykernel's OutStream; not a plain terminal
            stream.flush_interval = 24 * 3600.0  # seconds: longer than any cell


def _one_blas_thread() -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


_install_figure_formatter()
_send_output_when_cells_end()
_one_blas_thread()
del _install_figure_formatter, _send_output_when_cells_end, _one_blas_thread
