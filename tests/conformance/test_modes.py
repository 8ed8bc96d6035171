"""Inference is the identity; p = 0 keeps everything and p = 1 drops everything.

PyTorch's tests check that a layer in evaluation mode returns its input, and test p = 0 and
p = 1 as the corner cases of its kernels. The inverted convention makes inference the identity
here too, with one documented difference: the result is always a new array, where PyTorch
returns the input tensor itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.conformance.common import IMPLEMENTATIONS, DropoutLike, assert_same_bits

FLOATS: list[type[np.floating]] = [np.float16, np.float32, np.float64]

implementations = pytest.mark.parametrize(
    "make", IMPLEMENTATIONS.values(), ids=IMPLEMENTATIONS.keys()
)


def signed_sample(dtype: type[np.floating], seed: int) -> NDArray[np.floating]:
    """Return 6 x 7 standard normal values of ``dtype``, with a -0.0 among them."""
    values = np.random.default_rng(seed).standard_normal((6, 7)).astype(dtype)
    values[0, 0] = -0.0
    return values


@implementations
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 1.0])
def test_inference_is_the_identity(
    make: Callable[[float, int], DropoutLike], dtype: type[np.floating], p: float
) -> None:
    """At inference the output is x and the gradient dout, bit for bit, in new arrays."""
    x, dout = signed_sample(dtype, 0), signed_sample(dtype, 1)
    layer = make(p, 0)
    out = layer.forward(x, train_flg=False)
    dx = layer.backward(dout)
    assert_same_bits(out, x)
    assert_same_bits(dx, dout)
    assert layer.mask is None
    assert not np.shares_memory(out, x)
    assert not np.shares_memory(dx, dout)


@implementations
@pytest.mark.parametrize("dtype", FLOATS)
def test_zero_p_is_the_identity_while_training(
    make: Callable[[float, int], DropoutLike], dtype: type[np.floating]
) -> None:
    """At p = 0 a training pass keeps every unit: x and dout come back bit for bit."""
    x, dout = signed_sample(dtype, 2), signed_sample(dtype, 3)
    layer = make(0.0, 4)
    out = layer.forward(x)
    assert layer.mask is not None
    assert layer.mask.all()
    assert_same_bits(out, x)
    assert_same_bits(layer.backward(dout), dout)


@implementations
@pytest.mark.parametrize("dtype", FLOATS)
def test_one_p_drops_everything(
    make: Callable[[float, int], DropoutLike], dtype: type[np.floating]
) -> None:
    """At p = 1 output and gradient are +0.0 everywhere, for negative values and -0.0 too.

    The layer never forms x * 0 at p = 1 (which gives -0.0 for negative values) and never
    divides by 1 - p = 0. PyTorch computes x * 0 there: the values agree with it, the signs of
    its zeros do not (see test_torch.py).
    """
    x, dout = signed_sample(dtype, 5), signed_sample(dtype, 6)
    layer = make(1.0, 7)
    out = layer.forward(x)
    assert layer.mask is not None
    assert not layer.mask.any()
    zeros = np.zeros(x.shape, dtype=dtype)
    assert_same_bits(out, zeros)
    assert_same_bits(layer.backward(dout), zeros)


@implementations
def test_one_p_drops_inf_and_nan_too(make: Callable[[float, int], DropoutLike]) -> None:
    """At p = 1, inf and nan become +0.0 too, without a warning (PyTorch gives nan for inf)."""
    x = np.array([np.inf, -np.inf, np.nan, 1.0])
    out = make(1.0, 7).forward(x)  # filterwarnings = error: a warning fails the test
    assert_same_bits(out, np.zeros(4))
