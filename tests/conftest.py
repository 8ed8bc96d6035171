"""Fixtures shared by the test modules: snapshots of NumPy's global random state."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

GlobalState = tuple[str, bytes, int, int, float]


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
