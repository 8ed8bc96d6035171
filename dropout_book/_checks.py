"""The package's boundary: every check and conversion of a caller's argument, and nothing else.

Every public function and every assignable attribute calls these before it changes any state or
draws any random number, so that bad input raises a clear error naming the argument and leaves
the caller's arrays, the layer and the generators as they were. After a value has crossed this
boundary, nothing converts or checks it again.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import TypeGuard

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FloatArray",
    "as_float_array",
    "check_affine",
    "check_bit_generator",
    "check_dropout_ratio",
    "check_flag",
    "check_gaussian_ratio",
    "check_mask",
    "check_matrix",
    "check_noise_shape",
    "check_positive_int",
    "check_positive_real",
    "check_rng",
    "check_same_shape",
    "check_shape",
    "noise_shape_for",
]

#: An array of any floating dtype: what :func:`as_float_array` returns.
FloatArray = NDArray[np.floating]

# timedelta64 is a subclass of numpy.signedinteger, hence a numbers.Integral; bool is an int.
# Neither is ever a count, a seed or a probability.
_NOT_NUMBERS = (bool, np.bool_, np.timedelta64)


def _is_int(value: object) -> TypeGuard[numbers.Integral]:
    return isinstance(value, numbers.Integral) and not isinstance(value, _NOT_NUMBERS)


def check_dropout_ratio(dropout_ratio: object, name: str = "dropout_ratio") -> float:
    """Return ``dropout_ratio`` as a float after checking it is a real number in [0, 1].

    Parameters
    ----------
    dropout_ratio : object
        The probability of *dropping* a unit, as in the book.
    name : str, default "dropout_ratio"
        The argument's name, used in error messages.

    Returns
    -------
    float
        The same probability as a Python float.

    Raises
    ------
    TypeError
        If it is not a real number (strings, ``None``, booleans and time deltas included).
    ValueError
        If it is NaN, infinite or outside [0, 1] (however large).

    Examples
    --------
    >>> check_dropout_ratio(0.5)
    0.5
    >>> check_dropout_ratio(1.5)
    Traceback (most recent call last):
    ...
    ValueError: dropout_ratio must be a real number in [0, 1], got 1.5
    """
    if isinstance(dropout_ratio, _NOT_NUMBERS) or not isinstance(dropout_ratio, numbers.Real):
        raise TypeError(
            f"{name} must be a real number in [0, 1], got {dropout_ratio!r} "
            f"of type {type(dropout_ratio).__name__}"
        )
    try:
        value = float(dropout_ratio)
    except OverflowError:
        # An int or a Fraction beyond float's range is outside [0, 1] too.
        value = math.nan
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a real number in [0, 1], got {dropout_ratio!r}")
    return value


def check_gaussian_ratio(dropout_ratio: float, inverted: bool) -> None:
    """Refuse a ratio of 1 for inverted Gaussian dropout, whose noise variance is p / (1 - p).

    Raises
    ------
    ValueError
        If ``inverted`` and ``dropout_ratio`` is 1.
    """
    if inverted and dropout_ratio == 1.0:
        raise ValueError(
            "dropout_ratio must be below 1 for inverted Gaussian dropout: its noise has variance "
            "dropout_ratio / (1 - dropout_ratio), infinite at 1 (the classic convention allows 1)"
        )


def check_affine(
    x_shape: tuple[int, ...], w_shape: tuple[int, ...], b_shape: tuple[int, ...]
) -> None:
    """Check that ``x @ W + b`` is defined: x of shape (N, D), W (D, M), b (M,).

    Raises
    ------
    ValueError
        Naming the shapes that do not fit.
    """
    if len(x_shape) != 2 or x_shape[1] != w_shape[0]:
        raise ValueError(
            f"x has shape {x_shape} but W has shape {w_shape}: x must have shape (N, {w_shape[0]})"
        )
    if b_shape != (w_shape[1],):
        raise ValueError(
            f"b has shape {b_shape} but W has shape {w_shape}: b must have shape ({w_shape[1]},)"
        )


def check_matrix(value: object, name: str, ndim: int) -> FloatArray:
    """Return ``value`` as a floating array of ``ndim`` axes (a weight matrix or bias vector).

    Floating arrays are returned as they are (not copied), so that an optimiser updating them
    in place updates the layer that holds them.

    Raises
    ------
    TypeError
        As :func:`as_float_array`.
    ValueError
        If it does not have ``ndim`` axes.
    """
    array = as_float_array(value, name)  # type: ignore[arg-type]
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes, got shape {array.shape}")
    return array


def check_flag(value: object, name: str) -> bool:
    """Return ``value`` as a bool if it is ``True`` or ``False`` (NumPy's included).

    Raises
    ------
    TypeError
        For anything else: a truthy string such as ``"False"`` is a mistake, not a flag.
    """
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_positive_int(value: object, name: str) -> int:
    """Return ``value`` as an int if it is a positive integer (booleans refused).

    Raises
    ------
    TypeError
        If it is not an integer.
    ValueError
        If it is zero or negative.
    """
    if not _is_int(value):
        raise TypeError(f"{name} must be a positive int, got {value!r}")
    if int(value) < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def check_positive_real(value: object, name: str) -> float:
    """Return ``value`` as a float if it is a positive finite real number (booleans refused).

    Raises
    ------
    TypeError
        If it is not a real number.
    ValueError
        If it is not positive and finite.
    """
    if isinstance(value, _NOT_NUMBERS) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive finite number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not (math.isfinite(number) and number > 0.0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number


def check_rng(rng: object) -> np.random.Generator | None:
    """Turn the ``rng`` argument into a generator, or ``None`` for NumPy's global state.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        ``None`` draws from the global legacy state (``np.random.rand``), like the book.
        A non-negative ``int`` seeds a new ``numpy.random.default_rng``, once. A ``Generator``
        is used as it is (and advanced by each draw).

    Returns
    -------
    numpy.random.Generator or None

    Raises
    ------
    TypeError
        If ``rng`` is of any other type (booleans, time deltas and ``RandomState`` included).
    ValueError
        If ``rng`` is a negative integer.
    """
    if rng is None or isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(_check_seed(rng))


def _check_seed(rng: object) -> int:
    if not _is_int(rng):
        raise TypeError(
            "rng must be None, a non-negative int seed or a numpy.random.Generator, "
            f"got {rng!r} of type {type(rng).__name__}"
        )
    seed = int(rng)
    if seed < 0:
        raise ValueError(f"rng seed must be a non-negative int, got {rng!r}")
    return seed


#: The bit generators whose streams can jump ahead (``advance``), as FastDropout's threads need.
JUMPABLE = (np.random.PCG64, np.random.PCG64DXSM)


def check_bit_generator(rng: object) -> np.random.Generator | None:
    """Turn ``rng`` into ``None`` or a generator on a bit generator that can jump ahead.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        ``None`` stays ``None`` (the caller seeds from NumPy's global state). An ``int`` seeds a
        new generator on NumPy's PCG64DXSM, once. A ``Generator`` on a PCG64 or PCG64DXSM bit
        generator is used as it is.

    Raises
    ------
    TypeError
        If ``rng`` is of another type, or a generator on another bit generator.
    ValueError
        If ``rng`` is a negative integer.
    """
    if rng is None:
        return None
    if not isinstance(rng, np.random.Generator):
        # PCG64DXSM is NumPy's successor to PCG64 (default_rng's): as able to jump ahead, and
        # faster.
        return np.random.Generator(np.random.PCG64DXSM(_check_seed(rng)))
    if type(rng.bit_generator) not in JUMPABLE:
        raise TypeError(
            "rng must be None, an int seed or a numpy.random.Generator on a PCG64 or PCG64DXSM "
            "bit generator (streams that can jump ahead, so that threads draw disjoint parts of "
            f"one stream), got a Generator on {type(rng.bit_generator).__name__}"
        )
    return rng


def as_float_array(x: ArrayLike, name: str) -> FloatArray:
    """Return ``x`` as an array of a floating dtype, without copying floating input.

    Floating arrays (float16, float32, float64, longdouble) are returned as they are, so that
    their dtype is kept. Booleans and integers become float64, in training and inference alike:
    dropout scales values, and scaling integers would otherwise truncate or change type between
    the two modes (the book's layer returns integers when training and floats at inference).

    Parameters
    ----------
    x : array_like
        The input.
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    ndarray
        ``x`` itself if it is already a floating ndarray, else a new float64 array.

    Raises
    ------
    TypeError
        For a masked array (``np.asarray`` would silently drop its mask), for complex input
        (dropout's gradient is defined here for real values only) and for any non-numeric dtype.
    """
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a numpy.ma.MaskedArray; dropout_book would lose its mask: pass "
            f"{name}.filled(value) to choose what the masked entries hold"
        )
    array = np.asarray(x)
    kind = array.dtype.kind
    if kind == "f":
        return array
    if kind in "biu":
        return array.astype(np.float64)
    if kind == "c":
        raise TypeError(
            f"{name} has complex dtype {array.dtype}; dropout_book supports real input only "
            "(apply the layer to the real and imaginary parts separately if you need to)"
        )
    raise TypeError(f"{name} must hold real numbers, got an array of dtype {array.dtype}")


def _entries(value: object, what: str) -> tuple[object, ...]:
    """Return the entries of a shape-like ``value``, or raise TypeError saying ``what`` it is."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"{what}, got {value!r}")
    try:
        return tuple(value)
    except TypeError:  # a 0-d array is Iterable, but cannot be iterated
        raise TypeError(f"{what}, got {value!r}") from None


def check_shape(shape: object, name: str = "shape") -> tuple[int, ...]:
    """Return ``shape`` as a tuple of non-negative ints: an int means one dimension.

    Raises
    ------
    TypeError
        If it is not an int or a sequence of ints (booleans, floats and strings refused).
    ValueError
        If a dimension is negative.
    """
    what = f"{name} must be a non-negative int or a sequence of them"
    dims = (shape,) if _is_int(shape) else _entries(shape, what)
    checked = tuple(int(d) if _is_int(d) else None for d in dims)
    if None in checked:
        raise TypeError(f"{what}, got {shape!r}")
    if any(d is not None and d < 0 for d in checked):
        raise ValueError(f"{name} must not have negative dimensions, got {shape!r}")
    return tuple(d for d in checked if d is not None)


def check_noise_shape(noise_shape: object) -> tuple[int | None, ...] | None:
    """Return ``noise_shape`` as a tuple of non-negative ints and ``None`` entries, or ``None``.

    Checks what can be checked without ``x``; :func:`noise_shape_for` checks it against ``x``.

    Raises
    ------
    TypeError
        If it is not ``None`` or a sequence of ints and ``None`` (booleans refused).
    ValueError
        If an entry is negative.
    """
    if noise_shape is None:
        return None
    what = "noise_shape must be None or a sequence with one int or None per axis of x"
    entries = _entries(noise_shape, what)
    if not all(entry is None or _is_int(entry) for entry in entries):
        raise TypeError(f"{what}, got {noise_shape!r}")
    checked = tuple(int(entry) if _is_int(entry) else None for entry in entries)
    if any(entry is not None and entry < 0 for entry in checked):
        raise ValueError(f"noise_shape must not have negative entries, got {noise_shape!r}")
    return checked


def noise_shape_for(
    noise_shape: tuple[int | None, ...] | None, shape: tuple[int, ...]
) -> tuple[int, ...]:
    """Return the mask's shape for an input of ``shape``: ``noise_shape`` made concrete.

    ``None`` means ``shape`` itself. Otherwise ``noise_shape`` has one entry per axis of the
    input (as in Keras): ``None`` takes the input's length, and every other entry must be the
    input's length or 1 (the mask is then shared along that axis).

    Raises
    ------
    ValueError
        If ``noise_shape`` does not broadcast to ``shape`` in this way.

    Examples
    --------
    >>> noise_shape_for((None, 1, 1), (8, 3, 4))
    (8, 1, 1)
    """
    if noise_shape is None:
        return shape
    if len(noise_shape) != len(shape):
        raise _does_not_fit(noise_shape, shape)
    concrete = tuple(
        n if entry is None else entry for entry, n in zip(noise_shape, shape, strict=True)
    )
    if any(entry not in (n, 1) for entry, n in zip(concrete, shape, strict=True)):
        raise _does_not_fit(noise_shape, shape)
    return concrete


def _does_not_fit(noise_shape: tuple[int | None, ...], shape: tuple[int, ...]) -> ValueError:
    return ValueError(
        f"noise_shape {noise_shape} does not fit x of shape {shape}: it needs one entry per "
        "axis of x, each None, 1 (one mask value shared along that axis) or x's length"
    )


def check_mask(
    mask: object, shape: tuple[int, ...] | None = None, name: str = "the input"
) -> NDArray[np.bool_]:
    """Return ``mask`` as a boolean array whose shape is ``shape`` or broadcasts to it.

    The mask may be shared along axes (a length of 1 where ``shape`` has another length, as
    :func:`noise_shape_for` makes), but it has exactly one axis per axis of ``shape``: NumPy's
    broadcasting of fewer axes, or of a mask larger than the input, would hide a mistake.
    ``shape`` ``None`` checks the dtype only; ``name`` names what has ``shape``.

    Raises
    ------
    TypeError
        If ``mask`` is not a boolean array.
    ValueError
        If its shape does not fit ``shape``.
    """
    array = np.asarray(mask)
    if array.dtype != np.bool_:
        raise TypeError(f"mask must be a boolean array, got dtype {array.dtype}")
    if shape is None:
        return array
    if array.ndim != len(shape) or any(
        m not in (n, 1) for m, n in zip(array.shape, shape, strict=True)
    ):
        raise ValueError(
            f"mask has shape {array.shape} but {name} has shape {shape}; a mask has the input's "
            "shape, or 1 along the axes where it is shared"
        )
    return array


def check_same_shape(dout: NDArray[np.generic], shape: tuple[int, ...]) -> None:
    """Raise ``ValueError`` unless ``dout`` has exactly the shape of the forward input.

    Broadcasting would silently give a gradient of the wrong shape, so it is refused.
    """
    if dout.shape != shape:
        raise ValueError(
            f"dout has shape {dout.shape} but the last forward input had shape {shape}; "
            "backward needs the upstream gradient of exactly the forward output's shape"
        )
