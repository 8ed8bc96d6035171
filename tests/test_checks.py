"""Tests of dropout_book._checks: the input checks every public function relies on."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

from dropout_book._checks import (
    as_float_array,
    check_bit_generator,
    check_dropout_ratio,
    check_flag,
    check_mask,
    check_noise_shape,
    check_positive_int,
    check_positive_real,
    check_rng,
    check_same_shape,
    check_shape,
    noise_shape_for,
)

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

    @pytest.mark.parametrize(
        "value", [10**400, -(10**400), Fraction(10**400, 3), Fraction(-(10**400), 7)]
    )
    def test_beyond_float_range_raises_value_error(self, value: object) -> None:
        """Numbers too large for a float are outside [0, 1]: ValueError, not OverflowError."""
        with pytest.raises(ValueError, match=rf"^dropout_ratio must be a real number in {RANGE}"):
            check_dropout_ratio(value)

    @pytest.mark.parametrize(
        "value",
        ["0.5", None, True, False, np.True_, 0.5j, [0.5], np.timedelta64(1, "s")],
    )
    def test_non_real_raises_type_error(self, value: object) -> None:
        """Strings, None, booleans, complex, lists and time deltas raise TypeError naming them."""
        with pytest.raises(
            TypeError, match=rf"^dropout_ratio must .*{RANGE}.*{re.escape(repr(value))}"
        ):
            check_dropout_ratio(value)

    def test_name_is_the_callers(self) -> None:
        """The message names the argument the caller passes on."""
        with pytest.raises(ValueError, match=r"^p must be a real number"):
            check_dropout_ratio(2.0, "p")


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
        "rng",
        [
            True,
            False,
            "1",
            1.5,
            np.float64(1.0),
            np.random.RandomState(0),
            [1],
            np.timedelta64(3, "s"),
        ],
    )
    def test_wrong_type_raises_type_error(self, rng: object) -> None:
        """Booleans, strings, floats, RandomState, lists, time deltas: TypeError naming the type."""
        with pytest.raises(TypeError, match=rf"^rng must.*{re.escape(type(rng).__name__)}"):
            check_rng(rng)

    @pytest.mark.parametrize("rng", [-1, np.int64(-5)])
    def test_negative_seed_raises_value_error(self, rng: int) -> None:
        """A negative seed raises ValueError naming the seed."""
        with pytest.raises(ValueError, match=rf"non-negative.*{re.escape(repr(rng))}"):
            check_rng(rng)


class TestCheckBitGenerator:
    """check_bit_generator keeps None, seeds PCG64DXSM, and accepts jumpable generators only."""

    def test_none_stays_none(self) -> None:
        """None is passed through: the caller seeds from the global state."""
        assert check_bit_generator(None) is None

    @pytest.mark.parametrize("seed", [0, 7, np.uint8(7)])
    def test_seed_gives_pcg64dxsm(self, seed: int) -> None:
        """An int seed gives a Generator on PCG64DXSM(seed)."""
        generator = check_bit_generator(seed)
        assert generator is not None
        assert generator.bit_generator.state == np.random.PCG64DXSM(int(seed)).state

    @pytest.mark.parametrize("make", [np.random.PCG64, np.random.PCG64DXSM])
    def test_jumpable_generator_is_used_as_is(self, make: type[np.random.BitGenerator]) -> None:
        """A Generator on PCG64 or PCG64DXSM is returned itself."""
        generator = np.random.Generator(make(1))
        assert check_bit_generator(generator) is generator

    @pytest.mark.parametrize("make", [np.random.SFC64, np.random.Philox, np.random.MT19937])
    def test_other_bit_generators_are_refused(self, make: type[np.random.BitGenerator]) -> None:
        """Generators that cannot jump ahead raise TypeError naming their bit generator."""
        with pytest.raises(TypeError, match=rf"PCG64DXSM.*got a Generator on {make.__name__}"):
            check_bit_generator(np.random.Generator(make(0)))

    @pytest.mark.parametrize(("rng", "error"), [(-1, ValueError), (True, TypeError)])
    def test_bad_seeds_are_refused(self, rng: object, error: type[Exception]) -> None:
        """Seeds are checked as check_rng checks them."""
        with pytest.raises(error, match="rng"):
            check_bit_generator(rng)


class TestScalars:
    """Flags, counts and step sizes: the type and range each argument accepts."""

    @pytest.mark.parametrize("value", [True, False, np.True_, np.False_])
    def test_flags(self, value: bool) -> None:
        """True and False, NumPy's included, come back as Python bools."""
        result = check_flag(value, "inverted")
        assert type(result) is bool
        assert result == bool(value)

    @pytest.mark.parametrize("value", ["False", "no", 0, 1, None, 0.0])
    def test_anything_else_is_not_a_flag(self, value: object) -> None:
        """A truthy string or a number is refused, naming the argument and the value."""
        with pytest.raises(TypeError, match=rf"^inverted must be True or False, got {value!r}"):
            check_flag(value, "inverted")

    @pytest.mark.parametrize(("value", "expected"), [(1, 1), (np.int64(3), 3), (2**40, 2**40)])
    def test_positive_int(self, value: int, expected: int) -> None:
        """Positive ints come back as Python ints."""
        assert check_positive_int(value, "workers") == expected

    @pytest.mark.parametrize(
        ("value", "error"),
        [(0, ValueError), (-2, ValueError), (True, TypeError), (2.0, TypeError), ("2", TypeError)],
    )
    def test_not_a_positive_int(self, value: object, error: type[Exception]) -> None:
        """Zero and negatives raise ValueError; other types (bool included) TypeError."""
        with pytest.raises(error, match=rf"^workers must be a positive int, got {value!r}"):
            check_positive_int(value, "workers")

    @pytest.mark.parametrize("value", [1e-6, 1, np.float32(0.5), Fraction(1, 3)])
    def test_positive_real(self, value: object) -> None:
        """Positive finite reals come back as floats."""
        assert check_positive_real(value, "eps") == float(value)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("value", "error"),
        [
            (0.0, ValueError),
            (-1e-6, ValueError),
            (float("inf"), ValueError),
            (float("nan"), ValueError),
            (10**400, ValueError),
            (True, TypeError),
            ("1e-6", TypeError),
        ],
    )
    def test_not_a_positive_real(self, value: object, error: type[Exception]) -> None:
        """Zero, negatives, infinities, NaN and huge ints raise ValueError; others TypeError."""
        with pytest.raises(error, match=r"^eps must be a positive finite number"):
            check_positive_real(value, "eps")


class TestShapes:
    """check_shape, check_noise_shape and noise_shape_for: shapes and shared axes."""

    @pytest.mark.parametrize(
        ("shape", "expected"),
        [(3, (3,)), (np.int64(3), (3,)), ((), ()), ((2, 0), (2, 0)), ([4, 5], (4, 5))],
    )
    def test_shapes(self, shape: object, expected: tuple[int, ...]) -> None:
        """An int is one dimension; a sequence of ints (NumPy's too) is a shape."""
        assert check_shape(shape) == expected
        assert check_shape(np.array(expected, dtype=np.int64)) == expected

    @pytest.mark.parametrize(
        "shape", [True, 2.5, "3", b"3", (2, 2.0), (True,), None, np.array(3), (np.timedelta64(2),)]
    )
    def test_not_shapes(self, shape: object) -> None:
        """Booleans, floats, strings, None and 0-d arrays raise TypeError naming the shape."""
        with pytest.raises(TypeError, match=r"^shape must be a non-negative int or a sequence"):
            check_shape(shape)

    @pytest.mark.parametrize("shape", [-1, (2, -3)])
    def test_negative_dimensions(self, shape: object) -> None:
        """Negative dimensions raise ValueError naming the shape."""
        with pytest.raises(
            ValueError, match=rf"^shape must not have negative.*{re.escape(str(shape))}"
        ):
            check_shape(shape)

    @pytest.mark.parametrize(
        ("noise_shape", "expected"),
        [(None, None), ((None, 1), (None, 1)), ([2, np.int64(1)], (2, 1)), ((), ())],
    )
    def test_noise_shapes(self, noise_shape: object, expected: object) -> None:
        """None, or a sequence of ints and None, is a noise shape."""
        assert check_noise_shape(noise_shape) == expected

    @pytest.mark.parametrize("noise_shape", [3, "3", (2.0,), (True,), (None, "1")])
    def test_not_noise_shapes(self, noise_shape: object) -> None:
        """A bare int, a string, floats or booleans raise TypeError naming noise_shape."""
        with pytest.raises(TypeError, match=r"^noise_shape must be None or a sequence"):
            check_noise_shape(noise_shape)

    def test_negative_noise_shape(self) -> None:
        """A negative entry raises ValueError."""
        with pytest.raises(ValueError, match=r"^noise_shape must not have negative entries"):
            check_noise_shape((1, -1))

    @pytest.mark.parametrize(
        ("noise_shape", "shape", "expected"),
        [
            (None, (2, 3), (2, 3)),
            ((None, 1), (2, 3), (2, 1)),
            ((1, 1), (2, 3), (1, 1)),
            ((2, 3), (2, 3), (2, 3)),
            ((None, 1, None), (0, 5, 4), (0, 1, 4)),
            ((), (), ()),
        ],
    )
    def test_noise_shape_for_an_input(
        self,
        noise_shape: tuple[int | None, ...] | None,
        shape: tuple[int, ...],
        expected: tuple[int, ...],
    ) -> None:
        """None takes x's length; 1 shares the mask along the axis; None as a whole is x's shape."""
        assert noise_shape_for(noise_shape, shape) == expected

    @pytest.mark.parametrize(
        ("noise_shape", "shape"),
        [((2,), (2, 3)), ((1, 1, 1), (2, 3)), ((2, 2), (2, 3)), ((3, 1), (2, 3)), ((1,), ())],
    )
    def test_noise_shape_that_does_not_fit(
        self, noise_shape: tuple[int | None, ...], shape: tuple[int, ...]
    ) -> None:
        """Too few or too many axes, or a length neither 1 nor x's: ValueError naming both."""
        message = rf"^noise_shape {re.escape(str(noise_shape))} does not fit x of shape "
        with pytest.raises(ValueError, match=message + re.escape(str(shape))):
            noise_shape_for(noise_shape, shape)


class TestCheckMask:
    """check_mask accepts boolean masks of the input's shape, or 1 along shared axes."""

    @pytest.mark.parametrize("mask_shape", [(2, 3), (1, 3), (2, 1), (1, 1)])
    def test_fitting_masks(self, mask_shape: tuple[int, ...]) -> None:
        """The input's shape, or 1 along any axis, passes; the array comes back."""
        mask = np.ones(mask_shape, dtype=bool)
        assert check_mask(mask, (2, 3)) is mask

    def test_lists_and_dtype_only(self) -> None:
        """A list of bools becomes an array; without a shape only the dtype is checked."""
        np.testing.assert_array_equal(check_mask([True, False]), [True, False])

    @pytest.mark.parametrize("mask_shape", [(3,), (1, 2, 3), (3, 3), (2, 2)])
    def test_masks_that_do_not_fit(self, mask_shape: tuple[int, ...]) -> None:
        """Fewer or more axes, or another length than 1 or the input's: ValueError."""
        message = rf"^mask has shape {re.escape(str(mask_shape))} but dout has shape \(2, 3\)"
        with pytest.raises(ValueError, match=message):
            check_mask(np.ones(mask_shape, dtype=bool), (2, 3), "dout")

    @pytest.mark.parametrize("mask", [np.ones(3, dtype=np.int64), [1, 0, 1], np.ones(3)])
    def test_non_boolean_masks(self, mask: object) -> None:
        """Masks of numbers are refused, naming the dtype: 0/1 or ratios are likely mistakes."""
        with pytest.raises(TypeError, match=r"^mask must be a boolean array, got dtype"):
            check_mask(mask, (3,))


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

    @pytest.mark.parametrize("name", ["x", "dout"])
    def test_masked_array_is_refused(self, name: str) -> None:
        """A masked array raises TypeError naming the argument: asarray would drop its mask."""
        x = np.ma.masked_array([1.0, np.nan], mask=[False, True])
        with pytest.raises(TypeError, match=rf"^{name} is a numpy.ma.MaskedArray.*filled"):
            as_float_array(x, name)

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
            np.array([1, 2], dtype="timedelta64[s]"),
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
