"""Tests of dropout_book.layer: the Dropout layer's state, modes, conventions and errors."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import Dropout

BAD_RATIOS: list[object] = [-0.1, 1.5, float("nan"), float("inf"), "0.5", None, True]
BAD_RNGS: list[object] = [True, "1", 1.5, -1, np.random.RandomState(0)]
FLOATS: list[type[np.floating]] = [np.float16, np.float32, np.float64]
RANGE = re.escape("[0, 1]")

LayerState = tuple[NDArray[np.bool_] | None, bool | None, dict[str, object] | None]


def sample(shape: tuple[int, ...], seed: int = 0) -> NDArray[np.float64]:
    """Return reproducible standard normal values of the given shape."""
    return np.random.default_rng(seed).standard_normal(shape)


def snapshot(layer: Dropout) -> LayerState:
    """Return the layer's mask (the object itself), mode and its generator's state."""
    generator_state = None if layer.rng is None else dict(layer.rng.bit_generator.state)
    return layer.mask, layer.train_flg, generator_state


def assert_unchanged(layer: Dropout, before: LayerState, mask_values: object) -> None:
    """Assert the layer holds the same mask object, with the same values, mode and generator."""
    mask, train_flg, generator_state = snapshot(layer)
    assert mask is before[0]
    if mask is not None:
        np.testing.assert_array_equal(mask, np.asarray(mask_values))
    assert train_flg is before[1]
    assert generator_state == before[2]


class TestConstruction:
    """Dropout(...) validates its arguments and starts with no cached state."""

    def test_defaults(self) -> None:
        """The defaults are the book's: ratio 0.5, global state, classic scaling, no mask."""
        layer = Dropout()
        assert layer.dropout_ratio == 0.5
        assert layer.rng is None
        assert layer.inverted is False
        assert layer.mask is None
        assert layer.train_flg is None

    def test_repr_shows_the_arguments(self) -> None:
        """The repr names the ratio, the generator and the convention."""
        assert repr(Dropout(0.25, inverted=True)) == (
            "Dropout(dropout_ratio=0.25, rng=None, inverted=True)"
        )

    def test_repr_names_the_generator_without_an_address(self) -> None:
        """A generator shows as its bit generator's name, so printed layers are reproducible."""
        assert repr(Dropout(0.5, rng=3)) == (
            "Dropout(dropout_ratio=0.5, rng=Generator(PCG64), inverted=False)"
        )

    def test_rng_is_stored_as_a_generator(self) -> None:
        """An int seed becomes a Generator; a Generator is kept as the same object."""
        generator = np.random.default_rng(1)
        assert Dropout(rng=generator).rng is generator
        assert isinstance(Dropout(rng=3).rng, np.random.Generator)

    @pytest.mark.parametrize("ratio", BAD_RATIOS)
    def test_bad_ratio_raises(self, ratio: object, global_rng_state: Callable[[], object]) -> None:
        """A bad ratio raises TypeError or ValueError naming it and [0, 1]; nothing is drawn."""
        before = global_rng_state()
        with pytest.raises(
            (TypeError, ValueError), match=rf"{RANGE}, got {re.escape(repr(ratio))}"
        ):
            Dropout(ratio)  # type: ignore[arg-type]
        assert global_rng_state() == before

    @pytest.mark.parametrize("rng", BAD_RNGS)
    def test_bad_rng_raises(self, rng: object, global_rng_state: Callable[[], object]) -> None:
        """A bad rng (bool, str, float, negative, RandomState) raises an error naming it."""
        before = global_rng_state()
        with pytest.raises((TypeError, ValueError), match=re.escape(repr(rng))):
            Dropout(0.5, rng=rng)  # type: ignore[arg-type]
        assert global_rng_state() == before

    @pytest.mark.parametrize("inverted", ["yes", 1, 0.0, None])
    def test_inverted_must_be_a_bool(self, inverted: object) -> None:
        """The convention flag accepts True or False only."""
        with pytest.raises(TypeError, match=rf"inverted must be True or False, got {inverted!r}"):
            Dropout(0.5, inverted=inverted)  # type: ignore[arg-type]


class TestDropoutRatioProperty:
    """layer.dropout_ratio is checked whenever it is set, and backward uses the forward's."""

    def test_new_ratio_is_used_by_the_next_forward(self) -> None:
        """After layer.dropout_ratio = 0.9 the next mask is u > 0.9."""
        layer = Dropout(0.1, rng=4)
        layer.dropout_ratio = 0.9
        assert layer.dropout_ratio == 0.9
        layer.forward(np.ones(50))
        np.testing.assert_array_equal(layer.mask, np.random.default_rng(4).random(50) > 0.9)

    @pytest.mark.parametrize("ratio", BAD_RATIOS)
    def test_failed_set_keeps_the_old_value(self, ratio: object) -> None:
        """Setting a bad ratio raises, naming it and [0, 1], and the old ratio stays."""
        layer = Dropout(0.3)
        with pytest.raises(
            (TypeError, ValueError), match=rf"{RANGE}, got {re.escape(repr(ratio))}"
        ):
            layer.dropout_ratio = ratio  # type: ignore[assignment]
        assert layer.dropout_ratio == 0.3

    @pytest.mark.parametrize("train_flg", [True, False])
    def test_backward_uses_the_ratio_of_the_forward_pass(self, train_flg: bool) -> None:
        """Changing the ratio between forward and backward does not change the gradient."""
        layer = Dropout(0.5, rng=2, inverted=True)
        dout = sample((3, 4), seed=1)
        layer.forward(sample((3, 4)), train_flg)
        expected = layer.backward(dout)
        layer.dropout_ratio = 0.2
        np.testing.assert_array_equal(layer.backward(dout), expected)


class TestRng:
    """rng=int or Generator: masks come from that generator alone, reproducibly."""

    def test_int_seed_draws_from_its_generator_alone(
        self, global_rng_state: Callable[[], object]
    ) -> None:
        """Masks are successive default_rng(seed) draws > p; the global state never moves."""
        before = global_rng_state()
        layer = Dropout(0.3, rng=123)
        twin = np.random.default_rng(123)
        for shape in [(4,), (2, 3), (), (3, 1, 2)]:
            x = sample(shape)
            out = layer.forward(x)
            expected_mask = twin.random(shape) > 0.3
            np.testing.assert_array_equal(layer.mask, expected_mask)
            np.testing.assert_array_equal(out, x * expected_mask)
        assert global_rng_state() == before

    def test_generator_draws_from_it_alone(self, global_rng_state: Callable[[], object]) -> None:
        """A Generator's own draws make the masks; it is advanced; global state untouched."""
        before = global_rng_state()
        generator = np.random.default_rng(8)
        twin = np.random.default_rng(8)
        layer = Dropout(0.6, rng=generator)
        for _ in range(3):
            layer.forward(np.ones((5, 2)))
            np.testing.assert_array_equal(layer.mask, twin.random((5, 2)) > 0.6)
        assert generator.bit_generator.state == twin.bit_generator.state
        assert global_rng_state() == before

    def test_same_seed_gives_same_masks(self) -> None:
        """Two layers with the same seed draw the same masks; another seed draws others."""
        first, second, other = Dropout(rng=9), Dropout(rng=9), Dropout(rng=10)
        x = np.ones(100)
        for _ in range(3):
            first.forward(x)
            second.forward(x)
            other.forward(x)
            assert first.mask is not None
            assert other.mask is not None
            np.testing.assert_array_equal(first.mask, second.mask)
            assert not np.array_equal(first.mask, other.mask)

    def test_global_state_is_used_when_rng_is_none(self) -> None:
        """Without rng the mask is np.random.rand(*shape) > p, as in the book."""
        np.random.seed(3)
        expected = np.random.rand(2, 5) > 0.4
        np.random.seed(3)
        layer = Dropout(0.4)
        layer.forward(np.ones((2, 5)))
        np.testing.assert_array_equal(layer.mask, expected)

    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("rng", [None, 1])
    def test_inference_and_backward_draw_nothing(
        self, inverted: bool, rng: int | None, global_rng_state: Callable[[], object]
    ) -> None:
        """Inference forward and every backward leave the generators where they were."""
        layer = Dropout(0.5, rng=rng, inverted=inverted)
        layer.forward(np.ones(3))
        before, generator_state = global_rng_state(), snapshot(layer)[2]
        layer.backward(np.ones(3))
        layer.forward(np.ones(3), train_flg=False)
        layer.backward(np.ones(3))
        assert snapshot(layer)[2] == generator_state
        assert global_rng_state() == before


class TestInverted:
    """inverted=True scales by 1 / (1 - p) while training and leaves inference alone."""

    @pytest.mark.parametrize("ratio", [0.1, 0.5, 0.9])
    def test_training_output_is_scaled_by_the_keep_probability(self, ratio: float) -> None:
        """Training output is x * mask / (1 - p) for the drawn mask."""
        layer = Dropout(ratio, rng=5, inverted=True)
        x = sample((4, 6))
        out = layer.forward(x)
        assert layer.mask is not None
        np.testing.assert_array_equal(out, x * layer.mask / (1.0 - ratio))

    @pytest.mark.parametrize("ratio", [0.0, 0.5, 1.0])
    def test_inference_returns_x_as_a_new_array(self, ratio: float) -> None:
        """Inference returns x's values in a new array that shares no memory with x."""
        x = sample((3, 2))
        out = Dropout(ratio, inverted=True).forward(x, train_flg=False)
        np.testing.assert_array_equal(out, x)
        assert out is not x
        assert not np.shares_memory(out, x)

    def test_ratio_one_drops_everything_without_warning(self) -> None:
        """At p = 1 training gives zeros (inf included) and its backward zeros, warning-free."""
        layer = Dropout(1.0, inverted=True)
        x = np.array([np.inf, -2.0, np.nan, 3.0])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = layer.forward(x)
            dx = layer.backward(np.array([1.0, np.inf, 2.0, 3.0]))
            inference = layer.forward(x, train_flg=False)
            dx_inference = layer.backward(np.ones(4))
        np.testing.assert_array_equal(out, np.zeros(4))
        np.testing.assert_array_equal(dx, np.zeros(4))
        np.testing.assert_array_equal(inference, x)
        np.testing.assert_array_equal(dx_inference, np.ones(4))

    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_ratio_zero_is_the_identity(self, inverted: bool, train_flg: bool) -> None:
        """At p = 0 forward and backward return their input in both modes and conventions."""
        layer = Dropout(0.0, rng=0, inverted=inverted)
        x, dout = sample((5, 3)), sample((5, 3), seed=1)
        np.testing.assert_array_equal(layer.forward(x, train_flg), x)
        np.testing.assert_array_equal(layer.backward(dout), dout)


class TestBackward:
    """backward(dout) is the gradient of the last forward pass, in every case."""

    @pytest.mark.parametrize("ratio", [0.0, 0.2, 0.5, 0.8, 1.0])
    def test_after_training_classic(self, ratio: float) -> None:
        """After a classic training pass, dx = dout * mask."""
        layer = Dropout(ratio, rng=6)
        layer.forward(sample((3, 4)))
        dout = sample((3, 4), seed=1)
        assert layer.mask is not None
        np.testing.assert_array_equal(layer.backward(dout), dout * layer.mask)

    @pytest.mark.parametrize("ratio", [0.0, 0.2, 0.5, 0.8])
    def test_after_training_inverted(self, ratio: float) -> None:
        """After an inverted training pass, dx = dout * mask / (1 - p)."""
        layer = Dropout(ratio, rng=6, inverted=True)
        layer.forward(sample((3, 4)))
        dout = sample((3, 4), seed=1)
        assert layer.mask is not None
        np.testing.assert_array_equal(layer.backward(dout), dout * layer.mask / (1.0 - ratio))

    @pytest.mark.parametrize("ratio", [0.0, 0.2, 0.5, 0.8, 1.0])
    def test_after_inference(self, ratio: float) -> None:
        """After inference, dx = dout * (1 - p) (classic) or a new copy of dout (inverted)."""
        dout = sample((2, 3), seed=1)
        classic, inverted = Dropout(ratio), Dropout(ratio, inverted=True)
        classic.forward(sample((2, 3)), train_flg=False)
        inverted.forward(sample((2, 3)), train_flg=False)
        np.testing.assert_array_equal(classic.backward(dout), dout * (1.0 - ratio))
        dx = inverted.backward(dout)
        np.testing.assert_array_equal(dx, dout)
        assert not np.shares_memory(dx, dout)

    @pytest.mark.parametrize("inverted", [False, True])
    def test_never_a_stale_mask(self, inverted: bool) -> None:
        """Train, infer, backward: the inference gradient, not the old mask; then the new mask."""
        layer = Dropout(0.5, rng=7, inverted=inverted)
        x, dout = sample((20,)), sample((20,), seed=1)
        layer.forward(x)
        assert layer.mask is not None
        layer.forward(x, train_flg=False)
        assert snapshot(layer)[:2] == (None, False)
        expected_inference = dout if inverted else dout * 0.5
        np.testing.assert_array_equal(layer.backward(dout), expected_inference)
        layer.forward(x)
        new_mask = layer.mask
        assert new_mask is not None
        assert layer.train_flg is True
        scale = 2.0 if inverted else 1.0
        np.testing.assert_array_equal(layer.backward(dout), dout * new_mask * scale)

    def test_backward_can_be_repeated(self) -> None:
        """Backward reads the cached state without consuming it: twice gives the same result."""
        layer = Dropout(0.5, rng=3)
        layer.forward(sample((6,)))
        mask = layer.mask
        dout = sample((6,), seed=1)
        np.testing.assert_array_equal(layer.backward(dout), layer.backward(dout))
        assert layer.mask is mask

    def test_train_flg_accepts_numpy_bool(self) -> None:
        """np.True_ and np.False_ select the modes like True and False."""
        layer = Dropout(0.5, rng=0)
        layer.forward(np.ones(4), np.True_)  # type: ignore[arg-type]
        assert layer.train_flg is True
        layer.forward(np.ones(4), np.False_)  # type: ignore[arg-type]
        assert layer.train_flg is False


class TestBadInputChangesNothing:
    """Errors are raised before any state changes or any random number is drawn."""

    @pytest.mark.parametrize("rng", [None, 5])
    def test_backward_before_forward(
        self, rng: int | None, global_rng_state: Callable[[], object]
    ) -> None:
        """Backward before any forward raises RuntimeError asking for forward first."""
        layer = Dropout(0.5, rng=rng)
        before, state = global_rng_state(), snapshot(layer)
        with pytest.raises(RuntimeError, match=re.escape("call forward(x) first")):
            layer.backward(np.ones(3))
        assert_unchanged(layer, state, None)
        assert global_rng_state() == before

    @pytest.mark.parametrize("train_flg", [True, False])
    @pytest.mark.parametrize("dout_shape", [(1, 3), (3,), (2, 3, 1), (), (3, 2)])
    def test_dout_of_another_shape(
        self, train_flg: bool, dout_shape: tuple[int, ...], global_rng_state: Callable[[], object]
    ) -> None:
        """A dout of another shape, broadcastable or not, raises ValueError naming both shapes."""
        layer = Dropout(0.5)
        layer.forward(sample((2, 3)), train_flg)
        before, state = global_rng_state(), snapshot(layer)
        mask_values = None if layer.mask is None else layer.mask.copy()
        message = rf"dout has shape {re.escape(str(dout_shape))}.*had shape \(2, 3\)"
        with pytest.raises(ValueError, match=message):
            layer.backward(np.ones(dout_shape))
        assert_unchanged(layer, state, mask_values)
        assert global_rng_state() == before
        assert layer.backward(np.ones((2, 3))).shape == (2, 3)

    @pytest.mark.parametrize(
        ("x", "message"),
        [
            (np.array([1 + 2j, 3.0]), "complex"),
            (np.array([1.0, None], dtype=object), "dtype object"),
            (np.array(["0.5", "1"]), "dtype <U3"),
        ],
    )
    @pytest.mark.parametrize("rng", [None, 11])
    def test_refused_input(
        self,
        x: NDArray[np.generic],
        message: str,
        rng: int | None,
        global_rng_state: Callable[[], object],
    ) -> None:
        """Complex, object and string x raise TypeError without drawing or changing state."""
        layer = Dropout(0.5, rng=rng)
        layer.forward(np.ones(2))
        assert layer.mask is not None
        mask_values = layer.mask.copy()
        before, state = global_rng_state(), snapshot(layer)
        for train_flg in (True, False):
            with pytest.raises(TypeError, match=message):
                layer.forward(x, train_flg)
        assert_unchanged(layer, state, mask_values)
        assert global_rng_state() == before

    def test_complex_dout(self) -> None:
        """A complex dout raises TypeError and the layer can still run its backward pass."""
        layer = Dropout(0.5, rng=1)
        layer.forward(np.ones(3))
        state = snapshot(layer)
        with pytest.raises(TypeError, match="dout has complex dtype"):
            layer.backward(np.ones(3, dtype=complex))
        assert_unchanged(layer, state, state[0])
        assert layer.mask is not None
        np.testing.assert_array_equal(layer.backward(np.ones(3)), layer.mask.astype(float))

    @pytest.mark.parametrize("train_flg", ["yes", 1, None, 0.0])
    def test_bad_train_flg(self, train_flg: object, global_rng_state: Callable[[], object]) -> None:
        """A train_flg other than a bool raises TypeError naming it, drawing nothing."""
        layer = Dropout(0.5)
        before, state = global_rng_state(), snapshot(layer)
        with pytest.raises(TypeError, match=rf"train_flg must be True or False, got {train_flg!r}"):
            layer.forward(np.ones(3), train_flg)  # type: ignore[arg-type]
        assert_unchanged(layer, state, None)
        assert global_rng_state() == before


class TestDtypes:
    """Floating dtypes are kept; integers and booleans are computed in float64."""

    @pytest.mark.parametrize("dtype", FLOATS)
    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_floating_dtype_is_kept(
        self, dtype: type[np.floating], inverted: bool, train_flg: bool
    ) -> None:
        """Output and gradient have x's floating dtype, with the values computed in it."""
        layer = Dropout(0.25, rng=2, inverted=inverted)
        x, dout = sample((3, 5)).astype(dtype), sample((3, 5), seed=1).astype(dtype)
        out = layer.forward(x, train_flg)
        dx = layer.backward(dout)
        assert out.dtype == dtype
        assert dx.dtype == dtype
        if train_flg:
            assert layer.mask is not None
            expected_out, expected_dx = x * layer.mask, dout * layer.mask
            if inverted:
                expected_out, expected_dx = expected_out / 0.75, expected_dx / 0.75
        elif inverted:
            expected_out, expected_dx = x, dout
        else:
            expected_out, expected_dx = x * 0.75, dout * 0.75
        np.testing.assert_array_equal(out, expected_out)
        np.testing.assert_array_equal(dx, expected_dx)

    @pytest.mark.parametrize(
        "x",
        [
            np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int32),
            np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8),
            np.array([[True, False, True], [True, True, False]]),
        ],
    )
    @pytest.mark.parametrize("inverted", [False, True])
    def test_integers_and_bools_become_float64_in_both_modes(
        self, x: NDArray[np.integer | np.bool_], inverted: bool
    ) -> None:
        """Integer and boolean x give float64 outputs and gradients, training and inference."""
        layer = Dropout(0.5, rng=0, inverted=inverted)
        values = x.astype(np.float64)
        out = layer.forward(x)
        assert layer.mask is not None
        scale = 2.0 if inverted else 1.0
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, values * layer.mask * scale)
        dx = layer.backward(x)
        assert dx.dtype == np.float64
        np.testing.assert_array_equal(dx, values * layer.mask * scale)
        out = layer.forward(x, train_flg=False)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, values if inverted else values * 0.5)
        assert layer.backward(x).dtype == np.float64

    def test_lists_are_accepted(self) -> None:
        """A nested list of numbers works like the float64 array of it."""
        layer = Dropout(0.5, rng=0)
        out = layer.forward([[1, 2], [3, 4]])
        assert layer.mask is not None
        np.testing.assert_array_equal(out, np.array([[1.0, 2.0], [3.0, 4.0]]) * layer.mask)


def strided(base: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return a non-contiguous view: every second row, every third column from the second."""
    return base[::2, 1::3]


LAYOUTS: dict[str, Callable[[NDArray[np.float64]], NDArray[np.float64]]] = {
    "strided": strided,
    "transposed": lambda base: base.T,
    "fortran": np.asfortranarray,
    "reversed": lambda base: base[::-1, ::-1],
    "broadcast": lambda base: np.broadcast_to(base[0], base.shape),
}


class TestLayouts:
    """0-d, empty, strided, transposed and Fortran-ordered arrays give the right values."""

    @pytest.mark.parametrize("shape", [(), (0,), (0, 3), (2, 0, 4)])
    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_zero_d_and_empty(
        self, shape: tuple[int, ...], inverted: bool, train_flg: bool
    ) -> None:
        """0-d and empty inputs give ndarrays of the same shape with the right values."""
        layer = Dropout(0.5, rng=1, inverted=inverted)
        x = np.full(shape, 3.0)
        out = layer.forward(x, train_flg)
        dx = layer.backward(np.full(shape, 2.0))
        assert type(out) is np.ndarray
        assert type(dx) is np.ndarray
        assert out.shape == dx.shape == shape
        if train_flg:
            assert layer.mask is not None
            assert layer.mask.shape == shape
            np.testing.assert_array_equal(layer.mask, np.random.default_rng(1).random(shape) > 0.5)
            scale = 2.0 * layer.mask if inverted else 1.0 * layer.mask
        else:
            scale = np.full(shape, 1.0 if inverted else 0.5)
        np.testing.assert_array_equal(out, 3.0 * scale)
        np.testing.assert_array_equal(dx, 2.0 * scale)

    @pytest.mark.parametrize("layout", LAYOUTS)
    @pytest.mark.parametrize("inverted", [False, True])
    def test_non_contiguous_inputs(self, layout: str, inverted: bool) -> None:
        """Views and Fortran arrays give the values of their contiguous copies, both passes."""
        make = LAYOUTS[layout]
        x, dout = make(sample((6, 7))), make(sample((6, 7), seed=1))
        layer = Dropout(0.4, rng=12, inverted=inverted)
        out = layer.forward(x)
        assert layer.mask is not None
        np.testing.assert_array_equal(layer.mask, np.random.default_rng(12).random(x.shape) > 0.4)
        scale = 1.0 / 0.6 if inverted else 1.0
        expected = np.ascontiguousarray(x) * layer.mask
        np.testing.assert_array_equal(out, expected * scale if inverted else expected)
        expected_dx = np.ascontiguousarray(dout) * layer.mask
        np.testing.assert_array_equal(
            layer.backward(dout), expected_dx * scale if inverted else expected_dx
        )
        inference = layer.forward(x, train_flg=False)
        np.testing.assert_array_equal(inference, x if inverted else np.ascontiguousarray(x) * 0.6)
        np.testing.assert_array_equal(layer.backward(dout), dout if inverted else dout * 0.6)


class TestInputsUntouched:
    """Neither x nor dout is ever written to, and outputs never alias them."""

    @pytest.mark.parametrize("ratio", [0.0, 0.5, 1.0])
    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_inputs_keep_their_values(self, ratio: float, inverted: bool, train_flg: bool) -> None:
        """Inputs equal their copies after forward and backward; outputs are new arrays."""
        x, dout = sample((4, 3)), sample((4, 3), seed=1)
        x_copy, dout_copy = x.copy(), dout.copy()
        layer = Dropout(ratio, rng=0, inverted=inverted)
        out = layer.forward(x, train_flg)
        dx = layer.backward(dout)
        np.testing.assert_array_equal(x, x_copy)
        np.testing.assert_array_equal(dout, dout_copy)
        assert not np.shares_memory(out, x)
        assert not np.shares_memory(dx, dout)
        out[...] = 7.0
        dx[...] = 7.0
        np.testing.assert_array_equal(x, x_copy)
        np.testing.assert_array_equal(dout, dout_copy)

    @pytest.mark.parametrize("dtype", FLOATS)
    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_read_only_inputs_work(
        self, dtype: type[np.floating], inverted: bool, train_flg: bool
    ) -> None:
        """Read-only x and dout are accepted, and the outputs are writable new arrays."""
        x, dout = sample((3, 3)).astype(dtype), sample((3, 3), seed=1).astype(dtype)
        x.flags.writeable = False
        dout.flags.writeable = False
        layer = Dropout(0.5, rng=0, inverted=inverted)
        out = layer.forward(x, train_flg)
        dx = layer.backward(dout)
        assert out.flags.writeable
        assert dx.flags.writeable
        if train_flg:
            assert layer.mask is not None
            scale = 2.0 if inverted else 1.0
            np.testing.assert_array_equal(out, x * layer.mask * dtype(scale))
        else:
            np.testing.assert_array_equal(out, x if inverted else x * dtype(0.5))
