"""Invalid p is refused with a ValueError that names the argument; a layer keeps its old p.

PyTorch refuses p outside [0, 1] in ``nn.Dropout(p)`` and in ``F.dropout`` with a
``ValueError``; Keras refuses a ``rate`` outside [0, 1] with a ``ValueError`` that names the
argument. Here the same for the layers' constructors, their ``dropout_ratio`` attribute and
every function of :mod:`dropout_book.functional`, and also for nan and the infinities (which
PyTorch refuses too, nan with a ``RuntimeError``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from dropout_book import Dropout, FastDropout, functional

OUT_OF_RANGE = [-0.1, 1.1, -0.5, 1.5, -np.inf, np.inf, np.nan]
MESSAGE = re.escape("dropout_ratio must be a real number in [0, 1]")

FUNCTIONS: dict[str, Callable[[float], object]] = {
    "draw_mask": lambda p: functional.draw_mask(3, p, rng=0),
    "forward_train": lambda p: functional.forward_train(
        np.ones(3), np.ones(3, dtype=bool), p, inverted=True
    ),
    "forward_inference": lambda p: functional.forward_inference(np.ones(3), p, inverted=True),
    "backward_train": lambda p: functional.backward_train(
        np.ones(3), np.ones(3, dtype=bool), p, inverted=True
    ),
    "backward_inference": lambda p: functional.backward_inference(np.ones(3), p, inverted=True),
}


@pytest.mark.parametrize("layer_class", [Dropout, FastDropout])
@pytest.mark.parametrize("p", OUT_OF_RANGE)
def test_layers_refuse_p_outside_the_unit_interval(layer_class: type[Dropout], p: float) -> None:
    """The constructor raises ValueError naming dropout_ratio; a later assignment too."""
    with pytest.raises(ValueError, match=MESSAGE):
        layer_class(p, inverted=True, rng=0)
    layer = layer_class(0.25, inverted=True, rng=0)
    with pytest.raises(ValueError, match=MESSAGE):
        layer.dropout_ratio = p
    assert layer.dropout_ratio == 0.25


@pytest.mark.parametrize("call", FUNCTIONS.values(), ids=FUNCTIONS.keys())
@pytest.mark.parametrize("p", OUT_OF_RANGE)
def test_functions_refuse_p_outside_the_unit_interval(
    call: Callable[[float], object], p: float
) -> None:
    """Every function of dropout_book.functional raises ValueError naming dropout_ratio."""
    with pytest.raises(ValueError, match=MESSAGE):
        call(p)


@pytest.mark.parametrize("layer_class", [Dropout, FastDropout])
@pytest.mark.parametrize("p", [0.0, 1e-10, 0.5, 1.0 - 1e-10, 1.0])
def test_the_closed_unit_interval_is_accepted(layer_class: type[Dropout], p: float) -> None:
    """Both ends and points near them are valid drop probabilities, as in PyTorch and Keras."""
    assert layer_class(p, inverted=True, rng=0).forward(np.ones(4)).shape == (4,)
    for call in FUNCTIONS.values():
        call(p)
