"""Statistical tests of the layers, with fixed seeds and bounds derived from their laws.

Every mask entry is kept with probability q = 1 - p, independently (p is the probability of
*dropping*, the book's ``dropout_ratio``). Over n entries the kept count K is therefore
Binomial(n, q): mean n q, standard deviation sqrt(n q (1 - q)), and the kept fraction
f = K / n has standard deviation sqrt(q (1 - q) / n). Each test allows Z = 6 standard
deviations, so that a correct layer would fail with probability below 2e-9 (normal tail; n is
large). The seeds are fixed, so every run draws the same masks: the tests are deterministic,
and a failure means the masks are not Bernoulli(q), not bad luck.

The bounds are also not vacuous: with n = 50 000 draws, six standard deviations of f are at
most 0.0134, far smaller than the gaps between the probabilities tested.

FastDropout keeps a unit with probability exactly q when 256 p is whole (p = 0.5 here), and
within 2**-32 of q otherwise (p = 0.1, 0.9): a shift of the mean kept count by at most
n 2**-32 < 1e-4, which no bound below can notice, so the same bounds hold for both layers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from dropout_book import draw_mask
from dropout_book.layer import NoiseLayer
from dropout_book.variants import GaussianDropout
from tests.conftest import LayerClass, NoiseLayerClass, noise_of

Z = 6.0
RATIOS = [0.1, 0.5, 0.9]
SEEDS = [0, 20160923]
# One row per draw, one column per value of x: each column is n draws of one unit.
N_DRAWS = 50_000
X = np.array([-2.0, -0.75, 0.5, 1.0, 3.0])


def fraction_bound(q: float, n: int) -> float:
    """Return Z standard deviations of the kept fraction of n Bernoulli(q) draws."""
    return Z * math.sqrt(q * (1.0 - q) / n)


def column_draws(
    layer: NoiseLayer, x: NDArray[np.float64] = X
) -> tuple[NDArray[np.float64], NDArray[np.floating]]:
    """Return each column's mean noise (kept fraction, for a mask) and the training output.

    N_DRAWS rows of x: each column holds N_DRAWS draws of one unit.
    """
    # broadcast_to gives a read-only view with zero row stride: the layer must cope with it.
    out = layer.forward(np.broadcast_to(x, (N_DRAWS, x.size)))
    noise = noise_of(layer)
    assert noise is not None
    return noise.mean(axis=0), out


class TestKeptFraction:
    """The fraction of kept units is the keep probability 1 - p."""

    @pytest.mark.parametrize("ratio", RATIOS)
    @pytest.mark.parametrize("seed", SEEDS)
    def test_private_generator(self, layer_class: LayerClass, ratio: float, seed: int) -> None:
        """Kept count of n = 200 000 draws is within 6 sd = 6 sqrt(n q (1 - q)) of n q."""
        n, q = 200_000, 1.0 - ratio
        layer = layer_class(ratio, rng=seed)
        layer.forward(np.ones((400, 500)))
        assert layer.mask is not None
        kept = int(layer.mask.sum())
        assert abs(kept - n * q) <= Z * math.sqrt(n * q * (1.0 - q))

    @pytest.mark.parametrize("ratio", RATIOS)
    @pytest.mark.parametrize("seed", SEEDS)
    def test_global_state(self, layer_class: LayerClass, ratio: float, seed: int) -> None:
        """With the book's global state the kept fraction is within 6 sd of 1 - p too."""
        n, q = 200_000, 1.0 - ratio
        np.random.seed(seed)
        layer = layer_class(ratio)
        layer.forward(np.ones(n))
        assert layer.mask is not None
        assert abs(layer.mask.mean() - q) <= fraction_bound(q, n)

    @pytest.mark.parametrize("ratio", RATIOS)
    def test_successive_masks_are_independent(self, ratio: float) -> None:
        """Two masks agree at a unit with probability q**2 + p**2, as independent draws do."""
        # Agreement at each unit is Bernoulli(a) with a = q^2 + p^2 if the masks are
        # independent; the agreement count over n units is then Binomial(n, a).
        n, q = 200_000, 1.0 - ratio
        generator = np.random.default_rng(7)
        first, second = draw_mask(n, ratio, generator), draw_mask(n, ratio, generator)
        agreement = q**2 + ratio**2
        assert abs(np.mean(first == second) - agreement) <= fraction_bound(agreement, n)

    @pytest.mark.parametrize("ratio", [0.0, 1.0])
    def test_extreme_ratios_are_exact(self, ratio: float) -> None:
        """At p = 1 nothing is kept (u < 1 always); at p = 0 this seeded draw keeps all."""
        mask = draw_mask(200_000, ratio, rng=1)
        assert mask.mean() == 1.0 - ratio


class TestMean:
    """The training output's mean is the inference output, in both conventions.

    Dropout's mask and Gaussian dropout's noise have the same mean and variance: q and p q
    (classic), 1 and p / q (inverted). A column's mean of n draws of x_j times the noise then
    has standard deviation |x_j| sqrt(p q / n) = |x_j| sqrt(q (1 - q) / n) (classic) or
    |x_j| sqrt(p / (q n)), which is that divided by q (inverted); for the Gaussian noise the
    mean is exactly normal.
    """

    @pytest.mark.parametrize("ratio", RATIOS)
    @pytest.mark.parametrize("seed", SEEDS)
    def test_classic(self, noise_layer_class: NoiseLayerClass, ratio: float, seed: int) -> None:
        """Column means of x * noise lie within 6 sd of the inference output (1 - p) x."""
        q = 1.0 - ratio
        layer = noise_layer_class(ratio, rng=seed)
        _, out = column_draws(layer)
        inference = layer.forward(X, train_flg=False)
        np.testing.assert_array_equal(inference, q * X)
        bound = np.abs(X) * fraction_bound(q, N_DRAWS) + 1e-12
        assert np.all(np.abs(out.mean(axis=0) - inference) <= bound)

    @pytest.mark.parametrize("ratio", RATIOS)
    @pytest.mark.parametrize("seed", SEEDS)
    def test_inverted(self, noise_layer_class: NoiseLayerClass, ratio: float, seed: int) -> None:
        """Column means of x * noise (mean 1) lie within 6 sd of the inference output x."""
        q = 1.0 - ratio
        layer = noise_layer_class(ratio, rng=seed, inverted=True)
        _, out = column_draws(layer)
        inference = layer.forward(X, train_flg=False)
        np.testing.assert_array_equal(inference, X)
        bound = np.abs(X) * fraction_bound(q, N_DRAWS) / q + 1e-12
        assert np.all(np.abs(out.mean(axis=0) - inference) <= bound)


class TestVariance:
    """The training output's variance is c**2 q (1 - q) for the value c a kept unit takes.

    A column of the output takes two values: 0 where dropped and c where kept (c = x_j
    classic, c = x_j / q inverted). For such data the sample variance (ddof=0) is exactly
    c**2 f (1 - f), with f the kept fraction: the mean is c f, and
    f (c - c f)**2 + (1 - f) (c f)**2 = c**2 f (1 - f). Its expectation-level target is
    c**2 q (1 - q); inverted, that is x**2 (1 - q) / q = x**2 p / (1 - p).

    So the variance's error follows from the kept fraction's: with |f - q| <= d,
    f (1 - f) - q (1 - q) = (f - q)(1 - f - q) = (f - q)((1 - 2 q) - (f - q)), hence
    |s**2 - c**2 q (1 - q)| <= c**2 d (|1 - 2 q| + d), with d = 6 sqrt(q (1 - q) / n). This
    is tighter than a generic standard error of a sample variance, and exact: it needs no
    normal approximation of s**2 beyond the one for the binomial count.
    """

    @pytest.mark.parametrize("ratio", RATIOS)
    @pytest.mark.parametrize("seed", SEEDS)
    def test_inverted_variance_is_p_over_1_minus_p_x_squared(
        self, layer_class: LayerClass, ratio: float, seed: int
    ) -> None:
        """Inverted: column variances are within the derived bound of p / (1 - p) * x**2."""
        q = 1.0 - ratio
        kept, out = column_draws(layer_class(ratio, rng=seed, inverted=True))
        variance = out.var(axis=0)
        c = X / q
        # The closed form in terms of f holds to rounding: this is what the bound rests on.
        np.testing.assert_allclose(variance, c**2 * kept * (1.0 - kept), rtol=1e-9)
        d = fraction_bound(q, N_DRAWS)
        bound = c**2 * d * (abs(1.0 - 2.0 * q) + d)
        target = ratio / (1.0 - ratio) * X**2
        assert np.all(np.abs(variance - target) <= bound)
        # Not vacuous: the allowed error is under a tenth of the variance itself.
        assert np.all(bound < 0.1 * target)

    @pytest.mark.parametrize("ratio", RATIOS)
    @pytest.mark.parametrize("seed", SEEDS)
    def test_classic_variance_is_p_1_minus_p_x_squared(
        self, layer_class: LayerClass, ratio: float, seed: int
    ) -> None:
        """Classic: column variances are within the derived bound of p (1 - p) x**2."""
        q = 1.0 - ratio
        kept, out = column_draws(layer_class(ratio, rng=seed))
        variance = out.var(axis=0)
        np.testing.assert_allclose(variance, X**2 * kept * (1.0 - kept), rtol=1e-9)
        d = fraction_bound(q, N_DRAWS)
        bound = X**2 * d * (abs(1.0 - 2.0 * q) + d)
        assert np.all(np.abs(variance - ratio * (1.0 - ratio) * X**2) <= bound)


class TestGaussianNoise:
    """Gaussian dropout's noise has dropout's mean and variance: q and p q, or 1 and p / q.

    For n independent normal draws of variance v, the sample mean is normal with standard
    deviation sqrt(v / n), and (n - 1) s**2 / v is chi-square with n - 1 degrees of freedom:
    mean n - 1, standard deviation sqrt(2 (n - 1)). So |mean - target| <= 6 sqrt(v / n) and
    |s**2 - v| <= 6 v sqrt(2 / (n - 1)) hold except with probability below 2e-9 each (the
    chi-square with 200 000 degrees of freedom is normal to far better than that bound needs).
    Not vacuous: with n = 200 000 the variance is pinned to within 1.9 % of itself.
    """

    @pytest.mark.parametrize("ratio", RATIOS)
    @pytest.mark.parametrize("seed", SEEDS)
    @pytest.mark.parametrize("inverted", [False, True])
    def test_mean_and_variance(self, ratio: float, seed: int, inverted: bool) -> None:
        """The noise's sample mean and variance are within their 6 sd bounds of the targets."""
        n, q = 200_000, 1.0 - ratio
        layer = GaussianDropout(ratio, rng=seed, inverted=inverted)
        layer.forward(np.ones(n))
        noise = layer.noise
        assert noise is not None
        mean, variance = (1.0, ratio / q) if inverted else (q, ratio * q)
        assert abs(noise.mean() - mean) <= Z * math.sqrt(variance / n)
        assert abs(noise.var(ddof=1) - variance) <= Z * variance * math.sqrt(2.0 / (n - 1))
