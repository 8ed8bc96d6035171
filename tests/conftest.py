"""Fixtures and reference helpers shared by the test modules.

Fixtures: the two layer classes that share the book's protocol, and snapshots of NumPy's global
random state. Helpers (imported as ``from tests.conftest import ...``): the masks each layer
documents, re-implemented from its documentation, and PyTorch's inverted arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import Dropout, FastDropout

GlobalState = tuple[str, bytes, int, int, float]
LayerClass = type[Dropout]


def _snapshot() -> GlobalState:
    # The legacy generator's full state: its name, the Mersenne Twister key, the position in
    # it, and the cached Gaussian. Two equal snapshots mean no number was drawn in between.
    state = np.random.get_state(legacy=False)
    inner = state["state"]
    return (
        str(state["bit_generator"]),
        np.asarray(inner["key"]).tobytes(),
        int(inner["pos"]),
        int(state["has_gauss"]),
        float(state["gauss"]),
    )


@pytest.fixture
def global_rng_state() -> Callable[[], GlobalState]:
    """Seed the global state, then return a function that snapshots it for comparison."""
    np.random.seed(20160923)
    return _snapshot


@pytest.fixture(params=[Dropout, FastDropout], ids=["Dropout", "FastDropout"])
def layer_class(request: pytest.FixtureRequest) -> LayerClass:
    """Each of the two layers that share the book's protocol, arithmetic and checks."""
    layer: LayerClass = request.param
    return layer


def fast_keep(
    bit_generator: np.random.PCG64 | np.random.PCG64DXSM, size: int, ratio: float
) -> NDArray[np.bool_]:
    """Draw FastDropout's documented keep-mask of ``size`` units from ``bit_generator``.

    Written from the rule its docstring states: unit k is kept when the k-th little-endian
    word of the raw 64-bit outputs is at least a threshold; the words are bytes and the
    threshold 256 p when 256 p is whole, else 32-bit words and ceil(p * 2**32).
    """
    if (256 * ratio).is_integer():
        raw = bit_generator.random_raw(math.ceil(size / 8))
        words = raw.astype("<u8").view("<u1")[:size].astype(np.int64)
        return np.asarray(words >= 256 * ratio)
    raw = bit_generator.random_raw(math.ceil(size / 2))
    words = raw.astype("<u8").view("<u4")[:size].astype(np.int64)
    return np.asarray(words >= math.ceil(ratio * 2**32))


class MaskStream:
    """The masks a layer class documents for a seed, drawn from a twin of its generator."""

    def __init__(self, layer_class: LayerClass, bit_generator: np.random.BitGenerator) -> None:
        self.fast = issubclass(layer_class, FastDropout)
        self.bit_generator = bit_generator
        self.generator = np.random.Generator(bit_generator)

    def next(self, shape: tuple[int, ...], ratio: float) -> NDArray[np.bool_]:
        """Return the next mask of ``shape``: what the layer's next training pass draws."""
        if self.fast:
            assert isinstance(self.bit_generator, np.random.PCG64 | np.random.PCG64DXSM)
            return fast_keep(self.bit_generator, math.prod(shape), ratio).reshape(shape)
        return np.asarray(self.generator.random(shape) > ratio)


def twin_masks(layer_class: LayerClass, seed: int) -> MaskStream:
    """Return the masks ``layer_class(..., rng=seed)`` documents, in the order it draws them."""
    # An int seed gives Dropout default_rng(seed) (a PCG64) and FastDropout a PCG64DXSM.
    fast = issubclass(layer_class, FastDropout)
    bit_generator = np.random.PCG64DXSM(seed) if fast else np.random.PCG64(seed)
    return MaskStream(layer_class, bit_generator)


def inverted_product(
    x: NDArray[np.floating], mask: NDArray[np.bool_], ratio: float
) -> NDArray[np.floating]:
    """Return PyTorch's inverted dropout, written independently: x * mask * dtype(1 / (1 - p)).

    The reciprocal is computed in float64 and rounded to x's dtype; valid wherever that
    rounding is finite.
    """
    scale = x.dtype.type(1.0 / (1.0 - ratio))
    return np.asarray(x * mask * scale)
