"""Fixtures and reference helpers shared by the test modules.

Fixtures: the layer classes that share the book's protocol (``layer_class``: the two with a
keep-mask; ``noise_layer_class``: those two and Gaussian dropout; ``make_layer``: every layer,
DropConnect included, for the checks of their settings), and snapshots of NumPy's global random
state. Helpers (imported as ``from tests.conftest import ...``): the masks and noise each layer
documents, re-implemented from its documentation, and PyTorch's inverted arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import Dropout, FastDropout
from dropout_book.layer import DropoutSettings, NoiseLayer
from dropout_book.variants import DropConnect, GaussianDropout

GlobalState = tuple[str, bytes, int, int, float]
LayerClass = type[Dropout]
NoiseLayerClass = type[Dropout] | type[GaussianDropout]


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


@pytest.fixture(
    params=[Dropout, FastDropout, GaussianDropout], ids=["Dropout", "FastDropout", "Gaussian"]
)
def noise_layer_class(request: pytest.FixtureRequest) -> NoiseLayerClass:
    """Each layer that multiplies its input by noise it draws: the rules of the protocol."""
    layer: NoiseLayerClass = request.param
    return layer


@pytest.fixture(
    params=[Dropout, FastDropout, GaussianDropout, DropConnect],
    ids=["Dropout", "FastDropout", "Gaussian", "DropConnect"],
)
def make_layer(request: pytest.FixtureRequest) -> Callable[..., DropoutSettings]:
    """Return a constructor of each layer, taking the settings every layer shares."""
    cls = request.param
    if cls is DropConnect:
        return lambda *args, **kwargs: DropConnect(np.ones((3, 2)), np.zeros(2), *args, **kwargs)
    return cls  # type: ignore[no-any-return]


def noise_of(layer: NoiseLayer) -> NDArray[np.generic] | None:
    """Return the noise a layer keeps from its last training pass: its mask, or its noise."""
    if isinstance(layer, GaussianDropout):
        return layer.noise
    assert isinstance(layer, Dropout)
    return layer.mask


def gaussian_reference(z: NDArray[np.float64], ratio: float, inverted: bool) -> NDArray[np.float64]:
    """Gaussian dropout's noise from standard normals z, written from its definition.

    The mean and variance of dropout's mask: N(1, p / (1 - p)) inverted, N(q, p q) classic.
    """
    q = 1.0 - ratio
    if inverted:
        return np.asarray(1.0 + np.sqrt(ratio / q) * z)
    return np.asarray(q + np.sqrt(ratio * q) * z)


def train_map(
    layer: NoiseLayer, x: NDArray[np.floating], ratio: float, inverted: bool
) -> NDArray[np.floating]:
    """Return what a training pass with the layer's kept noise makes of x, from the definitions.

    Dropout's mask: the book's x * mask, or PyTorch's x * mask * dtype(1 / (1 - p)); Gaussian
    noise: x * noise, computed in float64 and rounded to x's dtype. The noise is broadcast when
    it is shared along axes.
    """
    noise = noise_of(layer)
    assert noise is not None
    if isinstance(layer, GaussianDropout):
        return np.asarray(x.astype(np.result_type(x.dtype, noise.dtype)) * noise).astype(x.dtype)
    mask = np.broadcast_to(noise, x.shape)
    if inverted:
        return np.zeros_like(x) if ratio == 1.0 else inverted_product(x, mask, ratio)
    return np.asarray(x * mask)


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
    """The masks (or noise) a layer class documents for a seed, drawn from a twin generator."""

    def __init__(
        self, layer_class: type[DropoutSettings], bit_generator: np.random.BitGenerator
    ) -> None:
        self.kind = (
            "fast"
            if issubclass(layer_class, FastDropout)
            else "gaussian"
            if issubclass(layer_class, GaussianDropout)
            else "book"
        )
        self.bit_generator = bit_generator
        self.generator = np.random.Generator(bit_generator)

    def next(self, shape: tuple[int, ...], ratio: float, inverted: bool = False) -> NDArray[Any]:
        """Return the next mask or noise of ``shape``: what the next training pass draws."""
        if self.kind == "fast":
            assert isinstance(self.bit_generator, np.random.PCG64 | np.random.PCG64DXSM)
            return fast_keep(self.bit_generator, math.prod(shape), ratio).reshape(shape)
        if self.kind == "gaussian":
            return gaussian_reference(self.generator.standard_normal(shape), ratio, inverted)
        return np.asarray(self.generator.random(shape) > ratio)


def twin_masks(layer_class: type[DropoutSettings], seed: int) -> MaskStream:
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
