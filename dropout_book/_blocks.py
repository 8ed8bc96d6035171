"""Blocked, multi-threaded kernels behind :class:`dropout_book.FastDropout`.

The flat input is cut into blocks of ``block`` elements. A block is processed with buffers
of its own size only, so a pass needs little memory beyond its output, and the blocks are
shared out among threads (NumPy releases the GIL while it draws raw random numbers and runs
ufuncs, so two threads keep two cores busy).

Element ``k`` of a training pass is kept when the ``k``-th word of the pass's random stream is
at least a threshold (see :func:`keep_rule`). The words are the bytes (8-bit words) or the
32-bit halves of the raw 64-bit outputs of the layer's PCG64 or PCG64DXSM bit generator, in
little-endian order: output ``j`` holds words ``8j`` to ``8j + 7``, or ``2j`` and ``2j + 1``. A
block starting at element ``lo`` therefore starts ``lo // 8`` (or ``lo // 2``) outputs into the
stream, which PCG64 reaches directly with ``advance``: the mask depends on the seed alone, never
on the number of threads, the block size or the order in which threads finish.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

__all__ = ["MAX_BLOCK", "MIN_BLOCK", "backward", "block_size", "forward", "keep_rule", "unpack"]

#: Bounds of the elements per block. A block is a multiple of 8 elements, so that a packed byte
#: of the mask, and a raw 64-bit output, never spans two blocks.
MIN_BLOCK = 1 << 17
MAX_BLOCK = 1 << 19
#: Bytes of buffers per element of a block, at most: a 32-bit random word and a boolean.
BUFFER_BYTES = 5

BitGenerator = np.random.PCG64 | np.random.PCG64DXSM
FloatArray = NDArray[np.floating]
PackedMask = NDArray[np.uint8]


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


def _apply(
    values: FloatArray,
    keep: NDArray[np.bool_],
    dropout_ratio: float,
    inverted: bool,
    out: FloatArray,
) -> None:
    """Write one block of ``values * keep`` (over the keep probability when inverted) to ``out``.

    The same arithmetic as :func:`dropout_book.functional.forward_train`, which both passes
    share: the layer is diagonal, so its gradient applies the same mask to ``dout``.
    """
    np.multiply(values, keep, out=out)
    if inverted:
        if dropout_ratio == 1.0:
            out.fill(0)
        else:
            np.divide(out, 1.0 - dropout_ratio, out=out)


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
        Input; never modified. Need not be contiguous.
    bit_generator : numpy.random.PCG64 or numpy.random.PCG64DXSM
        Source of the mask; advanced by ``ceil(x.size * bits / 64)`` raw outputs, with
        ``bits`` from :func:`keep_rule`.
    dropout_ratio : float
        Probability of *dropping* a unit, in [0, 1].
    inverted : bool
        Divide the kept values by ``1 - dropout_ratio`` (all zeros when ``dropout_ratio`` is 1).
    workers : int
        Number of threads, at least 1. The result does not depend on it.
    block : int, optional
        Elements per block, a positive multiple of 8; by default :func:`block_size`'s. The
        result does not depend on it.

    Returns
    -------
    out : ndarray of shape S
        ``x * mask`` (divided by ``1 - dropout_ratio`` when inverted), computed exactly as
        :func:`dropout_book.functional.forward_train` computes it.
    packed : ndarray of uint8, of shape ``(ceil(x.size / 8),)``
        The keep-mask in C order, eight units per byte (``np.packbits``).
    """
    size = x.size
    block = block or block_size(x.nbytes, workers)
    out = np.empty(x.shape, dtype=np.result_type(x.dtype, np.bool_))
    packed = np.empty((size + 7) // 8, dtype=np.uint8)
    flat_out = out.reshape(-1)
    flat_x = x.reshape(-1) if x.flags.c_contiguous else None
    bits, threshold = keep_rule(dropout_ratio)
    words_per_output = 64 // bits
    nblocks = -(-size // block)
    sequential = workers == 1 or nblocks <= 1
    start = bit_generator.state

    def task(claim: Callable[[], int | None]) -> None:
        # Threads draw from copies set to the block's own place in the stream; a single
        # thread draws the blocks in order straight from the layer's bit generator.
        stream = bit_generator if sequential else type(bit_generator)(0)
        keep_buffer = np.empty(min(block, size), dtype=np.bool_)
        while (index := claim()) is not None:
            lo = index * block
            hi = min(lo + block, size)
            keep = keep_buffer[: hi - lo]
            if not sequential:
                stream.state = start
                stream.advance(lo // words_per_output)
            if threshold >> bits:  # 2**bits: drop every unit
                stream.advance(-(-(hi - lo) // words_per_output))
                keep.fill(False)
            else:
                np.greater_equal(_words(stream, hi - lo, bits), threshold, out=keep)
            x_block = flat_x[lo:hi] if flat_x is not None else x.flat[lo:hi]
            out_block = flat_out[lo:hi]
            _apply(x_block, keep, dropout_ratio, inverted, out_block)
            packed[lo // 8 : (hi + 7) // 8] = np.packbits(keep)

    _run(nblocks, workers, task)
    if not sequential:
        bit_generator.advance(-(-size // words_per_output))
    return out, packed


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
        Upstream gradient; never modified.
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
        ``dout * mask`` (divided by ``1 - dropout_ratio`` when inverted), computed exactly as
        :func:`dropout_book.functional.backward_train` computes it.
    """
    size = dout.size
    block = block or block_size(dout.nbytes, workers)
    dx = np.empty(dout.shape, dtype=np.result_type(dout.dtype, np.bool_))
    flat_dx = dx.reshape(-1)
    flat_dout = dout.reshape(-1) if dout.flags.c_contiguous else None

    def task(claim: Callable[[], int | None]) -> None:
        while (index := claim()) is not None:
            lo = index * block
            hi = min(lo + block, size)
            keep = np.unpackbits(packed[lo // 8 : (hi + 7) // 8], count=hi - lo).view(np.bool_)
            dout_block = flat_dout[lo:hi] if flat_dout is not None else dout.flat[lo:hi]
            dx_block = flat_dx[lo:hi]
            _apply(dout_block, keep, dropout_ratio, inverted, dx_block)

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
