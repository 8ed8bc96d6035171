"""The Dropout layer, with the book's protocol: ``forward(x, train_flg)``, ``backward(dout)``.

The protocol and the checked settings live in two base classes that the layers of
:mod:`dropout_book.variants` share; :class:`Dropout` adds the book's mask.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dropout_book import _checks, _kernels
from dropout_book._checks import FloatArray

__all__ = ["Dropout"]

#: Raised by backward after a training pass whose mask was then set to None by hand.
NO_MASK = (
    "the last forward pass was a training pass, but the layer's mask has since been set to "
    "None: backward needs the mask of that pass (run forward again)"
)


class DropoutSettings:
    """The settings every layer of dropout_book shares, each checked whenever it is assigned.

    ``dropout_ratio``, ``rng``, ``inverted`` and ``noise_shape``, as :class:`Dropout` describes
    them. Not meant to be used directly.
    """

    #: Turns an ``rng`` argument into what the layer draws from (FastDropout checks otherwise).
    _check_rng = staticmethod(_checks.check_rng)

    def __init__(
        self,
        dropout_ratio: float = 0.5,
        *,
        rng: int | np.random.Generator | None = None,
        inverted: bool = False,
        noise_shape: tuple[int | None, ...] | None = None,
    ) -> None:
        self.dropout_ratio = dropout_ratio
        self.rng = rng
        self.inverted = inverted
        self.noise_shape = noise_shape

    @property
    def dropout_ratio(self) -> float:
        """Probability of *dropping* a unit, in [0, 1]; checked whenever it is assigned."""
        return self._dropout_ratio

    @dropout_ratio.setter
    def dropout_ratio(self, value: float) -> None:
        self._dropout_ratio = _checks.check_dropout_ratio(value)

    @property
    def rng(self) -> np.random.Generator | None:
        """The generator the masks come from, or ``None``; an ``int`` assigned seeds one, once."""
        return self._rng

    @rng.setter
    def rng(self, value: int | np.random.Generator | None) -> None:
        self._rng = self._check_rng(value)

    @property
    def inverted(self) -> bool:
        """Whether the layer uses the inverted convention; ``True`` or ``False`` only."""
        return self._inverted

    @inverted.setter
    def inverted(self, value: bool) -> None:
        self._inverted = _checks.check_flag(value, "inverted")

    @property
    def noise_shape(self) -> tuple[int | None, ...] | None:
        """Shape of the mask, one entry per axis of ``x`` (1 where shared), or ``None``."""
        return self._noise_shape

    @noise_shape.setter
    def noise_shape(self, value: tuple[int | None, ...] | None) -> None:
        self._noise_shape = _checks.check_noise_shape(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._settings_repr()})"

    def _settings_repr(self) -> str:
        # A Generator's own repr carries its memory address, which would make every printed
        # layer (and every built page that shows one) differ from run to run.
        rng = (
            "None" if self._rng is None else f"Generator({type(self._rng.bit_generator).__name__})"
        )
        noise = "" if self._noise_shape is None else f", noise_shape={self._noise_shape!r}"
        return (
            f"dropout_ratio={self._dropout_ratio!r}, rng={rng}, inverted={self._inverted!r}{noise}"
        )


class NoiseLayer(DropoutSettings, ABC):
    """What every layer of dropout_book that multiplies its input by random noise shares.

    The book's protocol (``forward(x, train_flg)`` draws noise and keeps it, ``backward(dout)``
    uses it), every check of ``x`` and ``dout``, and the inference pass. A subclass draws and
    applies its noise in three hooks; see :class:`Dropout` for the parameters. Not meant to be
    used directly.
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
        self._forget()
        self.train_flg: bool | None = None
        # What backward needs from the last forward: the input's shape, ratio and convention.
        self._last: tuple[tuple[int, ...], float, bool] | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> FloatArray:
        """Multiply by fresh noise (training) or scale (inference).

        Parameters
        ----------
        x : array_like of shape S
            Input; floating dtypes are kept, booleans and integers become float64. Never
            modified.
        train_flg : bool, default True
            ``True`` for training (draw new noise), ``False`` for inference.

        Returns
        -------
        out : ndarray of shape S
            A new array.

        Raises
        ------
        TypeError
            If ``x`` is complex, not numeric or a masked array, or ``train_flg`` is not a bool.
        ValueError
            If ``noise_shape`` does not fit ``x``'s shape (training only).

        Notes
        -----
        Every error is raised before the layer's state or any random generator changes.
        """
        flag = _checks.check_flag(train_flg, "train_flg")
        values = _checks.as_float_array(x, "x")
        ratio, inverted = self._dropout_ratio, self._inverted
        if flag:
            mask_shape = _checks.noise_shape_for(self._noise_shape, values.shape)
            out = self._forward_train(values, mask_shape, ratio, inverted)
        else:
            out = _kernels.scale_for_inference(values, ratio, inverted)
            self._forget()
        self.train_flg = flag
        self._last = (values.shape, ratio, inverted)
        return out

    def backward(self, dout: ArrayLike) -> FloatArray:
        """Propagate ``dout`` back through the last forward pass.

        Parameters
        ----------
        dout : array_like of shape S
            Gradient of the loss with respect to the last forward output; exactly its shape.
            Never modified.

        Returns
        -------
        dx : ndarray of shape S
            After a training pass, ``dout`` times that pass's noise (for Dropout,
            ``dout * mask``, times ``1 / (1 - dropout_ratio)`` when inverted); after an
            inference pass, ``dout * (1 - dropout_ratio)`` (classic) or a copy of ``dout``
            (inverted). The ratio and convention are the forward pass's.

        Raises
        ------
        RuntimeError
            If no forward pass has run yet, or the mask of the last training pass has been set
            to ``None`` since.
        TypeError, ValueError
            If ``dout`` is not real, its shape differs from the last forward input's, or a mask
            assigned by hand does not fit it.
        """
        if self.train_flg is None or self._last is None:
            raise RuntimeError(
                "backward() needs the state of a forward pass: call forward(x) first"
            )
        gradient = _checks.as_float_array(dout, "dout")
        shape, ratio, inverted = self._last
        _checks.check_same_shape(gradient, shape)
        if self.train_flg:
            return self._backward_train(gradient, ratio, inverted)
        return _kernels.scale_for_inference(gradient, ratio, inverted)

    def _output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Return the output's shape for an input of ``shape``: the same."""
        return shape

    def _replay(self, x: FloatArray) -> FloatArray:
        """Run the last forward pass again on ``x``, its noise held fixed; change no state.

        What :func:`dropout_book.check_gradient` differentiates numerically. A training pass
        multiplies each unit by its own noise, so applying it to ``x`` is what
        :meth:`_backward_train` does to ``dout``.
        """
        assert self._last is not None, "_replay() follows a forward pass"
        _, ratio, inverted = self._last
        if self.train_flg:
            return self._backward_train(x, ratio, inverted)
        return _kernels.scale_for_inference(x, ratio, inverted)

    # The hooks below are the only steps a subclass computes in its own way: forward and
    # backward above keep every check and all the state but the noise.

    @abstractmethod
    def _forward_train(
        self, values: FloatArray, noise_shape: tuple[int, ...], ratio: float, inverted: bool
    ) -> FloatArray:
        """Draw noise of ``noise_shape``, keep it as the layer's state and return the output.

        Called by :meth:`forward` in training mode only, after every argument check; it must
        raise before it changes anything (the state, the generator) or not at all.
        """

    @abstractmethod
    def _backward_train(self, gradient: FloatArray, ratio: float, inverted: bool) -> FloatArray:
        """Return ``gradient`` times the noise of the last training pass.

        Called by :meth:`backward` after a training pass, once ``gradient`` has the last forward
        input's shape.
        """

    @abstractmethod
    def _forget(self) -> None:
        """Drop the noise of the last training pass (an inference pass draws none)."""


class Dropout(NoiseLayer):
    r"""Randomly drop units while training (Hinton et al., 2012), as in the book.

    Parameters
    ----------
    dropout_ratio : float, default 0.5
        Probability of **dropping** each unit, in [0, 1] (the book's name; PyTorch's ``p`` and
        Keras' ``rate`` mean the same, CS231n's ``p`` is the keep probability ``1 - p``).
    rng : None, int or numpy.random.Generator, optional
        Source of the masks. ``None`` (default) draws with ``np.random.rand`` from NumPy's global
        state, like the book, so ``np.random.seed(s)`` reproduces the book's layer bit for bit.
        An ``int`` seeds a private generator (``numpy.random.default_rng``), once; a
        ``Generator`` is used as it is. Either way the global state is left untouched.
    inverted : bool, default False
        ``False`` keeps the book's convention: training returns ``x * mask``, inference
        ``x * (1 - dropout_ratio)``. ``True`` uses the inverted convention of PyTorch and Keras,
        with PyTorch's arithmetic bit for bit: training returns ``x * mask * scale`` for
        ``scale = 1 / (1 - dropout_ratio)`` (see :func:`dropout_book.forward_train`),
        inference returns ``x``.
    noise_shape : sequence of int or None, optional
        Shape of the mask, with one entry per axis of ``x`` (Keras' ``noise_shape``): 1 along
        the axes where one mask value is shared, ``None`` or ``x``'s length elsewhere. For
        ``x`` of shape ``(N, C, H, W)``, ``(None, None, 1, 1)`` drops whole channels (spatial
        dropout, Tompson et al., 2015). ``None`` (default) draws one value per unit, as the book.

    Attributes
    ----------
    dropout_ratio : float
        As above; checked again whenever it is assigned, as are the three below.
    rng : numpy.random.Generator or None
        The generator the masks come from; an ``int`` assigned seeds one new generator, once.
    inverted : bool
        The convention.
    noise_shape : tuple or None
        The mask's shape, one entry per axis of ``x``.
    mask : ndarray of bool or None
        Keep-mask of the last training forward pass (``True`` = kept), of ``x``'s shape or the
        noise shape; ``None`` before any forward pass and after an inference forward pass,
        which drops nothing.
    train_flg : bool or None
        Mode of the last forward pass; ``None`` before the first.

    Raises
    ------
    TypeError, ValueError
        If ``dropout_ratio`` is not a real number in [0, 1], ``rng`` is not one of the types
        above, ``inverted`` is not a bool, or ``noise_shape`` is not a sequence of ints and
        ``None``.

    Notes
    -----
    With keep probability :math:`q = 1 - p` and :math:`m_i \sim \mathrm{Bernoulli}(q)`, the
    classic layer computes :math:`y = m \odot x` when training and :math:`y = q x` at
    inference, so that inference returns the expected training output. Backward after a
    training pass is :math:`dx = m \odot dout`; after an inference pass it is
    :math:`dx = q\,dout` (the book's layer would reuse the last training mask there). Backward
    uses the ratio and the convention of the forward pass it differentiates, even if they were
    assigned in between. Integer and boolean inputs are computed in float64 in both modes;
    complex input and masked arrays are refused.

    References
    ----------
    .. [1] G. E. Hinton, N. Srivastava, A. Krizhevsky, I. Sutskever, R. R. Salakhutdinov,
       "Improving neural networks by preventing co-adaptation of feature detectors",
       arXiv:1207.0580, 2012.
    .. [2] 斎藤康毅, *ゼロから作るDeep Learning*, O'Reilly Japan, 2016, section 6.4.3.
    .. [3] J. Tompson, R. Goroshin, A. Jain, Y. LeCun, C. Bregler, "Efficient object
       localization using convolutional networks", CVPR, 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from dropout_book import Dropout
    >>> np.random.seed(0)
    >>> layer = Dropout(0.5)
    >>> x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    >>> layer.forward(x)
    array([0., 1., 2., 3., 0.])
    >>> layer.mask
    array([ True,  True,  True,  True, False])
    >>> layer.backward(np.full(5, 0.1))
    array([0.1, 0.1, 0.1, 0.1, 0. ])
    >>> layer.forward(x, train_flg=False)
    array([0. , 0.5, 1. , 1.5, 2. ])
    """

    @property
    def mask(self) -> NDArray[np.bool_] | None:
        """Keep-mask of the last training pass, or ``None``; a boolean array when assigned."""
        return self._mask

    @mask.setter
    def mask(self, value: NDArray[np.bool_] | None) -> None:
        self._mask = None if value is None else _checks.check_mask(value)

    def _keep(self, shape: tuple[int, ...], name: str) -> NDArray[np.bool_]:
        """Return the last training pass's mask, checked against ``shape``.

        The mask may have been assigned by hand since that pass, hence the check.
        """
        mask = self.mask
        if mask is None:
            raise RuntimeError(NO_MASK)
        return _checks.check_mask(mask, shape, name)

    def _forward_train(
        self, values: FloatArray, mask_shape: tuple[int, ...], ratio: float, inverted: bool
    ) -> FloatArray:
        """Draw a keep-mask of ``mask_shape``, keep it as the layer's mask, apply it."""
        mask = _kernels.draw_mask(mask_shape, ratio, self._rng)
        out = _kernels.apply_mask(values, mask, ratio, inverted)
        self._mask = mask
        return out

    def _backward_train(self, gradient: FloatArray, ratio: float, inverted: bool) -> FloatArray:
        """Return ``gradient`` through the last training pass's mask."""
        return _kernels.apply_mask(gradient, self._keep(gradient.shape, "dout"), ratio, inverted)

    def _forget(self) -> None:
        self.mask = None
