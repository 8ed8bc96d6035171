"""The book's Dropout layer as published, kept for comparison: flaws included, on purpose.

*Deep Learning from Scratch* (斎藤康毅, O'Reilly Japan, 2016), ``common/layers.py``. The
documentation runs it beside :class:`dropout_book.Dropout` to show where the two agree (every
number, under ``np.random.seed``) and where the book's layer goes wrong (backward after an
inference pass reuses a stale mask; backward before any forward multiplies by ``None``).
Use :class:`dropout_book.Dropout` for real work.
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
