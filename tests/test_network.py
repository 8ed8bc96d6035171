"""Tests of dropout_book.network: the book's other layers, the network, SGD, the training loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import Dropout, numerical_gradient
from dropout_book.network import (
    SGD,
    Affine,
    MeanSquaredError,
    MultiLayerNet,
    Relu,
    SoftmaxWithLoss,
    train,
)

FloatArray = NDArray[np.float64]
# Central differences with eps = 1e-6 on float64 losses of order 1 are accurate to about
# eps**2 (truncation) + 1e-16 / eps (rounding), about 1e-10; the bounds leave a wide margin and
# are still far below any error a wrong gradient gives (of the order of the gradient itself).
RTOL, ATOL = 1e-6, 1e-8


def normal(shape: tuple[int, ...], seed: int) -> FloatArray:
    """Return reproducible standard normal values."""
    return np.random.default_rng(seed).standard_normal(shape)


def toy_data(n: int, seed: int = 0) -> tuple[FloatArray, NDArray[np.int64]]:
    """Return n points in the plane, labelled by the quadrant's parity (not linearly separable)."""
    x = normal((n, 2), seed)
    return x, ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)


class TestLayerGradients:
    """Each layer's backward pass agrees with finite differences of its forward pass."""

    def test_affine(self) -> None:
        """dx, dW and db of the affine layer match numerical gradients of sum(out * g)."""
        x, w, b, g = normal((4, 3), 0), normal((3, 5), 1), normal((5,), 2), normal((4, 5), 3)
        layer = Affine(w.copy(), b.copy())
        layer.forward(x)
        dx = layer.backward(g)
        assert layer.dW is not None
        assert layer.db is not None
        numerical = {
            "x": numerical_gradient(lambda v: float(np.sum((v @ w + b) * g)), x),
            "W": numerical_gradient(lambda v: float(np.sum((x @ v + b) * g)), w),
            "b": numerical_gradient(lambda v: float(np.sum((x @ w + v) * g)), b),
        }
        np.testing.assert_allclose(dx, numerical["x"], RTOL, ATOL)
        np.testing.assert_allclose(layer.dW, numerical["W"], RTOL, ATOL)
        np.testing.assert_allclose(layer.db, numerical["b"], RTOL, ATOL)

    def test_relu(self) -> None:
        """The ReLU's backward pass is its forward pass's derivative away from the kink."""
        x, g = normal((3, 4), 4), normal((3, 4), 5)
        relu = Relu()
        out = relu.forward(x)
        np.testing.assert_array_equal(out, np.where(x > 0, x, 0.0))
        expected = numerical_gradient(lambda v: float(np.sum(np.maximum(v, 0.0) * g)), x)
        np.testing.assert_allclose(relu.backward(g), expected, RTOL, ATOL)

    def test_softmax_with_loss(self) -> None:
        """The softmax cross-entropy's gradient matches finite differences, times dout."""
        scores, t = normal((5, 4), 6), np.array([0, 3, 1, 1, 2])
        loss = SoftmaxWithLoss()
        value = loss.forward(scores, t)
        expected = numerical_gradient(lambda v: SoftmaxWithLoss().forward(v, t), scores)
        np.testing.assert_allclose(loss.backward(), expected, RTOL, ATOL)
        np.testing.assert_allclose(loss.backward(2.0), 2.0 * expected, RTOL, ATOL)
        # the loss itself, from its definition
        probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        assert value == pytest.approx(-np.log(probabilities[np.arange(5), t]).mean(), rel=1e-12)

    def test_softmax_with_loss_survives_large_scores(self) -> None:
        """Scores of 1000 neither overflow nor give NaN: the loss of a sure right answer is 0."""
        loss = SoftmaxWithLoss()
        assert loss.forward(np.array([[1000.0, 0.0]]), np.array([0])) == 0.0
        np.testing.assert_array_equal(loss.backward(), [[0.0, 0.0]])

    def test_mean_squared_error(self) -> None:
        """The squared error's gradient matches finite differences, times dout."""
        y, t = normal((4, 2), 7), normal((4, 2), 8)
        mse = MeanSquaredError()
        assert mse.forward(y, t) == pytest.approx(0.5 * np.sum((y - t) ** 2) / 4, rel=1e-12)
        expected = numerical_gradient(lambda v: MeanSquaredError().forward(v, t), y)
        np.testing.assert_allclose(mse.backward(), expected, RTOL, ATOL)
        np.testing.assert_allclose(mse.backward(3.0), 3.0 * expected, RTOL, ATOL)

    @pytest.mark.parametrize(
        "layer", [Affine(np.eye(2), np.zeros(2)), Relu(), SoftmaxWithLoss(), MeanSquaredError()]
    )
    def test_backward_before_forward_is_an_error(self, layer: Any) -> None:
        """Calling backward before any forward raises a RuntimeError that names the layer."""
        with pytest.raises(RuntimeError, match=f"{type(layer).__name__}.backward called before"):
            layer.backward(np.ones((1, 2)))


def frozen_mask_loss(net: MultiLayerNet, x: FloatArray, t: Any) -> Callable[[str], FloatArray]:
    """Return a function giving the numerical gradient of one parameter, masks held fixed.

    Each evaluation of the loss restores every dropout layer's generator to its state before
    the analytic pass, so that every forward pass draws the masks the analytic pass drew.
    """
    states = [dict(layer.rng.bit_generator.state) for layer in net.dropout_layers if layer.rng]

    def loss_at(key: str) -> Callable[[FloatArray], float]:
        def loss(value: FloatArray) -> float:
            for layer, state in zip(net.dropout_layers, states, strict=True):
                assert layer.rng is not None
                layer.rng.bit_generator.state = state
            saved = net.params[key].copy()
            net.params[key][...] = value
            result = net.loss(x, t, train_flg=True)
            net.params[key][...] = saved
            return result

        return loss

    return lambda key: numerical_gradient(loss_at(key), net.params[key].copy())


class TestNetworkGradient:
    """The network's backward pass matches finite differences of its training-mode loss."""

    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("loss", ["softmax", "mse"])
    def test_every_parameter(self, inverted: bool, loss: str) -> None:
        """The gradient of every weight and bias, through ReLUs and masks, in both conventions."""
        net = MultiLayerNet(
            5, [6, 4], 3, dropout_ratio=[0.3, 0.5], input_dropout_ratio=0.2,
            inverted=inverted, loss=loss, seed=11,  # type: ignore[arg-type]
        )  # fmt: skip
        # Biases start at 0: an example whose dropped hidden units are all 0 would then put the
        # next layer exactly on the ReLU's kink, where finite differences average both slopes.
        for number in (1, 2, 3):
            net.params[f"b{number}"][...] = normal(net.params[f"b{number}"].shape, 20 + number)
        x = normal((7, 5), 12)
        t: Any = np.array([0, 1, 2, 2, 1, 0, 1]) if loss == "softmax" else normal((7, 3), 13)
        numerical = frozen_mask_loss(net, x, t)
        grads = net.gradient(x, t)
        assert sorted(grads) == ["W1", "W2", "W3", "b1", "b2", "b3"]
        for key, grad in grads.items():
            assert grad.shape == net.params[key].shape
            np.testing.assert_allclose(grad, numerical(key), RTOL, ATOL, err_msg=key)
        # the masks really dropped something, so the check covered them
        assert all(layer.mask is not None and not layer.mask.all() for layer in net.dropout_layers)


class TestNetworkStructure:
    """Layers, shapes, initialisation and seeding of MultiLayerNet."""

    def test_layers_in_the_books_order(self) -> None:
        """Affine, Relu, Dropout per hidden layer, then the output Affine; input dropout first."""
        net = MultiLayerNet(3, [4, 5], 2, dropout_ratio=[0.1, 0.6], input_dropout_ratio=0.2)
        names = [type(layer).__name__ for layer in net.layers]
        assert names == [
            "Dropout",
            "Affine",
            "Relu",
            "Dropout",
            "Affine",
            "Relu",
            "Dropout",
            "Affine",
        ]
        assert [layer.dropout_ratio for layer in net.dropout_layers] == [0.2, 0.1, 0.6]
        assert isinstance(net.last_layer, SoftmaxWithLoss)

    def test_no_dropout_layers_by_default(self) -> None:
        """Without a ratio there is no dropout layer, and training mode changes nothing."""
        net = MultiLayerNet(3, [4], 2, loss="mse")
        assert net.dropout_layers == []
        assert isinstance(net.last_layer, MeanSquaredError)
        x = normal((2, 3), 0)
        np.testing.assert_array_equal(net.predict(x, train_flg=True), net.predict(x))

    def test_one_ratio_for_every_hidden_layer(self) -> None:
        """A single float is used after every hidden layer, with the chosen convention."""
        net = MultiLayerNet(3, [4, 4, 4], 2, dropout_ratio=0.25, inverted=True)
        assert [layer.dropout_ratio for layer in net.dropout_layers] == [0.25] * 3
        assert all(layer.inverted for layer in net.dropout_layers)

    def test_params_are_the_layers_arrays(self) -> None:
        """Shapes (D, M) and (M,), biases at zero, shared with the affine layers."""
        net = MultiLayerNet(3, [4], 2)
        assert {key: value.shape for key, value in net.params.items()} == {
            "W1": (3, 4), "b1": (4,), "W2": (4, 2), "b2": (2,),
        }  # fmt: skip
        affine = [layer for layer in net.layers if isinstance(layer, Affine)]
        assert affine[0].W is net.params["W1"]
        assert affine[1].b is net.params["b2"]
        assert not net.params["b1"].any()
        assert net.predict(normal((6, 3), 0)).shape == (6, 2)

    def test_he_initialisation(self) -> None:
        """Weights have variance 2 / fan_in, within 5 standard errors of a sample variance.

        For n normal draws the sample variance has standard error sigma^2 sqrt(2 / (n - 1));
        with n = 64 * 400 = 25600 that is 0.88 % of sigma^2, so the bound is 4.4 %. The seed
        is fixed: the test is exact.
        """
        net = MultiLayerNet(64, [400], 10, seed=3)
        weights = net.params["W1"]
        assert abs(weights.mean()) < 5 * np.sqrt(2 / 64 / weights.size)
        assert weights.var(ddof=1) / (2 / 64) == pytest.approx(
            1, abs=5 * np.sqrt(2 / (weights.size - 1))
        )

    def test_same_seed_same_network_whatever_the_global_state(self) -> None:
        """The seed fixes weights and masks; NumPy's global state is neither used nor moved."""
        x = normal((4, 3), 0)
        np.random.seed(0)
        first = MultiLayerNet(3, [5], 2, dropout_ratio=0.5, seed=9)
        out_first = first.predict(x, train_flg=True)
        before = np.random.get_state(legacy=False)["state"]["key"].copy()
        np.random.seed(123)
        second = MultiLayerNet(3, [5], 2, dropout_ratio=0.5, seed=9)
        np.testing.assert_array_equal(second.predict(x, train_flg=True), out_first)
        np.random.seed(0)
        MultiLayerNet(3, [5], 2, dropout_ratio=0.5, seed=9).predict(x, train_flg=True)
        after = np.random.get_state(legacy=False)["state"]["key"]
        np.testing.assert_array_equal(after, before)
        other = MultiLayerNet(3, [5], 2, dropout_ratio=0.5, seed=10)
        assert not np.array_equal(other.params["W1"], first.params["W1"])

    def test_input_dropout_leaves_the_hidden_masks_alone(self) -> None:
        """Adding input dropout changes no weight and no hidden layer's generator."""
        plain = MultiLayerNet(3, [5, 5], 2, dropout_ratio=0.5, seed=4)
        extra = MultiLayerNet(3, [5, 5], 2, dropout_ratio=0.5, input_dropout_ratio=0.2, seed=4)
        for key in plain.params:
            np.testing.assert_array_equal(plain.params[key], extra.params[key])
        for one, two in zip(plain.dropout_layers, extra.dropout_layers[1:], strict=True):
            assert one.rng is not None
            assert two.rng is not None
            assert one.rng.bit_generator.state == two.rng.bit_generator.state

    def test_inference_mode_is_deterministic_and_scaled(self) -> None:
        """Inference multiplies by the keep probability (book) and draws nothing."""
        net = MultiLayerNet(3, [4], 2, dropout_ratio=0.25, seed=0)
        x = normal((2, 3), 1)
        layer = net.dropout_layers[0]
        assert layer.rng is not None
        state = dict(layer.rng.bit_generator.state)
        hidden = np.maximum(x @ net.params["W1"] + net.params["b1"], 0.0)
        expected = (0.75 * hidden) @ net.params["W2"] + net.params["b2"]
        np.testing.assert_allclose(net.predict(x), expected, rtol=1e-12)
        assert layer.rng.bit_generator.state == state

    def test_accuracy_and_evaluate(self) -> None:
        """Accuracy counts rows whose top score is the label; evaluate gives the same pair."""
        net = MultiLayerNet(2, [3], 3, seed=0)
        x = normal((6, 2), 5)
        predicted = net.predict(x).argmax(axis=1)
        t = predicted.copy()
        t[:2] = (t[:2] + 1) % 3  # two of six wrong
        assert net.accuracy(x, t) == pytest.approx(4 / 6)
        assert net.evaluate(x, t) == (net.loss(x, t), net.accuracy(x, t))

    def test_evaluate_a_regression(self) -> None:
        """A regression's accuracy is NaN; its loss is the inference-mode squared error."""
        net = MultiLayerNet(2, [3], 1, loss="mse", dropout_ratio=0.5, seed=0)
        x, t = normal((4, 2), 0), normal((4, 1), 1)
        loss, accuracy = net.evaluate(x, t)
        assert np.isnan(accuracy)
        assert loss == pytest.approx(0.5 * np.sum((net.predict(x) - t) ** 2) / 4)


class TestNetworkErrors:
    """Bad arguments raise errors that name them."""

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            ({"input_size": 0}, ValueError, "input_size must be at least 1"),
            ({"input_size": 2.0}, TypeError, "input_size must be an integer"),
            ({"input_size": True}, TypeError, "input_size must be an integer"),
            ({"hidden_sizes": [4, 0]}, ValueError, "hidden_sizes must be at least 1"),
            ({"output_size": -1}, ValueError, "output_size must be at least 1"),
            ({"dropout_ratio": [0.5]}, ValueError, "1 values for 2 hidden layers"),
            ({"dropout_ratio": 1.5}, ValueError, "dropout_ratio must be a real number"),
            ({"dropout_ratio": "0.5"}, TypeError, "dropout_ratio must be a real number"),
            ({"input_dropout_ratio": -0.1}, ValueError, "dropout_ratio must be a real number"),
            ({"loss": "hinge"}, ValueError, "loss must be 'softmax' or 'mse'"),
            ({"seed": -1}, ValueError, "seed must be at least 0"),
        ],
    )
    def test_constructor(
        self, kwargs: dict[str, Any], error: type[Exception], message: str
    ) -> None:
        """Sizes, ratios, loss and seed are checked when the network is made."""
        arguments: dict[str, Any] = {"input_size": 3, "hidden_sizes": [4, 4], "output_size": 2}
        with pytest.raises(error, match=message):
            MultiLayerNet(**{**arguments, **kwargs})

    @pytest.mark.parametrize(
        ("x", "t", "error", "message"),
        [
            (np.ones((2, 4)), np.array([0, 1]), ValueError, r"x must have shape \(N, 3\)"),
            (np.ones(3), np.array([0]), ValueError, r"x must have shape \(N, 3\)"),
            (np.ones((0, 3)), np.array([], dtype=int), ValueError, "N >= 1"),
            (np.full((2, 3), "a"), np.array([0, 1]), TypeError, "x must hold real numbers"),
            (np.ones((2, 3)), np.array([0.0, 1.0]), TypeError, "t must hold integer class labels"),
            (np.ones((2, 3)), np.array([0, 1, 1]), ValueError, r"t must have shape \(2,\)"),
            (np.ones((2, 3)), np.array([0, 2]), ValueError, r"labels in \[0, 2\), got 0 to 2"),
            (np.ones((2, 3)), np.array([-1, 0]), ValueError, r"labels in \[0, 2\)"),
        ],
    )
    def test_loss_inputs(self, x: Any, t: Any, error: type[Exception], message: str) -> None:
        """Inputs and labels are checked before anything is computed or drawn."""
        net = MultiLayerNet(3, [4], 2, dropout_ratio=0.5, seed=0)
        layer = net.dropout_layers[0]
        assert layer.rng is not None
        state = dict(layer.rng.bit_generator.state)
        with pytest.raises(error, match=message):
            net.loss(x, t, train_flg=True)
        assert layer.rng.bit_generator.state == state

    def test_regression_targets(self) -> None:
        """Regression targets need one row of output_size values per example."""
        net = MultiLayerNet(3, [4], 2, loss="mse")
        with pytest.raises(ValueError, match="t must have 2 rows, one per example, got 3"):
            net.loss(np.ones((2, 3)), np.ones((3, 2)))
        with pytest.raises(ValueError, match=r"t must have shape \(N, 2\)"):
            net.loss(np.ones((2, 3)), np.ones((2, 1)))

    def test_train_flg_must_be_a_bool(self) -> None:
        """A train_flg that is not a bool is refused, even by a network without dropout."""
        with pytest.raises(TypeError, match="train_flg must be True or False, got 1"):
            MultiLayerNet(3, [4], 2).predict(np.ones((1, 3)), train_flg=1)  # type: ignore[arg-type]


class TestSGD:
    """One SGD step, and the max-norm constraint."""

    def test_step(self) -> None:
        """Each parameter moves by -lr times its gradient, in place."""
        params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([0.5])}
        weights = params["W1"]
        SGD(lr=0.1).update(params, {"W1": np.array([[10.0, -10.0]]), "b1": np.array([1.0])})
        assert params["W1"] is weights
        np.testing.assert_allclose(params["W1"], [[0.0, 3.0]])
        np.testing.assert_allclose(params["b1"], [0.4])

    def test_max_norm(self) -> None:
        """Columns longer than max_norm are scaled to it; the others and the biases are not."""
        weights = np.array([[3.0, 0.3, 0.0], [4.0, 0.4, 0.0]])  # column norms 5, 0.5, 0
        params = {"W1": weights.copy(), "b1": np.array([100.0, 0.0, 0.0])}
        zeros = {key: np.zeros_like(value) for key, value in params.items()}
        SGD(lr=1.0, max_norm=2.0).update(params, zeros)
        np.testing.assert_allclose(params["W1"][:, 0], [1.2, 1.6])
        np.testing.assert_array_equal(params["W1"][:, 1:], weights[:, 1:])
        np.testing.assert_array_equal(params["b1"], [100.0, 0.0, 0.0])

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            ({"lr": 0.0}, ValueError, "lr must be a positive finite number"),
            ({"lr": float("inf")}, ValueError, "lr must be a positive finite number"),
            ({"lr": "0.1"}, TypeError, "lr must be a positive number"),
            ({"lr": True}, TypeError, "lr must be a positive number"),
            ({"max_norm": -1.0}, ValueError, "max_norm must be a positive finite number"),
        ],
    )
    def test_bad_arguments(
        self, kwargs: dict[str, Any], error: type[Exception], message: str
    ) -> None:
        """The learning rate and the bound must be positive finite numbers."""
        with pytest.raises(error, match=message):
            SGD(**kwargs)

    def test_mismatched_keys(self) -> None:
        """Gradients for other parameters are refused, and nothing is updated."""
        params = {"W1": np.ones((1, 1))}
        with pytest.raises(ValueError, match="grads has keys"):
            SGD().update(params, {"W2": np.ones((1, 1))})
        np.testing.assert_array_equal(params["W1"], [[1.0]])


class TestTrain:
    """The training loop: what it records, that it learns, that it repeats, what it refuses."""

    def test_learns_a_problem_that_needs_the_hidden_layer(self) -> None:
        """On the quadrant-parity problem the network goes from chance to above 90 %."""
        x, t = toy_data(200, seed=0)
        x_test, t_test = toy_data(200, seed=1)
        net = MultiLayerNet(2, [32, 32], 2, dropout_ratio=0.1, seed=0)
        history = train(net, SGD(lr=0.1), x, t, x_test, t_test, epochs=60, batch_size=20)
        assert all(len(column) == 60 for column in vars(history).values())
        assert history.train_accuracy[-1] > 0.9
        assert history.test_accuracy[-1] > 0.9
        assert history.train_loss[-1] < history.train_loss[0]
        assert history.train_loss[-1] == pytest.approx(net.loss(x, t))
        assert history.test_accuracy[-1] == pytest.approx(net.accuracy(x_test, t_test))

    def test_batch_loss_is_the_mean_of_the_training_mode_losses(self) -> None:
        """batch_loss is the mean of the mini-batch losses, the last batch a smaller one."""
        x, t = toy_data(10)
        net = MultiLayerNet(2, [4], 2, dropout_ratio=0.5, seed=1)
        twin = MultiLayerNet(2, [4], 2, dropout_ratio=0.5, seed=1)
        history = train(net, SGD(lr=0.1), x, t, x, t, epochs=1, batch_size=4, seed=5)
        order = np.random.default_rng(5).permutation(10)
        losses = []
        for batch in (order[:4], order[4:8], order[8:]):  # 4 + 4 + 2
            losses.append(twin.loss(x[batch], t[batch], train_flg=True))
            SGD(lr=0.1).update(twin.params, twin.backward())
        assert history.batch_loss[0] == pytest.approx(np.mean(losses), rel=1e-12)
        for key in net.params:
            np.testing.assert_allclose(net.params[key], twin.params[key], rtol=1e-12)

    def test_a_run_repeats_exactly(self) -> None:
        """The same seeds give the same history, bit for bit."""
        x, t = toy_data(30)

        def run() -> list[FloatArray]:
            net = MultiLayerNet(2, [8], 2, dropout_ratio=0.5, seed=2)
            return list(vars(train(net, SGD(lr=0.1), x, t, x, t, epochs=3, batch_size=8)).values())

        for first, second in zip(run(), run(), strict=True):
            np.testing.assert_array_equal(first, second)

    def test_regression(self) -> None:
        """A regression trains on real targets; its accuracy columns are NaN."""
        x = np.linspace(-1, 1, 40)[:, None]
        net = MultiLayerNet(1, [16], 1, loss="mse", seed=0)
        history = train(net, SGD(lr=0.1), x, x**2, x, x**2, epochs=50, batch_size=10)
        assert history.train_loss[-1] < 0.5 * history.train_loss[0]
        assert np.isnan(history.train_accuracy).all()

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            ({"epochs": 0}, ValueError, "epochs must be at least 1"),
            ({"batch_size": 0}, ValueError, "batch_size must be at least 1"),
            ({"seed": 1.5}, TypeError, "seed must be an integer"),
            ({"x_test": np.ones((3, 3))}, ValueError, r"x_test must have shape \(N, 2\)"),
            ({"t_train": np.zeros(9, dtype=int)}, ValueError, r"t_train must have shape \(10,\)"),
            ({"t_test": np.full(10, 2)}, ValueError, r"t_test must hold labels in \[0, 2\)"),
        ],
    )
    def test_bad_arguments_train_nothing(
        self, kwargs: dict[str, Any], error: type[Exception], message: str
    ) -> None:
        """Every argument is checked before the first update: the network is left as it was."""
        x, t = toy_data(10)
        net = MultiLayerNet(2, [4], 2, seed=0)
        before = {key: value.copy() for key, value in net.params.items()}
        arguments: dict[str, Any] = {
            "x_train": x, "t_train": t, "x_test": x, "t_test": t, "epochs": 2, "batch_size": 5,
        }  # fmt: skip
        with pytest.raises(error, match=message):
            train(net, SGD(), **{**arguments, **kwargs})
        for key, value in before.items():
            np.testing.assert_array_equal(net.params[key], value)


def test_dropout_layers_are_the_packages() -> None:
    """The network's dropout layers are dropout_book.Dropout, not a copy of it."""
    assert all(
        type(layer) is Dropout
        for layer in MultiLayerNet(2, [3], 2, dropout_ratio=0.5).dropout_layers
    )
