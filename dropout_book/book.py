r"""The book's Dropout layer as published, kept for comparison: flaws included, on purpose.

From 『ゼロから作るDeep Learning』 (斎藤康毅, O'Reilly Japan, 2016; English edition *Deep Learning
from the Basics*, Packt, 2021), ``common/layers.py`` in the book's repository. The documentation
runs it beside :class:`dropout_book.Dropout` to show where the two agree and where the book's
layer goes wrong (backward after an inference pass reuses a stale mask; backward before any
forward multiplies by ``None``). Use :class:`dropout_book.Dropout` for real work.

Where the two agree bit for bit: with its defaults and under the same ``np.random.seed``,
``Dropout(p)`` gives ``BookDropout(p)``'s masks, outputs (values and dtype) and gradients, in
training and at inference, and leaves the global state where the book's layer leaves it,
whenever ``x`` is a floating-point array and ``p`` a Python ``float`` or ``int``, as in the
book's own code. Training agrees for a ratio of any real type. Outside that:

- integer and boolean ``x``: ``Dropout`` computes in float64, where the book's training output
  keeps ``x``'s integer dtype; the values agree for :math:`|x| \le 2^{53}`, and beyond that
  float64 rounds (``2**53 + 1`` becomes ``2**53``);
- a NumPy scalar as ``p``, at inference: ``Dropout`` computes ``1 - p`` with ``float(p)`` and
  keeps ``x``'s dtype, where the book computes ``1.0 - p`` in ``p``'s own type and NumPy
  promotes ``x`` to it (``np.float32(0.1)`` scales float64 input by 0.89999998 instead of
  0.9; an ``np.float64`` ratio turns float32 input into float64);
- backward after an inference pass, and before any forward pass: the book's flaws above.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["BookDropout"]


class BookDropout:
    """The book's layer, re-implemented line for line from its description. Do not use.

    Parameters
    ----------
    dropout_ratio : float, default 0.5
        Probability of *dropping* a unit. Not checked.

    Examples
    --------
    >>> import numpy as np
    >>> np.random.seed(0)
    >>> BookDropout().forward(np.array([0, 1, 2, 3, 4]))
    array([0, 1, 2, 3, 0])
    """

    def __init__(self, dropout_ratio: float = 0.5) -> None:
        self.dropout_ratio = dropout_ratio
        self.mask: Any = None

    def forward(self, x: Any, train_flg: bool = True) -> Any:
        """Return ``x * mask`` for a fresh mask, or ``x * (1 - dropout_ratio)``."""
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout: Any) -> Any:
        """Return ``dout * mask``, whatever the last forward pass was."""
        return dout * self.mask
