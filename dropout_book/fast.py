"""A faster, leaner Dropout for large arrays: blocked, multi-threaded, with a one-bit mask.

The book's layer draws one float64 uniform per element with ``np.random.rand``, whatever the
input's dtype (for float32 input, random numbers twice the input's size), and keeps a boolean
mask of one byte per element. :class:`~dropout_book.FastDropout` compares 32 raw random bits
per element with an integer threshold, block by block in small buffers shared out among
threads, and keeps its mask packed eight units to a byte. It follows the protocol of
:class:`dropout_book.Dropout`, but draws from another random stream: choose it explicitly, and
seed it through its own ``rng``.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import NDArray

from dropout_book import _blocks
from dropout_book.layer import Dropout

__all__ = ["FastDropout"]

_STREAMS = (np.random.PCG64, np.random.PCG64DXSM)


def _check_workers(workers: object) -> int:
    if isinstance(workers, bool | np.bool_) or not isinstance(workers, numbers.Integral):
        raise TypeError(f"workers must be a positive int, got {workers!r}")
    if workers < 1:
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    return int(workers)


def _bit_generator(rng: object) -> _blocks.BitGenerator:
    """Return ``rng``'s bit generator if its stream can jump ahead, as the threads need."""
    bit_generator = rng.bit_generator if isinstance(rng, np.random.Generator) else None
    if not isinstance(bit_generator, _STREAMS) or type(bit_generator) not in _STREAMS:
        raise TypeError(
            "FastDropout needs rng to be None, an int seed or a numpy.random.Generator on a "
            "PCG64 or PCG64DXSM bit generator (streams that can jump ahead, so that threads "
            f"draw disjoint parts of one stream), got {rng!r}"
        )
    return bit_generator


class FastDropout(Dropout):
    r"""Dropout for large arrays, several times faster than the book's layer; a separate stream.

    Same layer, same protocol and same maths as :class:`dropout_book.Dropout`, computed in
    blocks on several threads, with the mask kept packed (one bit per unit). The masks come
    from a different random stream, so the same seed gives other masks than ``Dropout`` and
    ``np.random.seed`` has no effect here.

    Parameters
    ----------
    dropout_ratio : float, default 0.5
        Probability of **dropping** each unit, in [0, 1] (PyTorch's ``p`` and Keras' ``rate``
        mean the same; the keep probability is ``1 - dropout_ratio``).
    rng : None, int or numpy.random.Generator, optional
        Source of the masks. An ``int`` seeds a private generator on NumPy's PCG64DXSM bit
        generator; ``None`` (default) seeds one from fresh entropy (never the global state); a
        ``Generator`` on a PCG64 or PCG64DXSM bit generator is used as it is. Each training
        pass over ``n`` units advances that bit generator by ``ceil(n * b / 64)`` raw
        outputs, for words of ``b`` bits (see Notes).
    inverted : bool, default False
        ``False``: training returns ``x * mask``, inference ``x * (1 - dropout_ratio)`` (the
        book's convention). ``True``: training returns ``x * mask / (1 - dropout_ratio)``,
        inference ``x`` (PyTorch's and Keras' convention).
    workers : int, default 2
        Threads that share the work of a training pass (arrays of more than one block only).
        The results do not depend on it.

    Attributes
    ----------
    mask : ndarray of bool or None
        Keep-mask of the last training pass (``True`` = kept), unpacked into a new array on
        each access; ``None`` before any forward pass and after an inference pass. The layer
        itself keeps one bit per unit.
    train_flg : bool or None
        Mode of the last forward pass; ``None`` before the first.
    workers : int
        Number of threads.

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
    in little-endian order. A block of units starting at :math:`k` starts
    :math:`k / 8` (bytes) or :math:`k / 2` outputs into the stream, which PCG64 and PCG64DXSM
    reach with ``advance``; so a seed gives the same masks whatever the number of threads or
    the block size. A pass allocates its output and a packed mask of
    :math:`\lceil n/8 \rceil` bytes, plus at most 5 bytes per unit of a block for each thread:
    blocks of 2**17 to 2**19 units, the largest whose buffers stay within a quarter of ``x``
    (at most 5 MiB in all with two threads).

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

    def __init__(
        self,
        dropout_ratio: float = 0.5,
        *,
        rng: int | np.random.Generator | None = None,
        inverted: bool = False,
        workers: int = 2,
    ) -> None:
        super().__init__(dropout_ratio, rng=rng, inverted=inverted)  # checks all three
        if not isinstance(rng, np.random.Generator):
            # A seed, or None for fresh entropy. PCG64DXSM is NumPy's successor to PCG64 (the
            # bit generator of default_rng): as able to jump ahead, and faster.
            seed = None if rng is None else int(rng)
            self.rng = np.random.Generator(np.random.PCG64DXSM(seed))
        _bit_generator(self.rng)
        self.workers = _check_workers(workers)

    @property
    def mask(self) -> NDArray[np.bool_] | None:
        """Keep-mask of the last training pass (a new array), or ``None``."""
        if self._packed is None or self._mask_shape is None:
            return None
        return _blocks.unpack(self._packed, self._mask_shape)

    @mask.setter
    def mask(self, value: NDArray[np.bool_] | None) -> None:
        if value is None:
            self._packed: _blocks.PackedMask | None = None
            self._mask_shape: tuple[int, ...] | None = None
            return
        array = np.asarray(value)
        if array.dtype != np.bool_:
            raise TypeError(f"mask must be a boolean array, got dtype {array.dtype}")
        self._packed, self._mask_shape = np.packbits(array), array.shape

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, workers={self.workers!r})"

    def _forward_train(self, values: NDArray[np.floating], ratio: float) -> NDArray[np.floating]:
        bit_generator = _bit_generator(self.rng)  # before drawing: an error changes nothing
        out, packed = _blocks.forward(
            values, bit_generator, ratio, inverted=self.inverted, workers=self.workers
        )
        self._packed, self._mask_shape = packed, values.shape
        return out

    def _backward_train(
        self, gradient: NDArray[np.floating], ratio: float
    ) -> NDArray[np.floating] | None:
        # Reads the packed bits, never the mask property, which would unpack them.
        packed, mask_shape = self._packed, self._mask_shape
        if packed is None or mask_shape is None:
            return None
        if mask_shape != gradient.shape:  # a mask assigned by hand
            raise ValueError(f"mask has shape {mask_shape} but dout has shape {gradient.shape}")
        return _blocks.backward(
            gradient, packed, ratio, inverted=self.inverted, workers=self.workers
        )
