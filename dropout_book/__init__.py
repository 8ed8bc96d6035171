"""dropout_book: the book's Dropout layer, hardened and explained.

The Dropout layer of 『ゼロから作るDeep Learning』 (斎藤康毅, O'Reilly Japan, 2016; English edition
*Deep Learning from the Basics*, Packt, 2021), with its numbers bit for bit by default, checked
input, a correct backward pass in every mode, PyTorch's inverted convention, and a fast path.

>>> import numpy as np
>>> from dropout_book import Dropout
>>> layer = Dropout(0.5, rng=3)
>>> layer.forward(np.ones(4))
array([0., 0., 1., 1.])
"""

from importlib import metadata

from dropout_book.book import BookDropout
from dropout_book.fast import FastDropout
from dropout_book.functional import (
    backward_inference,
    backward_train,
    draw_mask,
    forward_inference,
    forward_train,
)
from dropout_book.gradcheck import GradientCheck, check_gradient, numerical_gradient
from dropout_book.layer import Dropout

__all__ = [
    "BookDropout",
    "Dropout",
    "FastDropout",
    "GradientCheck",
    "backward_inference",
    "backward_train",
    "check_gradient",
    "draw_mask",
    "forward_inference",
    "forward_train",
    "numerical_gradient",
]

#: The installed distribution's version: pyproject.toml is the one place it is set.
__version__ = metadata.version("dropout_book")
