"""Numerical gradient checks for dropout, with the mask held fixed.

A training forward pass draws a new mask on every call, so finite differences taken through
``layer.forward`` compare outputs of *different* functions and mean nothing. The check here
runs the layer once, then differentiates that same pass, its mask (or noise) held fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dropout_book import _checks
from dropout_book.layer import Dropout
from dropout_book.variants import DropConnect, GaussianDropout

__all__ = ["GradientCheck", "check_gradient", "numerical_gradient"]

Float64Array = NDArray[np.float64]


def numerical_gradient(
    f: Callable[[Float64Array], float], x: ArrayLike, eps: float = 1e-6
) -> Float64Array:
    r"""Central-difference gradient of a scalar function, one coordinate at a time.

    Parameters
    ----------
    f : callable
        Scalar function of an array of ``x``'s shape. It receives a float64 work array that
        is perturbed in place between calls, so it must not keep a reference to it.
    x : array_like
        Point at which to differentiate. Not modified.
    eps : float, default 1e-6
        Step of the central difference.

    Returns
    -------
    grad : ndarray of float64, of ``x``'s shape
        :math:`(f(x + \epsilon e_i) - f(x - \epsilon e_i)) / 2\epsilon` for each coordinate.

    Raises
    ------
    TypeError
        If ``eps`` is not a real number (booleans included).
    ValueError
        If ``eps`` is not positive and finite.

    Examples
    --------
    >>> numerical_gradient(lambda z: float((z**2).sum()), [1.0, -2.0])
    array([ 2., -4.])
    """
    step = _checks.check_positive_real(eps, "eps")
    work = _checks.as_float_array(x, "x").astype(np.float64, copy=True)
    grad = np.zeros_like(work)
    for index in np.ndindex(work.shape):
        original = work[index]
        work[index] = original + step
        upper = f(work)
        work[index] = original - step
        lower = f(work)
        work[index] = original
        grad[index] = (upper - lower) / (2.0 * step)
    return grad


@dataclass(frozen=True)
class GradientCheck:
    """Result of :func:`check_gradient`.

    Attributes
    ----------
    analytic : ndarray
        ``layer.backward(dout)``.
    numerical : ndarray
        Central differences of ``sum(dout * forward(x))`` with the mask fixed.
    max_abs_error : float
        Largest absolute difference between the two.
    """

    analytic: Float64Array
    numerical: Float64Array
    max_abs_error: float


def check_gradient(
    layer: Dropout | GaussianDropout | DropConnect,
    x: ArrayLike,
    dout: ArrayLike | None = None,
    *,
    train_flg: bool = True,
    eps: float = 1e-6,
) -> GradientCheck:
    r"""Compare ``layer.backward`` with central differences, holding the mask fixed.

    Runs ``layer.forward(x, train_flg)`` once (drawing one mask when training), takes
    ``layer.backward(dout)``, and differentiates :math:`L(x) = \sum dout \odot y(x)` numerically
    through that same pass, its mask (or noise) held fixed.

    Parameters
    ----------
    layer : Dropout, FastDropout, GaussianDropout or DropConnect
        The layer to check; its state is that of the forward pass run here afterwards.
    x : array_like
        Input.
    dout : array_like, optional
        Upstream gradient of the output's shape (``x``'s, but (N, M) for DropConnect); by
        default standard normal draws from a generator seeded with 0 (the global state is not
        touched).
    train_flg : bool, default True
        Which mode to check.
    eps : float, default 1e-6
        Step of the central difference.

    Returns
    -------
    GradientCheck

    Raises
    ------
    TypeError, ValueError
        If ``eps`` is not a positive finite number, ``x`` or ``dout`` is not real, ``dout``'s
        shape differs from the output's, or ``x`` does not fit DropConnect's ``W``; checked
        before the forward pass, so the layer and the generators are left unchanged.

    Examples
    --------
    >>> from dropout_book import Dropout
    >>> result = check_gradient(Dropout(0.5, rng=0, inverted=True), [[1.0, 2.0], [3.0, 4.0]])
    >>> result.max_abs_error < 1e-8
    True
    """
    # Every check before the forward pass, so that bad input changes neither layer nor RNG.
    step = _checks.check_positive_real(eps, "eps")
    flag = _checks.check_flag(train_flg, "train_flg")
    x64 = _checks.as_float_array(x, "x").astype(np.float64, copy=True)
    out_shape = layer._output_shape(x64.shape)
    if dout is None:
        dout = np.random.default_rng(0).standard_normal(out_shape)
    upstream = _checks.as_float_array(dout, "dout").astype(np.float64, copy=True)
    _checks.check_same_shape(upstream, out_shape)
    layer.forward(x64, flag)
    analytic = np.asarray(layer.backward(upstream), dtype=np.float64)

    def loss(z: Float64Array) -> float:
        return float(np.sum(upstream * layer._replay(z)))

    numerical = numerical_gradient(loss, x64, step)
    error = float(np.max(np.abs(analytic - numerical), initial=0.0))
    return GradientCheck(analytic, numerical, error)
