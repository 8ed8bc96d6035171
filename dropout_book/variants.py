r"""Variants of dropout, with the book's protocol and :class:`~dropout_book.Dropout`'s settings.

- :class:`GaussianDropout` multiplies each unit by Gaussian noise with the mean and variance of
  dropout's mask instead of by the mask itself (Srivastava et al., 2014, section 10).
- :class:`DropConnect` drops the weights of an affine layer instead of its outputs (Wan et al.,
  2013).

Masks shared along axes, as in spatial dropout (Tompson et al., 2015), are the ``noise_shape``
argument of :class:`~dropout_book.Dropout` and :class:`~dropout_book.FastDropout`; both
variants here take it too. Every layer has the same ``dropout_ratio`` (the probability of
**dropping**), ``rng`` and ``inverted`` as ``Dropout``, checked the same way, and the same
``forward(x, train_flg=True)`` and ``backward(dout)``. Neither variant is in the book.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dropout_book import _checks, _kernels
from dropout_book._checks import FloatArray
from dropout_book.layer import NO_MASK, DropoutSettings, NoiseLayer

__all__ = ["DropConnect", "GaussianDropout"]


class GaussianDropout(NoiseLayer):
    r"""Multiply each unit by Gaussian noise with the mean and variance of dropout's mask.

    Srivastava et al. (2014, section 10) replace the Bernoulli mask by multiplicative Gaussian
    noise of the same mean and variance: with ``inverted=True``, noise :math:`r \sim
    \mathcal{N}(1, p / (1 - p))` and inference returns ``x``. With ``inverted=False`` (the
    book's convention, the default as for ``Dropout``) the noise is
    :math:`r \sim \mathcal{N}(q, p q)` for :math:`q = 1 - p`, the mean and variance of the
    book's mask, and inference returns ``q x``. Either way the training output has the
    expectation and variance of ``Dropout``'s; only its distribution differs (continuous, and
    negative values are possible).

    Parameters
    ----------
    dropout_ratio : float, default 0.5
        The ``p`` of the dropout whose mask the noise imitates, in [0, 1] (below 1 when
        ``inverted``: the variance ``p / (1 - p)`` would be infinite).
    rng : None, int or numpy.random.Generator, optional
        Source of the noise, as for :class:`~dropout_book.Dropout`: ``None`` draws from NumPy's
        global state (``np.random.standard_normal``), an ``int`` seeds a private generator once,
        a ``Generator`` is used as it is.
    inverted : bool, default False
        The convention, as above.
    noise_shape : sequence of int or None, optional
        Shape of the noise, one entry per axis of ``x``, 1 along the axes where one value is
        shared; ``None`` (default) draws one value per unit.

    Attributes
    ----------
    noise : ndarray or None
        The noise of the last training pass, in float64 (read only); ``None`` before any
        forward pass and after an inference pass.
    train_flg : bool or None
        Mode of the last forward pass; ``None`` before the first.

    Raises
    ------
    TypeError, ValueError
        As :class:`~dropout_book.Dropout`, and if ``inverted`` and ``dropout_ratio`` is 1 (also
        at a training pass, if they were assigned so later).

    Notes
    -----
    Training: :math:`y = r \odot x` and :math:`dx = r \odot dout`, the noise computed in float64
    and the products rounded once to ``x``'s dtype. Inference and its gradient are exactly
    ``Dropout``'s. Srivastava et al. compare the two kinds of noise in their section 10.
    Reference: N. Srivastava, G. Hinton, A. Krizhevsky,
    I. Sutskever, R. Salakhutdinov, "Dropout: a simple way to prevent neural networks from
    overfitting", JMLR 15, 2014, section 10.

    Examples
    --------
    >>> import numpy as np
    >>> from dropout_book.variants import GaussianDropout
    >>> layer = GaussianDropout(0.5, rng=0, inverted=True)
    >>> layer.forward(np.ones(3))
    array([1.12573022, 0.86789514, 1.64042265])
    >>> layer.backward(np.full(3, 2.0))
    array([2.25146044, 1.73579027, 3.2808453 ])
    >>> layer.forward(np.ones(3), train_flg=False)
    array([1., 1., 1.])
    """

    def __init__(
        self,
        dropout_ratio: float = 0.5,
        *,
        rng: int | np.random.Generator | None = None,
        inverted: bool = False,
        noise_shape: tuple[int | None, ...] | None = None,
    ) -> None:
        super().__init__(dropout_ratio, rng=rng, inverted=inverted, noise_shape=noise_shape)
        _checks.check_gaussian_ratio(self.dropout_ratio, self.inverted)

    @property
    def noise(self) -> NDArray[np.float64] | None:
        """The multiplicative noise of the last training pass, or ``None``."""
        return self._noise

    def _forward_train(
        self, values: FloatArray, noise_shape: tuple[int, ...], ratio: float, inverted: bool
    ) -> FloatArray:
        _checks.check_gaussian_ratio(ratio, inverted)
        noise = _kernels.gaussian_noise(noise_shape, ratio, inverted, self._rng)
        out = _kernels.apply_noise(values, noise)
        self._noise: NDArray[np.float64] | None = noise
        return out

    def _backward_train(self, gradient: FloatArray, ratio: float, inverted: bool) -> FloatArray:
        assert self._noise is not None, "a training pass keeps its noise until the next pass"
        return _kernels.apply_noise(gradient, self._noise)

    def _forget(self) -> None:
        self._noise = None


class DropConnect(DropoutSettings):
    r"""An affine layer ``x @ W + b`` whose weights, not outputs, are dropped while training.

    DropConnect (Wan et al., 2013) draws a keep-mask :math:`M` of ``W``'s shape and computes
    :math:`y = x (M \odot W) + b`: each connection is dropped with probability ``p``, where
    dropout drops whole units. The layer follows the book's ``Affine`` (``W``, ``b``, and the
    gradients ``dW`` and ``db`` after ``backward``) and :class:`~dropout_book.Dropout`'s
    conventions: the classic one computes with :math:`M \odot W` while training and
    :math:`q W` at inference; the inverted one with :math:`M \odot W / q` (PyTorch's
    arithmetic, as ``Dropout``'s) and ``W`` at inference.

    Parameters
    ----------
    W : array_like of shape (D, M)
        Weights. A floating array is used as it is (not copied), so an optimiser updating it in
        place updates the layer.
    b : array_like of shape (M,)
        Biases, likewise; never dropped.
    dropout_ratio : float, default 0.5
        Probability of **dropping** each weight, in [0, 1].
    rng : None, int or numpy.random.Generator, optional
        Source of the masks, as for :class:`~dropout_book.Dropout` (``None``: NumPy's global
        state, ``np.random.rand`` as in the book).
    inverted : bool, default False
        The convention, as above.
    noise_shape : sequence of int or None, optional
        Shape of the mask relative to ``W`` (two entries): ``(None, 1)`` drops whole rows of
        ``W`` (every connection from an input unit, which is dropout on the input),
        ``(1, None)`` whole columns (every connection to an output unit). ``None`` (default)
        draws one value per weight.

    Attributes
    ----------
    W : ndarray
        The weights; checked whenever assigned (two axes).
    b : ndarray
        The biases; checked whenever assigned (one axis).
    mask : ndarray of bool or None
        Keep-mask of the weights in the last training pass; ``None`` before any forward pass
        and after an inference pass.
    dW : ndarray or None
        Gradient of the loss with respect to ``W`` from the last ``backward``, masked (and
        scaled) as the weights were in the forward pass.
    db : ndarray or None
        Gradient of the loss with respect to ``b`` from the last ``backward``.
    train_flg : bool or None
        Mode of the last forward pass; ``None`` before the first.

    Raises
    ------
    TypeError, ValueError
        As :class:`~dropout_book.Dropout`, and if ``W`` or ``b`` is not a real array of 2 and
        1 axes.

    Notes
    -----
    One mask is drawn per forward pass and shared by the examples of the mini-batch, as most
    implementations do; Wan et al. draw one per example. At inference this layer uses the
    weight-scaling rule as ``Dropout`` does, where Wan et al. approximate the distribution of
    each output unit's input by a Gaussian and sample from it. Backward, for
    :math:`\tilde W = M \odot W` (times :math:`1/q` when inverted) after a training pass:
    :math:`dx = dout\,\tilde W^\top`, :math:`dW = M \odot (x^\top dout)` (times :math:`1/q`),
    :math:`db = \sum_n dout_n`. Reference: L. Wan, M. Zeiler, S. Zhang, Y. LeCun, R. Fergus,
    "Regularization of neural networks using DropConnect", ICML, 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from dropout_book.variants import DropConnect
    >>> layer = DropConnect(np.ones((3, 2)), np.zeros(2), 0.5, rng=0)
    >>> layer.forward(np.array([[1.0, 2.0, 3.0]]))
    array([[4., 3.]])
    >>> layer.mask
    array([[ True, False],
           [False, False],
           [ True,  True]])
    >>> layer.backward(np.array([[1.0, 1.0]]))
    array([[1., 0., 2.]])
    >>> layer.dW
    array([[1., 0.],
           [0., 0.],
           [3., 3.]])
    """

    def __init__(
        self,
        W: ArrayLike,  # noqa: N803 (the book's W)
        b: ArrayLike,
        dropout_ratio: float = 0.5,
        *,
        rng: int | np.random.Generator | None = None,
        inverted: bool = False,
        noise_shape: tuple[int | None, ...] | None = None,
    ) -> None:
        self.W = W  # type: ignore[assignment]
        self.b = b  # type: ignore[assignment]
        super().__init__(dropout_ratio, rng=rng, inverted=inverted, noise_shape=noise_shape)
        self.mask = None
        self.train_flg: bool | None = None
        self.dW: FloatArray | None = None
        self.db: FloatArray | None = None
        # What backward needs from the last forward: its input, the weights it used, the ratio
        # and the convention.
        self._last: tuple[FloatArray, FloatArray, float, bool] | None = None

    @property
    def W(self) -> FloatArray:  # noqa: N802 (the book's W)
        """Weights of shape (D, M); checked whenever assigned."""
        return self._W

    @W.setter
    def W(self, value: FloatArray) -> None:  # noqa: N802
        self._W = _checks.check_matrix(value, "W", 2)

    @property
    def b(self) -> FloatArray:
        """Biases of shape (M,); checked whenever assigned."""
        return self._b

    @b.setter
    def b(self, value: FloatArray) -> None:
        self._b = _checks.check_matrix(value, "b", 1)

    @property
    def mask(self) -> NDArray[np.bool_] | None:
        """Keep-mask of the weights in the last training pass, or ``None``; boolean if assigned."""
        return self._mask

    @mask.setter
    def mask(self, value: NDArray[np.bool_] | None) -> None:
        self._mask = None if value is None else _checks.check_mask(value)

    def __repr__(self) -> str:
        return f"DropConnect(W.shape={self._W.shape}, {self._settings_repr()})"

    def forward(self, x: ArrayLike, train_flg: bool = True) -> FloatArray:
        """Return ``x @ W' + b``, with ``W'`` the dropped (training) or scaled (inference) weights.

        Parameters
        ----------
        x : array_like of shape (N, D)
            Input; booleans and integers become float64. Never modified.
        train_flg : bool, default True
            ``True`` for training (draw a new mask of the weights), ``False`` for inference.

        Returns
        -------
        out : ndarray of shape (N, M)

        Raises
        ------
        TypeError, ValueError
            If ``x`` is not real or not of shape (N, D), ``b`` does not have shape (M,),
            ``train_flg`` is not a bool, or ``noise_shape`` does not fit ``W``; before the
            layer or any generator changes.
        """
        flag = _checks.check_flag(train_flg, "train_flg")
        values = _checks.as_float_array(x, "x")
        weights, bias = self._W, self._b
        _checks.check_affine(values.shape, weights.shape, bias.shape)
        ratio, inverted = self._dropout_ratio, self._inverted
        if flag:
            mask_shape = _checks.noise_shape_for(self._noise_shape, weights.shape)
            mask = _kernels.draw_mask(mask_shape, ratio, self._rng)
            used = _kernels.apply_mask(weights, mask, ratio, inverted)
            self.mask = mask
        else:
            used = _kernels.scale_for_inference(weights, ratio, inverted)
            self.mask = None
        self.train_flg = flag
        self._last = (values, used, ratio, inverted)
        out: FloatArray = values @ used + bias
        return out

    def backward(self, dout: ArrayLike) -> FloatArray:
        """Store ``dW`` and ``db`` and return the gradient with respect to the last ``x``.

        Parameters
        ----------
        dout : array_like of shape (N, M)
            Gradient of the loss with respect to the last output. Never modified.

        Returns
        -------
        dx : ndarray of shape (N, D)

        Raises
        ------
        RuntimeError
            If no forward pass has run yet, or the mask of the last training pass has been set
            to ``None`` since.
        TypeError, ValueError
            If ``dout`` is not real or its shape is not the last output's, or a mask assigned
            by hand does not fit ``W``.
        """
        if self._last is None:
            raise RuntimeError(
                "backward() needs the state of a forward pass: call forward(x) first"
            )
        gradient = _checks.as_float_array(dout, "dout")
        x, used, ratio, inverted = self._last
        _checks.check_same_shape(gradient, (x.shape[0], used.shape[1]))
        if self.train_flg:
            if self._mask is None:
                raise RuntimeError(NO_MASK)
            keep = _checks.check_mask(self._mask, used.shape, "W")
            self.dW = _kernels.apply_mask(x.T @ gradient, keep, ratio, inverted)
        else:
            self.dW = _kernels.scale_for_inference(x.T @ gradient, ratio, inverted)
        self.db = gradient.sum(axis=0)
        dx: FloatArray = gradient @ used.T
        return dx

    def _output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Return the output's shape for an input of ``shape``, checking that it fits ``W``."""
        _checks.check_affine(shape, self._W.shape, self._b.shape)
        return (shape[0], self._W.shape[1])

    def _replay(self, x: FloatArray) -> FloatArray:
        """Run the last forward pass again on ``x``, its weights held fixed; change no state."""
        assert self._last is not None, "_replay() follows a forward pass"
        out: FloatArray = x @ self._last[1] + self._b
        return out
