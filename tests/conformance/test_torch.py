"""Bit for bit against PyTorch's ``torch.nn.functional.dropout`` (torch 2.13.0, CPU build).

PyTorch draws its masks itself and takes none, so each test recovers torch's mask from its
output on a positive input (a kept unit gives x / (1 - p) > 0, a dropped one exactly 0), feeds
that mask to :mod:`dropout_book.functional` and to the layers' backward passes, and requires
the same bits: outputs, and gradients from torch's autograd, in float32 and float64, for
several p, while training and in evaluation. The ``conformance`` nox session installs torch;
without it (the ``tests`` session) this module is skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import Dropout, FastDropout, functional
from tests.conformance.common import (
    IMPLEMENTATIONS,
    DropoutLike,
    assert_same_bits,
    count_bound,
)

torch = pytest.importorskip("torch")

FLOATS: list[type[np.floating]] = [np.float32, np.float64]
# 1/3 and 0.123456789: reciprocals 1 / (1 - p) that round differently in each dtype.
RATIOS = [0.0, 0.1, 0.2, 0.3, 1 / 3, 0.5, 0.7, 0.9, 0.99, 0.123456789]
# 200 000 units: even at p = 0.99 about 20 units are kept by torch and by a layer alike.
SHAPE = (400, 500)

FloatArray = NDArray[np.floating]


def positive(dtype: type[np.floating], seed: int = 0) -> FloatArray:
    """Return values in [0.5, 2): x / (1 - p) of a kept unit is then never 0."""
    return np.random.default_rng(seed).uniform(0.5, 2.0, SHAPE).astype(dtype)


def signed(dtype: type[np.floating], seed: int = 1) -> FloatArray:
    """Return standard normal values, as an upstream gradient or an inference input."""
    return np.random.default_rng(seed).standard_normal(SHAPE).astype(dtype)


def torch_dropout(
    x: FloatArray, p: float, dout: FloatArray, *, training: bool, seed: int = 0
) -> tuple[FloatArray, FloatArray]:
    """Return torch's dropout of ``x`` and its gradient for ``dout`` by autograd, as arrays."""
    with torch.random.fork_rng():  # leaves torch's global random state as it was
        torch.manual_seed(seed)
        leaf = torch.from_numpy(x.copy()).requires_grad_()
        out = torch.nn.functional.dropout(leaf, p, training=training)
    out.backward(torch.from_numpy(dout.copy()))
    return np.array(out.detach().numpy()), np.array(leaf.grad.numpy())


def recovered_mask(out: FloatArray, p: float) -> NDArray[np.bool_]:
    """Return torch's keep-mask, read from its output on a positive input, after checks."""
    mask: NDArray[np.bool_] = np.not_equal(out, 0)
    n, q = mask.size, 1.0 - p
    # A real Bernoulli(q) mask: the kept count is within 6 sd of n q (see common.py).
    assert abs(int(mask.sum()) - n * q) <= count_bound(q, n) + 1e-9
    return mask


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("p", RATIOS)
def test_functional_training_pass_is_torchs(dtype: type[np.floating], p: float) -> None:
    """Given torch's mask, forward_train and backward_train give torch's bits."""
    x, dout = positive(dtype), signed(dtype)
    out, dx = torch_dropout(x, p, dout, training=True)
    mask = recovered_mask(out, p)
    assert_same_bits(functional.forward_train(x, mask, p, inverted=True), out)
    assert_same_bits(functional.backward_train(dout, mask, p, inverted=True), dx)


@pytest.mark.parametrize("layer_class", [Dropout, FastDropout])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("p", RATIOS)
def test_layers_agree_with_torch_while_training(
    layer_class: type[Dropout], dtype: type[np.floating], p: float
) -> None:
    """Where a layer and torch both keep a unit, torch's bits; backward with torch's mask too."""
    x, dout = positive(dtype), signed(dtype)
    out, dx = torch_dropout(x, p, dout, training=True)
    torch_mask = recovered_mask(out, p)
    layer = layer_class(p, inverted=True, rng=1)
    own = layer.forward(x)
    assert layer.mask is not None
    both = layer.mask & torch_mask
    assert both.any()
    # Each unit is computed on its own: where both keep it, the two must agree bit for bit.
    assert_same_bits(own[both], out[both])
    assert_same_bits(own[~layer.mask], np.zeros_like(own[~layer.mask]))
    layer.mask = torch_mask  # a mask set by hand is what backward applies
    assert_same_bits(layer.backward(dout), dx)


@pytest.mark.parametrize("make", IMPLEMENTATIONS.values(), ids=IMPLEMENTATIONS.keys())
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("p", [*RATIOS, 1.0])
def test_evaluation_is_torchs(
    make: Callable[[float, int], DropoutLike], dtype: type[np.floating], p: float
) -> None:
    """In evaluation, output and gradient are torch's: x and dout, bit for bit."""
    x, dout = signed(dtype, 2), signed(dtype, 3)
    out, dx = torch_dropout(x, p, dout, training=False)
    layer = make(p, 0)
    assert_same_bits(layer.forward(x, train_flg=False), out)
    assert_same_bits(layer.backward(dout), dx)


@pytest.mark.parametrize("dtype", FLOATS)
def test_one_p_differs_from_torch_only_in_signs_of_zero_and_inf(dtype: type[np.floating]) -> None:
    """At p = 1: on positive values, torch's bits; else torch's x * 0 gives -0.0 and nan.

    This package returns +0.0 everywhere at p = 1 (it never forms x * 0); torch multiplies by
    0, so its zeros carry the sign of x (and of dout) and an infinite x gives nan.
    """
    x, dout = positive(dtype), positive(dtype, 1)
    out, dx = torch_dropout(x, 1.0, dout, training=True)
    nothing = np.zeros(SHAPE, dtype=bool)
    assert_same_bits(functional.forward_train(x, nothing, 1.0, inverted=True), out)
    assert_same_bits(functional.backward_train(dout, nothing, 1.0, inverted=True), dx)

    x, dout = signed(dtype, 2), signed(dtype, 3)
    x[0, 0] = np.inf
    out, dx = torch_dropout(x, 1.0, dout, training=True)
    ours = functional.forward_train(x, nothing, 1.0, inverted=True)
    finite = np.isfinite(x)
    np.testing.assert_array_equal(ours[finite], out[finite])  # equal values: all zeros
    np.testing.assert_array_equal(np.signbit(out[finite]), np.signbit(x[finite]))
    assert np.isnan(out[0, 0])
    assert_same_bits(ours, np.zeros(SHAPE, dtype=dtype))
    np.testing.assert_array_equal(np.signbit(dx), np.signbit(dout))
    assert_same_bits(
        functional.backward_train(dout, nothing, 1.0, inverted=True), np.zeros(SHAPE, dtype=dtype)
    )


@pytest.mark.parametrize("p", [-0.1, 1.1, -np.inf, np.inf, np.nan])
def test_both_refuse_the_same_p(p: float) -> None:
    """Torch refuses p outside [0, 1] (nan with a RuntimeError); so does the package."""
    with pytest.raises((ValueError, RuntimeError), match="between 0 and 1"):
        torch.nn.functional.dropout(torch.ones(3), p, training=True)
    with pytest.raises(ValueError, match="dropout_ratio"):
        Dropout(p, inverted=True)


def test_memory_layout_differs_as_documented() -> None:
    """Torch keeps a channels-last layout while training; the package returns C order.

    In evaluation torch returns the input tensor itself, the package a copy laid out like it.
    The values agree bit for bit either way.
    """
    # (N, C, H, W) stored as (N, H, W, C): PyTorch's channels-last memory format.
    x = np.ascontiguousarray(positive(np.float32).reshape(2, 8, 100, 125).transpose(0, 2, 3, 1))
    x = x.transpose(0, 3, 1, 2)
    dout = np.ones_like(x)
    out, _ = torch_dropout(x, 0.3, dout, training=True)
    leaf = torch.from_numpy(x)
    assert torch.nn.functional.dropout(leaf, 0.3, training=True).stride() == leaf.stride()
    assert torch.nn.functional.dropout(leaf, 0.3, training=False) is leaf
    ours = functional.forward_train(x, recovered_mask(out, 0.3), 0.3, inverted=True)
    assert ours.flags.c_contiguous
    assert_same_bits(ours, out)
    copy = functional.forward_inference(x, 0.3, inverted=True)
    assert copy.strides == x.strides
    assert not np.shares_memory(copy, x)


@pytest.mark.parametrize("training", [True, False])
def test_empty_input_as_torch(training: bool) -> None:
    """On an empty input both return an empty array of its shape and dtype."""
    x = np.empty((0, 3), dtype=np.float32)
    out, dx = torch_dropout(x, 0.5, x, training=training)
    layer = Dropout(0.5, inverted=True, rng=0)
    assert_same_bits(layer.forward(x, training), out)
    assert_same_bits(layer.backward(x), dx)
