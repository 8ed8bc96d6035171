"""A faster, leaner Dropout for large arrays: blocked, multi-threaded, with a one-bit mask.

The book's layer draws one float64 uniform per element with ``np.random.rand``, whatever the
input's dtype (for float32 input, random numbers twice the input's size), and keeps a boolean
mask of one byte per element. :class:`~dropout_book.FastDropout` compares raw random words with
an integer threshold (one byte per element when ``256 * dropout_ratio`` is a whole number, as
for 0.5, else 32 bits), block by block in small buffers shared out among threads, and keeps its
mask packed eight units to a byte. It follows the protocol of :class:`dropout_book.Dropout` and
computes the same arithmetic, but its masks come from another random stream: the same seed
gives other masks.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from dropout_book import _blocks, _checks, _kernels
from dropout_book._checks import FloatArray
from dropout_book.layer import Dropout

__all__ = ["FastDropout"]


class FastDropout(Dropout):
    r"""Dropout for large arrays, several times faster than the book's layer; other masks.

    Same layer, same protocol and same arithmetic as :class:`dropout_book.Dropout`, computed in
    blocks on several threads, with the mask kept packed (one bit per unit). **The masks come
    from another random stream**: the same seed, or the same ``np.random.seed``, gives other
    masks than ``Dropout``'s, reproducibly.

    Parameters
    ----------
    dropout_ratio : float, default 0.5
        Probability of **dropping** each unit, in [0, 1] (PyTorch's ``p`` and Keras' ``rate``
        mean the same; the keep probability is ``1 - dropout_ratio``).
    rng : None, int or numpy.random.Generator, optional
        Source of the masks. ``None`` (default) takes them, as ``Dropout`` does, from NumPy's
        global state: each training pass seeds a new PCG64DXSM stream with 128 bits drawn from
        it, so ``np.random.seed(s)`` makes the masks reproducible (and advances as they are
        drawn). An ``int`` seeds a private generator on NumPy's PCG64DXSM bit generator, once;
        a ``Generator`` on a PCG64 or PCG64DXSM bit generator is used as it is. Each training
        pass over ``n`` mask units advances that bit generator by ``ceil(n * b / 64)`` raw
        outputs, for words of ``b`` bits (see Notes), and by nothing else.
    inverted : bool, default False
        ``False``: training returns ``x * mask``, inference ``x * (1 - dropout_ratio)`` (the
        book's convention). ``True``: training returns ``x * mask * scale`` with
        ``scale = 1 / (1 - dropout_ratio)``, inference ``x`` (PyTorch's convention and
        arithmetic, as ``Dropout``).
    noise_shape : sequence of int or None, optional
        Shape of the mask, one entry per axis of ``x``, 1 along the axes where it is shared
        (as in :class:`dropout_book.Dropout`). Such a mask is drawn as above, then applied in
        one pass on one thread.
    workers : int, default 2
        Threads that share the work of a training pass (arrays of more than one block only).
        The results, and the generator's state afterwards, do not depend on it.

    Attributes
    ----------
    dropout_ratio : float
        As above; checked again whenever it is assigned, as are the four below.
    rng : numpy.random.Generator or None
        The generator the masks come from; an ``int`` assigned seeds one new PCG64DXSM
        generator, once.
    inverted : bool
        The convention.
    noise_shape : tuple or None
        The mask's shape, one entry per axis of ``x``.
    workers : int
        Number of threads.
    mask : ndarray of bool or None
        Keep-mask of the last training pass (``True`` = kept), unpacked into a new array on
        each access; ``None`` before any forward pass and after an inference pass. The layer
        itself keeps one bit per unit.
    train_flg : bool or None
        Mode of the last forward pass; ``None`` before the first.

    Raises
    ------
    TypeError, ValueError
        As :class:`dropout_book.Dropout`, and if ``rng`` is a generator on another bit
        generator or ``workers`` is not a positive int.

    See Also
    --------
    dropout_book.Dropout : The book's layer, bit for bit under ``np.random.seed``.

    Notes
    -----
    Unit :math:`k` is kept when the :math:`k`-th word :math:`w_k` of the pass's random stream
    is at least a threshold. When :math:`256\,p` is a whole number (0, 1/4, 1/2, 3/4, 1, any
    multiple of 1/256) the words are bytes and the threshold is :math:`256\,p`, so a unit is
    dropped with probability exactly :math:`p`. Otherwise the words have 32 bits and the
    threshold is :math:`\lceil p\,2^{32} \rceil`: a unit is dropped with probability
    :math:`\lceil p\,2^{32} \rceil / 2^{32}`, within :math:`2^{-32}` of :math:`p`. The book's
    ``np.random.rand(...) > p`` has a resolution of :math:`2^{-53}`; no experiment of realistic
    size can see either difference.

    The words are the bytes, or the 32-bit halves, of the bit generator's raw 64-bit outputs
    in little-endian order. A pass claims its part of the stream at once, under the bit
    generator's lock, so layers sharing a generator may run in several threads at once: each
    pass draws its own part. A block of units starting at :math:`k` starts :math:`k / 8`
    (bytes) or :math:`k / 2` outputs into the pass's part, which PCG64 and PCG64DXSM reach with
    ``advance``; so a seed gives the same masks whatever the number of threads or the block
    size. A pass allocates its output and a packed mask of :math:`\lceil n/8 \rceil` bytes,
    plus at most 5 bytes per unit of a block for each thread, whatever ``x``'s strides: blocks
    of 2**17 to 2**19 units, the largest whose buffers stay within a quarter of ``x`` (at most
    5 MiB in all with two threads).

    Examples
    --------
    >>> import numpy as np
    >>> from dropout_book import FastDropout
    >>> layer = FastDropout(0.5, rng=3)
    >>> x = np.arange(1.0, 9.0, dtype=np.float32)
    >>> layer.forward(x)
    array([1., 0., 0., 4., 0., 0., 7., 8.], dtype=float32)
    >>> layer.mask
    array([ True, False, False,  True, False, False,  True,  True])
    >>> layer.backward(np.ones(8, dtype=np.float32))
    array([1., 0., 0., 1., 0., 0., 1., 1.], dtype=float32)
    >>> layer.forward(x, train_flg=False)
    array([0.5, 1. , 1.5, 2. , 2.5, 3. , 3.5, 4. ], dtype=float32)
    """

    _check_rng = staticmethod(_checks.check_bit_generator)

    def __init__(
        self,
        dropout_ratio: float = 0.5,
        *,
        rng: int | np.random.Generator | None = None,
        inverted: bool = False,
        noise_shape: tuple[int | None, ...] | None = None,
        workers: int = 2,
    ) -> None:
        self.workers = workers
        super().__init__(dropout_ratio, rng=rng, inverted=inverted, noise_shape=noise_shape)

    @property
    def workers(self) -> int:
        """Number of threads of a training pass; a positive int, checked when assigned."""
        return self._workers

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = _checks.check_positive_int(value, "workers")

    @property
    def mask(self) -> NDArray[np.bool_] | None:
        """Keep-mask of the last training pass (a new array), or ``None``."""
        if self._packed is None or self._mask_shape is None:
            return None
        return _blocks.unpack(self._packed, self._mask_shape)

    @mask.setter
    def mask(self, value: NDArray[np.bool_] | None) -> None:
        array = None if value is None else _checks.check_mask(value)
        self._packed: _blocks.PackedMask | None = None if array is None else np.packbits(array)
        self._mask_shape: tuple[int, ...] | None = None if array is None else array.shape

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, workers={self._workers!r})"

    def _bit_generator(self) -> _blocks.BitGenerator:
        """Return the bit generator this training pass draws from."""
        if self._rng is None:
            # As Dropout's masks do, these follow NumPy's global state: a new stream per pass,
            # seeded by 128 bits of it (four 32-bit outputs of its Mersenne Twister).
            entropy = np.random.mtrand.get_bit_generator().random_raw(4)
            return np.random.PCG64DXSM(entropy)
        bit_generator = self._rng.bit_generator
        assert isinstance(bit_generator, _checks.JUMPABLE)  # checked when rng was assigned
        return bit_generator

    def _forward_train(
        self, values: FloatArray, mask_shape: tuple[int, ...], ratio: float, inverted: bool
    ) -> FloatArray:
        bit_generator = self._bit_generator()
        if mask_shape == values.shape:
            out, packed = _blocks.forward(
                values, bit_generator, ratio, inverted=inverted, workers=self._workers
            )
        else:
            size = math.prod(mask_shape)
            packed = _blocks.draw(size, bit_generator, ratio, workers=self._workers)
            keep = _blocks.unpack(packed, mask_shape)
            out = _kernels.apply_mask(values, keep, ratio, inverted)
        self._packed, self._mask_shape = packed, mask_shape
        return out

    def _backward_train(self, gradient: FloatArray, ratio: float, inverted: bool) -> FloatArray:
        # A mask of the input's shape is applied from its packed bits, block by block; a shared
        # (noise-shaped) or missing one goes through the mask property and its checks.
        if self._packed is not None and self._mask_shape == gradient.shape:
            return _blocks.backward(
                gradient, self._packed, ratio, inverted=inverted, workers=self._workers
            )
        return super()._backward_train(gradient, ratio, inverted)
