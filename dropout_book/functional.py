"""Pure functions for each step of dropout: draw a mask, apply it, scale, and their gradients.

The layer in :mod:`dropout_book.layer` only strings these together and remembers the mask, so
each step can be run and inspected on its own, as the documentation does.

Two conventions are supported. The book's (*classic*) one drops units while training and
scales by the keep probability ``1 - dropout_ratio`` at inference. The *inverted* one, used by
PyTorch and Keras, scales the kept units by ``1 / (1 - dropout_ratio)`` while training and
leaves inference alone; its arithmetic is PyTorch's, bit for bit (see
:func:`dropout_book.forward_train`).
Throughout, ``dropout_ratio`` is the probability of **dropping** a unit.

Each function checks its arguments once, then calls the same unchecked arithmetic as the layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dropout_book import _checks, _kernels
from dropout_book._checks import FloatArray

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
        Shape of the mask: normally ``x.shape``, or a shape with 1 along the axes where one
        mask value is shared (see ``noise_shape`` in :class:`~dropout_book.Dropout`).
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
        If ``shape`` is not a non-negative int or a sequence of them, ``dropout_ratio`` is not a
        real number in [0, 1], or ``rng`` is not valid; before anything is drawn.

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
    dims = _checks.check_shape(shape)
    ratio = _checks.check_dropout_ratio(dropout_ratio)
    generator = _checks.check_rng(rng)
    return _kernels.draw_mask(dims, ratio, generator)


def forward_train(
    x: ArrayLike,
    mask: ArrayLike,
    dropout_ratio: float,
    *,
    inverted: bool = False,
) -> FloatArray:
    r"""Apply a keep-mask to ``x``: the training forward pass.

    Parameters
    ----------
    x : array_like of shape S
        Input. Floating dtypes are kept; booleans and integers become float64.
    mask : array_like of bool, of shape S
        Keep-mask, as returned by :func:`draw_mask`. It may have 1 along axes where one mask
        value is shared by all of ``x``'s entries (a noise shape), but one axis per axis of ``x``.
    dropout_ratio : float
        Probability of *dropping* a unit, in [0, 1]; used only when ``inverted``.
    inverted : bool, default False
        ``False``: the book's ``x * mask``. ``True``: ``x * mask * scale`` with
        ``scale = 1 / (1 - dropout_ratio)`` (see Notes), and all zeros when ``dropout_ratio``
        is 1.

    Returns
    -------
    out : ndarray of shape S
        A new array; ``x`` is never modified.

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not real, ``mask`` is not boolean or does not fit ``x``'s shape,
        ``dropout_ratio`` is not in [0, 1], or ``inverted`` is not a bool.

    Notes
    -----
    With keep probability :math:`q = 1 - p`,

    .. math:: y_i = m_i x_i \quad\text{(classic)}, \qquad y_i = m_i x_i / q
        \quad\text{(inverted)}.

    The inverted product is computed as PyTorch computes it, bit for bit: the scale
    :math:`1/q` in float64, rounded to ``x``'s dtype, times ``x * mask`` (which is exact), so
    each output is rounded once. Where the scale overflows ``x``'s dtype (float16 with
    :math:`q < 1/65520`) the product is computed in float64 and rounded once instead, so that
    dropped units stay exactly 0 and no NaN appears where :math:`x_i / q` is finite.

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
    ratio = _checks.check_dropout_ratio(dropout_ratio)
    flag = _checks.check_flag(inverted, "inverted")
    values = _checks.as_float_array(x, "x")
    keep = _checks.check_mask(mask, values.shape, "x")
    return _kernels.apply_mask(values, keep, ratio, flag)


def forward_inference(
    x: ArrayLike,
    dropout_ratio: float,
    *,
    inverted: bool = False,
) -> FloatArray:
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

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not real, ``dropout_ratio`` is not in [0, 1], or ``inverted`` is not a bool.

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
    ratio = _checks.check_dropout_ratio(dropout_ratio)
    flag = _checks.check_flag(inverted, "inverted")
    values = _checks.as_float_array(x, "x")
    return _kernels.scale_for_inference(values, ratio, flag)


def backward_train(
    dout: ArrayLike,
    mask: ArrayLike,
    dropout_ratio: float,
    *,
    inverted: bool = False,
) -> FloatArray:
    r"""Gradient of :func:`forward_train` with respect to ``x``.

    Parameters
    ----------
    dout : array_like of shape S
        Upstream gradient, of the forward input's shape S.
    mask : array_like of bool, of shape S
        The mask used in the forward pass (1 along shared axes, as there).
    dropout_ratio : float
        Probability of *dropping* a unit, in [0, 1].
    inverted : bool, default False
        Whether the forward pass was inverted.

    Returns
    -------
    dx : ndarray of shape S
        ``dout * mask`` (times ``1 / (1 - dropout_ratio)`` when inverted, computed as
        :func:`forward_train` computes it). A new array.

    Raises
    ------
    TypeError, ValueError
        As :func:`forward_train`; in particular, if ``mask`` does not fit ``dout``'s shape.

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
    ratio = _checks.check_dropout_ratio(dropout_ratio)
    flag = _checks.check_flag(inverted, "inverted")
    gradient = _checks.as_float_array(dout, "dout")
    keep = _checks.check_mask(mask, gradient.shape, "dout")
    return _kernels.apply_mask(gradient, keep, ratio, flag)


def backward_inference(
    dout: ArrayLike,
    dropout_ratio: float,
    *,
    inverted: bool = False,
) -> FloatArray:
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

    Raises
    ------
    TypeError, ValueError
        As :func:`forward_inference`.

    Examples
    --------
    >>> backward_inference([0.1, 0.2], 0.5)
    array([0.05, 0.1 ])
    """
    ratio = _checks.check_dropout_ratio(dropout_ratio)
    flag = _checks.check_flag(inverted, "inverted")
    gradient = _checks.as_float_array(dout, "dout")
    return _kernels.scale_for_inference(gradient, ratio, flag)
