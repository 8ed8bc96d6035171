"""Pure functions for each step of dropout: draw a mask, apply it, scale, and their gradients.

The layer in :mod:`dropout_book.layer` only strings these together and remembers the mask, so
each step can be run and inspected on its own, as the documentation does.

Two conventions are supported. The book's (*classic*) one drops units while training and
scales by the keep probability ``1 - dropout_ratio`` at inference. The *inverted* one, used by
PyTorch and Keras, divides by ``1 - dropout_ratio`` while training and leaves inference alone.
Throughout, ``dropout_ratio`` is the probability of **dropping** a unit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dropout_book._checks import (
    as_float_array,
    check_dropout_ratio,
    check_rng,
    check_same_shape,
)

__all__ = [
    "backward_inference",
    "backward_train",
    "draw_mask",
    "forward_inference",
    "forward_train",
]


def draw_mask(
    shape: int | Sequence[int],
    dropout_ratio: float,
    rng: int | np.random.Generator | None = None,
) -> NDArray[np.bool_]:
    r"""Draw a keep-mask: ``True`` where a unit is kept, with probability ``1 - dropout_ratio``.

    Parameters
    ----------
    shape : int or sequence of int
        Shape of the mask, normally ``x.shape``.
    dropout_ratio : float
        Probability of *dropping* each unit, in [0, 1].
    rng : None, int or numpy.random.Generator, optional
        ``None`` (the default) draws with ``np.random.rand(*shape)`` from NumPy's global state,
        exactly as the book does, so ``np.random.seed`` reproduces the book's masks. An ``int``
        seeds a new generator; a ``Generator`` is used and advanced.

    Returns
    -------
    mask : ndarray of bool, of shape ``shape``
        ``u > dropout_ratio`` for uniform draws ``u`` in [0, 1).

    Raises
    ------
    TypeError, ValueError
        If ``dropout_ratio`` is not a real number in [0, 1] or ``rng`` is not valid.

    Notes
    -----
    For :math:`u \sim \mathcal{U}[0, 1)`, :math:`P(u > p) = 1 - p`, so each entry is a
    Bernoulli variable with keep probability :math:`1 - p` (Hinton et al., 2012).

    Examples
    --------
    >>> import numpy as np
    >>> np.random.seed(0)
    >>> draw_mask((2, 3), 0.5)
    array([[ True,  True,  True],
           [ True, False,  True]])
    >>> draw_mask(4, 0.5, rng=42)
    array([ True, False,  True,  True])
    """
    ratio = check_dropout_ratio(dropout_ratio)
    generator = check_rng(rng)
    # A NumPy integer (say n // 2 for an int64 n) is a valid 1-d shape too, not a sequence.
    dims = (int(shape),) if isinstance(shape, int | np.integer) else tuple(shape)
    uniform = np.random.rand(*dims) if generator is None else generator.random(dims)
    return np.asarray(uniform > ratio)


def _check_mask(mask: ArrayLike, shape: tuple[int, ...]) -> NDArray[np.bool_]:
    array = np.asarray(mask)
    if array.dtype != np.bool_:
        raise TypeError(f"mask must be a boolean array, got dtype {array.dtype}")
    if array.shape != shape:
        raise ValueError(f"mask has shape {array.shape} but the input has shape {shape}")
    return array


def forward_train(
    x: ArrayLike,
    mask: ArrayLike,
    dropout_ratio: float,
    *,
    inverted: bool = False,
) -> NDArray[np.floating]:
    r"""Apply a keep-mask to ``x``: the training forward pass.

    Parameters
    ----------
    x : array_like of shape S
        Input. Floating dtypes are kept; booleans and integers become float64.
    mask : array_like of bool, of shape S
        Keep-mask, as returned by :func:`draw_mask`.
    dropout_ratio : float
        Probability of *dropping* a unit, in [0, 1]; used only when ``inverted``.
    inverted : bool, default False
        ``False``: the book's ``x * mask``. ``True``: ``x * mask / (1 - dropout_ratio)``, and
        all zeros when ``dropout_ratio`` is 1.

    Returns
    -------
    out : ndarray of shape S
        A new array; ``x`` is never modified.

    Notes
    -----
    With keep probability :math:`q = 1 - p`,

    .. math:: y_i = m_i x_i \quad\text{(classic)}, \qquad y_i = m_i x_i / q
        \quad\text{(inverted)}.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> mask = np.array([True, False, True, False])
    >>> forward_train(x, mask, 0.5)
    array([1., 0., 3., 0.])
    >>> forward_train(x, mask, 0.5, inverted=True)
    array([2., 0., 6., 0.])
    """
    ratio = check_dropout_ratio(dropout_ratio)
    values = as_float_array(x, "x")
    keep = _check_mask(mask, values.shape)
    if inverted and ratio == 1.0:
        # Every unit is dropped; x * 0 would turn inf into nan (with a warning), and 1 / 0 has
        # no meaning, so the product is never formed.
        return np.zeros(values.shape, dtype=values.dtype)
    # np.asarray: a 0-d product is a NumPy scalar; callers always get an ndarray back.
    out = np.asarray(values * keep)
    if inverted:
        np.divide(out, 1.0 - ratio, out=out)
    return out


def forward_inference(
    x: ArrayLike,
    dropout_ratio: float,
    *,
    inverted: bool = False,
) -> NDArray[np.floating]:
    """Scale ``x`` for inference: the forward pass with ``train_flg=False``.

    Parameters
    ----------
    x : array_like of shape S
        Input. Floating dtypes are kept; booleans and integers become float64.
    dropout_ratio : float
        Probability of *dropping* a unit during training, in [0, 1].
    inverted : bool, default False
        ``False``: the book's ``x * (1 - dropout_ratio)``. ``True``: ``x`` unchanged.

    Returns
    -------
    out : ndarray of shape S
        A new array, also when ``inverted`` (a copy of ``x``).

    Notes
    -----
    Scaling by :math:`q = 1 - p` makes the inference output equal the training output's
    expectation, :math:`E[m_i x_i] = q x_i` (Hinton et al., 2012).

    Examples
    --------
    >>> forward_inference([1.0, 2.0, 3.0], 0.5)
    array([0.5, 1. , 1.5])
    >>> forward_inference([1.0, 2.0, 3.0], 0.5, inverted=True)
    array([1., 2., 3.])
    """
    ratio = check_dropout_ratio(dropout_ratio)
    values = as_float_array(x, "x")
    if inverted:
        return np.array(values, copy=True)
    return np.asarray(values * (1.0 - ratio))


def backward_train(
    dout: ArrayLike,
    mask: ArrayLike,
    dropout_ratio: float,
    *,
    inverted: bool = False,
) -> NDArray[np.floating]:
    r"""Gradient of :func:`forward_train` with respect to ``x``.

    Parameters
    ----------
    dout : array_like of shape S
        Upstream gradient, of exactly the mask's shape (no broadcasting).
    mask : array_like of bool, of shape S
        The mask used in the forward pass.
    dropout_ratio : float
        Probability of *dropping* a unit, in [0, 1].
    inverted : bool, default False
        Whether the forward pass was inverted.

    Returns
    -------
    dx : ndarray of shape S
        ``dout * mask`` (divided by ``1 - dropout_ratio`` when inverted). A new array.

    Raises
    ------
    ValueError
        If ``dout`` and ``mask`` differ in shape.

    Notes
    -----
    The forward map is diagonal, :math:`\partial y_i / \partial x_j = \delta_{ij} m_i`
    (over :math:`q` when inverted), so the backward pass applies the same mask to ``dout``.

    Examples
    --------
    >>> import numpy as np
    >>> backward_train([0.1, 0.2, 0.3], np.array([True, False, True]), 0.5)
    array([0.1, 0. , 0.3])
    """
    gradient = as_float_array(dout, "dout")
    check_same_shape(gradient, np.shape(mask))
    return forward_train(gradient, mask, dropout_ratio, inverted=inverted)


def backward_inference(
    dout: ArrayLike,
    dropout_ratio: float,
    *,
    inverted: bool = False,
) -> NDArray[np.floating]:
    """Gradient of :func:`forward_inference` with respect to ``x``.

    Parameters
    ----------
    dout : array_like
        Upstream gradient.
    dropout_ratio : float
        Probability of *dropping* a unit during training, in [0, 1].
    inverted : bool, default False
        Whether the inverted convention is used.

    Returns
    -------
    dx : ndarray
        ``dout * (1 - dropout_ratio)`` (classic) or a copy of ``dout`` (inverted). No mask is
        involved: inference drops nothing.

    Examples
    --------
    >>> backward_inference([0.1, 0.2], 0.5)
    array([0.05, 0.1 ])
    """
    return forward_inference(dout, dropout_ratio, inverted=inverted)
