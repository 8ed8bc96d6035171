"""Tests of dropout_book._checks: the input checks every public function relies on."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

from dropout_book._checks import as_float_array, check_dropout_ratio, check_rng, check_same_shape

RANGE = re.escape("[0, 1]")


class TestCheckDropoutRatio:
    """check_dropout_ratio accepts real numbers in [0, 1] and names anything else."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (0, 0.0),
            (1, 1.0),
            (0.0, 0.0),
            (0.5, 0.5),
            (1.0, 1.0),
            (np.float32(0.25), 0.25),
            (np.float64(0.75), 0.75),
            (np.int64(1), 1.0),
            (Fraction(1, 4), 0.25),
        ],
    )
    def test_valid_ratio_is_returned_as_python_float(self, value: object, expected: float) -> None:
        """A real number in [0, 1] comes back as the Python float of the same value."""
        result = check_dropout_ratio(value)
        assert type(result) is float
        assert result == expected

    @pytest.mark.parametrize(
        "value", [-0.1, 1.5, float("nan"), float("inf"), float("-inf"), -1, 2, np.float64(1.0001)]
    )
    def test_out_of_range_or_not_finite_raises_value_error(self, value: object) -> None:
        """NaN, infinities and values outside [0, 1] raise ValueError naming value and range."""
        with pytest.raises(ValueError, match=rf"{RANGE}.*{re.escape(repr(value))}"):
            check_dropout_ratio(value)

    @pytest.mark.parametrize("value", ["0.5", None, True, False, np.True_, 0.5j, [0.5]])
    def test_non_real_raises_type_error(self, value: object) -> None:
        """Strings, None, booleans, complex numbers and lists raise TypeError naming the value."""
        with pytest.raises(TypeError, match=rf"{RANGE}.*{re.escape(repr(value))}"):
            check_dropout_ratio(value)


class TestCheckRng:
    """check_rng turns None, a seed or a Generator into the source of the masks."""

    def test_none_means_global_state(self) -> None:
        """None is passed through: the caller then draws from NumPy's global state."""
        assert check_rng(None) is None

    def test_generator_is_used_as_is(self) -> None:
        """A Generator is returned itself, not a copy, so draws advance the caller's generator."""
        generator = np.random.default_rng(3)
        assert check_rng(generator) is generator

    @pytest.mark.parametrize("seed", [0, 1, 42, np.int64(7), 2**40])
    def test_int_seed_gives_default_rng_of_that_seed(self, seed: int) -> None:
        """A non-negative int seeds a fresh default_rng, so its draws equal default_rng(seed)'s."""
        generator = check_rng(seed)
        assert isinstance(generator, np.random.Generator)
        np.testing.assert_array_equal(
            generator.random(10), np.random.default_rng(int(seed)).random(10)
        )

    @pytest.mark.parametrize(
        "rng", [True, False, "1", 1.5, np.float64(1.0), np.random.RandomState(0), [1]]
    )
    def test_wrong_type_raises_type_error(self, rng: object) -> None:
        """Booleans, strings, floats, RandomState and lists raise TypeError naming the type."""
        with pytest.raises(TypeError, match=rf"Generator.*{re.escape(type(rng).__name__)}"):
            check_rng(rng)

    @pytest.mark.parametrize("rng", [-1, np.int64(-5)])
    def test_negative_seed_raises_value_error(self, rng: int) -> None:
        """A negative seed raises ValueError naming the seed."""
        with pytest.raises(ValueError, match=rf"non-negative.*{re.escape(repr(rng))}"):
            check_rng(rng)


class TestAsFloatArray:
    """as_float_array keeps floating dtypes, widens bools and ints, refuses the rest."""

    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
    def test_floating_array_is_returned_without_copy(self, dtype: type[np.floating]) -> None:
        """A floating array is returned itself, with its dtype: no copy, no conversion."""
        x = np.arange(6, dtype=dtype).reshape(2, 3)
        assert as_float_array(x, "x") is x

    @pytest.mark.parametrize(
        "x", [np.array([True, False]), np.array([1, -2], dtype=np.int8), np.array([3], np.uint64)]
    )
    def test_bool_and_int_become_float64(self, x: np.ndarray) -> None:
        """Booleans and (un)signed integers become a new float64 array of the same values."""
        result = as_float_array(x, "x")
        assert result.dtype == np.float64
        np.testing.assert_array_equal(result, x.astype(np.float64))
        assert not np.shares_memory(result, x)

    def test_list_and_scalar_become_arrays(self) -> None:
        """A nested list and a Python scalar become arrays of the matching shape."""
        np.testing.assert_array_equal(
            as_float_array([[1, 2], [3, 4]], "x"), [[1.0, 2.0], [3.0, 4.0]]
        )
        scalar = as_float_array(2.5, "x")
        assert scalar.shape == ()
        assert scalar == 2.5

    @pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
    def test_complex_raises_type_error(self, dtype: type[np.complexfloating]) -> None:
        """Complex input raises TypeError that names the argument and says complex."""
        with pytest.raises(TypeError, match=r"^dout has complex dtype complex"):
            as_float_array(np.ones(2, dtype=dtype), "dout")

    @pytest.mark.parametrize(
        "x",
        [
            np.array(["a", "b"]),
            np.array([b"a"]),
            np.array([1.0, None], dtype=object),
            np.array(["2016-09-28"], dtype="datetime64[D]"),
        ],
    )
    def test_non_numeric_raises_type_error_naming_dtype(self, x: np.ndarray) -> None:
        """Strings, bytes, objects and dates raise TypeError naming the argument and dtype."""
        with pytest.raises(
            TypeError, match=rf"^x must hold real numbers.*{re.escape(str(x.dtype))}"
        ):
            as_float_array(x, "x")


class TestCheckSameShape:
    """check_same_shape refuses any shape but the forward input's, broadcastable or not."""

    @pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 0, 4)])
    def test_equal_shapes_pass(self, shape: tuple[int, ...]) -> None:
        """An upstream gradient of exactly the forward shape passes silently."""
        check_same_shape(np.zeros(shape), shape)

    @pytest.mark.parametrize(
        ("dout_shape", "shape"),
        [((1, 3), (3,)), ((3,), (2, 3)), ((1,), ()), ((), (1,)), ((3, 2), (2, 3)), ((4,), (3,))],
    )
    def test_other_shapes_raise_value_error_naming_both(
        self, dout_shape: tuple[int, ...], shape: tuple[int, ...]
    ) -> None:
        """A different shape, even one NumPy would broadcast, raises ValueError naming both."""
        message = rf"dout has shape {re.escape(str(dout_shape))}.*had shape {re.escape(str(shape))}"
        with pytest.raises(ValueError, match=message):
            check_same_shape(np.zeros(dout_shape), shape)
