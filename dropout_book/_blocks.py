"""Blocked, multi-threaded mask drawing and packing behind :class:`dropout_book.FastDropout`.

The input's units, in C order, are cut into blocks of ``block`` units. A block is processed with
buffers of its own size only, and read through views of the input (never a copy, whatever its
strides), so a pass needs little memory beyond its output; the blocks are shared out among
threads (NumPy releases the GIL while it draws raw random numbers and runs ufuncs, so two
threads keep two cores busy). The arithmetic is :mod:`dropout_book._kernels`'s, applied block
by block.

Element ``k`` of a training pass is kept when the ``k``-th word of the pass's random stream is
at least a threshold (see :func:`keep_rule`). The words are the bytes (8-bit words) or the
32-bit halves of the raw 64-bit outputs of the layer's PCG64 or PCG64DXSM bit generator, in
little-endian order: output ``j`` holds words ``8j`` to ``8j + 7``, or ``2j`` and ``2j + 1``. A
block starting at element ``lo`` therefore starts ``lo // 8`` (or ``lo // 2``) outputs into the
stream, which PCG64 reaches directly with ``advance``: the mask depends on the seed alone, never
on the number of threads, the block size or the order in which threads finish.

A pass claims its whole part of the stream at once, holding the bit generator's lock as NumPy's
own draws do (:func:`_claim`), so passes that share a generator from several threads draw
disjoint parts of it.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dropout_book import _kernels
from dropout_book._checks import FloatArray

__all__ = [
    "MAX_BLOCK",
    "MIN_BLOCK",
    "backward",
    "block_size",
    "draw",
    "forward",
    "keep_rule",
    "unpack",
]

#: Bounds of the elements per block. A block is a multiple of 8 elements, so that a packed byte
#: of the mask, and a raw 64-bit output, never spans two blocks.
MIN_BLOCK = 1 << 17
MAX_BLOCK = 1 << 19
#: Bytes of buffers per element of a block, at most: a 32-bit random word and a boolean.
BUFFER_BYTES = 5

BitGenerator = np.random.PCG64 | np.random.PCG64DXSM
PackedMask = NDArray[np.uint8]
#: Called with ``(lo, hi, keep)`` for each block of units ``lo`` to ``hi`` and its keep-mask.
BlockUse = Callable[[int, int, NDArray[np.bool_]], None]


def keep_rule(dropout_ratio: float) -> tuple[int, int]:
    """Return ``(bits, threshold)``: a unit is kept when its ``bits``-bit word is >= threshold.

    When ``256 * dropout_ratio`` is a whole number (0, 1/4, 1/2, 3/4, 1 and every multiple of
    1/256), bytes suffice: ``bits = 8`` and a unit is dropped with probability
    ``threshold / 256``, exactly the *drop* probability ``p``, for a quarter of the random bits.
    Otherwise ``bits = 32`` and ``threshold = ceil(p * 2**32)``: a drop probability within
    ``2**-32`` of ``p``. A threshold of ``2**bits`` drops every unit.

    Examples
    --------
    >>> keep_rule(0.5), keep_rule(0.3), keep_rule(1.0)
    ((8, 128), (32, 1288490189), (8, 256))
    """
    # Multiplying a float64 by a power of two is exact, and so is ceil.
    scaled = dropout_ratio * 256
    if scaled.is_integer():
        return 8, int(scaled)
    return 32, math.ceil(dropout_ratio * 2**32)


def block_size(nbytes: int, workers: int) -> int:
    """Return the elements per block for an array of ``nbytes`` bytes and ``workers`` threads.

    The largest of 2**17, 2**18 and 2**19 whose buffers, over all threads, take at most a
    quarter of the array (2**17 when none does). Each block costs each thread a few hand-overs
    of Python's global interpreter lock, so fewer, larger blocks run faster on two threads; the
    bound keeps the temporary memory a small fraction of the input. The result of a pass does
    not depend on the block size.

    Examples
    --------
    >>> block_size(4 * 4096 * 4096, 2), block_size(4 * 4_000_000, 2), block_size(8_000, 2)
    (524288, 262144, 131072)
    """
    block = MAX_BLOCK
    while block > MIN_BLOCK and BUFFER_BYTES * block * workers > nbytes // 4:
        block //= 2
    return block


def _words(stream: BitGenerator, count: int, bits: int) -> NDArray[np.unsignedinteger]:
    """Draw the next ``count`` words of ``bits`` bits from ``stream``, whole raw outputs."""
    raw = stream.random_raw(-(-count * bits // 64))
    # Little-endian order, so that a seed gives the same masks on every platform.
    return np.asarray(raw, dtype="<u8").view(f"<u{bits // 8}")[:count]


def _claim(bit_generator: BitGenerator, outputs: int) -> Any:
    """Reserve the next ``outputs`` raw outputs of ``bit_generator``; return the state before.

    Reading the state and advancing it happen under the bit generator's lock, the lock NumPy's
    own draws hold, so two passes sharing a generator from two threads never claim the same
    outputs. ``advance`` also drops the 32-bit half that a 32-bit draw (``integers`` with
    ``dtype=np.uint32``, say) may have left buffered, which ``random_raw`` keeps: it is put
    back, so the generator's later draws are the same whether a pass drew its words in one call
    of ``random_raw`` (one block) or claimed them here (several blocks, any number of threads).
    """
    with bit_generator.lock:
        start = bit_generator.state
        bit_generator.advance(outputs)
        state = bit_generator.state
        state["has_uint32"], state["uinteger"] = start["has_uint32"], start["uinteger"]
        bit_generator.state = state
    return start


@functools.cache
def _executor(threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dropout_book")


if sys.platform != "win32":  # pragma: no branch (Windows has no fork)
    # A forked child inherits the cached pools but not their threads, and would wait forever
    # for them (multiprocessing's default start method on Linux is fork): it makes new pools.
    os.register_at_fork(after_in_child=_executor.cache_clear)


def _run(nblocks: int, workers: int, task: Callable[[Callable[[], int | None]], None]) -> None:
    """Run ``task`` on up to ``workers`` threads (this one included), sharing out the blocks.

    Each call of ``task`` claims block indices through the function it is given until that
    returns ``None``; a thread that is slowed down by other work on the machine simply
    claims fewer blocks.
    """
    indices = iter(range(nblocks))
    lock = threading.Lock()

    def claim() -> int | None:
        with lock:
            return next(indices, None)

    helpers = min(workers, nblocks) - 1
    futures = [_executor(helpers).submit(task, claim) for _ in range(helpers)]
    task(claim)
    for future in futures:
        future.result()


def _masks(
    size: int,
    bit_generator: BitGenerator,
    dropout_ratio: float,
    workers: int,
    block: int,
    use: BlockUse,
) -> None:
    """Draw a pass's keep-mask of ``size`` units block by block, and ``use`` each block.

    ``use`` may be called from several threads at once, for disjoint blocks. The pass consumes
    the next ``ceil(size * bits / 64)`` raw outputs of ``bit_generator``, for ``bits`` from
    :func:`keep_rule`, and nothing else of its state.
    """
    bits, threshold = keep_rule(dropout_ratio)
    per_output = 64 // bits
    nblocks = -(-size // block)
    if nblocks <= 1:
        # One call of random_raw, which holds the bit generator's lock: atomic as it is. A
        # threshold of 2**bits exceeds every word, so the comparison drops every unit.
        use(0, size, np.asarray(_words(bit_generator, size, bits) >= threshold))
        return
    start = _claim(bit_generator, -(-size // per_output))

    def task(claim: Callable[[], int | None]) -> None:
        # Each thread draws from its own copy of the stream, set to each block's own place.
        stream = type(bit_generator)(0)
        keep_buffer = np.empty(block, dtype=np.bool_)
        while (index := claim()) is not None:
            lo = index * block
            hi = min(lo + block, size)
            stream.state = start
            stream.advance(lo // per_output)
            keep = keep_buffer[: hi - lo]
            np.greater_equal(_words(stream, hi - lo, bits), threshold, out=keep)
            use(lo, hi, keep)

    _run(nblocks, workers, task)


def _pieces(x: FloatArray, lo: int, hi: int, offset: int = 0) -> Iterator[tuple[int, FloatArray]]:
    """Cover units ``lo`` to ``hi`` of ``x``, in C order, with views: ``(first unit, view)``.

    A C-contiguous ``x`` gives one flat piece. Otherwise the range is split along ``x``'s axes
    into at most ``2 * x.ndim - 1`` pieces of whole rows, so that nothing is copied
    (``x.flat[lo:hi]`` would copy the block). ``offset`` is the first unit of ``x`` in the
    array it was cut from.
    """
    if lo >= hi:
        return
    if x.flags.c_contiguous or x.ndim == 1:
        yield offset + lo, x.reshape(-1)[lo:hi]
        return
    row = math.prod(x.shape[1:])
    first, last = -(-lo // row), hi // row  # the whole rows in the range: first to last - 1
    if first > last:  # the range lies inside one row
        yield from _pieces(x[last], lo - last * row, hi - last * row, offset + last * row)
        return
    if lo < first * row:
        yield from _pieces(x[first - 1], lo - (first - 1) * row, row, offset + (first - 1) * row)
    if first < last:
        yield offset + first * row, x[first:last]
    if last * row < hi:
        yield from _pieces(x[last], 0, hi - last * row, offset + last * row)


def _apply(
    x: FloatArray,
    keep: NDArray[np.bool_],
    lo: int,
    flat_out: FloatArray,
    dropout_ratio: float,
    inverted: bool,
) -> None:
    """Write the kernel's result for units ``lo`` to ``lo + keep.size`` of ``x`` to ``flat_out``."""
    for start, piece in _pieces(x, lo, lo + keep.size):
        shape, end = piece.shape, start + piece.size
        keep_piece = keep[start - lo : end - lo].reshape(shape)
        _kernels.apply_mask(
            piece, keep_piece, dropout_ratio, inverted, out=flat_out[start:end].reshape(shape)
        )


def forward(
    x: FloatArray,
    bit_generator: BitGenerator,
    dropout_ratio: float,
    *,
    inverted: bool,
    workers: int,
    block: int | None = None,
) -> tuple[FloatArray, PackedMask]:
    """Drop units of ``x`` with a fresh mask: the training forward pass, block by block.

    Parameters
    ----------
    x : ndarray of floating dtype, of shape S
        Input; never modified, never copied. Need not be contiguous.
    bit_generator : numpy.random.PCG64 or numpy.random.PCG64DXSM
        Source of the mask; advanced by ``ceil(x.size * bits / 64)`` raw outputs, with
        ``bits`` from :func:`keep_rule`, and otherwise left as it was.
    dropout_ratio : float
        Probability of *dropping* a unit, in [0, 1].
    inverted : bool
        Scale the kept values by ``1 / (1 - dropout_ratio)`` (all zeros when it is 1).
    workers : int
        Number of threads, at least 1. The result does not depend on it.
    block : int, optional
        Elements per block, a positive multiple of 8; by default :func:`block_size`'s. The
        result does not depend on it.

    Returns
    -------
    out : ndarray of shape S
        What :func:`dropout_book.functional.forward_train` returns for ``x`` and this mask.
    packed : ndarray of uint8, of shape ``(ceil(x.size / 8),)``
        The keep-mask in C order, eight units per byte (``np.packbits``).
    """
    out = np.empty(x.shape, dtype=np.result_type(x.dtype, np.bool_))
    packed = np.empty((x.size + 7) // 8, dtype=np.uint8)
    flat_out = out.reshape(-1)

    def use(lo: int, hi: int, keep: NDArray[np.bool_]) -> None:
        _apply(x, keep, lo, flat_out, dropout_ratio, inverted)
        packed[lo // 8 : (hi + 7) // 8] = np.packbits(keep)

    block = block or block_size(x.nbytes, workers)
    _masks(x.size, bit_generator, dropout_ratio, workers, block, use)
    return out, packed


def draw(
    size: int,
    bit_generator: BitGenerator,
    dropout_ratio: float,
    *,
    workers: int,
    block: int | None = None,
) -> PackedMask:
    """Draw a packed keep-mask of ``size`` units: the mask :func:`forward` would draw.

    For masks shared along axes (a noise shape), which are applied to ``x`` afterwards.
    """
    packed = np.empty((size + 7) // 8, dtype=np.uint8)

    def use(lo: int, hi: int, keep: NDArray[np.bool_]) -> None:
        packed[lo // 8 : (hi + 7) // 8] = np.packbits(keep)

    _masks(size, bit_generator, dropout_ratio, workers, block or block_size(size, workers), use)
    return packed


def backward(
    dout: FloatArray,
    packed: PackedMask,
    dropout_ratio: float,
    *,
    inverted: bool,
    workers: int,
    block: int | None = None,
) -> FloatArray:
    """Apply a packed keep-mask to ``dout``: the gradient of :func:`forward`, block by block.

    Parameters
    ----------
    dout : ndarray of floating dtype, of shape S
        Upstream gradient; never modified, never copied.
    packed : ndarray of uint8
        The mask returned by :func:`forward` for an input of ``dout``'s size.
    dropout_ratio : float
        Probability of *dropping* a unit, in [0, 1].
    inverted : bool
        Whether the forward pass was inverted.
    workers : int
        Number of threads, at least 1.
    block : int, optional
        Elements per block, a positive multiple of 8; by default :func:`block_size`'s.

    Returns
    -------
    dx : ndarray of shape S
        What :func:`dropout_book.functional.backward_train` returns for ``dout`` and this mask.
    """
    size = dout.size
    block = block or block_size(dout.nbytes, workers)
    dx = np.empty(dout.shape, dtype=np.result_type(dout.dtype, np.bool_))
    flat_dx = dx.reshape(-1)

    def task(claim: Callable[[], int | None]) -> None:
        while (index := claim()) is not None:
            lo = index * block
            hi = min(lo + block, size)
            keep = np.unpackbits(packed[lo // 8 : (hi + 7) // 8], count=hi - lo).view(np.bool_)
            _apply(dout, keep, lo, flat_dx, dropout_ratio, inverted)

    _run(-(-size // block), workers, task)
    return dx


def unpack(packed: PackedMask, shape: tuple[int, ...]) -> NDArray[np.bool_]:
    """Return the boolean keep-mask of ``shape`` held in ``packed`` (a new array).

    Examples
    --------
    >>> import numpy as np
    >>> unpack(np.packbits([True, False, True]), (3,))
    array([ True, False,  True])
    """
    count = math.prod(shape)
    return np.unpackbits(packed, count=count).view(np.bool_).reshape(shape)
