"""Tests of dropout_book._kernels: the one arithmetic every path shares.

The inverted reference is PyTorch's arithmetic, written here from its description: the scale
1 / (1 - p) computed in float64 and rounded to x's dtype, then x * mask * scale. The classic
reference is the book's: x * mask and x * (1 - p).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import _kernels
from tests.conftest import inverted_product

FLOATS: list[type[np.floating]] = [np.float16, np.float32, np.float64, np.longdouble]
# Ratios whose reciprocal keep probability is inexact in binary: x * mask / (1 - p) differs from
# PyTorch's x * mask * scale by an ulp for many of them.
RATIOS = [0.0, 0.1, 0.2, 0.3, 1 / 3, 0.5, 0.7, 0.9, 0.99, 0.123456789]


def sample(dtype: type[np.floating], size: int = 4096, seed: int = 0) -> NDArray[np.floating]:
    """Return normal values of one dtype, a few of them large."""
    values = np.random.default_rng(seed).standard_normal(size) * 10.0
    return values.astype(dtype)


def keep(size: int = 4096, seed: int = 1) -> NDArray[np.bool_]:
    """Return a keep-mask of about half ones."""
    return np.random.default_rng(seed).random(size) < 0.5


def assert_bits(actual: NDArray[np.floating], expected: NDArray[np.floating]) -> None:
    """Assert the same dtype, shape and values, NaN at the same places, and the same signs.

    For every dtype but longdouble that is bit for bit (the only NaN here is the default one);
    longdouble's padding bytes are left out.
    """
    np.testing.assert_array_equal(actual, expected, strict=True)
    np.testing.assert_array_equal(np.signbit(actual), np.signbit(expected))


class TestApplyMask:
    """apply_mask is the book's x * mask, or PyTorch's x * mask * dtype(1 / (1 - p))."""

    @pytest.mark.parametrize("dtype", FLOATS)
    @pytest.mark.parametrize("ratio", RATIOS)
    def test_inverted_is_pytorchs_arithmetic(self, dtype: type[np.floating], ratio: float) -> None:
        """Bit for bit x * mask * dtype(1 / (1 - p)) in every floating dtype."""
        x, mask = sample(dtype), keep()
        assert_bits(_kernels.apply_mask(x, mask, ratio, True), inverted_product(x, mask, ratio))

    def test_inverted_is_not_a_division(self) -> None:
        """The rule matters: x * mask / (1 - p) differs from it in the last bit for p = 0.1."""
        x, mask = sample(np.float64), keep()
        assert not np.array_equal(_kernels.apply_mask(x, mask, 0.1, True), x * mask / 0.9)

    @pytest.mark.parametrize("dtype", FLOATS)
    @pytest.mark.parametrize("ratio", RATIOS)
    def test_classic_is_the_books_product(self, dtype: type[np.floating], ratio: float) -> None:
        """Bit for bit x * mask, negative zeros included, whatever the ratio."""
        x, mask = sample(dtype), keep()
        assert_bits(_kernels.apply_mask(x, mask, ratio, False), np.asarray(x * mask))

    @pytest.mark.parametrize("inverted", [False, True])
    def test_writes_into_out_and_broadcasts_the_mask(self, inverted: bool) -> None:
        """With out given, the result is written there; a mask of 1 on an axis is shared."""
        x = sample(np.float32, 12).reshape(3, 4)
        mask = np.array([[True, False, True, True]])
        out = np.full((3, 4), np.nan, dtype=np.float32)
        result = _kernels.apply_mask(x, mask, 0.25, inverted, out=out)
        assert result is out
        full = np.broadcast_to(mask, (3, 4))
        expected = inverted_product(x, full, 0.25) if inverted else x * full
        assert_bits(out, expected)

    @pytest.mark.parametrize("dtype", FLOATS)
    def test_ratio_one_inverted_is_zeros_without_warning(self, dtype: type[np.floating]) -> None:
        """At p = 1 every unit is dropped: zeros, even for inf and nan, and no warning."""
        x = np.array([np.inf, -np.inf, np.nan, -1.0], dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = _kernels.apply_mask(x, np.zeros(4, dtype=bool), 1.0, True)
        assert_bits(out, np.zeros(4, dtype=dtype))


class TestFloat16Overflow:
    """Where 1 / (1 - p) overflows float16, the product is computed in float64, rounded once."""

    # 65504 is float16's largest value; a float64 rounds to float16 infinity from 65520 up.
    @pytest.mark.parametrize(
        ("ratio", "x", "kept"),
        [
            # 1 / (1 - p) = 2**17 overflows float16, yet 2**-10 * 2**17 = 128 is representable.
            (1.0 - 2.0**-17, 2.0**-10, 128.0),
            # 1 - p = 2**-30 is below float16's smallest subnormal: dividing by it in float16
            # would be 0 / 0 for dropped units; 2**-20 * 2**30 = 1024.
            (1.0 - 2.0**-30, 2.0**-20, 1024.0),
            # The scale 65536 overflows; half of it does not.
            (1.0 - 2.0**-16, 0.5, 32768.0),
        ],
    )
    def test_finite_true_values_stay_finite(self, ratio: float, x: float, kept: float) -> None:
        """Kept units are x / (1 - p) exactly, dropped units exactly 0; no NaN, no warning."""
        values = np.full(8, x, dtype=np.float16)
        values[1::2] *= -1
        mask = np.array([True, True, False, False] * 2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = _kernels.apply_mask(values, mask, ratio, True)
        expected = np.where(mask, np.float16(kept), np.float16(0.0)) * np.sign(values)
        assert_bits(out, expected.astype(np.float16))

    def test_last_representable_scale_is_pytorchs(self) -> None:
        """A scale that rounds to float16's largest value (65504) is applied as PyTorch does."""
        ratio = 1.0 - 1.0 / 65519.0  # 1 / (1 - p) just below 65520, so it rounds to 65504
        assert np.float16(1.0 / (1.0 - ratio)) == np.float16(65504.0)
        x = np.array([1.0, 2.0**-8, 1.0], dtype=np.float16)
        mask = np.array([True, True, False])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = _kernels.apply_mask(x, mask, ratio, True)
        assert_bits(out, np.array([65504.0, 255.875, 0.0], dtype=np.float16))

    def test_true_overflow_is_infinity_with_numpys_warning(self) -> None:
        """When x / (1 - p) itself exceeds float16's range the unit is inf, as NumPy warns."""
        x = np.array([1.0, 1.0], dtype=np.float16)
        with pytest.warns(RuntimeWarning, match="overflow"):
            out = _kernels.apply_mask(x, np.array([True, False]), 1.0 - 1e-8, True)
        assert_bits(out, np.array([np.inf, 0.0], dtype=np.float16))


class TestScaleForInference:
    """scale_for_inference is the book's x * (1 - p), or a copy of x."""

    @pytest.mark.parametrize("dtype", FLOATS)
    @pytest.mark.parametrize("ratio", RATIOS)
    def test_values(self, dtype: type[np.floating], ratio: float) -> None:
        """Classic: x * (1 - p) with the Python float, as the book; inverted: a copy of x."""
        x = sample(dtype)
        assert_bits(_kernels.scale_for_inference(x, ratio, False), np.asarray(x * (1.0 - ratio)))
        copy = _kernels.scale_for_inference(x, ratio, True)
        assert_bits(copy, x)
        assert not np.shares_memory(copy, x)

    def test_zero_d_gives_an_ndarray(self) -> None:
        """A 0-d input gives a 0-d ndarray, not a NumPy scalar."""
        out = _kernels.scale_for_inference(np.array(2.0), 0.25, False)
        assert type(out) is np.ndarray
        assert out == 1.5


class TestDrawMask:
    """draw_mask is the book's u > p, from the global state or a generator."""

    def test_global_state_and_generator(self) -> None:
        """None draws np.random.rand(*shape); a Generator draws generator.random(shape)."""
        np.random.seed(3)
        expected = np.random.rand(2, 3) > 0.4
        np.random.seed(3)
        np.testing.assert_array_equal(_kernels.draw_mask((2, 3), 0.4, None), expected)
        np.testing.assert_array_equal(
            _kernels.draw_mask((2, 3), 0.4, np.random.default_rng(5)),
            np.random.default_rng(5).random((2, 3)) > 0.4,
        )
