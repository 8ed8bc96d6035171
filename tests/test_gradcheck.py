"""Tests of dropout_book.gradcheck: finite differences, and gradient checks with a frozen mask."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import Dropout, GradientCheck, check_gradient, numerical_gradient
from tests.conftest import LayerClass, NoiseLayerClass, inverted_product

Float64Array = NDArray[np.float64]


class TestNumericalGradient:
    """numerical_gradient is the central difference of a scalar function."""

    def test_gradient_of_sum_of_sines(self) -> None:
        """The gradient of sum(sin(z)) is cos(x), to the central difference's accuracy."""
        x = np.linspace(-3.0, 3.0, 12).reshape(3, 4)
        grad = numerical_gradient(lambda z: float(np.sum(np.sin(z))), x)
        # Truncation error eps**2 / 6 * |sin'''| <= 2e-13, rounding about 1e-16 / eps = 1e-10.
        np.testing.assert_allclose(grad, np.cos(x), rtol=0, atol=1e-9)

    def test_gradient_of_a_quadratic_form(self) -> None:
        """The gradient of z @ A @ z is (A + A.T) @ x; exact up to rounding for a quadratic."""
        a = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 1.0], [4.0, 0.25, -2.0]])
        x = np.array([1.0, -2.0, 0.5])
        grad = numerical_gradient(lambda z: float(z @ a @ z), x, eps=1e-4)
        np.testing.assert_allclose(grad, (a + a.T) @ x, rtol=0, atol=1e-9)

    def test_zero_d_and_integer_input(self) -> None:
        """A 0-d integer input gives a 0-d float64 gradient."""
        grad = numerical_gradient(lambda z: float(z**3), np.array(2))
        assert grad.shape == ()
        assert grad.dtype == np.float64
        np.testing.assert_allclose(grad, 12.0, rtol=1e-9)

    def test_f_sees_float64_of_x_shape_and_x_is_untouched(self) -> None:
        """The function receives a float64 array of x's shape; x itself is never perturbed."""
        x = np.arange(6, dtype=np.float32).reshape(2, 3)
        seen: list[tuple[tuple[int, ...], np.dtype[np.generic]]] = []

        def f(z: Float64Array) -> float:
            seen.append((z.shape, z.dtype))
            return float(z.sum())

        grad = numerical_gradient(f, x)
        assert set(seen) == {((2, 3), np.dtype(np.float64))}
        assert len(seen) == 2 * x.size
        np.testing.assert_array_equal(x, np.arange(6, dtype=np.float32).reshape(2, 3))
        # Rounding: |f| ~ 15 times 2.2e-16, over 2 eps = 2e-6, is about 2e-9.
        np.testing.assert_allclose(grad, np.ones((2, 3)), rtol=0, atol=1e-8)

    @pytest.mark.parametrize("eps", [0.0, -1e-6, float("nan"), float("inf")])
    def test_non_positive_or_non_finite_eps_raises_value_error(self, eps: float) -> None:
        """A step that is zero, negative, NaN or infinite raises ValueError naming it."""
        with pytest.raises(ValueError, match=rf"eps must be a positive finite number, got {eps!r}"):
            numerical_gradient(lambda z: 0.0, [1.0], eps)

    @pytest.mark.parametrize("eps", [True, "1e-6", None, 1e-6j])
    def test_non_real_eps_raises_type_error(self, eps: object) -> None:
        """A step that is a bool, a string, None or complex raises TypeError naming it."""
        with pytest.raises(TypeError, match=re.escape(f"got {eps!r}")):
            numerical_gradient(lambda z: 0.0, [1.0], eps)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "x", [np.array([1 + 1j]), np.array(["1"]), np.ma.masked_array([1.0], mask=[True])]
    )
    def test_non_real_x_raises_type_error(self, x: object) -> None:
        """Complex, string and masked x raise TypeError naming x before f is ever called."""
        with pytest.raises(TypeError, match=r"^x "):
            numerical_gradient(lambda z: 0.0, x)  # type: ignore[arg-type]

    @pytest.mark.parametrize("eps", [1, np.float32(1e-3), np.float64(1e-5)])
    def test_real_eps_of_any_type_is_accepted(self, eps: float) -> None:
        """Python ints and NumPy floats are valid steps."""
        grad = numerical_gradient(lambda z: float(np.sum(3.0 * z)), [1.0, 2.0], eps)
        np.testing.assert_allclose(grad, [3.0, 3.0], rtol=1e-6)


class TestCheckGradient:
    """check_gradient agrees with backward in both conventions and both modes."""

    @pytest.mark.parametrize("ratio", [0.0, 0.2, 0.5, 0.9])
    @pytest.mark.parametrize("inverted", [False, True])
    @pytest.mark.parametrize("train_flg", [True, False])
    def test_backward_matches_finite_differences(
        self, noise_layer_class: NoiseLayerClass, ratio: float, inverted: bool, train_flg: bool
    ) -> None:
        """Backward equals central differences of sum(dout * forward(x)) with the noise frozen."""
        layer = noise_layer_class(ratio, rng=3, inverted=inverted)
        x = np.random.default_rng(1).standard_normal((4, 5))
        result = check_gradient(layer, x, train_flg=train_flg)
        assert isinstance(result, GradientCheck)
        assert result.analytic.shape == result.numerical.shape == (4, 5)
        # The forward map is linear in x, so the central difference is exact up to rounding:
        # |dout| * |scale| <= 4 * 10 for these inputs, times 1e-16 / 1e-6, is below 1e-8.
        assert result.max_abs_error < 1e-8
        assert result.max_abs_error == np.max(np.abs(result.analytic - result.numerical))

    @pytest.mark.parametrize("inverted", [False, True])
    def test_analytic_part_is_the_layers_backward(
        self, layer_class: LayerClass, inverted: bool
    ) -> None:
        """The analytic gradient is dout * mask (times 1 / (1 - p) inverted) for the mask drawn."""
        layer = layer_class(0.25, rng=0, inverted=inverted)
        dout = np.random.default_rng(2).standard_normal((3, 3))
        result = check_gradient(layer, np.ones((3, 3)), dout)
        assert layer.mask is not None
        expected = inverted_product(dout, layer.mask, 0.25) if inverted else dout * layer.mask
        np.testing.assert_array_equal(result.analytic, expected)
        np.testing.assert_allclose(result.numerical, expected, rtol=0, atol=1e-8)

    def test_inference_check_has_no_mask(self) -> None:
        """In inference mode the layer keeps no mask and the gradient is dout * (1 - p)."""
        layer = Dropout(0.4)
        dout = np.arange(4.0)
        result = check_gradient(layer, np.zeros(4), dout, train_flg=False)
        assert layer.mask is None
        np.testing.assert_array_equal(result.analytic, dout * 0.6)

    def test_default_dout_comes_from_seed_zero(
        self, global_rng_state: Callable[[], object]
    ) -> None:
        """The default dout is default_rng(0)'s normals; the global state is untouched."""
        before = global_rng_state()
        layer = Dropout(0.5, rng=1, inverted=True)
        result = check_gradient(layer, np.ones((2, 3)))
        dout = np.random.default_rng(0).standard_normal((2, 3))
        assert layer.mask is not None
        np.testing.assert_array_equal(result.analytic, dout * layer.mask * 2.0)
        assert global_rng_state() == before

    def test_inputs_are_not_modified(self) -> None:
        """Neither x nor dout passed to the check is written to."""
        x, dout = np.linspace(-1.0, 1.0, 6), np.linspace(2.0, 3.0, 6)
        check_gradient(Dropout(0.5, rng=0), x, dout)
        np.testing.assert_array_equal(x, np.linspace(-1.0, 1.0, 6))
        np.testing.assert_array_equal(dout, np.linspace(2.0, 3.0, 6))

    @pytest.mark.parametrize(
        ("eps", "dout", "error"),
        [
            (0.0, None, ValueError),
            (True, None, TypeError),
            (1e-6, np.ones(3), ValueError),
            (1e-6, np.ones((2, 3), dtype=complex), TypeError),
        ],
        ids=["zero-eps", "bool-eps", "dout-shape", "complex-dout"],
    )
    def test_bad_arguments_change_nothing(
        self,
        eps: float,
        dout: Float64Array | None,
        error: type[Exception],
        global_rng_state: Callable[[], object],
    ) -> None:
        """A bad eps or dout shape raises before the forward pass: no draw, no new state."""
        before = global_rng_state()
        layer = Dropout(0.5)
        with pytest.raises(error):
            check_gradient(layer, np.ones((2, 3)), dout, eps=eps)
        assert layer.mask is None
        assert layer.train_flg is None
        assert global_rng_state() == before

    def test_bad_train_flg_changes_nothing(self, global_rng_state: Callable[[], object]) -> None:
        """train_flg="False" raises TypeError naming it, before the forward pass."""
        before = global_rng_state()
        layer = Dropout(0.5)
        with pytest.raises(TypeError, match=r"^train_flg must be True or False"):
            check_gradient(layer, np.ones(3), train_flg="False")  # type: ignore[arg-type]
        assert layer.train_flg is None
        assert global_rng_state() == before


class TestWhyTheMaskMustBeFrozen:
    """Finite differences through layer.forward see a new mask per call, and so fail."""

    def test_fresh_mask_per_call_does_not_match(self) -> None:
        """Differentiating through forward (new mask each call) gives nonsense, not backward."""
        layer = Dropout(0.5, rng=0)
        x = np.random.default_rng(1).standard_normal(8)
        dout = np.random.default_rng(2).standard_normal(8)
        layer.forward(x)
        analytic = layer.backward(dout)

        def loss_through_forward(z: Float64Array) -> float:
            return float(np.sum(dout * layer.forward(z)))

        unfrozen = numerical_gradient(loss_through_forward, x)
        # The two calls of each difference use two masks, so L(x + eps e_i) - L(x - eps e_i)
        # contains terms dout_j x_j (m_j - m'_j) of size O(1) for j != i: divided by 2 eps,
        # about 1e5 or more. The frozen check on the same layer agrees to 1e-8.
        assert np.max(np.abs(unfrozen - analytic)) > 1e4
        assert check_gradient(layer, x, dout).max_abs_error < 1e-8
