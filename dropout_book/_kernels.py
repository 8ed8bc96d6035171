"""Unchecked arithmetic shared by every path: draw and apply a keep-mask or noise, and scale.

The functional API, the layers and FastDropout's blocks all compute through these functions, so
that every path gives the same bits. Callers have checked and converted every argument (see
:mod:`dropout_book._checks`); nothing here checks anything.

The inverted arithmetic is PyTorch's, bit for bit: the scale ``1 / (1 - p)`` is computed in
float64 and rounded to ``x``'s dtype, then ``out = x * keep * scale``. The product ``x * keep``
is exact (``x`` or zero), so every output is rounded once. The book's (classic) arithmetic is
the book's, bit for bit: ``x * keep`` while training and ``x * (1 - p)`` at inference.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["apply_mask", "apply_noise", "draw_mask", "gaussian_noise", "scale_for_inference"]


def draw_mask(
    shape: tuple[int, ...], dropout_ratio: float, generator: np.random.Generator | None
) -> NDArray[np.bool_]:
    """Draw a keep-mask the book's way: ``u > dropout_ratio`` for uniform ``u`` in [0, 1).

    ``generator`` ``None`` draws ``np.random.rand(*shape)`` from NumPy's global state, as the
    book does; a generator draws ``generator.random(shape)``.
    """
    uniform = np.random.rand(*shape) if generator is None else generator.random(shape)
    return np.asarray(uniform > dropout_ratio)


def apply_mask(
    x: NDArray[np.floating],
    keep: NDArray[np.bool_],
    dropout_ratio: float,
    inverted: bool,
    out: NDArray[np.floating] | None = None,
) -> NDArray[np.floating]:
    """Return ``x * keep``, times ``1 / (1 - dropout_ratio)`` when ``inverted``: a training pass.

    The map is diagonal in ``x``, so it is also its own gradient: the backward pass applies
    it to ``dout`` with the same ``keep``.

    Parameters
    ----------
    x : ndarray of floating dtype
        Input (or upstream gradient). Never written to.
    keep : ndarray of bool
        ``True`` where a unit is kept; ``x``'s shape, or 1 along the axes where it is shared.
    dropout_ratio : float
        Probability of *dropping* a unit, in [0, 1].
    inverted : bool
        Scale the kept units by ``1 / (1 - dropout_ratio)``.
    out : ndarray, optional
        Where to write the result: ``x``'s shape, native byte order of ``x``'s dtype.

    Returns
    -------
    ndarray
        ``out``, or a new array.

    Notes
    -----
    Two cases leave PyTorch's arithmetic, where it would give NaN for finite input. When
    ``dropout_ratio`` is 1 no unit is kept and the inverted output is all zeros (even for
    infinite ``x``). When ``1 / (1 - p)`` overflows ``x``'s dtype (float16, for
    ``p > 1 - 1/65520``), the scaled product is computed in float64 and rounded once to the
    dtype: dropped units stay exactly 0, and a kept unit is infinite only if
    ``x / (1 - p)`` itself is beyond the dtype's range.
    """
    if out is None:
        out = np.empty(x.shape, dtype=np.result_type(x.dtype, np.bool_))
    if inverted and dropout_ratio == 1.0:
        out.fill(0)
        return out
    np.multiply(x, keep, out=out)
    if inverted:
        scale = 1.0 / (1.0 - dropout_ratio)
        with np.errstate(over="ignore"):
            rounded = out.dtype.type(scale)
        if np.isfinite(rounded):
            np.multiply(out, rounded, out=out)
        else:
            np.multiply(out, scale, out=out, dtype=np.float64)
    return out


def scale_for_inference(
    x: NDArray[np.floating], dropout_ratio: float, inverted: bool
) -> NDArray[np.floating]:
    """Return ``x * (1 - dropout_ratio)`` (classic) or a copy of ``x`` (inverted): inference.

    Also its own gradient. The classic product is the book's: NumPy rounds the Python float
    ``1 - dropout_ratio`` to ``x``'s dtype, then multiplies. The result is always a new array.
    """
    if inverted:
        return np.array(x, copy=True)
    # np.asarray: a 0-d product is a NumPy scalar; callers always get an ndarray back.
    return np.asarray(x * (1.0 - dropout_ratio))


def gaussian_noise(
    shape: tuple[int, ...],
    dropout_ratio: float,
    inverted: bool,
    generator: np.random.Generator | None,
) -> NDArray[np.float64]:
    """Draw Gaussian noise with the mean and variance of dropout's scaled mask, in float64.

    Inverted: mean 1 and variance ``p / (1 - p)``, Srivastava et al.'s multiplicative Gaussian
    noise; ``dropout_ratio`` must be below 1. Classic: mean ``q = 1 - p`` and variance
    ``p q``, the book's mask's. ``generator`` ``None`` draws from NumPy's global state.
    """
    z = np.random.standard_normal(shape) if generator is None else generator.standard_normal(shape)
    keep = 1.0 - dropout_ratio
    if inverted:
        return np.asarray(1.0 + math.sqrt(dropout_ratio / keep) * z)
    return np.asarray(keep + math.sqrt(dropout_ratio * keep) * z)


def apply_noise(x: NDArray[np.floating], noise: NDArray[np.floating]) -> NDArray[np.floating]:
    """Return ``x * noise`` in ``x``'s dtype (native byte order): also its own gradient.

    ``noise`` may be shared along axes (1 where ``x`` has another length). The product is
    computed in the wider of the two dtypes and rounded once to ``x``'s.
    """
    out = np.empty(x.shape, dtype=np.result_type(x.dtype, np.bool_))
    np.multiply(x, noise, out=out)
    return out
