"""The Dropout layer, with the book's protocol: ``forward(x, train_flg)``, ``backward(dout)``."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dropout_book import functional
from dropout_book._checks import as_float_array, check_dropout_ratio, check_rng, check_same_shape

__all__ = ["Dropout"]


def _check_flag(value: object, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


class Dropout:
    r"""Randomly drop units while training (Hinton et al., 2012), as in the book.

    Parameters
    ----------
    dropout_ratio : float, default 0.5
        Probability of **dropping** each unit, in [0, 1] (the book's name; PyTorch's ``p`` and
        Keras' ``rate`` mean the same, CS231n's ``p`` is the keep probability ``1 - p``).
    rng : None, int or numpy.random.Generator, optional
        Source of the masks. ``None`` (default) draws with ``np.random.rand`` from NumPy's global
        state, like the book, so ``np.random.seed(s)`` reproduces the book's layer bit for bit.
        An ``int`` seeds a private generator; a ``Generator`` is used as it is. Either way the
        global state is left untouched.
    inverted : bool, default False
        ``False`` keeps the book's convention: training returns ``x * mask``, inference
        ``x * (1 - dropout_ratio)``. ``True`` uses the inverted convention of PyTorch and Keras:
        training returns ``x * mask / (1 - dropout_ratio)``, inference returns ``x``.

    Attributes
    ----------
    mask : ndarray of bool or None
        Keep-mask of the last training forward pass (``True`` = kept); ``None`` before any
        forward pass and after an inference forward pass, which drops nothing.
    train_flg : bool or None
        Mode of the last forward pass; ``None`` before the first.

    Raises
    ------
    TypeError, ValueError
        If ``dropout_ratio`` is not a real number in [0, 1], ``rng`` is not one of the types
        above, or ``inverted`` is not a bool.

    Notes
    -----
    With keep probability :math:`q = 1 - p` and :math:`m_i \sim \mathrm{Bernoulli}(q)`, the
    classic layer computes :math:`y = m \odot x` when training and :math:`y = q x` at
    inference, so that inference returns the expected training output. Backward after a
    training pass is :math:`dx = m \odot dout`; after an inference pass it is
    :math:`dx = q\,dout` (the book's layer would reuse the last training mask there).
    Integer and boolean inputs are computed in float64 in both modes; complex input is
    refused.

    References
    ----------
    .. [1] G. E. Hinton, N. Srivastava, A. Krizhevsky, I. Sutskever, R. R. Salakhutdinov,
       "Improving neural networks by preventing co-adaptation of feature detectors",
       arXiv:1207.0580, 2012.
    .. [2] 斎藤康毅, *ゼロから作るDeep Learning*, O'Reilly Japan, 2016, section 6.4.3.

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

    def __init__(
        self,
        dropout_ratio: float = 0.5,
        *,
        rng: int | np.random.Generator | None = None,
        inverted: bool = False,
    ) -> None:
        self._dropout_ratio = check_dropout_ratio(dropout_ratio)
        self.rng = check_rng(rng)
        self.inverted = _check_flag(inverted, "inverted")
        self.mask: NDArray[np.bool_] | None = None
        self.train_flg: bool | None = None
        # What backward needs from the last forward, beyond the mask.
        self._input_shape: tuple[int, ...] | None = None
        self._ratio_at_forward = self._dropout_ratio

    @property
    def dropout_ratio(self) -> float:
        """Probability of *dropping* a unit, in [0, 1]; checked again whenever it is set."""
        return self._dropout_ratio

    @dropout_ratio.setter
    def dropout_ratio(self, value: float) -> None:
        self._dropout_ratio = check_dropout_ratio(value)

    def __repr__(self) -> str:
        # A Generator's own repr carries its memory address, which would make every printed
        # layer (and every built page that shows one) differ from run to run.
        rng = "None" if self.rng is None else f"Generator({type(self.rng.bit_generator).__name__})"
        return (
            f"{type(self).__name__}(dropout_ratio={self._dropout_ratio!r}, "
            f"rng={rng}, inverted={self.inverted!r})"
        )

    def forward(self, x: ArrayLike, train_flg: bool = True) -> NDArray[np.floating]:
        """Drop units (training) or scale (inference).

        Parameters
        ----------
        x : array_like of shape S
            Input; floating dtypes are kept, booleans and integers become float64. Never
            modified.
        train_flg : bool, default True
            ``True`` for training (draw a new mask), ``False`` for inference.

        Returns
        -------
        out : ndarray of shape S
            A new array.

        Raises
        ------
        TypeError
            If ``x`` is complex or not numeric, ``train_flg`` is not a bool, or ``rng`` was
            replaced by a generator the layer cannot draw from. The layer's state and the
            random generators are left unchanged.
        """
        flag = _check_flag(train_flg, "train_flg")
        values = as_float_array(x, "x")
        ratio = self._dropout_ratio
        if flag:
            out = self._forward_train(values, ratio)  # stores the new mask
        else:
            out = functional.forward_inference(values, ratio, inverted=self.inverted)
            self.mask = None
        self.train_flg = flag
        self._input_shape, self._ratio_at_forward = values.shape, ratio
        return out

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Propagate ``dout`` back through the last forward pass.

        Parameters
        ----------
        dout : array_like of shape S
            Gradient of the loss with respect to the last forward output; exactly its shape.
            Never modified.

        Returns
        -------
        dx : ndarray of shape S
            ``dout * mask`` after a training pass (divided by ``1 - dropout_ratio`` when
            inverted); ``dout * (1 - dropout_ratio)`` (classic) or a copy of ``dout`` (inverted)
            after an inference pass.

        Raises
        ------
        RuntimeError
            If no forward pass has run yet.
        ValueError
            If ``dout``'s shape differs from the last forward input's, or from that of a mask
            assigned by hand.
        """
        if self.train_flg is None or self._input_shape is None:
            raise RuntimeError(
                "backward() needs the state of a forward pass: call forward(x) first"
            )
        gradient = as_float_array(dout, "dout")
        check_same_shape(gradient, self._input_shape)
        ratio = self._ratio_at_forward
        dx = self._backward_train(gradient, ratio)
        if dx is None:
            dx = functional.backward_inference(gradient, ratio, inverted=self.inverted)
        return dx

    # The two hooks below are the only steps a subclass computes in its own way (see
    # FastDropout): forward and backward above keep every check and all the state but the mask.

    def _forward_train(self, values: NDArray[np.floating], ratio: float) -> NDArray[np.floating]:
        """Draw a mask for ``values``, keep it as the layer's mask and return the output.

        Called by :meth:`forward` in training mode only, after every argument check; it must
        raise before it changes anything (the mask, the generator) or not at all.
        """
        mask = functional.draw_mask(values.shape, ratio, self.rng)
        out = functional.forward_train(values, mask, ratio, inverted=self.inverted)
        self.mask = mask
        return out

    def _backward_train(
        self, gradient: NDArray[np.floating], ratio: float
    ) -> NDArray[np.floating] | None:
        """Return ``gradient`` through the layer's mask, or ``None`` if it holds no mask.

        Called by :meth:`backward` once ``gradient`` has the last forward input's shape. No
        mask (after an inference pass, or ``mask`` set to ``None``) sends :meth:`backward` to
        the inference gradient; an override should tell from cheap state, not by building one.
        """
        if self.mask is None:
            return None
        return functional.backward_train(gradient, self.mask, ratio, inverted=self.inverted)
