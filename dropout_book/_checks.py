"""Input checks shared by the functional core and the layer.

Every check runs before any state changes or any random number is drawn, so that bad input
raises a clear error and leaves the caller's arrays, the layer and the generators as they were.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["as_float_array", "check_dropout_ratio", "check_rng", "check_same_shape"]

FloatArray = NDArray[np.floating]


def check_dropout_ratio(dropout_ratio: object) -> float:
    """Return ``dropout_ratio`` as a float after checking it is a real number in [0, 1].

    Parameters
    ----------
    dropout_ratio : object
        The probability of *dropping* a unit, as in the book.

    Returns
    -------
    float
        The same probability as a Python float.

    Raises
    ------
    TypeError
        If it is not a real number (strings, ``None`` and booleans included).
    ValueError
        If it is NaN, infinite or outside [0, 1].

    Examples
    --------
    >>> check_dropout_ratio(0.5)
    0.5
    >>> check_dropout_ratio(1.5)
    Traceback (most recent call last):
    ...
    ValueError: dropout_ratio must be a real number in [0, 1], got 1.5
    """
    # bool is a numbers.Real (True == 1), but a flag passed by mistake is never a probability.
    if isinstance(dropout_ratio, bool | np.bool_) or not isinstance(dropout_ratio, numbers.Real):
        raise TypeError(
            f"dropout_ratio must be a real number in [0, 1], got {dropout_ratio!r} "
            f"of type {type(dropout_ratio).__name__}"
        )
    value = float(dropout_ratio)
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"dropout_ratio must be a real number in [0, 1], got {dropout_ratio!r}")
    return value


def check_rng(rng: object) -> np.random.Generator | None:
    """Turn the ``rng`` argument into a generator, or ``None`` for NumPy's global state.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        ``None`` draws from the global legacy state (``np.random.rand``), like the book.
        A non-negative ``int`` seeds a new ``numpy.random.default_rng``. A ``Generator`` is
        used as it is (and advanced by each draw).

    Returns
    -------
    numpy.random.Generator or None

    Raises
    ------
    TypeError
        If ``rng`` is of any other type (booleans and ``RandomState`` included).
    ValueError
        If ``rng`` is a negative integer.
    """
    if rng is None or isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, bool | np.bool_) or not isinstance(rng, numbers.Integral):
        raise TypeError(
            "rng must be None, a non-negative int seed or a numpy.random.Generator, "
            f"got {rng!r} of type {type(rng).__name__}"
        )
    if rng < 0:
        raise ValueError(f"rng seed must be a non-negative int, got {rng!r}")
    return np.random.default_rng(int(rng))


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
        ``x`` itself if it is already a floating array, else a new float64 array.

    Raises
    ------
    TypeError
        For complex input (dropout's gradient is defined here for real values only) and for any
        non-numeric dtype.
    """
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


def check_same_shape(dout: NDArray[np.generic], shape: tuple[int, ...]) -> None:
    """Raise ``ValueError`` unless ``dout`` has exactly the shape of the forward input.

    Broadcasting would silently give a gradient of the wrong shape, so it is refused.
    """
    if dout.shape != shape:
        raise ValueError(
            f"dout has shape {dout.shape} but the last forward input had shape {shape}; "
            "backward needs the upstream gradient of exactly the forward output's shape"
        )
