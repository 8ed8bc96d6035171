"""Tests of dropout_book.functional: each step of dropout as a pure function."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np
import pytest

from dropout_book.functional import (
    backward_inference,
    backward_train,
    draw_mask,
    forward_inference,
    forward_train,
)
from tests.conftest import inverted_product

RATIOS = [0.0, 0.1, 0.5, 0.9, 1.0]
BAD_RATIOS: list[object] = [-0.1, 1.5, float("nan"), float("inf"), "0.5", None, True]
X = np.array([[-1.5, 0.0, 2.0], [3.25, -4.0, 0.5]])
MASK = np.array([[True, False, True], [False, True, True]])


class TestDrawMask:
    """draw_mask is u > dropout_ratio for uniform u from the chosen source."""

    @pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 0, 4)])
    @pytest.mark.parametrize("ratio", RATIOS)
    def test_global_state_draws_are_the_books(self, shape: tuple[int, ...], ratio: float) -> None:
        """With rng=None the mask is np.random.rand(*shape) > ratio under the same seed."""
        np.random.seed(7)
        expected = np.random.rand(*shape) > ratio
        np.random.seed(7)
        mask = draw_mask(shape, ratio)
        np.testing.assert_array_equal(mask, expected)
        assert mask.dtype == np.bool_
        assert mask.shape == shape

    @pytest.mark.parametrize("ratio", RATIOS)
    def test_int_seed_draws_from_default_rng(
        self, ratio: float, global_rng_state: Callable[[], object]
    ) -> None:
        """An int seed gives default_rng(seed).random(shape) > ratio; global state untouched."""
        before = global_rng_state()
        mask = draw_mask((4, 5), ratio, rng=11)
        np.testing.assert_array_equal(mask, np.random.default_rng(11).random((4, 5)) > ratio)
        np.testing.assert_array_equal(draw_mask((4, 5), ratio, rng=11), mask)
        assert global_rng_state() == before

    def test_generator_is_advanced(self, global_rng_state: Callable[[], object]) -> None:
        """A Generator gives consecutive draws of that generator alone; global state untouched."""
        before = global_rng_state()
        generator = np.random.default_rng(5)
        first, second = draw_mask(8, 0.5, generator), draw_mask(8, 0.5, generator)
        uniform = np.random.default_rng(5).random(16)
        np.testing.assert_array_equal(first, uniform[:8] > 0.5)
        np.testing.assert_array_equal(second, uniform[8:] > 0.5)
        assert global_rng_state() == before

    @pytest.mark.parametrize("shape", [3, np.int64(3), (3,), [3]])
    def test_integer_shape_means_one_dimension(self, shape: int) -> None:
        """An int, a NumPy integer, a tuple or a list give the same 1-d mask."""
        mask = draw_mask(shape, 0.5, rng=0)
        np.testing.assert_array_equal(mask, np.random.default_rng(0).random(3) > 0.5)

    @pytest.mark.parametrize("rng", [None, 3])
    def test_comparison_is_strict(self, rng: int | None) -> None:
        """A unit is kept iff its uniform draw is strictly greater than the ratio."""
        np.random.seed(0)
        uniform = np.random.rand(4) if rng is None else np.random.default_rng(rng).random(4)
        for ratio, kept in ((uniform[1], False), (np.nextafter(uniform[1], 0.0), True)):
            np.random.seed(0)
            assert bool(draw_mask(4, float(ratio), rng)[1]) is kept

    def test_zero_ratio_keeps_all_and_one_drops_all(self) -> None:
        """Ratio 1 drops every unit (u < 1); ratio 0 keeps every unit of this seeded draw."""
        assert not draw_mask(1000, 1.0, rng=1).any()
        assert draw_mask(1000, 0.0, rng=1).all()

    @pytest.mark.parametrize("ratio", BAD_RATIOS)
    def test_bad_ratio_raises_without_drawing(
        self, ratio: object, global_rng_state: Callable[[], object]
    ) -> None:
        """A bad ratio raises, naming it and [0, 1], before any random number is drawn."""
        before = global_rng_state()
        with pytest.raises((TypeError, ValueError), match=re.escape("[0, 1]")):
            draw_mask(3, ratio)  # type: ignore[arg-type]
        assert global_rng_state() == before

    @pytest.mark.parametrize(
        ("shape", "error"),
        [
            (True, TypeError),
            (2.5, TypeError),
            ("3", TypeError),
            ((2, 2.0), TypeError),
            (None, TypeError),
            (-1, ValueError),
            ((2, -1), ValueError),
        ],
    )
    def test_bad_shape_raises_without_drawing(
        self, shape: object, error: type[Exception], global_rng_state: Callable[[], object]
    ) -> None:
        """A bool, float, string or negative shape raises an error naming shape; nothing drawn."""
        before = global_rng_state()
        with pytest.raises(error, match=r"^shape must"):
            draw_mask(shape, 0.5)  # type: ignore[arg-type]
        assert global_rng_state() == before

    @pytest.mark.parametrize("rng", [True, "1", 1.5, -1, np.random.RandomState(0)])
    def test_bad_rng_raises_without_drawing(
        self, rng: object, global_rng_state: Callable[[], object]
    ) -> None:
        """A bad rng raises TypeError or ValueError before any random number is drawn."""
        before = global_rng_state()
        with pytest.raises((TypeError, ValueError), match="rng"):
            draw_mask(3, 0.5, rng)  # type: ignore[arg-type]
        assert global_rng_state() == before


class TestForwardTrain:
    """forward_train multiplies by the mask, and divides by 1 - p when inverted."""

    @pytest.mark.parametrize("ratio", [0.0, 0.1, 0.5, 0.9])
    def test_values(self, ratio: float) -> None:
        """Classic output is x * mask; inverted output is PyTorch's x * mask * (1 / (1 - p))."""
        np.testing.assert_array_equal(forward_train(X, MASK, ratio), X * MASK, strict=True)
        np.testing.assert_array_equal(
            forward_train(X, MASK, ratio, inverted=True),
            inverted_product(X, MASK, ratio),
            strict=True,
        )

    @pytest.mark.parametrize("inverted", [False, True])
    def test_a_mask_shared_along_an_axis_is_broadcast(self, inverted: bool) -> None:
        """A mask of 1 along an axis (a noise shape) applies one value along that axis."""
        shared = MASK[:1]
        full = np.broadcast_to(shared, X.shape)
        expected = inverted_product(X, full, 0.4) if inverted else X * full
        np.testing.assert_array_equal(forward_train(X, shared, 0.4, inverted=inverted), expected)
        np.testing.assert_array_equal(backward_train(X, shared, 0.4, inverted=inverted), expected)

    def test_inverted_ratio_one_gives_zeros_without_warning(self) -> None:
        """Inverted with p = 1 returns zeros of x's dtype, even for inf and nan, with no warning."""
        x = np.array([np.inf, -np.inf, np.nan, 1.0], dtype=np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = forward_train(x, np.zeros(4, dtype=bool), 1.0, inverted=True)
        np.testing.assert_array_equal(out, np.zeros(4))
        assert out.dtype == np.float32

    def test_zero_d_input_gives_ndarray(self) -> None:
        """A 0-d input gives a 0-d ndarray, not a NumPy scalar, in both conventions."""
        for inverted in (False, True):
            out = forward_train(np.array(3.0), np.array(True), 0.25, inverted=inverted)
            assert type(out) is np.ndarray
            assert out.shape == ()
            assert out == (4.0 if inverted else 3.0)

    def test_inputs_are_not_modified(self) -> None:
        """Neither x nor the mask is written to, and the output shares no memory with x."""
        x, mask = X.copy(), MASK.copy()
        for inverted in (False, True):
            out = forward_train(x, mask, 0.5, inverted=inverted)
            assert not np.shares_memory(out, x)
        np.testing.assert_array_equal(x, X)
        np.testing.assert_array_equal(mask, MASK)

    def test_non_boolean_mask_raises_type_error(self) -> None:
        """A mask of 0/1 integers is refused: a mask of ratios or counts is a likely mistake."""
        with pytest.raises(TypeError, match="mask must be a boolean array, got dtype int64"):
            forward_train(X, MASK.astype(np.int64), 0.5)

    @pytest.mark.parametrize("mask_shape", [(3,), (1, 2, 3), (2, 2)])
    def test_mask_of_other_shape_raises_value_error(self, mask_shape: tuple[int, ...]) -> None:
        """A mask with other axes than x's (even one NumPy broadcasts) raises ValueError."""
        message = re.escape(f"mask has shape {mask_shape} but x has shape (2, 3)")
        with pytest.raises(ValueError, match=message):
            forward_train(X, np.ones(mask_shape, dtype=bool), 0.5)

    @pytest.mark.parametrize("inverted", ["False", 1, None])
    def test_inverted_must_be_a_bool(self, inverted: object) -> None:
        """inverted="False" is a mistake, not the inverted convention: TypeError naming it."""
        message = rf"^inverted must be True or False, got {re.escape(repr(inverted))}"
        calls: list[Callable[[], object]] = [
            lambda: forward_train(X, MASK, 0.5, inverted=inverted),  # type: ignore[arg-type]
            lambda: backward_train(X, MASK, 0.5, inverted=inverted),  # type: ignore[arg-type]
            lambda: forward_inference(X, 0.5, inverted=inverted),  # type: ignore[arg-type]
            lambda: backward_inference(X, 0.5, inverted=inverted),  # type: ignore[arg-type]
        ]
        for call in calls:
            with pytest.raises(TypeError, match=message):
                call()

    def test_masked_arrays_are_refused(self) -> None:
        """A masked x or dout raises TypeError rather than silently dropping its mask."""
        masked = np.ma.masked_array(X, mask=~MASK)
        calls: list[tuple[Callable[[], object], str]] = [
            (lambda: forward_train(masked, MASK, 0.5), "x"),
            (lambda: forward_inference(masked, 0.5), "x"),
            (lambda: backward_train(masked, MASK, 0.5), "dout"),
            (lambda: backward_inference(masked, 0.5), "dout"),
        ]
        for call, name in calls:
            with pytest.raises(TypeError, match=rf"^{name} is a numpy.ma.MaskedArray"):
                call()


class TestForwardInference:
    """forward_inference scales by 1 - p (classic) or copies x (inverted)."""

    @pytest.mark.parametrize("ratio", RATIOS)
    def test_values(self, ratio: float) -> None:
        """Classic output is x * (1 - p); inverted output equals x."""
        np.testing.assert_array_equal(forward_inference(X, ratio), X * (1.0 - ratio))
        np.testing.assert_array_equal(forward_inference(X, ratio, inverted=True), X)

    def test_inverted_returns_a_new_array(self) -> None:
        """The inverted identity is a copy: writing to it leaves x alone."""
        x = X.copy()
        out = forward_inference(x, 0.5, inverted=True)
        assert out is not x
        assert not np.shares_memory(out, x)
        out[...] = 0.0
        np.testing.assert_array_equal(x, X)

    def test_zero_d_input_gives_ndarray(self) -> None:
        """A 0-d input gives a 0-d ndarray in both conventions."""
        for inverted, expected in ((False, 1.5), (True, 2.0)):
            out = forward_inference(np.array(2.0), 0.25, inverted=inverted)
            assert type(out) is np.ndarray
            assert out == expected


class TestBackward:
    """The backward functions are the forward maps' Jacobians applied to dout."""

    @pytest.mark.parametrize("ratio", [0.0, 0.1, 0.5, 0.9])
    def test_backward_train_values(self, ratio: float) -> None:
        """Training backward is dout * mask, times 1 / (1 - p) as PyTorch does it if inverted."""
        dout = X[::-1] + 0.125
        np.testing.assert_array_equal(backward_train(dout, MASK, ratio), dout * MASK)
        np.testing.assert_array_equal(
            backward_train(dout, MASK, ratio, inverted=True), inverted_product(dout, MASK, ratio)
        )

    def test_backward_train_ratio_one_inverted_is_zero(self) -> None:
        """Inverted training backward at p = 1 is all zeros: no unit passed anything on."""
        dout = np.array([np.inf, 1.0])
        np.testing.assert_array_equal(
            backward_train(dout, np.zeros(2, dtype=bool), 1.0, inverted=True), [0.0, 0.0]
        )

    @pytest.mark.parametrize("ratio", RATIOS)
    def test_backward_inference_values(self, ratio: float) -> None:
        """Inference backward is dout * (1 - p) (classic) or a copy of dout (inverted)."""
        dout = X.copy()
        np.testing.assert_array_equal(backward_inference(dout, ratio), X * (1.0 - ratio))
        copied = backward_inference(dout, ratio, inverted=True)
        np.testing.assert_array_equal(copied, X)
        assert not np.shares_memory(copied, dout)

    @pytest.mark.parametrize("dout_shape", [(3,), (1, 3), (2, 3, 1)])
    def test_backward_train_refuses_other_shapes(self, dout_shape: tuple[int, ...]) -> None:
        """A mask that does not fit dout raises ValueError naming both shapes; no broadcasting."""
        message = re.escape(f"mask has shape (2, 3) but dout has shape {dout_shape}")
        with pytest.raises(ValueError, match=message):
            backward_train(np.ones(dout_shape), MASK, 0.5)

    def test_dout_is_not_modified(self) -> None:
        """Neither backward function writes into dout."""
        dout = X.copy()
        for inverted in (False, True):
            backward_train(dout, MASK, 0.5, inverted=inverted)
            backward_inference(dout, 0.5, inverted=inverted)
        np.testing.assert_array_equal(dout, X)


class TestBadRatio:
    """Every function refuses a bad dropout_ratio with a message naming it and [0, 1]."""

    @pytest.mark.parametrize("ratio", BAD_RATIOS)
    @pytest.mark.parametrize(
        "call",
        [
            lambda r: forward_train(X, MASK, r),
            lambda r: forward_train(X, MASK, r, inverted=True),
            lambda r: forward_inference(X, r),
            lambda r: forward_inference(X, r, inverted=True),
            lambda r: backward_train(X, MASK, r),
            lambda r: backward_inference(X, r, inverted=True),
        ],
        ids=[
            "forward_train",
            "forward_train-inverted",
            "forward_inference",
            "forward_inference-inverted",
            "backward_train",
            "backward_inference-inverted",
        ],
    )
    def test_bad_ratio_raises(self, ratio: object, call: Callable[[object], object]) -> None:
        """The error is TypeError for non-numbers and ValueError otherwise, naming the value."""
        expected = TypeError if isinstance(ratio, str | bool) or ratio is None else ValueError
        with pytest.raises(expected, match=rf"{re.escape('[0, 1]')}, got {re.escape(repr(ratio))}"):
            call(ratio)
