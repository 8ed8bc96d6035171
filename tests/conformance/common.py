"""What the conformance tests share: the implementations compared, binomial bounds, bit checks.

Three implementations of inverted dropout are held to the same behaviour: the layers
``Dropout(p, inverted=True, rng=seed)`` and ``FastDropout(p, inverted=True, rng=seed)``, and
the pure functions of :mod:`dropout_book.functional` strung together with the layer's protocol
(:class:`FunctionalDropout`).

Bounds. Each unit is kept with probability q = 1 - p, independently, so the kept count K of n
units is Binomial(n, q), of standard deviation sqrt(n q (1 - q)). The inverted layer turns a
constant input c into c / q on kept units and 0 elsewhere, so the output's mean is
(c / q) K / n, of expectation c and standard deviation (c / q) sqrt(q (1 - q) / n) =
c sqrt(p / (q n)). The tests allow Z = 6 standard deviations: a correct layer fails with
probability below 2e-9 (normal tail; n is large). Every seed is fixed, so every run draws the
same masks: a failure is a defect, never bad luck. (FastDropout drops with probability
ceil(p 2**32) / 2**32 when 256 p is not whole, within 2**-32 of p: a shift of the mean far
below any bound here.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dropout_book import Dropout, FastDropout, functional

Z = 6.0


class DropoutLike(Protocol):
    """The book's layer protocol: ``forward(x, train_flg)``, ``backward(dout)``, ``mask``."""

    @property
    def mask(self) -> NDArray[np.bool_] | None:
        """Keep-mask of the last training pass, or ``None``."""

    def forward(self, x: ArrayLike, train_flg: bool = True) -> NDArray[np.floating]:
        """Drop units (training) or return ``x`` (inference)."""

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Return the gradient through the last forward pass."""


class FunctionalDropout:
    """Inverted dropout from :mod:`dropout_book.functional` alone, with the layer's protocol.

    Draws its masks with ``draw_mask(x.shape, p, generator)`` from ``default_rng(seed)``, as
    :class:`dropout_book.Dropout` does, so that the functions are tested by the same checks as
    the layers.
    """

    def __init__(self, p: float, seed: int) -> None:
        self.p = p
        self.generator = np.random.default_rng(seed)
        self.mask: NDArray[np.bool_] | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> NDArray[np.floating]:
        """Draw a mask and apply it (training), or return a copy of ``x`` (inference)."""
        if not train_flg:
            self.mask = None
            return functional.forward_inference(x, self.p, inverted=True)
        self.mask = functional.draw_mask(np.shape(x), self.p, self.generator)
        return functional.forward_train(x, self.mask, self.p, inverted=True)

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Return ``dout`` through the last training pass's mask, or unchanged after inference."""
        if self.mask is None:
            return functional.backward_inference(dout, self.p, inverted=True)
        return functional.backward_train(dout, self.mask, self.p, inverted=True)


def _dropout(p: float, seed: int) -> DropoutLike:
    return Dropout(p, inverted=True, rng=seed)


def _fast_dropout(p: float, seed: int) -> DropoutLike:
    return FastDropout(p, inverted=True, rng=seed)


#: Each implementation, by name, as a function of the drop probability p and a seed.
IMPLEMENTATIONS: dict[str, Callable[[float, int], DropoutLike]] = {
    "Dropout": _dropout,
    "FastDropout": _fast_dropout,
    "functional": FunctionalDropout,
}
#: The two layers alone, for what concerns a layer's state.
LAYERS: dict[str, Callable[[float, int], DropoutLike]] = {
    name: IMPLEMENTATIONS[name] for name in ("Dropout", "FastDropout")
}


def mean_bound(c: float, p: float, n: int) -> float:
    """Return Z standard deviations of the mean of n inverted outputs of the constant c."""
    return Z * abs(c) * math.sqrt(p / ((1.0 - p) * n))


def count_bound(q: float, n: int) -> float:
    """Return Z standard deviations of the kept count of n units kept with probability q."""
    return Z * math.sqrt(n * q * (1.0 - q))


def assert_same_bits(actual: NDArray[np.generic], expected: NDArray[np.generic]) -> None:
    """Assert equal dtype and shape and identical bits, element by element (signs of 0 too)."""
    assert actual.dtype == expected.dtype, f"dtype {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    unsigned = np.dtype(f"u{actual.dtype.itemsize}")
    differ = np.ascontiguousarray(actual).view(unsigned) != np.ascontiguousarray(expected).view(
        unsigned
    )
    if differ.any():
        first = tuple(int(i) for i in np.argwhere(differ)[0])
        raise AssertionError(
            f"{int(differ.sum())} of {differ.size} elements differ in their bits; the first at "
            f"{first}: {actual[first]!r} != {expected[first]!r}"
        )
