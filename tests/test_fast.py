"""Tests of dropout_book.fast and dropout_book._blocks: the blocked, multi-threaded layer.

The reference for the masks is the rule the documentation states, re-implemented here from its
words: unit k is kept when the k-th little-endian word of the generator's raw 64-bit outputs is
at least a threshold; the words are bytes and the threshold 256 p when 256 p is a whole number,
else 32-bit words and ceil(p * 2**32). Statistical tests use a fixed seed and bounds of five
binomial standard errors, so they are exact and never flaky.
"""

from __future__ import annotations

import math
import multiprocessing
import re
import sys
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import Dropout, FastDropout, check_gradient, functional
from dropout_book import _blocks as blocks

FLOATS: list[type[np.floating]] = [np.float16, np.float32, np.float64, np.longdouble]
BAD_RATIOS: list[object] = [-0.1, 1.5, float("nan"), "0.5", None, True]
#: More than two blocks, and an odd number of units, so the last block is short and odd.
MULTI_BLOCK = 2 * blocks.MIN_BLOCK + 12_345


def sample(shape: int | tuple[int, ...], seed: int = 0) -> NDArray[np.float64]:
    """Return reproducible standard normal values of the given shape."""
    return np.random.default_rng(seed).standard_normal(shape)


def reference_keep(
    bit_generator: np.random.PCG64 | np.random.PCG64DXSM, size: int, ratio: float
) -> NDArray[np.bool_]:
    """Draw the documented keep-mask of ``size`` units from ``bit_generator``, in one go."""
    if (256 * ratio).is_integer():
        raw = bit_generator.random_raw(math.ceil(size / 8))
        words = raw.astype("<u8").view("<u1")[:size].astype(np.int64)
        return np.asarray(words >= 256 * ratio)
    raw = bit_generator.random_raw(math.ceil(size / 2))
    words = raw.astype("<u8").view("<u4")[:size].astype(np.int64)
    return np.asarray(words >= math.ceil(ratio * 2**32))


def binomial_bound(trials: int, probability: float) -> float:
    """Five standard deviations of a binomial count."""
    return 5.0 * math.sqrt(trials * probability * (1.0 - probability))


def assert_same_values(actual: NDArray[np.floating], expected: NDArray[np.floating]) -> None:
    """Assert equal values, NaNs at the same places, and the same signs (-0.0 included)."""
    np.testing.assert_array_equal(actual, expected)
    np.testing.assert_array_equal(np.signbit(actual), np.signbit(expected))


def generator_state(layer: FastDropout) -> dict[str, object]:
    """Return the layer's bit generator state."""
    assert layer.rng is not None
    return dict(layer.rng.bit_generator.state)


class TestStream:
    """Masks follow the documented rule, and every pass continues the same stream."""

    @pytest.mark.parametrize("ratio", [0.0, 0.3, 0.5, 0.75, 0.9, 1.0 - 2.0**-33, 1.0])
    def test_masks_follow_the_documented_rule(self, ratio: float) -> None:
        """Successive masks are successive 32-bit words >= ceil(p 2^32), shapes and sizes mixed."""
        layer = FastDropout(ratio, rng=123)
        twin = np.random.PCG64DXSM(123)
        for shape in [(4,), (3, 5), (), (7, 1, 3), (0,), (MULTI_BLOCK,), (1,)]:
            x = sample(shape)
            out = layer.forward(x)
            expected = reference_keep(twin, math.prod(shape), ratio).reshape(shape)
            np.testing.assert_array_equal(layer.mask, expected)
            np.testing.assert_array_equal(out, x * expected)
            assert generator_state(layer) == twin.state

    def test_generator_is_used_and_advanced(self) -> None:
        """A default_rng Generator (PCG64) is the layer's rng, advanced ceil(n / 2) per pass."""
        generator = np.random.default_rng(5)
        layer = FastDropout(0.5, rng=generator)
        assert layer.rng is generator
        layer.forward(np.ones(MULTI_BLOCK))
        twin = np.random.PCG64(5)
        expected = reference_keep(twin, MULTI_BLOCK, 0.5)
        np.testing.assert_array_equal(layer.mask, expected)
        assert generator.bit_generator.state == twin.state

    def test_seeds_make_pcg64dxsm_generators(self) -> None:
        """An int or NumPy integer seed gives a private PCG64DXSM generator of that seed."""
        for seed in (3, np.int64(3), np.uint8(3)):
            layer = FastDropout(rng=seed)  # type: ignore[arg-type]
            assert layer.rng is not None
            assert layer.rng.bit_generator.state == np.random.PCG64DXSM(3).state
        assert isinstance(FastDropout().rng, np.random.Generator)

    def test_global_state_is_never_used(self, global_rng_state: Callable[[], object]) -> None:
        """rng=None seeds a private generator from fresh entropy; np.random.seed plays no part."""
        before = global_rng_state()
        first, second = FastDropout(), FastDropout()
        assert isinstance(first.rng, np.random.Generator)
        first.forward(np.ones(200))
        second.forward(np.ones(200))
        assert first.mask is not None
        assert second.mask is not None
        assert not np.array_equal(first.mask, second.mask)
        assert global_rng_state() == before

    def test_book_stream_is_not_reproduced(self) -> None:
        """The same seed gives other masks than Dropout: the streams differ, as documented."""
        fast, book = FastDropout(0.5, rng=7), Dropout(0.5, rng=7)
        fast.forward(np.ones(64))
        book.forward(np.ones(64))
        assert fast.mask is not None
        assert book.mask is not None
        assert not np.array_equal(fast.mask, book.mask)

    @pytest.mark.parametrize("inverted", [False, True])
    def test_inference_and_backward_draw_nothing(self, inverted: bool) -> None:
        """Inference forward and every backward leave the generator where it was."""
        layer = FastDropout(0.5, rng=1, inverted=inverted)
        layer.forward(np.ones(MULTI_BLOCK))
        state = generator_state(layer)
        layer.backward(np.ones(MULTI_BLOCK))
        layer.forward(np.ones(3), train_flg=False)
        layer.backward(np.ones(3))
        assert generator_state(layer) == state

    @pytest.mark.parametrize(
        ("ratio", "rule"),
        [
            (0.0, (8, 0)),
            (1 / 256, (8, 1)),
            (0.25, (8, 64)),
            (0.5, (8, 128)),
            (1.0, (8, 256)),
            (2.0**-32, (32, 1)),
            (0.3, (32, 1_288_490_189)),
            (0.5 + 2.0**-40, (32, 2**31 + 1)),
            (1.0 - 2.0**-33, (32, 2**32)),
        ],
    )
    def test_keep_rule(self, ratio: float, rule: tuple[int, int]) -> None:
        """Bytes and 256 p when that is whole, else 32-bit words and ceil(p 2^32)."""
        assert blocks.keep_rule(ratio) == rule


class TestThreadsAndBlocks:
    """The result depends on the seed alone: not on threads, block size or input layout."""

    @pytest.mark.parametrize("ratio", [0.4, 0.75])
    @pytest.mark.parametrize("inverted", [False, True])
    def test_workers_do_not_change_anything(self, ratio: float, inverted: bool) -> None:
        """1, 2, 3 and 8 threads give the same outputs, masks, gradients and generator state."""
        x, dout = sample((MULTI_BLOCK,)), sample((MULTI_BLOCK,), seed=1)
        results = []
        for workers in (1, 2, 3, 8):
            layer = FastDropout(ratio, rng=11, inverted=inverted, workers=workers)
            outs = [layer.forward(x) for _ in range(2)]
            results.append((outs, layer.mask, layer.backward(dout), generator_state(layer)))
        for outs, mask, dx, state in results[1:]:
            np.testing.assert_array_equal(outs, results[0][0])
            np.testing.assert_array_equal(mask, results[0][1])
            np.testing.assert_array_equal(dx, results[0][2])
            assert state == results[0][3]

    @pytest.mark.parametrize("workers", [1, 3])
    @pytest.mark.parametrize("ratio", [0.3, 0.5, 1.0 - 2.0**-33, 1.0])
    def test_block_size_does_not_change_anything(self, workers: int, ratio: float) -> None:
        """Blocks of 8, 40 and 4096 units and the default give the same output and mask."""
        x = sample((101, 33))
        results = []
        for block in (8, 40, 4096, blocks.MIN_BLOCK, None):
            generator = np.random.PCG64(3)
            out, packed = blocks.forward(
                x, generator, ratio, inverted=True, workers=workers, block=block
            )
            dx = blocks.backward(x, packed, ratio, inverted=True, workers=workers, block=block)
            results.append((out, packed, dx, generator.state))
        for out, packed, dx, state in results[1:]:
            np.testing.assert_array_equal(out, results[0][0])
            np.testing.assert_array_equal(packed, results[0][1])
            np.testing.assert_array_equal(dx, results[0][2])
            assert state == results[0][3]

    @pytest.mark.parametrize(
        "make",
        [
            lambda base: base.T,
            lambda base: base[::2, 1::3],
            np.asfortranarray,
            lambda base: np.broadcast_to(base[0], base.shape),
        ],
        ids=["transposed", "strided", "fortran", "broadcast"],
    )
    @pytest.mark.parametrize("workers", [1, 2])
    def test_non_contiguous_inputs(
        self, make: Callable[[NDArray[np.float64]], NDArray[np.float64]], workers: int
    ) -> None:
        """Views and Fortran arrays give exactly what their contiguous copies give."""
        x, dout = make(sample((60, 90))), make(sample((60, 90), seed=1))
        contiguous, twin = np.random.PCG64(4), np.random.PCG64(4)
        kwargs = {"inverted": False, "workers": workers, "block": 64}
        out, packed = blocks.forward(x, contiguous, 0.3, **kwargs)  # type: ignore[arg-type]
        expected, expected_packed = blocks.forward(
            np.ascontiguousarray(x),
            twin,
            0.3,
            **kwargs,  # type: ignore[arg-type]
        )
        np.testing.assert_array_equal(out, expected)
        np.testing.assert_array_equal(packed, expected_packed)
        np.testing.assert_array_equal(
            blocks.backward(dout, packed, 0.3, **kwargs),  # type: ignore[arg-type]
            blocks.backward(np.ascontiguousarray(dout), packed, 0.3, **kwargs),  # type: ignore[arg-type]
        )


def kept_in_a_fresh_layer() -> int:
    """Run a multi-block forward pass in a new layer and count the units kept (for a child)."""
    layer = FastDropout(0.5, rng=1)
    layer.forward(np.ones(MULTI_BLOCK))
    assert layer.mask is not None
    return int(np.count_nonzero(layer.mask))


@pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")
def test_forked_child_gets_its_own_threads() -> None:
    """After the parent has used its threads, a forked child still runs (and does not hang)."""
    FastDropout(0.5, rng=0).forward(np.ones(MULTI_BLOCK))
    expected = kept_in_a_fresh_layer()
    context = multiprocessing.get_context("fork")
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a process that has threads may deadlock: the hook
        # under test is what prevents it for dropout_book's own threads.
        warnings.simplefilter("ignore", DeprecationWarning)
        with context.Pool(1) as pool:
            assert pool.apply_async(kept_in_a_fresh_layer).get(timeout=60) == expected


class TestAgreesWithTheFunctionalCore:
    """Given its own mask, the fast layer computes exactly what Dropout's functions compute."""

    @pytest.mark.parametrize("dtype", FLOATS)
    @pytest.mark.parametrize("ratio", [0.0, 0.2, 0.5, 0.9, 1.0])
    @pytest.mark.parametrize("inverted", [False, True])
    def test_forward_and_backward_bit_for_bit(
        self, dtype: type[np.floating], ratio: float, inverted: bool
    ) -> None:
        """Output and gradient equal forward_train and backward_train with layer.mask, bits too."""
        layer = FastDropout(ratio, rng=2, inverted=inverted)
        x = sample((3, 70_001)).astype(dtype)
        dout = sample((3, 70_001), seed=1).astype(dtype)
        x[0, :3] = [np.inf, -np.inf, np.nan]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = layer.forward(x)
            mask = layer.mask
            assert mask is not None
            expected = functional.forward_train(x, mask, ratio, inverted=inverted)
        assert out.dtype == expected.dtype == dtype
        assert_same_values(out, expected)
        dx = layer.backward(dout)
        expected_dx = functional.backward_train(dout, mask, ratio, inverted=inverted)
        assert dx.dtype == dtype
        assert_same_values(dx, expected_dx)

    def test_non_native_byte_order(self) -> None:
        """Big- or little-endian input gives native output, equal to the functional core's."""
        layer = FastDropout(0.3, rng=3, inverted=True)
        x = sample(MULTI_BLOCK).astype(np.dtype(np.float64).newbyteorder())
        out = layer.forward(x)
        assert layer.mask is not None
        expected = functional.forward_train(x, layer.mask, 0.3, inverted=True)
        assert out.dtype == expected.dtype == np.float64
        assert out.dtype.isnative
        assert_same_values(out, expected)

    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("ratio", [0.0, 0.5, 1.0])
    def test_inference_is_dropouts(self, inverted: bool, ratio: float) -> None:
        """Inference forward and its backward are exactly Dropout's."""
        fast, book = FastDropout(ratio, inverted=inverted), Dropout(ratio, inverted=inverted)
        x, dout = sample((4, 5)).astype(np.float32), sample((4, 5), seed=1).astype(np.float32)
        out = fast.forward(x, train_flg=False)
        np.testing.assert_array_equal(out, book.forward(x, train_flg=False))
        assert fast.mask is None
        assert fast.train_flg is False
        np.testing.assert_array_equal(fast.backward(dout), book.backward(dout))

    @pytest.mark.parametrize("x", [np.array([[1, -2], [3, 4]], dtype=np.int16), [[True, False]]])
    def test_integers_and_bools_become_float64(self, x: object) -> None:
        """Integers, booleans and lists are computed in float64, as Dropout does."""
        layer = FastDropout(0.5, rng=0)
        out = layer.forward(x)  # type: ignore[arg-type]
        assert out.dtype == np.float64
        assert layer.mask is not None
        np.testing.assert_array_equal(out, np.asarray(x, dtype=np.float64) * layer.mask)
        assert layer.backward(np.asarray(x)).dtype == np.float64


class TestStatistics:
    """Each unit is kept with probability 1 - p, independently: checked with fixed seeds."""

    @pytest.mark.parametrize("ratio", [0.1, 0.25, 0.5, 0.8])
    @pytest.mark.parametrize("workers", [1, 2])
    def test_kept_count_is_binomial(self, ratio: float, workers: int) -> None:
        """Over 10^6 units the kept count is within 5 binomial standard errors of n(1 - p)."""
        size, keep = 1_000_000, 1.0 - ratio
        layer = FastDropout(ratio, rng=20, workers=workers)
        layer.forward(np.ones(size, dtype=np.float32))
        assert layer.mask is not None
        kept = int(np.count_nonzero(layer.mask))
        assert abs(kept - size * keep) <= binomial_bound(size, keep)

    @pytest.mark.parametrize("keep", [0.7, 0.75])
    def test_neighbours_in_a_raw_output_are_independent(self, keep: float) -> None:
        """Units 2j and 2j+1 share a raw output, yet both are kept in about q^2 of the pairs."""
        size = 1_000_000
        layer = FastDropout(1.0 - keep, rng=21)
        layer.forward(np.ones(size))
        assert layer.mask is not None
        pairs = layer.mask.reshape(-1, 2)
        both = int(np.count_nonzero(pairs[:, 0] & pairs[:, 1]))
        assert abs(both - size // 2 * keep**2) <= binomial_bound(size // 2, keep**2)

    def test_blocks_and_passes_draw_fresh_masks(self) -> None:
        """Two blocks, or two passes, agree on about q^2 + p^2 of their units, not all."""
        keep, size = 0.5, blocks.MIN_BLOCK
        layer = FastDropout(1.0 - keep, rng=22)
        layer.forward(np.ones(2 * size))
        first = layer.mask
        layer.forward(np.ones(2 * size))
        second = layer.mask
        assert first is not None
        assert second is not None
        agree = keep**2 + (1.0 - keep) ** 2
        for a, b in [(first[:size], first[size:]), (first, second)]:
            same = int(np.count_nonzero(a == b))
            assert abs(same - a.size * agree) <= binomial_bound(a.size, agree)

    @pytest.mark.parametrize("ratio", [0.25, 0.6])
    def test_inverted_output_is_unbiased(self, ratio: float) -> None:
        """Inverted training output of ones has mean 1 within 5 standard errors."""
        size, keep = 1_000_000, 1.0 - ratio
        out = FastDropout(ratio, rng=23, inverted=True).forward(np.ones(size))
        # Each output is 1/q with probability q and 0 otherwise: variance (1 - q) / q.
        assert abs(out.mean() - 1.0) <= 5.0 * math.sqrt((1.0 - keep) / keep / size)

    @pytest.mark.parametrize("ratio", [0.0, 1.0])
    def test_edge_ratios_are_exact(self, ratio: float) -> None:
        """A ratio of 0 keeps every unit and a ratio of 1 drops every unit, over many blocks."""
        layer = FastDropout(ratio, rng=24)
        layer.forward(np.ones(MULTI_BLOCK))
        assert layer.mask is not None
        assert int(np.count_nonzero(layer.mask)) == (MULTI_BLOCK if ratio == 0.0 else 0)


class TestGradient:
    """backward is the gradient of forward with the mask held fixed."""

    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_numerical_gradient_agrees(self, inverted: bool, train_flg: bool) -> None:
        """Central differences agree with backward to 1e-8, training and inference."""
        layer = FastDropout(0.4, rng=30, inverted=inverted)
        result = check_gradient(layer, sample((4, 6)), train_flg=train_flg)
        assert result.max_abs_error < 1e-8

    @pytest.mark.parametrize("inverted", [False, True])
    def test_backward_applies_the_forward_mask(self, inverted: bool) -> None:
        """Backward gives dout * mask (/ (1 - p) if inverted) over many blocks, repeatably."""
        layer = FastDropout(0.3, rng=31, inverted=inverted, workers=2)
        layer.forward(sample(MULTI_BLOCK))
        mask = layer.mask
        assert mask is not None
        dout = sample(MULTI_BLOCK, seed=1)
        expected = dout * mask / 0.7 if inverted else dout * mask
        np.testing.assert_allclose(layer.backward(dout), expected, rtol=1e-15)
        np.testing.assert_array_equal(layer.backward(dout), layer.backward(dout))

    def test_a_mask_set_by_hand_is_used(self) -> None:
        """Assigning layer.mask replaces the mask that backward applies."""
        layer = FastDropout(0.5, rng=32)
        layer.forward(np.ones((2, 3)))
        layer.mask = np.array([[True, False, True], [False, False, True]])
        np.testing.assert_array_equal(
            layer.backward(np.full((2, 3), 2.0)), [[2.0, 0.0, 2.0], [0.0, 0.0, 2.0]]
        )


class TestStateAndErrors:
    """Construction, the mask attribute and every error behave like Dropout's."""

    def test_defaults_and_repr(self) -> None:
        """Defaults are ratio 0.5, classic scaling, two workers, no mask; the repr says so."""
        generator = np.random.default_rng(0)
        layer = FastDropout(rng=generator)
        assert (layer.dropout_ratio, layer.inverted, layer.workers) == (0.5, False, 2)
        assert layer.mask is None
        assert layer.train_flg is None
        # Dropout's repr, under the subclass's name, with the number of threads added.
        base = repr(Dropout(rng=generator))
        assert repr(layer) == f"Fast{base[:-1]}, workers=2)"
        assert repr(FastDropout(0.25, rng=1, inverted=True, workers=3)).endswith(
            "dropout_ratio=0.25, rng=Generator(PCG64DXSM), inverted=True, workers=3)"
        )

    def test_mask_is_a_new_bool_array_on_each_access(self) -> None:
        """The mask unpacks to a bool array of x's shape; writing to it changes nothing."""
        layer = FastDropout(0.5, rng=1)
        layer.forward(np.ones((3, 4)))
        mask = layer.mask
        assert mask is not None
        assert mask.dtype == np.bool_
        assert mask.shape == (3, 4)
        assert layer.mask is not mask
        kept = mask.copy()
        mask[...] = ~mask
        np.testing.assert_array_equal(layer.mask, kept)

    @pytest.mark.parametrize("ratio", BAD_RATIOS)
    def test_bad_ratio(self, ratio: object) -> None:
        """A bad ratio raises TypeError or ValueError naming it, as Dropout does."""
        with pytest.raises((TypeError, ValueError), match=re.escape(repr(ratio))):
            FastDropout(ratio)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "rng",
        [
            True,
            -1,
            1.5,
            np.random.RandomState(0),
            np.random.Generator(np.random.SFC64(0)),
            np.random.Generator(np.random.Philox(0)),
            np.random.Generator(np.random.MT19937(0)),
        ],
    )
    def test_bad_rng(self, rng: object) -> None:
        """Seeds and generators Dropout refuses, and generators that cannot jump, are refused."""
        with pytest.raises((TypeError, ValueError)):
            FastDropout(0.5, rng=rng)  # type: ignore[arg-type]

    @pytest.mark.parametrize(("workers", "error"), [(0, ValueError), (-2, ValueError)])
    def test_bad_workers_value(self, workers: int, error: type[Exception]) -> None:
        """Zero or negative workers raise ValueError naming the value."""
        with pytest.raises(error, match=rf"workers must be a positive int, got {workers}"):
            FastDropout(workers=workers)

    @pytest.mark.parametrize("workers", [True, 2.0, "2", None])
    def test_bad_workers_type(self, workers: object) -> None:
        """Workers that are not ints (booleans included) raise TypeError naming the value."""
        with pytest.raises(TypeError, match=re.escape(f"got {workers!r}")):
            FastDropout(workers=workers)  # type: ignore[arg-type]

    def test_unsuitable_rng_assigned_later_changes_nothing(self) -> None:
        """An rng replaced by an SFC64 generator raises at forward, before any change."""
        layer = FastDropout(0.5, rng=3)
        layer.forward(np.ones(4))
        mask = layer.mask
        layer.rng = np.random.Generator(np.random.SFC64(0))
        with pytest.raises(TypeError, match="PCG64 or PCG64DXSM"):
            layer.forward(np.ones(5))
        np.testing.assert_array_equal(layer.mask, mask)

    def test_backward_before_forward(self) -> None:
        """Backward before any forward raises RuntimeError asking for forward first."""
        with pytest.raises(RuntimeError, match=re.escape("call forward(x) first")):
            FastDropout(rng=0).backward(np.ones(3))

    def test_backward_before_forward_with_a_mask_set_by_hand(self) -> None:
        """Even with a mask assigned, backward before any forward asks for forward first."""
        layer = FastDropout(rng=0)
        layer.mask = np.ones(3, dtype=bool)
        with pytest.raises(RuntimeError, match=re.escape("call forward(x) first")):
            layer.backward(np.ones(3))

    @pytest.mark.parametrize("train_flg", [True, False])
    def test_dout_of_another_shape(self, train_flg: bool) -> None:
        """A dout of another shape raises ValueError naming both shapes; state is kept."""
        layer = FastDropout(0.5, rng=0)
        layer.forward(np.ones((2, 3)), train_flg)
        with pytest.raises(ValueError, match=r"dout has shape \(3, 2\).*had shape \(2, 3\)"):
            layer.backward(np.ones((3, 2)))
        assert layer.backward(np.ones((2, 3))).shape == (2, 3)

    def test_mask_of_another_shape_set_by_hand(self) -> None:
        """A hand-set mask whose shape differs from dout's raises ValueError naming both."""
        layer = FastDropout(0.5, rng=0)
        layer.forward(np.ones(6))
        layer.mask = np.ones((2, 3), dtype=bool)
        with pytest.raises(ValueError, match=r"mask has shape \(2, 3\) but dout has shape \(6,\)"):
            layer.backward(np.ones(6))

    def test_mask_must_be_boolean(self) -> None:
        """Assigning a non-boolean mask raises TypeError naming its dtype."""
        layer = FastDropout(0.5, rng=0)
        with pytest.raises(TypeError, match="mask must be a boolean array, got dtype int64"):
            layer.mask = np.ones(3, dtype=np.int64)

    @pytest.mark.parametrize("x", [np.array([1 + 2j]), np.array(["a"]), np.array([None])])
    def test_refused_input_changes_nothing(self, x: NDArray[np.generic]) -> None:
        """Complex, string and object x raise TypeError; mask and generator stay as they were."""
        layer = FastDropout(0.5, rng=4)
        layer.forward(np.ones(10))
        mask, state = layer.mask, generator_state(layer)
        for train_flg in (True, False):
            with pytest.raises(TypeError):
                layer.forward(x, train_flg)
        np.testing.assert_array_equal(layer.mask, mask)
        assert generator_state(layer) == state
        assert layer.train_flg is True

    def test_bad_train_flg(self) -> None:
        """A train_flg other than a bool raises TypeError naming it."""
        with pytest.raises(TypeError, match="train_flg must be True or False, got 1"):
            FastDropout(rng=0).forward(np.ones(3), 1)  # type: ignore[arg-type]


class TestInputsAndOutputs:
    """Inputs are never written to; outputs are new arrays of the input's shape."""

    @pytest.mark.parametrize("shape", [(), (0,), (2, 0, 4), (1,), (3, 5)])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_shapes_including_zero_d_and_empty(
        self, shape: tuple[int, ...], train_flg: bool
    ) -> None:
        """0-d, empty and small inputs give ndarrays of their shape, forward and backward."""
        layer = FastDropout(0.5, rng=1, inverted=True)
        out = layer.forward(np.full(shape, 3.0), train_flg)
        dx = layer.backward(np.full(shape, 2.0))
        assert type(out) is np.ndarray
        assert type(dx) is np.ndarray
        assert out.shape == dx.shape == shape
        if train_flg:
            assert layer.mask is not None
            assert layer.mask.shape == shape
            np.testing.assert_array_equal(out, 6.0 * layer.mask)

    @pytest.mark.parametrize("ratio", [0.0, 0.5, 1.0])
    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("size", [10, MULTI_BLOCK])
    def test_inputs_are_untouched(self, ratio: float, inverted: bool, size: int) -> None:
        """Read-only x and dout keep their values; outputs are new and writable."""
        x, dout = sample(size).astype(np.float32), sample(size, seed=1).astype(np.float32)
        x_copy, dout_copy = x.copy(), dout.copy()
        x.flags.writeable = False
        dout.flags.writeable = False
        layer = FastDropout(ratio, rng=0, inverted=inverted)
        out = layer.forward(x)
        dx = layer.backward(dout)
        assert out.flags.writeable
        assert dx.flags.writeable
        assert not np.shares_memory(out, x)
        assert not np.shares_memory(dx, dout)
        np.testing.assert_array_equal(x, x_copy)
        np.testing.assert_array_equal(dout, dout_copy)
