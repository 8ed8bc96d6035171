"""Tests of what the layers share: the protocol, the arithmetic and the checks.

State, modes, conventions, checked attributes and errors. Each test runs once for every class it
holds for: ``noise_layer_class`` (Dropout, FastDropout, GaussianDropout), ``layer_class`` (the
two with a keep-mask) or ``make_layer`` (all four, for the settings). What only one layer does
is tested in test_fast.py, test_variants.py and test_book.py.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import Dropout, FastDropout, check_gradient
from dropout_book.layer import DropoutSettings, NoiseLayer
from dropout_book.variants import GaussianDropout
from tests.conftest import (
    LayerClass,
    NoiseLayerClass,
    inverted_product,
    noise_of,
    train_map,
    twin_masks,
)

BAD_RATIOS: list[object] = [-0.1, 1.5, float("nan"), float("inf"), "0.5", None, True, 10**400]
BAD_RNGS: list[object] = [True, "1", 1.5, -1, np.random.RandomState(0), np.timedelta64(1, "s")]
FLOATS: list[type[np.floating]] = [np.float16, np.float32, np.float64, np.longdouble]
RANGE = re.escape("[0, 1]")

LayerState = tuple[NDArray[np.generic] | None, bool | None, dict[str, object] | None]
MakeLayer = Callable[..., DropoutSettings]


def sample(shape: int | tuple[int, ...], seed: int = 0) -> NDArray[np.float64]:
    """Return reproducible standard normal values of the given shape."""
    return np.random.default_rng(seed).standard_normal(shape)


def snapshot(layer: NoiseLayer) -> LayerState:
    """Return a copy of the layer's noise (its mask), its mode and its generator's state."""
    generator_state = None if layer.rng is None else dict(layer.rng.bit_generator.state)
    noise = noise_of(layer)
    return None if noise is None else noise.copy(), layer.train_flg, generator_state


def assert_unchanged(layer: NoiseLayer, before: LayerState) -> None:
    """Assert the layer holds noise of the same values, the same mode and generator state."""
    mask, train_flg, generator_state = snapshot(layer)
    assert (mask is None) == (before[0] is None)
    if mask is not None:
        np.testing.assert_array_equal(mask, before[0], strict=True)
    assert train_flg is before[1]
    assert generator_state == before[2]


def skip_if_refused(layer_class: type[NoiseLayer], ratio: float, inverted: bool) -> None:
    """Skip inverted Gaussian dropout at p = 1, which is refused (infinite noise variance).

    test_variants.py tests that refusal.
    """
    if layer_class is GaussianDropout and inverted and ratio == 1.0:
        pytest.skip("inverted Gaussian dropout refuses p = 1")


def expected_train(
    x: NDArray[np.floating], mask: NDArray[np.bool_], ratio: float, inverted: bool
) -> NDArray[np.floating]:
    """Return the training output from its definition: the book's, or PyTorch's if inverted."""
    return inverted_product(x, mask, ratio) if inverted else np.asarray(x * mask)


class TestConstruction:
    """The constructor checks its arguments and starts with no cached state."""

    def test_defaults(self, noise_layer_class: NoiseLayerClass) -> None:
        """The defaults are the book's: ratio 0.5, global state, classic scaling, no noise."""
        layer = noise_layer_class()
        assert layer.dropout_ratio == 0.5
        assert layer.rng is None
        assert layer.inverted is False
        assert layer.noise_shape is None
        assert noise_of(layer) is None
        assert layer.train_flg is None

    @pytest.mark.parametrize("ratio", BAD_RATIOS)
    def test_bad_ratio_raises(
        self, make_layer: MakeLayer, ratio: object, global_rng_state: Callable[[], object]
    ) -> None:
        """A bad ratio raises TypeError or ValueError naming it and [0, 1]; nothing is drawn."""
        before = global_rng_state()
        with pytest.raises(
            (TypeError, ValueError), match=rf"{RANGE}, got {re.escape(repr(ratio))}"
        ):
            make_layer(ratio)
        assert global_rng_state() == before

    @pytest.mark.parametrize("rng", BAD_RNGS)
    def test_bad_rng_raises(
        self, make_layer: MakeLayer, rng: object, global_rng_state: Callable[[], object]
    ) -> None:
        """A bad rng (bool, str, float, negative, RandomState, time delta) raises, naming it."""
        before = global_rng_state()
        with pytest.raises((TypeError, ValueError), match=r"^rng"):
            make_layer(0.5, rng=rng)
        assert global_rng_state() == before

    @pytest.mark.parametrize("inverted", ["yes", "False", 1, 0.0, None])
    def test_inverted_must_be_a_bool(self, make_layer: MakeLayer, inverted: object) -> None:
        """The convention flag accepts True or False only."""
        message = rf"inverted must be True or False, got {re.escape(repr(inverted))}"
        with pytest.raises(TypeError, match=message):
            make_layer(0.5, inverted=inverted)

    @pytest.mark.parametrize("noise_shape", [3, "1", (1.0,), (True, 1)])
    def test_noise_shape_must_be_a_sequence_of_ints(
        self, make_layer: MakeLayer, noise_shape: object
    ) -> None:
        """A noise shape is None or a sequence of ints and None."""
        with pytest.raises(TypeError, match=r"^noise_shape must be None or a sequence"):
            make_layer(0.5, noise_shape=noise_shape)


class TestCheckedAttributes:
    """dropout_ratio, rng, inverted and noise_shape are checked whenever they are assigned."""

    def test_new_ratio_is_used_by_the_next_forward(
        self, noise_layer_class: NoiseLayerClass
    ) -> None:
        """After layer.dropout_ratio = 0.9 the next noise is drawn with 0.9."""
        layer = noise_layer_class(0.1, rng=4)
        layer.dropout_ratio = 0.9
        assert layer.dropout_ratio == 0.9
        layer.forward(np.ones(50))
        expected = twin_masks(noise_layer_class, 4).next((50,), 0.9)
        np.testing.assert_array_equal(noise_of(layer), expected)

    @pytest.mark.parametrize(
        ("name", "value", "message"),
        [
            ("dropout_ratio", 1.5, r"dropout_ratio must be a real number in \[0, 1\]"),
            ("dropout_ratio", "0.5", r"dropout_ratio must be a real number in \[0, 1\]"),
            ("inverted", "no", r"inverted must be True or False, got 'no'"),
            ("inverted", 1, r"inverted must be True or False, got 1"),
            ("rng", 1.5, r"rng must be None, a non-negative int seed"),
            ("rng", -3, r"rng seed must be a non-negative int, got -3"),
            ("noise_shape", 2, r"noise_shape must be None or a sequence"),
        ],
    )
    def test_a_bad_assignment_raises_and_keeps_the_old_value(
        self, make_layer: MakeLayer, name: str, value: object, message: str
    ) -> None:
        """Assigning a bad value raises an error naming the attribute; the old value stays."""
        layer = make_layer(0.3, rng=1, inverted=True, noise_shape=(None, 1))
        old = getattr(layer, name)
        with pytest.raises((TypeError, ValueError), match=message):
            setattr(layer, name, value)
        assert getattr(layer, name) is old

    def test_inverted_assigned_is_used(self, noise_layer_class: NoiseLayerClass) -> None:
        """layer.inverted = True switches the next pass to the inverted convention."""
        layer = noise_layer_class(0.5, rng=2)
        layer.inverted = np.True_  # type: ignore[assignment]
        assert layer.inverted is True
        x = sample(20)
        out = layer.forward(x)
        np.testing.assert_array_equal(
            noise_of(layer), twin_masks(noise_layer_class, 2).next((20,), 0.5, True)
        )
        np.testing.assert_array_equal(out, train_map(layer, x, 0.5, True))

    def test_an_int_assigned_to_rng_seeds_one_generator_once(
        self, noise_layer_class: NoiseLayerClass, global_rng_state: Callable[[], object]
    ) -> None:
        """layer.rng = 5 makes one generator: successive passes draw successive noise from it."""
        before = global_rng_state()
        layer = noise_layer_class(0.5, rng=0)
        layer.rng = 5
        generator = layer.rng
        assert isinstance(generator, np.random.Generator)
        twin = twin_masks(noise_layer_class, 5)
        for _ in range(3):
            layer.forward(np.ones(100))
            np.testing.assert_array_equal(noise_of(layer), twin.next((100,), 0.5))
            assert layer.rng is generator
        assert global_rng_state() == before

    def test_rng_can_be_set_back_to_none_or_to_a_generator(self, make_layer: MakeLayer) -> None:
        """None and a Generator are accepted as they are."""
        layer = make_layer(0.5, rng=1)
        layer.rng = None
        assert layer.rng is None
        generator = np.random.default_rng(2)
        layer.rng = generator
        assert layer.rng is generator

    def test_mask_must_be_boolean_when_assigned(self, layer_class: LayerClass) -> None:
        """Assigning a mask of numbers raises TypeError naming its dtype; None clears it."""
        layer = layer_class(0.5, rng=0)
        layer.forward(np.ones(3))
        kept = snapshot(layer)
        with pytest.raises(TypeError, match="mask must be a boolean array, got dtype int64"):
            layer.mask = np.ones(3, dtype=np.int64)
        assert_unchanged(layer, kept)
        layer.mask = None
        assert layer.mask is None


class TestRng:
    """rng=int or Generator: masks come from that generator alone, reproducibly."""

    def test_int_seed_draws_from_its_generator_alone(
        self, noise_layer_class: NoiseLayerClass, global_rng_state: Callable[[], object]
    ) -> None:
        """Noise is the documented successive draws of the seed; the global state never moves."""
        before = global_rng_state()
        layer = noise_layer_class(0.3, rng=123)
        twin = twin_masks(noise_layer_class, 123)
        for shape in [(4,), (2, 3), (), (3, 1, 2), (0,)]:
            x = sample(shape)
            out = layer.forward(x)
            expected = twin.next(shape, 0.3)
            np.testing.assert_array_equal(noise_of(layer), expected, strict=True)
            np.testing.assert_array_equal(out, x * expected)
        assert global_rng_state() == before

    def test_generator_is_used_and_advanced(
        self, noise_layer_class: NoiseLayerClass, global_rng_state: Callable[[], object]
    ) -> None:
        """A default_rng Generator makes the noise and is advanced; global state untouched."""
        before = global_rng_state()
        generator = np.random.default_rng(8)
        # FastDropout's rule for a PCG64 generator is tested in test_fast.py.
        twin = None if noise_layer_class is FastDropout else twin_masks(noise_layer_class, 8)
        layer = noise_layer_class(0.6, rng=generator)
        assert layer.rng is generator
        drawn = []
        for _ in range(3):
            layer.forward(np.ones((5, 2)))
            drawn.append(noise_of(layer))
        assert generator.bit_generator.state != np.random.default_rng(8).bit_generator.state
        if twin is not None:
            for noise in drawn:
                np.testing.assert_array_equal(noise, twin.next((5, 2), 0.6))
        assert global_rng_state() == before

    def test_same_seed_gives_same_masks(self, noise_layer_class: NoiseLayerClass) -> None:
        """Two layers with the same seed draw the same noise; another seed draws other noise."""
        first = noise_layer_class(rng=9)
        second, other = noise_layer_class(rng=9), noise_layer_class(rng=10)
        x = np.ones(100)
        for _ in range(3):
            first.forward(x)
            second.forward(x)
            other.forward(x)
            np.testing.assert_array_equal(noise_of(first), noise_of(second))
            assert not np.array_equal(noise_of(first), noise_of(other))  # type: ignore[arg-type]

    def test_none_follows_the_global_seed(self, noise_layer_class: NoiseLayerClass) -> None:
        """With rng=None, np.random.seed(s) fixes the noise, and every pass advances the state."""
        drawn = []
        for _ in range(2):
            np.random.seed(3)
            layer = noise_layer_class(0.4)
            layer.forward(np.ones(1000))
            start = np.random.get_state(legacy=False)["state"]["pos"]
            layer.forward(np.ones(1000))
            assert np.random.get_state(legacy=False)["state"]["pos"] != start
            drawn.append(noise_of(layer))
        np.testing.assert_array_equal(drawn[0], drawn[1])
        np.random.seed(4)
        layer = noise_layer_class(0.4)
        layer.forward(np.ones(1000))
        layer.forward(np.ones(1000))
        assert not np.array_equal(noise_of(layer), drawn[0])  # type: ignore[arg-type]

    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("rng", [None, 1])
    def test_inference_and_backward_draw_nothing(
        self,
        noise_layer_class: NoiseLayerClass,
        inverted: bool,
        rng: int | None,
        global_rng_state: Callable[[], object],
    ) -> None:
        """Inference forward and every backward leave the generators where they were."""
        layer = noise_layer_class(0.5, rng=rng, inverted=inverted)
        layer.forward(np.ones(3))
        before, generator_state = global_rng_state(), snapshot(layer)[2]
        layer.backward(np.ones(3))
        layer.forward(np.ones(3), train_flg=False)
        layer.backward(np.ones(3))
        assert snapshot(layer)[2] == generator_state
        assert global_rng_state() == before


def forward_together(layers: list[Dropout], x: NDArray[np.floating]) -> list[NDArray[np.floating]]:
    """Run each layer's training forward pass on x in its own thread, all released at once."""
    barrier = threading.Barrier(len(layers))
    outs: list[NDArray[np.floating]] = [x] * len(layers)

    def run(index: int) -> None:
        barrier.wait()
        outs[index] = layers[index].forward(x)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(layers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outs


class TestThreads:
    """Layers sharing a Generator may run in two threads at once: each pass draws its own part."""

    # Large enough that FastDropout's pass spans several blocks and threads of its own.
    SIZE = 2_000_000

    @pytest.mark.parametrize("shared", ["generator", "layer"])
    def test_two_threads_draw_disjoint_masks(self, layer_class: LayerClass, shared: str) -> None:
        """The two masks are the stream's next two, in either order, and the stream moved by two.

        Repeated five times: before passes claimed their part of the stream atomically, two
        FastDropout passes started together read the same part most of the time.
        """
        x = np.ones(self.SIZE, dtype=np.float32)
        for attempt in range(5):
            twin = twin_masks(layer_class, attempt)
            generator = np.random.Generator(type(twin.bit_generator)(attempt))
            expected = sorted(twin.next((self.SIZE,), 0.5).tobytes() for _ in range(2))
            first = layer_class(0.5, rng=generator)
            second = first if shared == "layer" else layer_class(0.5, rng=generator)
            outs = forward_together([first, second], x)
            assert sorted((out != 0).tobytes() for out in outs) == expected
            assert generator.bit_generator.state == twin.bit_generator.state


class TestInverted:
    """inverted=True scales the kept units by 1 / (1 - p) and leaves inference alone."""

    @pytest.mark.parametrize("ratio", [0.1, 0.2, 1 / 3, 0.5, 0.9])
    def test_training_output_is_pytorchs_product(
        self, layer_class: LayerClass, ratio: float
    ) -> None:
        """Training output is x * mask * dtype(1 / (1 - p)), bit for bit, as PyTorch computes it."""
        layer = layer_class(ratio, rng=5, inverted=True)
        x = sample((4, 6))
        out = layer.forward(x)
        assert layer.mask is not None
        np.testing.assert_array_equal(out, inverted_product(x, layer.mask, ratio), strict=True)

    @pytest.mark.parametrize("ratio", [0.0, 0.5, 1.0])
    def test_inference_returns_x_as_a_new_array(
        self, noise_layer_class: NoiseLayerClass, ratio: float
    ) -> None:
        """Inference returns x's values in a new array that shares no memory with x."""
        skip_if_refused(noise_layer_class, ratio, True)
        x = sample((3, 2))
        out = noise_layer_class(ratio, inverted=True).forward(x, train_flg=False)
        np.testing.assert_array_equal(out, x)
        assert not np.shares_memory(out, x)

    def test_ratio_one_drops_everything_without_warning(self, layer_class: LayerClass) -> None:
        """At p = 1 training gives zeros (inf included) and its backward zeros, warning-free."""
        layer = layer_class(1.0, rng=0, inverted=True)
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
    def test_ratio_zero_is_the_identity(
        self, noise_layer_class: NoiseLayerClass, inverted: bool, train_flg: bool
    ) -> None:
        """At p = 0 forward and backward return their input in both modes and conventions."""
        layer = noise_layer_class(0.0, rng=0, inverted=inverted)
        x, dout = sample((5, 3)), sample((5, 3), seed=1)
        np.testing.assert_array_equal(layer.forward(x, train_flg), x)
        np.testing.assert_array_equal(layer.backward(dout), dout)

    @pytest.mark.parametrize(
        ("ratio", "x", "kept"),
        [
            # 1 - p is 1e-8, below float16's smallest subnormal: a float16 division was 0 / 0.
            (1.0 - 2.0**-30, 2.0**-20, 1024.0),
            # 1 / (1 - p) = 2**17 overflows float16, yet x / (1 - p) = 128 does not.
            (1.0 - 2.0**-17, 2.0**-10, 128.0),
        ],
    )
    def test_float16_near_one_has_no_nan(
        self, layer_class: LayerClass, ratio: float, x: float, kept: float
    ) -> None:
        """Float16 with p near 1: dropped units are 0, kept units x / (1 - p); no NaN anywhere.

        Forward keeps nothing at this p (keep probability 2**-17 or less, 4000 units, seed 0),
        so the kept case is checked through backward with a mask assigned by hand.
        """
        layer = layer_class(ratio, rng=0, inverted=True)
        values = np.full(4000, x, dtype=np.float16)
        mask = np.arange(4000) % 3 == 0
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = layer.forward(values)
            layer.mask = mask
            dx = layer.backward(values)
        np.testing.assert_array_equal(out, np.zeros(4000, dtype=np.float16), strict=True)
        expected = np.where(mask, kept, 0.0).astype(np.float16)
        np.testing.assert_array_equal(dx, expected, strict=True)


class TestBackward:
    """backward(dout) is the gradient of the last forward pass, in every case."""

    @pytest.mark.parametrize("ratio", [0.0, 0.2, 0.5, 0.8, 1.0])
    @pytest.mark.parametrize("inverted", [False, True])
    def test_after_training(
        self, noise_layer_class: NoiseLayerClass, ratio: float, inverted: bool
    ) -> None:
        """After a training pass, dx is dout times the pass's noise (mask, scaled if inverted)."""
        skip_if_refused(noise_layer_class, ratio, inverted)
        layer = noise_layer_class(ratio, rng=6, inverted=inverted)
        layer.forward(sample((3, 4)))
        dout = sample((3, 4), seed=1)
        np.testing.assert_array_equal(layer.backward(dout), train_map(layer, dout, ratio, inverted))

    @pytest.mark.parametrize("ratio", [0.0, 0.2, 0.5, 0.8, 1.0])
    def test_after_inference(self, noise_layer_class: NoiseLayerClass, ratio: float) -> None:
        """After inference, dx = dout * (1 - p) (classic) or a new copy of dout (inverted)."""
        skip_if_refused(noise_layer_class, ratio, True)
        dout = sample((2, 3), seed=1)
        classic, inverted = noise_layer_class(ratio), noise_layer_class(ratio, inverted=True)
        classic.forward(sample((2, 3)), train_flg=False)
        inverted.forward(sample((2, 3)), train_flg=False)
        np.testing.assert_array_equal(classic.backward(dout), dout * (1.0 - ratio))
        dx = inverted.backward(dout)
        np.testing.assert_array_equal(dx, dout)
        assert not np.shares_memory(dx, dout)

    @pytest.mark.parametrize("inverted", [False, True])
    def test_never_a_stale_mask(self, noise_layer_class: NoiseLayerClass, inverted: bool) -> None:
        """Train, infer, backward: the inference gradient, not the old noise; then the new one."""
        layer = noise_layer_class(0.5, rng=7, inverted=inverted)
        x, dout = sample((20,)), sample((20,), seed=1)
        layer.forward(x)
        assert noise_of(layer) is not None
        layer.forward(x, train_flg=False)
        assert snapshot(layer)[:2] == (None, False)
        expected_inference = dout if inverted else dout * 0.5
        np.testing.assert_array_equal(layer.backward(dout), expected_inference)
        layer.forward(x)
        assert layer.train_flg is True
        np.testing.assert_array_equal(layer.backward(dout), train_map(layer, dout, 0.5, inverted))

    def test_backward_can_be_repeated(self, noise_layer_class: NoiseLayerClass) -> None:
        """Backward reads the cached state without consuming it: twice gives the same result."""
        layer = noise_layer_class(0.5, rng=3)
        layer.forward(sample((6,)))
        mask = snapshot(layer)
        dout = sample((6,), seed=1)
        np.testing.assert_array_equal(layer.backward(dout), layer.backward(dout))
        assert_unchanged(layer, mask)

    @pytest.mark.parametrize("train_flg", [True, False])
    def test_backward_uses_the_forward_passs_ratio_and_convention(
        self, noise_layer_class: NoiseLayerClass, train_flg: bool
    ) -> None:
        """Assigning the ratio or the convention between forward and backward changes nothing."""
        layer = noise_layer_class(0.5, rng=2, inverted=True)
        dout = sample((3, 4), seed=1)
        layer.forward(sample((3, 4)), train_flg)
        expected = layer.backward(dout)
        layer.dropout_ratio = 0.2
        layer.inverted = False
        np.testing.assert_array_equal(layer.backward(dout), expected)

    def test_a_mask_assigned_by_hand_is_used(self, layer_class: LayerClass) -> None:
        """Assigning layer.mask replaces the mask that backward applies."""
        layer = layer_class(0.5, rng=32)
        layer.forward(np.ones((2, 3)))
        layer.mask = np.array([[True, False, True], [False, False, True]])
        np.testing.assert_array_equal(
            layer.backward(np.full((2, 3), 2.0)), [[2.0, 0.0, 2.0], [0.0, 0.0, 2.0]]
        )

    def test_train_flg_accepts_numpy_bool(self, noise_layer_class: NoiseLayerClass) -> None:
        """np.True_ and np.False_ select the modes like True and False."""
        layer = noise_layer_class(0.5, rng=0)
        layer.forward(np.ones(4), np.True_)  # type: ignore[arg-type]
        assert layer.train_flg is True
        layer.forward(np.ones(4), np.False_)  # type: ignore[arg-type]
        assert layer.train_flg is False


class TestBadInputChangesNothing:
    """Errors are raised before any state changes or any random number is drawn."""

    @pytest.mark.parametrize("rng", [None, 5])
    def test_backward_before_forward(
        self,
        noise_layer_class: NoiseLayerClass,
        rng: int | None,
        global_rng_state: Callable[[], object],
    ) -> None:
        """Backward before any forward raises RuntimeError asking for forward first."""
        layer = noise_layer_class(0.5, rng=rng)
        before, state = global_rng_state(), snapshot(layer)
        with pytest.raises(RuntimeError, match=re.escape("call forward(x) first")):
            layer.backward(np.ones(3))
        assert_unchanged(layer, state)
        assert global_rng_state() == before

    def test_backward_before_forward_with_a_mask_set_by_hand(self, layer_class: LayerClass) -> None:
        """Even with a mask assigned, backward before any forward asks for forward first."""
        layer = layer_class(rng=0)
        layer.mask = np.ones(3, dtype=bool)
        with pytest.raises(RuntimeError, match=re.escape("call forward(x) first")):
            layer.backward(np.ones(3))

    def test_backward_after_the_mask_was_cleared(self, layer_class: LayerClass) -> None:
        """After a training pass whose mask was set to None, backward says so (no silent guess)."""
        layer = layer_class(0.5, rng=0)
        layer.forward(np.ones(3))
        layer.mask = None
        with pytest.raises(RuntimeError, match="mask has since been set to None"):
            layer.backward(np.ones(3))

    @pytest.mark.parametrize("mask_shape", [(2, 3), (6, 1), (1, 6)])
    def test_a_mask_set_by_hand_that_does_not_fit(
        self, layer_class: LayerClass, mask_shape: tuple[int, ...]
    ) -> None:
        """A hand-set mask that does not fit dout raises ValueError naming both shapes."""
        layer = layer_class(0.5, rng=0)
        layer.forward(np.ones(6))
        layer.mask = np.ones(mask_shape, dtype=bool)
        message = rf"mask has shape {re.escape(str(mask_shape))} but dout has shape \(6,\)"
        with pytest.raises(ValueError, match=message):
            layer.backward(np.ones(6))

    @pytest.mark.parametrize("train_flg", [True, False])
    @pytest.mark.parametrize("dout_shape", [(1, 3), (3,), (2, 3, 1), (), (3, 2)])
    def test_dout_of_another_shape(
        self,
        noise_layer_class: NoiseLayerClass,
        train_flg: bool,
        dout_shape: tuple[int, ...],
        global_rng_state: Callable[[], object],
    ) -> None:
        """A dout of another shape, broadcastable or not, raises ValueError naming both shapes."""
        layer = noise_layer_class(0.5)
        layer.forward(sample((2, 3)), train_flg)
        before, state = global_rng_state(), snapshot(layer)
        message = rf"dout has shape {re.escape(str(dout_shape))}.*had shape \(2, 3\)"
        with pytest.raises(ValueError, match=message):
            layer.backward(np.ones(dout_shape))
        assert_unchanged(layer, state)
        assert global_rng_state() == before
        assert layer.backward(np.ones((2, 3))).shape == (2, 3)

    @pytest.mark.parametrize(
        ("x", "message"),
        [
            (np.array([1 + 2j, 3.0]), "complex"),
            (np.array([1.0, None], dtype=object), "dtype object"),
            (np.array(["0.5", "1"]), "dtype <U3"),
            (np.ma.masked_array([1.0, np.nan], mask=[False, True]), "x is a numpy.ma.MaskedArray"),
        ],
        ids=["complex", "object", "string", "masked"],
    )
    @pytest.mark.parametrize("rng", [None, 11])
    def test_refused_input(
        self,
        noise_layer_class: NoiseLayerClass,
        x: NDArray[np.generic],
        message: str,
        rng: int | None,
        global_rng_state: Callable[[], object],
    ) -> None:
        """Complex, object, string and masked x raise TypeError; nothing drawn, nothing changed."""
        layer = noise_layer_class(0.5, rng=rng)
        layer.forward(np.ones(2))
        before, state = global_rng_state(), snapshot(layer)
        for train_flg in (True, False):
            with pytest.raises(TypeError, match=message):
                layer.forward(x, train_flg)
        assert_unchanged(layer, state)
        assert global_rng_state() == before

    @pytest.mark.parametrize(
        "dout",
        [np.ones(3, dtype=complex), np.ma.masked_array(np.ones(3), mask=[False, True, False])],
        ids=["complex", "masked"],
    )
    def test_refused_dout(
        self, noise_layer_class: NoiseLayerClass, dout: NDArray[np.generic]
    ) -> None:
        """A complex or masked dout raises TypeError and the layer can still run backward."""
        layer = noise_layer_class(0.5, rng=1)
        layer.forward(np.ones(3))
        state = snapshot(layer)
        with pytest.raises(TypeError, match=r"^dout "):
            layer.backward(dout)
        assert_unchanged(layer, state)
        np.testing.assert_array_equal(
            layer.backward(np.ones(3)), train_map(layer, np.ones(3), 0.5, False)
        )

    @pytest.mark.parametrize("train_flg", ["yes", 1, None, 0.0])
    def test_bad_train_flg(
        self,
        noise_layer_class: NoiseLayerClass,
        train_flg: object,
        global_rng_state: Callable[[], object],
    ) -> None:
        """A train_flg other than a bool raises TypeError naming it, drawing nothing."""
        layer = noise_layer_class(0.5)
        before, state = global_rng_state(), snapshot(layer)
        with pytest.raises(TypeError, match=rf"train_flg must be True or False, got {train_flg!r}"):
            layer.forward(np.ones(3), train_flg)  # type: ignore[arg-type]
        assert_unchanged(layer, state)
        assert global_rng_state() == before


class TestDtypes:
    """Floating dtypes are kept; integers and booleans are computed in float64."""

    @pytest.mark.parametrize("dtype", FLOATS)
    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_floating_dtype_is_kept(
        self,
        noise_layer_class: NoiseLayerClass,
        dtype: type[np.floating],
        inverted: bool,
        train_flg: bool,
    ) -> None:
        """Output and gradient have x's floating dtype, with the values computed in it."""
        layer = noise_layer_class(0.3, rng=2, inverted=inverted)
        x, dout = sample((3, 5)).astype(dtype), sample((3, 5), seed=1).astype(dtype)
        out = layer.forward(x, train_flg)
        dx = layer.backward(dout)
        if train_flg:
            expected_out = train_map(layer, x, 0.3, inverted)
            expected_dx = train_map(layer, dout, 0.3, inverted)
        elif inverted:
            expected_out, expected_dx = x, dout
        else:
            expected_out, expected_dx = x * 0.7, dout * 0.7
        np.testing.assert_array_equal(out, expected_out, strict=True)
        np.testing.assert_array_equal(dx, expected_dx, strict=True)

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
        self, noise_layer_class: NoiseLayerClass, x: NDArray[np.integer | np.bool_], inverted: bool
    ) -> None:
        """Integer and boolean x give float64 outputs and gradients, training and inference."""
        layer = noise_layer_class(0.5, rng=0, inverted=inverted)
        values = x.astype(np.float64)
        out = layer.forward(x)
        expected = train_map(layer, values, 0.5, inverted)
        np.testing.assert_array_equal(out, expected, strict=True)
        np.testing.assert_array_equal(layer.backward(x), expected, strict=True)
        out = layer.forward(x, train_flg=False)
        np.testing.assert_array_equal(out, values if inverted else values * 0.5, strict=True)
        assert layer.backward(x).dtype == np.float64

    def test_lists_are_accepted(self, noise_layer_class: NoiseLayerClass) -> None:
        """A nested list of numbers works like the float64 array of it."""
        layer = noise_layer_class(0.5, rng=0)
        out = layer.forward([[1, 2], [3, 4]])
        expected = train_map(layer, np.array([[1.0, 2.0], [3.0, 4.0]]), 0.5, False)
        np.testing.assert_array_equal(out, expected, strict=True)

    def test_non_native_byte_order(self, noise_layer_class: NoiseLayerClass) -> None:
        """Big- or little-endian input gives native output with the same values."""
        layer = noise_layer_class(0.3, rng=3, inverted=True)
        x = sample(1000)
        out = layer.forward(x.astype(x.dtype.newbyteorder()))
        assert out.dtype == np.float64
        assert out.dtype.isnative
        np.testing.assert_array_equal(out, train_map(layer, x, 0.3, True))


LAYOUTS: dict[str, Callable[[NDArray[np.float64]], NDArray[np.float64]]] = {
    "strided": lambda base: base[::2, 1::3],
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
        self,
        noise_layer_class: NoiseLayerClass,
        shape: tuple[int, ...],
        inverted: bool,
        train_flg: bool,
    ) -> None:
        """0-d and empty inputs give ndarrays of the same shape with the right values."""
        layer = noise_layer_class(0.5, rng=1, inverted=inverted)
        x = np.full(shape, 3.0)
        out = layer.forward(x, train_flg)
        dx = layer.backward(np.full(shape, 2.0))
        assert type(out) is np.ndarray
        assert type(dx) is np.ndarray
        assert out.shape == dx.shape == shape
        if train_flg:
            expected = twin_masks(noise_layer_class, 1).next(shape, 0.5, inverted)
            np.testing.assert_array_equal(noise_of(layer), expected, strict=True)
            np.testing.assert_array_equal(out, train_map(layer, x, 0.5, inverted))
            np.testing.assert_array_equal(dx, train_map(layer, np.full(shape, 2.0), 0.5, inverted))
        else:
            scale = 1.0 if inverted else 0.5
            np.testing.assert_array_equal(out, np.full(shape, 3.0 * scale))
            np.testing.assert_array_equal(dx, np.full(shape, 2.0 * scale))

    @pytest.mark.parametrize("layout", LAYOUTS)
    @pytest.mark.parametrize("inverted", [False, True])
    def test_non_contiguous_inputs(
        self, noise_layer_class: NoiseLayerClass, layout: str, inverted: bool
    ) -> None:
        """Views and Fortran arrays give the values of their contiguous copies, both passes."""
        make = LAYOUTS[layout]
        x, dout = make(sample((6, 7))), make(sample((6, 7), seed=1))
        layer = noise_layer_class(0.4, rng=12, inverted=inverted)
        out = layer.forward(x)
        expected = twin_masks(noise_layer_class, 12).next(x.shape, 0.4, inverted)
        np.testing.assert_array_equal(noise_of(layer), expected)
        contiguous = np.ascontiguousarray(x)
        np.testing.assert_array_equal(out, train_map(layer, contiguous, 0.4, inverted))
        np.testing.assert_array_equal(
            layer.backward(dout), train_map(layer, np.ascontiguousarray(dout), 0.4, inverted)
        )
        inference = layer.forward(x, train_flg=False)
        np.testing.assert_array_equal(inference, x if inverted else contiguous * 0.6)
        np.testing.assert_array_equal(layer.backward(dout), dout if inverted else dout * 0.6)


class TestInputsUntouched:
    """Neither x nor dout is ever written to, and outputs never alias them."""

    @pytest.mark.parametrize("ratio", [0.0, 0.5, 1.0])
    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_inputs_keep_their_values(
        self, noise_layer_class: NoiseLayerClass, ratio: float, inverted: bool, train_flg: bool
    ) -> None:
        """Inputs equal their copies after forward and backward; outputs are new arrays."""
        skip_if_refused(noise_layer_class, ratio, inverted)
        x, dout = sample((4, 3)), sample((4, 3), seed=1)
        x_copy, dout_copy = x.copy(), dout.copy()
        layer = noise_layer_class(ratio, rng=0, inverted=inverted)
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

    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_read_only_inputs_work(
        self,
        noise_layer_class: NoiseLayerClass,
        dtype: type[np.floating],
        inverted: bool,
        train_flg: bool,
    ) -> None:
        """Read-only x and dout are accepted, and the outputs are writable new arrays."""
        x, dout = sample((3, 3)).astype(dtype), sample((3, 3), seed=1).astype(dtype)
        x.flags.writeable = False
        dout.flags.writeable = False
        layer = noise_layer_class(0.5, rng=0, inverted=inverted)
        out = layer.forward(x, train_flg)
        dx = layer.backward(dout)
        assert out.flags.writeable
        assert dx.flags.writeable
        if train_flg:
            np.testing.assert_array_equal(out, train_map(layer, x, 0.5, inverted))
        else:
            np.testing.assert_array_equal(out, x if inverted else x * dtype(0.5))


class TestNoiseShape:
    """noise_shape: one mask value shared along the axes where it is 1 (Keras' semantics)."""

    @pytest.mark.parametrize("inverted", [False, True])
    def test_the_input_shape_is_the_default(
        self, noise_layer_class: NoiseLayerClass, inverted: bool
    ) -> None:
        """noise_shape equal to x's shape, or all None, gives exactly what None gives."""
        x = sample((4, 3, 5))
        results = []
        for noise_shape in [None, (4, 3, 5), (None, None, None)]:
            layer = noise_layer_class(0.3, rng=1, inverted=inverted, noise_shape=noise_shape)
            results.append((layer.forward(x), noise_of(layer), layer.backward(x)))
        for out, mask, dx in results[1:]:
            np.testing.assert_array_equal(out, results[0][0], strict=True)
            np.testing.assert_array_equal(mask, results[0][1], strict=True)
            np.testing.assert_array_equal(dx, results[0][2], strict=True)

    @pytest.mark.parametrize(
        ("noise_shape", "mask_shape"),
        [
            ((None, None, 1, 1), (6, 4, 1, 1)),  # spatial dropout: whole channels
            ((None, 1, None, None), (6, 1, 3, 5)),  # one mask for every channel of a sample
            ((1, 4, 1, 1), (1, 4, 1, 1)),  # one mask per channel, shared by the batch
            ((1, 1, 1, 1), (1, 1, 1, 1)),  # the whole input kept or dropped at once
        ],
    )
    @pytest.mark.parametrize("inverted", [False, True])
    def test_the_mask_is_drawn_in_the_noise_shape_and_broadcast(
        self,
        noise_layer_class: NoiseLayerClass,
        noise_shape: tuple[int | None, ...],
        mask_shape: tuple[int, ...],
        inverted: bool,
    ) -> None:
        """The noise is the stream's next draw of the noise shape; forward and backward share it."""
        x, dout = sample((6, 4, 3, 5)), sample((6, 4, 3, 5), seed=1)
        layer = noise_layer_class(0.4, rng=2, inverted=inverted, noise_shape=noise_shape)
        out = layer.forward(x)
        expected = twin_masks(noise_layer_class, 2).next(mask_shape, 0.4, inverted)
        np.testing.assert_array_equal(noise_of(layer), expected, strict=True)
        np.testing.assert_array_equal(out, train_map(layer, x, 0.4, inverted), strict=True)
        dx = layer.backward(dout)
        np.testing.assert_array_equal(dx, train_map(layer, dout, 0.4, inverted), strict=True)

    def test_a_noise_shape_that_does_not_fit_changes_nothing(
        self, noise_layer_class: NoiseLayerClass, global_rng_state: Callable[[], object]
    ) -> None:
        """Axes missing, or a length neither 1 nor x's: ValueError before anything is drawn."""
        layer = noise_layer_class(0.5, rng=3, noise_shape=(None, 1))
        layer.forward(np.ones((2, 3)))
        before, state = global_rng_state(), snapshot(layer)
        for shape in [(2, 3, 4), (6,), ()]:
            message = rf"noise_shape \(None, 1\) does not fit x of shape {re.escape(str(shape))}"
            with pytest.raises(ValueError, match=message):
                layer.forward(np.ones(shape))
        assert_unchanged(layer, state)
        assert global_rng_state() == before
        layer.noise_shape = (5, 1)
        with pytest.raises(ValueError, match="does not fit x of shape"):
            layer.forward(np.ones((2, 3)))
        assert_unchanged(layer, state)

    def test_inference_ignores_the_noise_shape(self, noise_layer_class: NoiseLayerClass) -> None:
        """Inference draws no mask, so a noise shape for other inputs is no error there."""
        layer = noise_layer_class(0.5, noise_shape=(None, 1, 1))
        np.testing.assert_array_equal(layer.forward(np.ones(4), train_flg=False), np.full(4, 0.5))

    @pytest.mark.parametrize("inverted", [False, True])
    def test_gradient_check(self, noise_layer_class: NoiseLayerClass, inverted: bool) -> None:
        """Backward agrees with central differences, the shared mask held fixed."""
        layer = noise_layer_class(0.5, rng=4, inverted=inverted, noise_shape=(None, 1, None))
        result = check_gradient(layer, sample((3, 4, 2)))
        noise = noise_of(layer)
        assert noise is not None
        assert noise.shape == (3, 1, 2)
        assert result.max_abs_error < 1e-8

    def test_whole_channels_are_kept_or_dropped(self, layer_class: LayerClass) -> None:
        """Spatial dropout: every unit of a channel has the channel's value; kept count binomial.

        Each of the N C = 20 000 channels is kept with probability q = 0.7 independently, so
        the kept count is Binomial(20 000, 0.7): within 6 sd = 6 sqrt(n q (1 - q)) of n q.
        """
        n, channels, q = 2_000, 10, 0.7
        layer = layer_class(1.0 - q, rng=5, noise_shape=(None, None, 1, 1))
        out = layer.forward(np.ones((n, channels, 3, 3)))
        per_channel = out.reshape(n, channels, 9)
        np.testing.assert_array_equal(per_channel.min(axis=2), per_channel.max(axis=2))
        kept = int(per_channel[:, :, 0].sum())
        trials = n * channels
        assert abs(kept - trials * q) <= 6.0 * np.sqrt(trials * q * (1.0 - q))


class TestRepr:
    """The repr names the arguments, and a generator by its bit generator (no address)."""

    def test_repr(self, noise_layer_class: NoiseLayerClass) -> None:
        """Ratio, rng, convention (and noise shape when set), then FastDropout's workers."""
        extra = ", workers=2" if noise_layer_class is FastDropout else ""
        name = noise_layer_class.__name__
        assert repr(noise_layer_class(0.25, inverted=True)) == (
            f"{name}(dropout_ratio=0.25, rng=None, inverted=True{extra})"
        )
        bit_generator = "PCG64DXSM" if noise_layer_class is FastDropout else "PCG64"
        assert repr(noise_layer_class(0.5, rng=3, noise_shape=(None, 1))) == (
            f"{name}(dropout_ratio=0.5, rng=Generator({bit_generator}), inverted=False, "
            f"noise_shape=(None, 1){extra})"
        )
