"""dropout_book: the Dropout layer of *Deep Learning from Scratch*, hardened and explained.

>>> import numpy as np
>>> from dropout_book import Dropout
>>> layer = Dropout(0.5, rng=3)
>>> layer.forward(np.ones(4))
array([0., 0., 1., 1.])
"""

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
from dropout_book.reference import BookDropout

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

__version__ = "0.1.0"
