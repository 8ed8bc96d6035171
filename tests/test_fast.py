"""Tests of dropout_book.fast and dropout_book._blocks: what only the blocked layer does.

What FastDropout shares with Dropout (the protocol, the checks, the arithmetic) is tested once
for both in test_layer.py. The reference for the masks here is the rule the documentation
states, re-implemented in tests/conftest.py (``fast_keep``): unit k is kept when the k-th
little-endian word of the generator's raw 64-bit outputs is at least a threshold; the words are
bytes and the threshold 256 p when 256 p is a whole number, else 32-bit words and
ceil(p * 2**32). Statistical tests use a fixed seed and bounds of five binomial standard
errors, so they are exact and never flaky.
"""

from __future__ import annotations

import math
import multiprocessing
import re
import sys
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import Dropout, FastDropout, functional
from dropout_book import _blocks as blocks
from tests.conftest import fast_keep, inverted_product

FLOATS: list[type[np.floating]] = [np.float16, np.float32, np.float64, np.longdouble]
#: More than two blocks, and an odd number of units, so the last block is short and odd.
MULTI_BLOCK = 2 * blocks.MIN_BLOCK + 12_345


def sample(shape: int | tuple[int, ...], seed: int = 0) -> NDArray[np.float64]:
    """Return reproducible standard normal values of the given shape."""
    return np.random.default_rng(seed).standard_normal(shape)


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
            expected = fast_keep(twin, math.prod(shape), ratio).reshape(shape)
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
        expected = fast_keep(twin, MULTI_BLOCK, 0.5)
        np.testing.assert_array_equal(layer.mask, expected)
        assert generator.bit_generator.state == twin.state

    def test_seeds_make_pcg64dxsm_generators(self) -> None:
        """An int or NumPy integer seed gives a private PCG64DXSM generator of that seed."""
        for seed in (3, np.int64(3), np.uint8(3)):
            layer = FastDropout(rng=seed)  # type: ignore[arg-type]
            assert layer.rng is not None
            assert layer.rng.bit_generator.state == np.random.PCG64DXSM(3).state

    @pytest.mark.parametrize("shape", [(4, 5), (MULTI_BLOCK,)])
    def test_none_seeds_each_pass_from_the_global_state(
        self, shape: tuple[int, ...], global_rng_state: Callable[[], object]
    ) -> None:
        """rng=None: each pass draws from PCG64DXSM seeded with the global state's next 4 outputs.

        So np.random.seed governs FastDropout's masks as it governs Dropout's (other masks), and
        each pass advances the global Mersenne Twister by exactly four 32-bit outputs.
        """
        layer = FastDropout(0.3)
        assert layer.rng is None
        for _ in range(2):
            before = np.random.get_state()
            stream = np.random.PCG64DXSM(np.random.mtrand.get_bit_generator().random_raw(4))
            after = global_rng_state()
            np.random.set_state(before)
            layer.forward(np.ones(shape))
            np.testing.assert_array_equal(
                layer.mask, fast_keep(stream, math.prod(shape), 0.3).reshape(shape)
            )
            assert global_rng_state() == after

    def test_book_stream_is_not_reproduced(self) -> None:
        """The same seed gives other masks than Dropout: the streams differ, as documented."""
        fast, book = FastDropout(0.5, rng=7), Dropout(0.5, rng=7)
        fast.forward(np.ones(64))
        book.forward(np.ones(64))
        assert fast.mask is not None
        assert book.mask is not None
        assert not np.array_equal(fast.mask, book.mask)

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

    @pytest.mark.parametrize("workers", [1, 3])
    def test_a_large_noise_shape_follows_the_rule(self, workers: int) -> None:
        """A shared mask of many blocks is drawn by the same rule, whatever the threads."""
        layer = FastDropout(0.3, rng=6, noise_shape=(None, 1), workers=workers)
        x = sample((MULTI_BLOCK, 2))
        out = layer.forward(x)
        expected = fast_keep(np.random.PCG64DXSM(6), MULTI_BLOCK, 0.3).reshape(-1, 1)
        np.testing.assert_array_equal(layer.mask, expected, strict=True)
        np.testing.assert_array_equal(out, x * expected, strict=True)

    @pytest.mark.parametrize("size", [1000, MULTI_BLOCK])
    def test_the_generator_continues_the_same_whatever_the_workers(self, size: int) -> None:
        """After a pass, the generator's next draws (32-bit ones too) do not depend on workers.

        A 32-bit draw leaves half of a raw output buffered; a pass consumes raw outputs only,
        so that half is still there afterwards, exactly as after random_raw.
        """
        twin = np.random.default_rng(0)
        twin.integers(2**32, dtype=np.uint32)
        twin.bit_generator.random_raw(math.ceil(size / 2))  # the pass's 32-bit words
        expected = twin.integers(2**32, size=3, dtype=np.uint32)
        for workers in (1, 2, 3):
            generator = np.random.default_rng(0)
            generator.integers(2**32, dtype=np.uint32)
            FastDropout(0.3, rng=generator, workers=workers).forward(np.ones(size))
            np.testing.assert_array_equal(
                generator.integers(2**32, size=3, dtype=np.uint32), expected
            )

    @pytest.mark.parametrize("ratio", [0.3, 0.5])
    @pytest.mark.parametrize(
        "make",
        [
            lambda: np.ones(2**21, np.float32),
            lambda: np.ones((2**18, 16), np.float32)[:, ::2],
            lambda: np.ones((2**10, 2**11), np.float32).T,
        ],
        ids=["contiguous", "strided", "transposed"],
    )
    def test_memory_beyond_output_and_mask(
        self, ratio: float, make: Callable[[], NDArray[np.float32]]
    ) -> None:
        """Forward and backward allocate at most 5 bytes per unit of a block for each thread.

        Whatever the strides: a block is read through views of x, never copied (x.flat[lo:hi]
        copied 4 more bytes per unit here). Besides the output and the packed mask, each pass
        also holds a few KiB of Python objects (threads' bit generators, states), whatever the
        array's size: allowed for here as 64 KiB.
        """
        x = make()
        workers = 2
        layer = FastDropout(ratio, rng=0, workers=workers)
        layer.forward(x)  # the thread pool and its threads exist before the measurement
        block = blocks.block_size(x.nbytes, workers)
        allowed = blocks.BUFFER_BYTES * block * workers + 64 * 1024
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            out = layer.forward(x)
            forward_extra = tracemalloc.get_traced_memory()[1] - base - out.nbytes - x.size // 8
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            dx = layer.backward(x)
            backward_extra = tracemalloc.get_traced_memory()[1] - base - dx.nbytes
        finally:
            tracemalloc.stop()
        assert forward_extra <= allowed
        assert backward_extra <= allowed

    @pytest.mark.parametrize(
        "make",
        [
            lambda a: a,
            lambda a: a[:, ::2],
            lambda a: a.transpose(2, 0, 1),
            lambda a: a[::-1, 1:, ::3],
            lambda a: np.broadcast_to(a[:1], a.shape),
            lambda a: a[0, :, 1],
        ],
        ids=["contiguous", "strided", "transposed", "reversed", "broadcast", "one-axis"],
    )
    def test_pieces_are_views_covering_the_range(
        self, make: Callable[[NDArray[np.float64]], NDArray[np.float64]]
    ) -> None:
        """Every range of units is covered, in C order, by views of x: nothing is copied."""
        x = make(np.arange(5 * 6 * 7, dtype=np.float64).reshape(5, 6, 7))
        flat = np.ascontiguousarray(x).reshape(-1)
        for lo, hi in [(0, x.size), (3, 4), (5, 47), (7, 35), (41, x.size), (9, 9)]:
            pieces = list(blocks._pieces(x, lo, min(hi, x.size)))
            assert all(np.shares_memory(piece, x) for _, piece in pieces)
            assert len(pieces) <= max(1, 2 * x.ndim - 1)
            starts = [start for start, _ in pieces]
            sizes = [piece.size for _, piece in pieces]
            assert starts == list(np.cumsum([lo, *sizes])[:-1])
            joined = np.concatenate([piece.reshape(-1) for _, piece in pieces] or [flat[:0]])
            np.testing.assert_array_equal(joined, flat[lo : min(hi, x.size)])


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
    def test_backward_applies_the_forward_mask(self, inverted: bool) -> None:
        """Backward gives dout * mask (/ (1 - p) if inverted) over many blocks, repeatably."""
        layer = FastDropout(0.3, rng=31, inverted=inverted, workers=2)
        layer.forward(sample(MULTI_BLOCK))
        mask = layer.mask
        assert mask is not None
        dout = sample(MULTI_BLOCK, seed=1)
        expected = inverted_product(dout, mask, 0.3) if inverted else dout * mask
        np.testing.assert_array_equal(layer.backward(dout), expected, strict=True)
        np.testing.assert_array_equal(layer.backward(dout), layer.backward(dout))


class TestStateAndErrors:
    """Construction, the mask attribute and every error behave like Dropout's."""

    def test_workers_default_and_repr(self) -> None:
        """Two workers by default; the repr is Dropout's with the number of threads added."""
        generator = np.random.default_rng(0)
        layer = FastDropout(rng=generator)
        assert layer.workers == 2
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
        with pytest.raises((TypeError, ValueError), match=r"^rng"):
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

    def test_workers_are_checked_when_assigned(self) -> None:
        """layer.workers = 0 raises and keeps the old number; a good number is used."""
        layer = FastDropout(rng=0, workers=3)
        with pytest.raises(ValueError, match="workers must be a positive int, got 0"):
            layer.workers = 0
        assert layer.workers == 3
        layer.workers = np.int64(1)  # type: ignore[assignment]
        assert layer.workers == 1
        assert type(layer.workers) is int

    def test_unsuitable_rng_assigned_later_is_refused(self) -> None:
        """An SFC64 generator assigned to rng raises at once, and the old generator stays."""
        layer = FastDropout(0.5, rng=3)
        generator = layer.rng
        with pytest.raises(TypeError, match="PCG64 or PCG64DXSM"):
            layer.rng = np.random.Generator(np.random.SFC64(0))
        assert layer.rng is generator


class TestInputsAndOutputs:
    """Over many blocks too, inputs are never written to and outputs are new arrays."""

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
