"""The book's other layers, a multi-layer network with optional Dropout, SGD and a training loop.

What the pages need to train the book's experiments with :class:`dropout_book.Dropout` in place:
the layers of the book's chapter 5 (:class:`Affine`, :class:`Relu`, :class:`SoftmaxWithLoss`)
in its protocol (``forward`` caches what ``backward`` consumes), a squared-error loss for
regression (:class:`MeanSquaredError`), a fully connected network with a dropout layer after
each hidden activation (:class:`MultiLayerNet`, after the book's ``MultiLayerNetExtend``), plain
:class:`SGD`, and :func:`train`, which records accuracy and loss after every epoch.

Every random number comes from a generator seeded by an argument: the weights and the masks from
``MultiLayerNet(seed=...)``, the order of the examples from ``train(seed=...)``. NumPy's global
state is never used, so a run repeats exactly, whatever else the program draws.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dropout_book.layer import Dropout

__all__ = [
    "SGD",
    "Affine",
    "History",
    "MeanSquaredError",
    "MultiLayerNet",
    "Relu",
    "SoftmaxWithLoss",
    "train",
]

FloatArray = NDArray[np.float64]
Params = dict[str, FloatArray]


def _as_matrix(x: ArrayLike, name: str, columns: int) -> FloatArray:
    """Return ``x`` as a float64 array of shape (N, columns), or raise naming ``name``."""
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {array.dtype}")
    if array.ndim != 2 or array.shape[1] != columns or len(array) == 0:
        raise ValueError(f"{name} must have shape (N, {columns}) with N >= 1, got {array.shape}")
    return array.astype(np.float64, copy=False)


def _as_labels(t: ArrayLike, name: str, rows: int, classes: int) -> NDArray[np.intp]:
    """Return class labels ``t`` as integers of shape (rows,) in [0, classes), or raise."""
    array = np.asarray(t)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {array.dtype}")
    if array.shape != (rows,):
        raise ValueError(f"{name} must have shape ({rows},), one label per row, got {array.shape}")
    if array.min() < 0 or array.max() >= classes:
        raise ValueError(
            f"{name} must hold labels in [0, {classes}), got {array.min()} to {array.max()}"
        )
    return array.astype(np.intp, copy=False)


def _check_count(value: object, name: str, minimum: int) -> int:
    """Return ``value`` as an int after checking it is an integer of at least ``minimum``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def _check_positive(value: object, name: str) -> float:
    """Return ``value`` as a float after checking it is a positive finite real number."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number > 0.0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number


def _not_ready(layer: object) -> RuntimeError:
    return RuntimeError(f"{type(layer).__name__}.backward called before forward")


class Affine:
    """Fully connected layer ``out = x @ W + b`` (the book's ``Affine``).

    Parameters
    ----------
    W : ndarray of shape (D, M)
        Weights, used as they are (not copied): an optimiser updating the array in place
        updates the layer.
    b : ndarray of shape (M,)
        Biases, likewise.

    Attributes
    ----------
    dW, db : ndarray or None
        Gradients of the loss with respect to ``W`` and ``b`` from the last ``backward``.

    Examples
    --------
    >>> layer = Affine(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -0.5]))
    >>> layer.forward(np.array([[1.0, 1.0]]))
    array([[4.5, 5.5]])
    >>> layer.backward(np.array([[1.0, 0.0]]))
    array([[1., 3.]])
    >>> layer.dW
    array([[1., 0.],
           [1., 0.]])
    """

    def __init__(self, W: FloatArray, b: FloatArray) -> None:  # noqa: N803 (the book's W)
        self.W = W
        self.b = b
        self.x: FloatArray | None = None
        self.dW: FloatArray | None = None
        self.db: FloatArray | None = None

    def forward(self, x: FloatArray) -> FloatArray:
        """Return ``x @ W + b`` for ``x`` of shape (N, D), and keep ``x`` for ``backward``."""
        self.x = x
        out: FloatArray = x @ self.W + self.b
        return out

    def backward(self, dout: FloatArray) -> FloatArray:
        """Store ``dW`` and ``db``; return the gradient with respect to the last ``x``."""
        if self.x is None:
            raise _not_ready(self)
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        dx: FloatArray = dout @ self.W.T
        return dx


class Relu:
    """Rectified linear unit ``max(0, x)`` (the book's ``Relu``).

    Its backward pass uses a mask exactly as dropout's does: units that gave 0 pass no gradient.

    Examples
    --------
    >>> relu = Relu()
    >>> relu.forward(np.array([[-1.0, 2.0]]))
    array([[0., 2.]])
    >>> relu.backward(np.array([[5.0, 5.0]]))
    array([[0., 5.]])
    """

    def __init__(self) -> None:
        self.mask: NDArray[np.bool_] | None = None

    def forward(self, x: FloatArray) -> FloatArray:
        """Return ``x`` with its non-positive entries set to 0; remember where they were."""
        self.mask = x <= 0
        return np.maximum(x, 0.0)

    def backward(self, dout: FloatArray) -> FloatArray:
        """Return ``dout`` with the entries of the units that gave 0 set to 0."""
        if self.mask is None:
            raise _not_ready(self)
        return np.where(self.mask, 0.0, dout)


class SoftmaxWithLoss:
    r"""Softmax followed by the mean cross-entropy over the batch (the book's ``SoftmaxWithLoss``).

    Notes
    -----
    For scores :math:`s` of shape (N, C) and labels :math:`t`, the loss is
    :math:`L = -\frac1N \sum_n \log y_{n t_n}` with :math:`y = \mathrm{softmax}(s)`, and
    :math:`\partial L / \partial s = (y - \mathrm{onehot}(t)) / N`. The scores are shifted by
    their row maximum first, which changes nothing but keeps ``exp`` from overflowing.

    Examples
    --------
    >>> loss = SoftmaxWithLoss()
    >>> round(loss.forward(np.zeros((2, 4)), np.array([0, 3])), 6)  # log 4
    1.386294
    >>> loss.backward()
    array([[-0.375,  0.125,  0.125,  0.125],
           [ 0.125,  0.125,  0.125, -0.375]])
    """

    def __init__(self) -> None:
        self.y: FloatArray | None = None
        self.t: NDArray[np.intp] | None = None

    def forward(self, x: FloatArray, t: NDArray[np.intp]) -> float:
        """Return the mean cross-entropy of scores ``x`` (N, C) for integer labels ``t`` (N,)."""
        shifted = x - x.max(axis=1, keepdims=True)
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.y, self.t = np.exp(log_y), t
        return float(-log_y[np.arange(len(t)), t].mean())

    def backward(self, dout: float = 1.0) -> FloatArray:
        """Return the gradient of ``dout`` times the loss with respect to the scores."""
        if self.y is None or self.t is None:
            raise _not_ready(self)
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1.0
        result: FloatArray = dx * (dout / len(self.t))
        return result


class MeanSquaredError:
    r"""Half the squared error, summed over outputs and averaged over the batch.

    The loss of a regression: :math:`L = \frac{1}{2N} \sum_n \lVert y_n - t_n \rVert^2`, with
    :math:`\partial L / \partial y = (y - t) / N` (the book's ``mean_squared_error``, per batch).

    Examples
    --------
    >>> mse = MeanSquaredError()
    >>> mse.forward(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
    1.25
    >>> mse.backward()
    array([[0.5],
           [1. ]])
    """

    def __init__(self) -> None:
        self.error: FloatArray | None = None

    def forward(self, y: FloatArray, t: FloatArray) -> float:
        """Return the loss of predictions ``y`` against targets ``t``, both of shape (N, M)."""
        self.error = y - t
        return float(0.5 * np.sum(self.error**2) / len(y))

    def backward(self, dout: float = 1.0) -> FloatArray:
        """Return the gradient of ``dout`` times the loss with respect to ``y``."""
        if self.error is None:
            raise _not_ready(self)
        result: FloatArray = self.error * (dout / len(self.error))
        return result


Layer = Affine | Relu | Dropout


class MultiLayerNet:
    r"""Fully connected ReLU network with a Dropout layer after each hidden activation.

    The layers are ``Affine, Relu, [Dropout], ..., Affine`` and then the loss, as in the book's
    ``MultiLayerNetExtend`` with ``use_dropout=True`` (without weight decay or batch
    normalisation).

    Parameters
    ----------
    input_size : int
        Number of inputs ``D``.
    hidden_sizes : sequence of int
        Units of each hidden layer, first to last (may be empty: a linear model).
    output_size : int
        Number of classes (``loss="softmax"``) or outputs (``loss="mse"``).
    dropout_ratio : None, float, or list or tuple of float, default None
        Probability of **dropping** each hidden unit (the book's ``dropout_ratio``). ``None``:
        no dropout layers. A float: the same ratio after every hidden layer. A list or tuple:
        one ratio per hidden layer.
    input_dropout_ratio : None or float, default None
        Probability of dropping each *input* unit, by a dropout layer before the first affine
        layer (Srivastava et al., 2014, use about 0.2 there). ``None``: no such layer.
    inverted : bool, default False
        ``False`` uses the book's convention for every dropout layer, ``True`` the inverted one
        (see :class:`dropout_book.Dropout`).
    loss : {"softmax", "mse"}, default "softmax"
        :class:`SoftmaxWithLoss` on integer class labels, or :class:`MeanSquaredError` on real
        targets of shape (N, output_size).
    seed : int, default 0
        Seeds the weights and every dropout layer's own generator (children of
        ``numpy.random.SeedSequence(seed)``). NumPy's global state is not used.

    Attributes
    ----------
    params : dict of str to ndarray
        ``W1, b1, ..., WL, bL``, the very arrays the affine layers compute with.
    layers : list
        The layers in order, loss excluded.
    dropout_layers : list of Dropout
        The dropout layers in order (the input's first, if any).

    Raises
    ------
    TypeError, ValueError
        If a size is not a positive integer, a ratio is not in [0, 1], the number of ratios
        differs from the number of hidden layers, or ``loss`` is not one of the names above.

    Notes
    -----
    The weights of each affine layer are drawn from :math:`\mathcal N(0, 2/n)`, with
    :math:`n` the number of its inputs (He et al., 2015), as the book does for ReLU networks;
    the biases start at 0.

    Examples
    --------
    >>> net = MultiLayerNet(4, [8, 8], 3, dropout_ratio=0.5, seed=0)
    >>> [type(layer).__name__ for layer in net.layers]
    ['Affine', 'Relu', 'Dropout', 'Affine', 'Relu', 'Dropout', 'Affine']
    >>> x = np.ones((2, 4))
    >>> net.predict(x).shape
    (2, 3)
    >>> grads = net.gradient(x, np.array([0, 2]))
    >>> sorted(grads) == sorted(net.params)
    True
    """

    def __init__(
        self,
        input_size: int,
        hidden_sizes: Sequence[int],
        output_size: int,
        *,
        dropout_ratio: float | list[float] | tuple[float, ...] | None = None,
        input_dropout_ratio: float | None = None,
        inverted: bool = False,
        loss: Literal["softmax", "mse"] = "softmax",
        seed: int = 0,
    ) -> None:
        self.input_size = _check_count(input_size, "input_size", 1)
        hidden = [_check_count(size, "hidden_sizes", 1) for size in hidden_sizes]
        self.output_size = _check_count(output_size, "output_size", 1)
        ratios = self._hidden_ratios(dropout_ratio, len(hidden))
        if loss not in ("softmax", "mse"):
            raise ValueError(f"loss must be 'softmax' or 'mse', got {loss!r}")
        self.loss_name = loss
        self.last_layer = SoftmaxWithLoss() if loss == "softmax" else MeanSquaredError()

        streams = np.random.SeedSequence(_check_count(seed, "seed", 0)).spawn(len(hidden) + 2)
        init = np.random.default_rng(streams[0])
        masks = iter(np.random.default_rng(stream) for stream in streams[1:])
        input_mask = next(masks)  # one stream for the input layer whether it is used or not,
        # so that adding input dropout leaves the hidden layers' masks as they were

        def dropout(ratio: float, rng: np.random.Generator) -> Dropout:
            return Dropout(ratio, rng=rng, inverted=inverted)

        self.params: Params = {}
        self.layers: list[Layer] = []
        self.dropout_layers: list[Dropout] = []
        if input_dropout_ratio is not None:
            self.dropout_layers.append(dropout(input_dropout_ratio, input_mask))
            self.layers.append(self.dropout_layers[-1])
        sizes = [self.input_size, *hidden, self.output_size]
        for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            number = index + 1
            self.params[f"W{number}"] = init.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out))
            self.params[f"b{number}"] = np.zeros(fan_out)
            self.layers.append(Affine(self.params[f"W{number}"], self.params[f"b{number}"]))
            if index < len(hidden):
                self.layers.append(Relu())
                rng = next(masks)
                if ratios is not None:
                    self.dropout_layers.append(dropout(ratios[index], rng))
                    self.layers.append(self.dropout_layers[-1])

    @staticmethod
    def _hidden_ratios(
        dropout_ratio: float | list[float] | tuple[float, ...] | None, count: int
    ) -> list[float] | None:
        if dropout_ratio is None:
            return None
        if isinstance(dropout_ratio, list | tuple):
            if len(dropout_ratio) != count:
                raise ValueError(
                    f"dropout_ratio has {len(dropout_ratio)} values for {count} hidden layers"
                )
            return list(dropout_ratio)
        return [dropout_ratio] * count  # checked by Dropout, as every ratio is

    def predict(self, x: ArrayLike, train_flg: bool = False) -> FloatArray:
        """Return the scores (or, for ``loss="mse"``, the outputs) of shape (N, output_size).

        Parameters
        ----------
        x : array_like of shape (N, input_size)
            Inputs, one example a row.
        train_flg : bool, default False
            Passed to every dropout layer: ``True`` draws new masks (training mode),
            ``False`` scales (inference mode).

        Raises
        ------
        TypeError, ValueError
            If ``x`` is not real or not of shape (N, input_size), or ``train_flg`` not a bool.
        """
        if not isinstance(train_flg, bool | np.bool_):
            raise TypeError(f"train_flg must be True or False, got {train_flg!r}")
        out = _as_matrix(x, "x", self.input_size)
        for layer in self.layers:
            if isinstance(layer, Dropout):
                out = layer.forward(out, train_flg).astype(np.float64, copy=False)
            else:
                out = layer.forward(out)
        return out

    def loss(self, x: ArrayLike, t: ArrayLike, train_flg: bool = False) -> float:
        """Return the loss of the whole batch, in training or inference mode.

        Parameters
        ----------
        x : array_like of shape (N, input_size)
        t : array_like
            Integer labels of shape (N,) for ``loss="softmax"``; targets of shape
            (N, output_size) for ``loss="mse"``.
        train_flg : bool, default False
            As for :meth:`predict`. A training-mode call prepares :meth:`backward`.
        """
        x = _as_matrix(x, "x", self.input_size)
        targets = self.check_targets(t, "t", len(x))
        scores = self.predict(x, train_flg)
        if isinstance(self.last_layer, SoftmaxWithLoss):
            return self.last_layer.forward(scores, targets.astype(np.intp, copy=False))
        return self.last_layer.forward(scores, targets.astype(np.float64, copy=False))

    def check_targets(self, t: ArrayLike, name: str, rows: int) -> NDArray[np.generic]:
        """Return ``t`` checked against this network's loss: labels (rows,) or targets.

        Raises
        ------
        TypeError, ValueError
            If ``t`` does not hold ``rows`` integer labels in [0, output_size) (softmax) or
            ``rows`` real rows of ``output_size`` targets (mse); the message names ``name``.
        """
        if self.loss_name == "softmax":
            return _as_labels(t, name, rows, self.output_size)
        targets = _as_matrix(t, name, self.output_size)
        if len(targets) != rows:
            raise ValueError(f"{name} must have {rows} rows, one per example, got {len(targets)}")
        return targets

    def backward(self) -> Params:
        """Backpropagate the last :meth:`loss` and return the gradient of every parameter."""
        dout = self.last_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout).astype(np.float64, copy=False)
        grads: Params = {}
        for number, layer in enumerate(self._affine_layers(), start=1):
            assert layer.dW is not None
            assert layer.db is not None
            grads[f"W{number}"], grads[f"b{number}"] = layer.dW, layer.db
        return grads

    def gradient(self, x: ArrayLike, t: ArrayLike) -> Params:
        """Return the gradients of the training-mode loss on ``(x, t)``, fresh masks drawn."""
        self.loss(x, t, train_flg=True)
        return self.backward()

    def accuracy(self, x: ArrayLike, t: ArrayLike) -> float:
        """Return the share of rows of ``x`` whose highest score is their label (inference)."""
        return self.evaluate(x, t)[1]

    def evaluate(self, x: ArrayLike, t: ArrayLike) -> tuple[float, float]:
        """Return ``(loss, accuracy)`` in inference mode from one forward pass.

        For ``loss="mse"`` the accuracy is ``nan``: a regression has no classes.
        """
        loss = self.loss(x, t, train_flg=False)
        if not isinstance(self.last_layer, SoftmaxWithLoss):
            return loss, math.nan
        assert self.last_layer.y is not None
        assert self.last_layer.t is not None
        return loss, float(np.mean(self.last_layer.y.argmax(axis=1) == self.last_layer.t))

    def _affine_layers(self) -> list[Affine]:
        return [layer for layer in self.layers if isinstance(layer, Affine)]


class SGD:
    r"""Stochastic gradient descent, ``W -= lr * dW``, optionally with a max-norm constraint.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate (the book's default).
    max_norm : None or float, default None
        If set, after each step every weight matrix's columns (the incoming weights of one
        unit) longer than ``max_norm`` are scaled back to that length (Srivastava et al.,
        2014, section 5.1). Biases are not constrained.

    Examples
    --------
    >>> params = {"W1": np.array([[3.0], [4.0]]), "b1": np.array([1.0])}
    >>> grads = {"W1": np.array([[-3.0], [-4.0]]), "b1": np.array([1.0])}
    >>> SGD(lr=1.0, max_norm=5.0).update(params, grads)
    >>> params["W1"], params["b1"]
    (array([[3.],
           [4.]]), array([0.]))
    """

    def __init__(self, lr: float = 0.01, max_norm: float | None = None) -> None:
        self.lr = _check_positive(lr, "lr")
        self.max_norm = None if max_norm is None else _check_positive(max_norm, "max_norm")

    def update(self, params: Params, grads: Params) -> None:
        """Update ``params`` in place, one step against ``grads`` (which must have its keys)."""
        if grads.keys() != params.keys():
            raise ValueError(f"grads has keys {sorted(grads)}, params {sorted(params)}")
        for key, value in params.items():
            value -= self.lr * grads[key]
            if self.max_norm is not None and value.ndim == 2:
                norms = np.sqrt((value**2).sum(axis=0))
                # Columns within the bound get the factor max_norm / max_norm, exactly 1.
                value *= self.max_norm / np.maximum(norms, self.max_norm)


@dataclass(frozen=True)
class History:
    """What :func:`train` measured after each epoch; every array has one entry per epoch.

    Attributes
    ----------
    train_accuracy, test_accuracy : ndarray of shape (epochs,)
        Share of examples classified right, in inference mode (``nan`` for a regression).
    train_loss, test_loss : ndarray of shape (epochs,)
        Loss over the whole training or test set, in inference mode.
    batch_loss : ndarray of shape (epochs,)
        Mean of the training-mode losses of the epoch's mini-batches: the loss the updates
        followed, each batch under its own masks.
    """

    train_accuracy: FloatArray
    test_accuracy: FloatArray
    train_loss: FloatArray
    test_loss: FloatArray
    batch_loss: FloatArray


def train(
    network: MultiLayerNet,
    optimizer: SGD,
    x_train: ArrayLike,
    t_train: ArrayLike,
    x_test: ArrayLike,
    t_test: ArrayLike,
    *,
    epochs: int,
    batch_size: int,
    seed: int = 0,
) -> History:
    """Train ``network`` in mini-batches and measure it after every epoch.

    Each epoch visits the training examples once, in an order drawn from
    ``numpy.random.default_rng(seed)``, in mini-batches of ``batch_size`` (the last one
    smaller if ``batch_size`` does not divide the number of examples). Each mini-batch gets a
    training-mode forward pass, a backward pass and one optimiser step.

    Parameters
    ----------
    network : MultiLayerNet
        Trained in place.
    optimizer : SGD
    x_train, t_train, x_test, t_test : array_like
        Inputs of shape (N, input_size) and their labels or targets, as for
        :meth:`MultiLayerNet.loss`.
    epochs : int
        Number of passes over the training set, at least 1.
    batch_size : int
        Examples per mini-batch, at least 1.
    seed : int, default 0
        Seeds the order of the examples.

    Returns
    -------
    History

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type, shape or range; nothing is trained then.

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [1.0, 0.0]] * 4)
    >>> t = np.array([0, 1] * 4)
    >>> net = MultiLayerNet(2, [8], 2, seed=0)
    >>> history = train(net, SGD(lr=0.5), x, t, x, t, epochs=20, batch_size=4)
    >>> float(history.train_accuracy[-1])
    1.0
    """
    epochs = _check_count(epochs, "epochs", 1)
    batch_size = _check_count(batch_size, "batch_size", 1)
    order_rng = np.random.default_rng(_check_count(seed, "seed", 0))
    # Run every check (shapes, label ranges) before the first update.
    x_train = _as_matrix(x_train, "x_train", network.input_size)
    x_test = _as_matrix(x_test, "x_test", network.input_size)
    t_train = network.check_targets(t_train, "t_train", len(x_train))
    t_test = network.check_targets(t_test, "t_test", len(x_test))

    columns: dict[str, list[float]] = {field.name: [] for field in fields(History)}
    for _ in range(epochs):
        batch_losses = []
        order = order_rng.permutation(len(x_train))
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            batch_losses.append(network.loss(x_train[batch], t_train[batch], train_flg=True))
            optimizer.update(network.params, network.backward())
        for split, x, t in (("train", x_train, t_train), ("test", x_test, t_test)):
            loss, accuracy = network.evaluate(x, t)
            columns[f"{split}_loss"].append(loss)
            columns[f"{split}_accuracy"].append(accuracy)
        columns["batch_loss"].append(float(np.mean(batch_losses)))
    return History(**{name: np.array(values) for name, values in columns.items()})
