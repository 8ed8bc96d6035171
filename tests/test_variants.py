"""Tests of dropout_book.variants: what only Gaussian dropout and DropConnect do.

What GaussianDropout shares with Dropout (protocol, settings, checks, layouts, dtypes, noise
shapes) runs over all the noise layers in test_layer.py, its statistics in test_statistics.py.
DropConnect's reference is the affine map written here from its definition: x @ (M * W) + b
while training (PyTorch's scale 1 / (1 - p) on the kept weights when inverted), x @ (q W) + b or
x @ W + b at inference, and the gradients of that map.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import check_gradient, numerical_gradient
from dropout_book.variants import DropConnect, GaussianDropout
from tests.conftest import gaussian_reference, inverted_product, twin_masks

Float64Array = NDArray[np.float64]


def sample(shape: int | tuple[int, ...], seed: int = 0) -> Float64Array:
    """Return reproducible standard normal values of the given shape."""
    return np.random.default_rng(seed).standard_normal(shape)


class TestGaussianDropout:
    """Gaussian noise with dropout's mean and variance; inverted p = 1 refused."""

    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("ratio", [0.1, 0.5, 0.8])
    def test_noise_is_the_documented_transform_of_normal_draws(
        self, inverted: bool, ratio: float
    ) -> None:
        """Noise is 1 + sqrt(p / q) z (inverted) or q + sqrt(p q) z, z the generator's normals."""
        layer = GaussianDropout(ratio, rng=3, inverted=inverted)
        x = sample((5, 4)).astype(np.float32)
        out = layer.forward(x)
        z = np.random.default_rng(3).standard_normal((5, 4))
        np.testing.assert_array_equal(layer.noise, gaussian_reference(z, ratio, inverted))
        assert layer.noise is not None
        assert layer.noise.dtype == np.float64
        np.testing.assert_array_equal(out, (x * layer.noise).astype(np.float32), strict=True)

    def test_global_state_draws_standard_normals(self) -> None:
        """With rng=None the noise comes from np.random.standard_normal, as seeded."""
        np.random.seed(5)
        z = np.random.standard_normal((2, 3))
        np.random.seed(5)
        layer = GaussianDropout(0.4)
        layer.forward(np.ones((2, 3)))
        np.testing.assert_array_equal(layer.noise, gaussian_reference(z, 0.4, False))

    @pytest.mark.parametrize("inverted", [False, True])
    def test_zero_ratio_noise_is_exactly_one(self, inverted: bool) -> None:
        """At p = 0 the noise is exactly 1: the layer is the identity in both modes."""
        layer = GaussianDropout(0.0, rng=1, inverted=inverted)
        x = sample(100)
        np.testing.assert_array_equal(layer.forward(x), x)
        np.testing.assert_array_equal(layer.noise, np.ones(100))

    def test_classic_ratio_one_gives_zeros(self) -> None:
        """Classic p = 1: the noise is N(0, 0), exactly 0, and so are output and gradient."""
        layer = GaussianDropout(1.0, rng=2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = layer.forward(sample(10))
            dx = layer.backward(sample(10, seed=1))
        np.testing.assert_array_equal(out, np.zeros(10))
        np.testing.assert_array_equal(dx, np.zeros(10))

    def test_inverted_ratio_one_is_refused(self, global_rng_state: Callable[[], object]) -> None:
        """Inverted p = 1 (infinite variance) raises ValueError at construction and at forward."""
        message = r"^dropout_ratio must be below 1 for inverted Gaussian dropout"
        with pytest.raises(ValueError, match=message):
            GaussianDropout(1.0, inverted=True)
        layer = GaussianDropout(0.5)
        layer.forward(np.ones(3))
        noise = layer.noise
        layer.dropout_ratio = 1.0
        layer.inverted = True  # each setting is valid on its own
        before = global_rng_state()
        with pytest.raises(ValueError, match=message):
            layer.forward(np.ones(3))
        assert layer.noise is noise
        assert global_rng_state() == before
        np.testing.assert_array_equal(layer.forward(np.ones(3), train_flg=False), np.ones(3))

    def test_noise_is_read_only(self) -> None:
        """The noise is the layer's record of its last pass: it cannot be assigned."""
        layer = GaussianDropout(0.5, rng=0)
        with pytest.raises(AttributeError):
            layer.noise = np.ones(3)  # type: ignore[misc]

    def test_negative_noise_is_possible(self) -> None:
        """Unlike a mask, the noise is continuous: some values are negative (p / q = 4 here)."""
        layer = GaussianDropout(0.8, rng=4, inverted=True)
        layer.forward(np.ones(1000))
        assert layer.noise is not None
        assert (layer.noise < 0).any()
        assert len(np.unique(layer.noise)) == 1000


def affine_layer(
    ratio: float = 0.5, *, inverted: bool = False, rng: int = 0, **kwargs: object
) -> tuple[DropConnect, Float64Array, Float64Array, Float64Array]:
    """Return a DropConnect layer on W of shape (4, 3) and b (3,), with an x of shape (5, 4)."""
    weights, bias, x = sample((4, 3), 1), sample(3, 2), sample((5, 4), 3)
    layer = DropConnect(weights, bias, ratio, rng=rng, inverted=inverted, **kwargs)  # type: ignore[arg-type]
    return layer, weights, bias, x


def used_weights(
    weights: Float64Array, mask: NDArray[Any] | None, ratio: float, inverted: bool
) -> NDArray[np.floating]:
    """Return the weights a pass computes with, from the definitions (mask None: inference)."""
    if mask is None:
        return weights if inverted else weights * (1.0 - ratio)
    full = np.broadcast_to(mask, weights.shape)
    return inverted_product(weights, full, ratio) if inverted else weights * full


class TestDropConnect:
    """x @ (M * W) + b while training, the weight-scaled map at inference, and its gradients."""

    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("ratio", [0.0, 0.3, 0.5, 1.0])
    def test_training_forward_and_backward(self, inverted: bool, ratio: float) -> None:
        """Output, dx, dW and db are those of the affine map with the drawn mask, bit for bit."""
        layer, weights, bias, x = affine_layer(ratio, inverted=inverted)
        out = layer.forward(x)
        mask = twin_masks(DropConnect, 0).next(weights.shape, ratio)
        np.testing.assert_array_equal(layer.mask, mask, strict=True)
        # Inverted at p = 1 nothing is kept: zeros, as Dropout gives (no 1 / 0).
        dropped = inverted and ratio == 1.0
        used = np.zeros_like(weights) if dropped else used_weights(weights, mask, ratio, inverted)
        np.testing.assert_array_equal(out, x @ used + bias, strict=True)
        dout = sample((5, 3), 4)
        dx = layer.backward(dout)
        np.testing.assert_array_equal(dx, dout @ used.T, strict=True)
        weight_gradient = x.T @ dout
        expected_dw = (
            np.zeros_like(weights)
            if dropped
            else used_weights(weight_gradient, mask, ratio, inverted)
        )
        np.testing.assert_array_equal(layer.dW, expected_dw, strict=True)
        np.testing.assert_array_equal(layer.db, dout.sum(axis=0), strict=True)

    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("ratio", [0.0, 0.3, 1.0])
    def test_inference_is_the_weight_scaled_affine_map(self, inverted: bool, ratio: float) -> None:
        """Inference: x @ (q W) + b (classic) or x @ W + b; no mask, no draw; gradients match."""
        layer, weights, bias, x = affine_layer(ratio, inverted=inverted)
        state = dict(np.random.default_rng(0).bit_generator.state)
        out = layer.forward(x, train_flg=False)
        assert layer.mask is None
        assert layer.rng is not None
        assert layer.rng.bit_generator.state == state
        used = used_weights(weights, None, ratio, inverted)
        np.testing.assert_array_equal(out, x @ used + bias, strict=True)
        dout = sample((5, 3), 4)
        np.testing.assert_array_equal(layer.backward(dout), dout @ used.T)
        np.testing.assert_array_equal(layer.dW, (x.T @ dout) * (1.0 if inverted else 1.0 - ratio))
        np.testing.assert_array_equal(layer.db, dout.sum(axis=0))

    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_gradients_agree_with_finite_differences(self, inverted: bool, train_flg: bool) -> None:
        """dx, dW and db equal central differences of sum(dout * out), the mask held fixed."""
        layer, weights, bias, x = affine_layer(0.4, inverted=inverted, rng=7)
        result = check_gradient(layer, x, train_flg=train_flg)
        assert result.max_abs_error < 1e-8
        dout = np.random.default_rng(0).standard_normal((5, 3))  # check_gradient's default
        mask = layer.mask

        def loss(w: Float64Array, b: Float64Array) -> float:
            used = used_weights(w, mask, 0.4, inverted)
            return float(np.sum(dout * (x @ used + b)))

        dw = numerical_gradient(lambda w: loss(w, bias), weights)
        db = numerical_gradient(lambda b: loss(weights, b), bias)
        # The map is linear in W and b: the differences are exact up to rounding, 1e-16 / 1e-6.
        np.testing.assert_allclose(layer.dW, dw, rtol=0, atol=1e-8)  # type: ignore[arg-type]
        np.testing.assert_allclose(layer.db, db, rtol=0, atol=1e-8)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("noise_shape", "mask_shape"), [((None, 1), (4, 1)), ((1, None), (1, 3)), ((1, 1), (1, 1))]
    )
    def test_noise_shape_drops_rows_or_columns_of_w(
        self, noise_shape: tuple[int | None, ...], mask_shape: tuple[int, ...]
    ) -> None:
        """(None, 1) drops whole rows of W (input units), (1, None) whole columns (outputs)."""
        layer, weights, bias, x = affine_layer(0.5, noise_shape=noise_shape, rng=2)
        out = layer.forward(x)
        mask = twin_masks(DropConnect, 2).next(mask_shape, 0.5)
        np.testing.assert_array_equal(layer.mask, mask, strict=True)
        np.testing.assert_array_equal(out, x @ (weights * mask) + bias)
        dout = sample((5, 3), 4)
        layer.backward(dout)
        np.testing.assert_array_equal(layer.dW, (x.T @ dout) * mask)

    def test_rows_of_w_are_dropout_on_the_input(self) -> None:
        """Dropping row i of W is dropping input unit i: x @ (m[:, None] * W) = (x * m) @ W."""
        layer, weights, bias, x = affine_layer(0.5, noise_shape=(None, 1), rng=5)
        out = layer.forward(x)
        assert layer.mask is not None
        np.testing.assert_allclose(out, (x * layer.mask[:, 0]) @ weights + bias, rtol=1e-14)

    def test_parameters_are_used_as_they_are(self) -> None:
        """An in-place update of W (as an optimiser makes) is seen by the next pass."""
        layer, weights, bias, x = affine_layer(0.0)
        assert layer.W is weights
        assert layer.b is bias
        weights -= 0.5
        np.testing.assert_array_equal(layer.forward(x), x @ weights + bias)

    def test_weight_count_is_binomial(self) -> None:
        """Each weight is kept with probability q: of 200 x 500 weights, 6 sd of n q.

        The kept count of n = 100 000 independent Bernoulli(q) weights is Binomial(n, q):
        within 6 sqrt(n q (1 - q)) of n q except with probability below 2e-9.
        """
        n, q = 100_000, 0.7
        layer = DropConnect(np.ones((200, 500)), np.zeros(500), 1.0 - q, rng=11)
        layer.forward(np.ones((1, 200)))
        assert layer.mask is not None
        kept = int(layer.mask.sum())
        assert abs(kept - n * q) <= 6.0 * np.sqrt(n * q * (1.0 - q))

    @pytest.mark.parametrize(
        ("x_shape", "bias_shape", "message"),
        [
            ((5, 3), (3,), r"x has shape \(5, 3\) but W has shape \(4, 3\)"),
            ((5,), (3,), r"x has shape \(5,\) but W has shape \(4, 3\)"),
            ((2, 5, 4), (3,), r"x has shape \(2, 5, 4\) but W has shape \(4, 3\)"),
            ((5, 4), (4,), r"b has shape \(4,\) but W has shape \(4, 3\)"),
        ],
    )
    def test_shapes_that_do_not_fit_change_nothing(
        self,
        x_shape: tuple[int, ...],
        bias_shape: tuple[int, ...],
        message: str,
        global_rng_state: Callable[[], object],
    ) -> None:
        """An x not (N, D), or b not (M,): ValueError naming the shapes; nothing is drawn."""
        layer = DropConnect(np.ones((4, 3)), np.zeros(bias_shape), 0.5)
        before = global_rng_state()
        with pytest.raises(ValueError, match=message):
            layer.forward(np.ones(x_shape))
        assert layer.mask is None
        assert layer.train_flg is None
        assert global_rng_state() == before

    @pytest.mark.parametrize(
        ("name", "value", "error", "message"),
        [
            ("W", np.ones(3), ValueError, r"^W must have 2 axes, got shape \(3,\)"),
            ("W", np.ones((2, 2), dtype=complex), TypeError, r"^W has complex dtype"),
            ("b", np.ones((1, 3)), ValueError, r"^b must have 1 axes, got shape \(1, 3\)"),
            ("b", np.array(["0"]), TypeError, r"^b must hold real numbers"),
        ],
    )
    def test_parameters_are_checked(
        self, name: str, value: object, error: type[Exception], message: str
    ) -> None:
        """W and b are checked at construction and when assigned; a bad one keeps the old."""
        layer, weights, bias, _ = affine_layer()
        with pytest.raises(error, match=message):
            setattr(layer, name, value)
        assert layer.W is weights
        assert layer.b is bias
        arguments = {"W": weights, "b": bias, name: value}
        with pytest.raises(error, match=message):
            DropConnect(arguments["W"], arguments["b"])  # type: ignore[arg-type]

    def test_integer_parameters_become_float64(self) -> None:
        """Integer W and b are converted to float64 (a copy), as x is."""
        layer = DropConnect(np.ones((2, 2), dtype=np.int64), np.zeros(2, dtype=np.int64), 0.0)
        assert layer.W.dtype == layer.b.dtype == np.float64

    def test_backward_before_forward_and_bad_dout(self) -> None:
        """Backward asks for forward first; a dout of another shape than the output is refused."""
        layer, _, _, x = affine_layer()
        with pytest.raises(RuntimeError, match=re.escape("call forward(x) first")):
            layer.backward(np.ones((5, 3)))
        layer.forward(x)
        for shape in [(5, 4), (3,), (1, 3)]:
            with pytest.raises(ValueError, match=r"dout has shape .* had shape \(5, 3\)"):
                layer.backward(np.ones(shape))
        assert layer.dW is None
        assert layer.db is None

    def test_a_mask_assigned_by_hand(self) -> None:
        """A hand-set mask is checked (boolean, fits W) and used; None after training is refused."""
        layer, _, _, x = affine_layer()
        layer.forward(x)
        with pytest.raises(TypeError, match="mask must be a boolean array"):
            layer.mask = np.ones((4, 3))  # type: ignore[assignment]
        layer.mask = np.eye(4, 3, dtype=bool)
        dout = sample((5, 3), 4)
        layer.backward(dout)
        np.testing.assert_array_equal(layer.dW, (x.T @ dout) * np.eye(4, 3))
        layer.mask = np.ones((3, 4), dtype=bool)
        with pytest.raises(ValueError, match=r"mask has shape \(3, 4\) but W has shape \(4, 3\)"):
            layer.backward(dout)
        layer.mask = None
        with pytest.raises(RuntimeError, match="mask has since been set to None"):
            layer.backward(dout)

    def test_inputs_are_untouched(self) -> None:
        """x, W, b and dout keep their values through forward and backward."""
        layer, weights, bias, x = affine_layer(0.5, inverted=True)
        copies = [array.copy() for array in (weights, bias, x)]
        dout = sample((5, 3), 4)
        dout_copy = dout.copy()
        out = layer.forward(x)
        layer.backward(dout)
        for array, copy in zip((weights, bias, x), copies, strict=True):
            np.testing.assert_array_equal(array, copy)
        np.testing.assert_array_equal(dout, dout_copy)
        assert not np.shares_memory(out, x)

    def test_repr(self) -> None:
        """The repr names W's shape and the settings."""
        layer = DropConnect(np.ones((4, 3)), np.zeros(3), 0.25, rng=1, noise_shape=(None, 1))
        assert repr(layer) == (
            "DropConnect(W.shape=(4, 3), dropout_ratio=0.25, rng=Generator(PCG64), "
            "inverted=False, noise_shape=(None, 1))"
        )
