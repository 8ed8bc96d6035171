"""Empty and non-contiguous input, memory layout, and batched against unbatched input.

PyTorch's tests run dropout on an empty tensor, on strided views (values unchanged at p near
0), on permuted and shifted views (layout kept, mean kept), and compare a layer on an unbatched
input with the same layer on a batch of one under the same random state. The layout rules are
this package's, and differ from PyTorch's on purpose (``docs/explanation/conventions.md``):

- a training pass returns a new C-contiguous array, whatever the layout of ``x`` (PyTorch
  keeps the input's memory format, such as channels-last);
- an inference pass returns a new array laid out like ``x`` (``np.copy(x, order="K")``), where
  PyTorch returns the input tensor itself;
- the mask depends on a unit's index in C order, never on where it lies in memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.conformance.common import (
    IMPLEMENTATIONS,
    DropoutLike,
    assert_same_bits,
    mean_bound,
)

implementations = pytest.mark.parametrize(
    "make", IMPLEMENTATIONS.values(), ids=IMPLEMENTATIONS.keys()
)

Layout = Callable[[NDArray[np.float64]], NDArray[np.float64]]
# Views of a (6, 8, 10) array: none is C-contiguous.
VIEWS: dict[str, Layout] = {
    "strided": lambda base: base[..., ::2],
    "transposed": lambda base: base.transpose(2, 0, 1),
    "fortran": np.asfortranarray,
    "channels-last": lambda base: np.ascontiguousarray(base.transpose(0, 2, 1)).transpose(0, 2, 1),
    "shifted": lambda base: base[1:, 1:],
    "broadcast": lambda base: np.broadcast_to(base[:1], base.shape),
}
views = pytest.mark.parametrize("view", VIEWS.values(), ids=VIEWS.keys())


def sample(seed: int) -> NDArray[np.float64]:
    """Return reproducible standard normal values of shape (6, 8, 10)."""
    return np.random.default_rng(seed).standard_normal((6, 8, 10))


@implementations
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 4)])
@pytest.mark.parametrize("train_flg", [True, False])
def test_empty_input(
    make: Callable[[float, int], DropoutLike], shape: tuple[int, ...], train_flg: bool
) -> None:
    """An empty input gives an empty output and gradient of its shape and dtype."""
    x = np.empty(shape, dtype=np.float32)
    layer = make(0.5, 0)
    out = layer.forward(x, train_flg)
    dx = layer.backward(x)
    assert out.shape == dx.shape == shape
    assert out.dtype == dx.dtype == np.float32


@implementations
@views
@pytest.mark.parametrize("p", [0.0, 1e-10, 0.5])
def test_views_give_what_their_copies_give(
    make: Callable[[float, int], DropoutLike], view: Layout, p: float
) -> None:
    """A view and its C-contiguous copy get the same mask, output and gradient, bit for bit."""
    x, dout = view(sample(0)), view(sample(1))
    on_view, on_copy = make(p, 3), make(p, 3)
    out = on_view.forward(x)
    expected = on_copy.forward(np.ascontiguousarray(x))
    assert on_view.mask is not None
    assert on_copy.mask is not None
    np.testing.assert_array_equal(on_view.mask, on_copy.mask)
    assert_same_bits(out, expected)
    assert_same_bits(on_view.backward(dout), on_copy.backward(np.ascontiguousarray(dout)))
    if p < 1e-9:  # PyTorch's case: at p near 0 this seed keeps every unit
        assert on_view.mask.all()
        np.testing.assert_allclose(out, x, rtol=2e-10, atol=0)


@implementations
@views
def test_layout_of_outputs(make: Callable[[float, int], DropoutLike], view: Layout) -> None:
    """Training gives C-contiguous arrays; inference gives copies laid out like the input."""
    x = view(sample(0))
    layer = make(0.5, 3)
    for array in (layer.forward(x), layer.backward(x)):
        assert array.flags.c_contiguous
        assert array.flags.writeable
        assert not np.shares_memory(array, x)
    like_x = np.copy(x, order="K").strides
    for array in (layer.forward(x, train_flg=False), layer.backward(x)):
        assert array.strides == like_x
        assert array.flags.writeable
        assert not np.shares_memory(array, x)


@implementations
@pytest.mark.parametrize("p", [0.3, 0.5, 0.7])
def test_permuted_and_shifted_inputs_keep_the_mean(
    make: Callable[[float, int], DropoutLike], p: float
) -> None:
    """On ones laid out in every axis order, and shifted, the mean stays within 6 sd of 1."""
    ones = np.ones((8, 9, 10, 11))
    layer = make(p, 11)
    for order in itertools.permutations(range(4)):
        stored = np.ascontiguousarray(ones.transpose(order)).transpose(np.argsort(order))
        for shift in [(0, 0), (1, 0), (0, 1), (1, 1)]:
            x = stored[shift[0] :, shift[1] :]
            out = layer.forward(x)
            assert abs(out.mean() - 1.0) <= mean_bound(1.0, p, x.size)
            assert out.flags.c_contiguous


@implementations
@pytest.mark.parametrize("p", [0.3, 0.5])
def test_batched_and_unbatched_agree(make: Callable[[float, int], DropoutLike], p: float) -> None:
    """A batch of one, and a batch of rows, get the masks of the rows passed one at a time."""
    # One seed, one stream: a (6, 80) batch draws what six (80,) passes draw, in order (for
    # FastDropout, rows of a multiple of 8 units use whole raw outputs of the stream).
    x, dout = sample(0).reshape(6, 80), sample(1).reshape(6, 80)
    batched, one_by_one, single = make(p, 9), make(p, 9), make(p, 9)
    out = batched.forward(x)
    dx = batched.backward(dout)
    for row in range(x.shape[0]):
        assert_same_bits(out[row], one_by_one.forward(x[row]))
        assert_same_bits(dx[row], one_by_one.backward(dout[row]))
    assert_same_bits(single.forward(x[:1])[0], make(p, 9).forward(x[0]))
    assert_same_bits(make(p, 9).forward(np.float64(2.5))[()], make(p, 9).forward([2.5])[0])
