"""Tests against the book's layer: where Dropout reproduces it bit for bit, and BookDropout is it.

The reference below is written here from the book's description of its layer
(『ゼロから作るDeep Learning』, ``common/layers.py``), not imported: while training the mask is
``np.random.rand(*x.shape) > dropout_ratio`` and the output ``x * mask``; at inference the
output is ``x * (1.0 - dropout_ratio)``; backward returns ``dout * mask``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

import dropout_book.reference
from dropout_book import BookDropout, Dropout
from dropout_book.book import BookDropout as BookModuleDropout

SEEDS = [0, 1, 42, 2016]
SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (100, 10)]
RATIOS = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
# Each call is (train_flg, shape); the layer's inputs come from a separate generator.
CALLS = [(True, (4, 5)), (True, (4, 5)), (False, (4, 5)), (True, (7,)), (True, ()), (False, (3,))]


class BookFromDescription:
    """The book's layer, written from its description: the reference of these tests."""

    def __init__(self, dropout_ratio: float) -> None:
        self.dropout_ratio = dropout_ratio
        self.mask: NDArray[np.bool_] | None = None

    def forward(self, x: NDArray[np.float64], train_flg: bool = True) -> NDArray[np.float64]:
        """Return x * mask for a fresh global-state mask, or x * (1 - ratio) at inference."""
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return dout * mask, whatever the last forward pass was."""
        assert self.mask is not None
        return dout * self.mask


def inputs(shape: tuple[int, ...], seed: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return x and dout of the given shape from a private generator (global state untouched)."""
    generator = np.random.default_rng(seed + 1000)
    return generator.standard_normal(shape), generator.standard_normal(shape)


def assert_identical(actual: object, expected: object) -> None:
    """Assert equal shape, dtype and bytes; scalars count as 0-d arrays (the book's 0-d case)."""
    actual_array, expected_array = np.asarray(actual), np.asarray(expected)
    assert actual_array.shape == expected_array.shape
    assert actual_array.dtype == expected_array.dtype
    assert actual_array.tobytes() == expected_array.tobytes()


class TestDropoutReproducesTheBook:
    """Dropout() with its defaults gives the book's numbers under np.random.seed."""

    @pytest.mark.parametrize("seed", SEEDS)
    @pytest.mark.parametrize("shape", SHAPES)
    @pytest.mark.parametrize("ratio", RATIOS)
    def test_one_training_step(self, seed: int, shape: tuple[int, ...], ratio: float) -> None:
        """Output, mask and backward of one training step equal the reference's, bit for bit."""
        x, dout = inputs(shape, seed)
        book = BookFromDescription(ratio)
        np.random.seed(seed)
        expected_out = book.forward(x)
        expected_dx = book.backward(dout)
        ours = Dropout(ratio)
        np.random.seed(seed)
        out = ours.forward(x)
        assert ours.mask is not None
        assert book.mask is not None
        assert_identical(ours.mask, book.mask)
        assert_identical(out, expected_out)
        assert_identical(ours.backward(dout), expected_dx)

    @pytest.mark.parametrize("seed", SEEDS)
    @pytest.mark.parametrize("ratio", [0.2, 0.5, 0.8])
    def test_a_sequence_of_calls(self, seed: int, ratio: float) -> None:
        """Over train/inference calls of several shapes, every output and mask is the book's."""
        book, ours = BookFromDescription(ratio), Dropout(ratio)
        np.random.seed(seed)
        for step, (train_flg, shape) in enumerate(CALLS):
            x, dout = inputs(shape, seed + step)
            # Both layers draw from the same point of the global stream at every step.
            state = np.random.get_state()
            expected = book.forward(x, train_flg)
            np.random.set_state(state)
            out = ours.forward(x, train_flg)
            assert_identical(out, expected)
            if train_flg:
                assert ours.mask is not None
                assert book.mask is not None
                assert_identical(ours.mask, book.mask)
                assert_identical(ours.backward(dout), book.backward(dout))

    @pytest.mark.parametrize("seed", SEEDS)
    @pytest.mark.parametrize("index", [0, 3, 7])
    def test_ties_follow_the_books_strict_comparison(self, seed: int, index: int) -> None:
        """A ratio equal to a draw drops that unit and one just below keeps it, as u > p does."""
        # Masks of the same law (u >= p, 1 - u < 1 - p) differ from the book's only here.
        np.random.seed(seed)
        uniform = np.random.rand(8)
        for ratio, kept in ((uniform[index], False), (np.nextafter(uniform[index], 0.0), True)):
            book, ours = BookFromDescription(float(ratio)), Dropout(float(ratio))
            np.random.seed(seed)
            book.forward(np.ones(8))
            np.random.seed(seed)
            ours.forward(np.ones(8))
            assert ours.mask is not None
            assert bool(ours.mask[index]) is kept
            assert_identical(ours.mask, book.mask)

    @pytest.mark.parametrize("seed", SEEDS)
    def test_global_state_advances_as_the_books(self, seed: int) -> None:
        """After the same calls the global state is where the book leaves it: same draws used."""
        finals = []
        for layer in (BookFromDescription(0.5), Dropout(0.5)):
            np.random.seed(seed)
            for step, (train_flg, shape) in enumerate(CALLS):
                layer.forward(inputs(shape, step)[0], train_flg)
            finals.append(np.random.get_state(legacy=False))
        np.testing.assert_array_equal(finals[0]["state"]["key"], finals[1]["state"]["key"])
        assert finals[0]["state"]["pos"] == finals[1]["state"]["pos"]

    @pytest.mark.parametrize("ratio", RATIOS)
    def test_inference_is_the_books_scaling(self, ratio: float) -> None:
        """Inference output is x * (1.0 - dropout_ratio), bit for bit."""
        x, _ = inputs((6, 7), 0)
        assert_identical(
            Dropout(ratio).forward(x, False), BookFromDescription(ratio).forward(x, False)
        )

    def test_integer_input_gives_the_books_values_as_float64(self) -> None:
        """For integer x the values are the book's; the dtype is float64 where the book's is int."""
        x = np.arange(-6, 6).reshape(3, 4)
        np.random.seed(5)
        expected = x * (np.random.rand(*x.shape) > 0.5)
        np.random.seed(5)
        out = Dropout(0.5).forward(x)
        assert expected.dtype.kind == "i"
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, expected)


class TestWhereBitForBitHolds:
    """The boundary that dropout_book.book and the documentation state, pinned down.

    Bit for bit: floating x and a Python float or int ratio, both modes; training for any real
    ratio. Outside: integer x (float64 output), NumPy scalar ratios at inference.
    """

    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
    @pytest.mark.parametrize("ratio", [0, 1, 0.1, 0.3, 0.5, 0.75])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_floating_x_and_python_ratio(
        self, dtype: type[np.floating], ratio: float, train_flg: bool
    ) -> None:
        """Output, dtype, mask and training gradient equal the book's, signs of zeros included."""
        x, dout = (array.astype(dtype) for array in inputs((40, 5), 3))
        book, ours = BookFromDescription(ratio), Dropout(ratio)
        np.random.seed(9)
        expected = book.forward(x, train_flg)
        np.random.seed(9)
        out = ours.forward(x, train_flg)
        np.testing.assert_array_equal(out, expected, strict=True)
        np.testing.assert_array_equal(np.signbit(out), np.signbit(expected))
        if train_flg:
            np.testing.assert_array_equal(ours.mask, book.mask, strict=True)
            np.testing.assert_array_equal(ours.backward(dout), book.backward(dout), strict=True)

    @pytest.mark.parametrize("ratio", [np.float32(0.1), np.float64(0.3), np.float16(0.25)])
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_training_with_a_numpy_ratio(
        self, ratio: np.floating, dtype: type[np.floating]
    ) -> None:
        """While training, a NumPy scalar ratio gives the book's mask, output and gradient."""
        x, dout = (array.astype(dtype) for array in inputs((30, 4), 4))
        book, ours = BookFromDescription(ratio), Dropout(ratio)  # type: ignore[arg-type]
        np.random.seed(2)
        expected = book.forward(x)
        np.random.seed(2)
        out = ours.forward(x)
        assert_identical(out, expected)
        assert_identical(ours.backward(dout), book.backward(dout))

    def test_integers_beyond_2_to_the_53(self) -> None:
        """Integer x: float64 output, so 2**53 + 1 becomes 2**53 where the book keeps it."""
        x = np.array([2**53 + 1, 3])
        np.random.seed(0)
        book = BookDropout(0.0).forward(x)
        out = Dropout(0.0).forward(x)
        assert book.dtype == np.int64
        assert int(book[0]) == 2**53 + 1
        assert out.dtype == np.float64
        assert out[0] == 2.0**53
        np.testing.assert_array_equal(out[1:], book[1:])

    def test_float32_ratio_at_inference(self) -> None:
        """np.float32(0.1): the book scales by float32's 1 - p, Dropout by 1 - float(p)."""
        x = np.ones(2)
        book = BookDropout(np.float32(0.1)).forward(x, train_flg=False)  # type: ignore[arg-type]
        out = Dropout(np.float32(0.1)).forward(x, train_flg=False)  # type: ignore[arg-type]
        assert book[0] == float(np.float32(0.9))
        assert out[0] == 1.0 - float(np.float32(0.1))
        assert round(float(book[0]), 8) == 0.89999998
        assert round(float(out[0]), 8) == 0.9

    def test_float64_ratio_with_float32_x_at_inference(self) -> None:
        """An np.float64 ratio makes the book's float32 output float64; Dropout keeps float32."""
        x = np.ones(2, dtype=np.float32)
        book = BookDropout(np.float64(0.5)).forward(x, train_flg=False)
        out = Dropout(np.float64(0.5)).forward(x, train_flg=False)
        assert book.dtype == np.float64
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, book)


class TestBookDropout:
    """dropout_book.reference.BookDropout is the book's layer, flaws included."""

    @pytest.mark.parametrize("seed", SEEDS)
    @pytest.mark.parametrize("shape", SHAPES)
    @pytest.mark.parametrize("ratio", [0.0, 0.3, 0.5, 1.0])
    def test_matches_the_reference(self, seed: int, shape: tuple[int, ...], ratio: float) -> None:
        """Forward, mask and backward equal the reference's, bit for bit, in both modes."""
        x, dout = inputs(shape, seed)
        book, reference = BookDropout(ratio), BookFromDescription(ratio)
        for train_flg in (True, False, True):
            np.random.seed(seed)
            out = book.forward(x, train_flg)
            np.random.seed(seed)
            assert_identical(out, reference.forward(x, train_flg))
            assert_identical(book.mask, reference.mask)
            assert_identical(book.backward(dout), reference.backward(dout))

    def test_integer_input_stays_integer(self) -> None:
        """The book's layer returns integers when training and floats at inference."""
        x = np.arange(4)
        book = BookDropout(0.5)
        assert book.forward(x).dtype == x.dtype
        assert book.forward(x, train_flg=False).dtype == np.float64

    @pytest.mark.parametrize("inverted", [False, True])
    def test_stale_mask_after_inference(self, inverted: bool) -> None:
        """After train then inference, the book's backward reuses the old mask; ours does not."""
        x, dout = inputs((50,), 3)
        book, ours = BookDropout(0.5), Dropout(0.5, inverted=inverted)
        np.random.seed(0)
        book.forward(x)
        np.random.seed(0)
        ours.forward(x)
        stale_mask = book.mask.copy()
        book.forward(x, train_flg=False)
        ours.forward(x, train_flg=False)
        stale = book.backward(dout)
        correct = ours.backward(dout)
        # The book multiplies by the training mask although inference dropped nothing.
        np.testing.assert_array_equal(stale, dout * stale_mask)
        # The inference forward map is x -> (1 - p) x (classic) or x -> x (inverted).
        np.testing.assert_array_equal(correct, dout if inverted else dout * 0.5)
        dropped = ~stale_mask
        assert dropped.any()
        assert np.all(stale[dropped] == 0.0)
        assert np.all(correct[dropped] != 0.0)

    def test_the_old_module_name_still_works(self) -> None:
        """dropout_book.reference.BookDropout is dropout_book.book.BookDropout."""
        assert dropout_book.reference.BookDropout is BookModuleDropout is BookDropout

    def test_backward_before_forward(self, global_rng_state: Callable[[], object]) -> None:
        """Before any forward the book multiplies by None; ours asks for forward first."""
        before = global_rng_state()
        with pytest.raises(TypeError, match="NoneType"):
            BookDropout().backward(np.ones(3))
        with pytest.raises(RuntimeError, match="forward"):
            Dropout().backward(np.ones(3))
        assert global_rng_state() == before
