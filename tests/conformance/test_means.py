"""Output and gradient means, and the rescaling of kept units, in the inverted convention.

PyTorch's dropout tests fill an input with one constant, run the layer while training, and
require the mean of the output, and of the gradient for an upstream gradient equal to the
input, to stay near that constant. Keras' tests run a layer of rate 0.5 on ones and require a
mean near 1 and a largest output of exactly 2. Here the same checks, with bounds from the
binomial law (derived in :mod:`tests.conformance.common`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from tests.conformance.common import IMPLEMENTATIONS, DropoutLike, count_bound, mean_bound

FLOATS: list[type[np.floating]] = [np.float32, np.float64]
N = 100_000

implementations = pytest.mark.parametrize(
    "make", IMPLEMENTATIONS.values(), ids=IMPLEMENTATIONS.keys()
)


@implementations
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("p", [0.2, 0.5, 0.7])
def test_output_and_gradient_means(
    make: Callable[[float, int], DropoutLike], dtype: type[np.floating], p: float
) -> None:
    """With x = dout = c, the means of the output and of the gradient are within 6 sd of c."""
    c = float(dtype(1.0 - p))  # PyTorch's constant; the value in x's dtype
    x = np.full(N, c, dtype=dtype)
    layer = make(p, 20160923)
    out = layer.forward(x)
    dx = layer.backward(x)
    assert out.dtype == dx.dtype == dtype
    # Rounding: a kept output is c / q within a relative eps (see test_kept_units_...), so
    # the mean may move by c * eps * K / (q n) < 2 c eps beyond the sampling bound.
    bound = mean_bound(c, p, N) + 2.0 * c * float(np.finfo(dtype).eps)
    assert abs(out.mean(dtype=np.float64) - c) <= bound
    assert abs(dx.mean(dtype=np.float64) - c) <= bound
    # The gradient passes through the forward pass's own mask: with dout = x it is the output.
    np.testing.assert_array_equal(dx, out)
    # Not vacuous: units were dropped and kept, and the bound is under 3% of c (PyTorch: 0.05).
    assert 0 < np.count_nonzero(out) < N
    assert bound < 0.03 * c


@implementations
def test_rescaling_of_ones_at_one_half(make: Callable[[float, int], DropoutLike]) -> None:
    """Keras' check: on ones at p = 0.5 the mean is 1 within 6 sd, the largest output exactly 2."""
    x = np.ones((20, 500))
    out = make(0.5, 1337).forward(x)
    assert abs(out.mean() - 1.0) <= mean_bound(1.0, 0.5, x.size)
    assert out.max() == 2.0
    assert set(np.unique(out)) == {0.0, 2.0}


@implementations
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("p", [0.1, 0.25, 1 / 3, 0.5, 0.75, 0.9, 0.123456789])
def test_kept_units_are_divided_by_the_keep_probability(
    make: Callable[[float, int], DropoutLike], dtype: type[np.floating], p: float
) -> None:
    """Kept outputs are x / (1 - p) to one rounding; dropped outputs are exactly 0."""
    # Computed as x * dtype(1 / q) (PyTorch's form) or as x / dtype(q), a kept output carries
    # two roundings of relative size at most eps / 2 each: within eps of x / q, relatively. The
    # float64 reference adds at most 2**-53 more; rtol = 1.5 eps covers both.
    q = 1.0 - p
    x = np.random.default_rng(5).standard_normal(4096).astype(dtype)
    layer = make(p, 8)
    out = layer.forward(x)
    mask = layer.mask
    assert mask is not None
    n = x.size
    assert abs(int(mask.sum()) - n * q) <= count_bound(q, n)
    np.testing.assert_allclose(
        out[mask], x[mask].astype(np.float64) / q, rtol=1.5 * float(np.finfo(dtype).eps), atol=0
    )
    assert np.all(out[~mask] == 0.0)
    dout = np.random.default_rng(6).standard_normal(n).astype(dtype)
    dx = layer.backward(dout)
    np.testing.assert_allclose(
        dx[mask], dout[mask].astype(np.float64) / q, rtol=1.5 * float(np.finfo(dtype).eps), atol=0
    )
    assert np.all(dx[~mask] == 0.0)
    if math.frexp(1.0 / q)[0] == 0.5:  # 1 / q a power of two: every form is exact
        np.testing.assert_array_equal(out[mask], x[mask] * dtype(1.0 / q))
