"""EM for isotropic Gaussian mixtures (kmeans_ref.em), with a plain implementation and scikit-learn as oracles."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeans_ref as ref
from kmeans_ref.em import VAR_FLOOR

X = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])


def plain_em(X, M0, n_iter):
    """EM written straight from the formulas: densities, no log-sum-exp, a loop over components."""
    d, N = X.shape
    k = M0.shape[1]
    M = M0.copy()
    sq = lambda m: ((X - m[:, None]) ** 2).sum(axis=0)  # noqa: E731
    var = np.full(k, np.min([sq(M[:, j]) for j in range(k)], axis=0).mean() / d)
    w = np.full(k, 1.0 / k)

    def densities():
        return np.array([w[j] * (2 * np.pi * var[j]) ** (-d / 2) * np.exp(-sq(M[:, j]) / (2 * var[j]))
                         for j in range(k)])

    p = densities()
    lls = [np.log(p.sum(axis=0)).sum()]
    for _ in range(n_iter):
        R = p / p.sum(axis=0)
        for j in range(k):
            n_j = R[j].sum()
            w[j] = n_j / N
            M[:, j] = (R[j] * X).sum(axis=1) / n_j
            var[j] = (R[j] * sq(M[:, j])).sum() / (d * n_j)
        p = densities()
        lls.append(np.log(p.sum(axis=0)).sum())
    return M, var, w, lls


def blobs(N, d, k, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(d, k))
    labels = rng.integers(k, size=N)
    scales = rng.uniform(0.5, 1.5, size=k)
    Xr = centres[:, labels] + scales[labels] * rng.normal(size=(d, N))
    return Xr, ref.kmeans_plus_plus(Xr, k, rng)


def test_hand_computed_fixed_point():
    # computed by hand: from Lloyd's solution every observation is 0.5 from its centre:
    # var0 = 0.25 / d = 0.125, weights 1/2; the other centre is 29 further in squared distance,
    # a responsibility of exp(-29 / 0.25) = e^-116, so EM stays put and the log-likelihood is
    # 4 (log(1/2) - (d/2) log(2 pi 0.125) - 0.25 / (2 0.125)) = 4 (log(2/pi) - 1) at every step.
    M, var, weights, lls = ref.em_isotropic(X, [[0.5, 4.5], [0.0, 3.0]], 3)
    np.testing.assert_allclose(M, [[0.5, 4.5], [0.0, 3.0]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(var, [0.125, 0.125], rtol=1e-14)
    np.testing.assert_allclose(weights, [0.5, 0.5], rtol=1e-14)
    np.testing.assert_allclose(lls, [4 * (np.log(2 / np.pi) - 1)] * 4, rtol=1e-14)
    assert isinstance(lls, list) and len(lls) == 4


def test_hand_computed_dead_component():
    # computed by hand: a third mean at (1e4, 1e4) gets responsibility exp(-1.6e8) = 0 exactly:
    # n_2 = 0, so it keeps its mean and variance and gets weight 0. The first log-likelihood
    # has weights 1/3: 4 (log(1/3) - log(pi/4) - 1) = 4 (log(4 / (3 pi)) - 1); after one
    # iteration the weights are (1/2, 1/2, 0), back to the fixed point above.
    M, var, weights, lls = ref.em_isotropic(X, [[0.5, 4.5, 1e4], [0.0, 3.0, 1e4]], 2)
    np.testing.assert_array_equal(M[:, 2], [1e4, 1e4])
    assert weights[2] == 0.0 and var[2] == 0.125
    np.testing.assert_allclose(weights[:2], [0.5, 0.5], rtol=1e-14)
    expected = [4 * (np.log(4 / (3 * np.pi)) - 1)] + [4 * (np.log(2 / np.pi) - 1)] * 2
    np.testing.assert_allclose(lls, expected, rtol=1e-14)


def test_a_component_owning_one_point_stops_at_the_floor():
    # 1-D points 0, 1, 2, 100 from means 1 and 100: var0 = (1 + 0 + 1 + 0) / 4 = 0.5. The second
    # component owns x = 100 alone, its variance would be 0 (likelihood +inf): it stops at
    # VAR_FLOOR * var(X). The first gets ((0-1)^2 + 0 + (2-1)^2) / 3 = 2/3.
    x = np.array([[0.0, 1.0, 2.0, 100.0]])
    M, var, weights, lls = ref.em_isotropic(x, [[1.0, 100.0]], 4)
    floor = VAR_FLOOR * np.var(x)
    assert var[1] == floor
    np.testing.assert_allclose(var[0], 2 / 3, rtol=1e-12)
    np.testing.assert_allclose(M, [[1.0, 100.0]], rtol=1e-12)
    np.testing.assert_allclose(weights, [0.75, 0.25], rtol=1e-12)
    assert np.isfinite(lls).all()
    assert all(b >= a for a, b in zip(lls, lls[1:]))


@pytest.mark.parametrize("N, d, k, n_iter, seed", [(300, 2, 3, 25, 0), (500, 3, 4, 10, 1), (50, 1, 2, 40, 2)])
def test_matches_a_plain_implementation(N, d, k, n_iter, seed):
    Xr, M0 = blobs(N, d, k, seed)
    M, var, weights, lls = ref.em_isotropic(Xr, M0, n_iter)
    Mp, varp, wp, llsp = plain_em(Xr, M0, n_iter)
    assert var.min() > 100 * VAR_FLOOR * Xr.var(axis=1).mean()   # the floor played no part
    np.testing.assert_allclose(M, Mp, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(var, varp, rtol=1e-10)
    np.testing.assert_allclose(weights, wp, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lls, llsp, rtol=1e-11)
    assert lls[-1] > lls[0]


@pytest.mark.parametrize("N, d, k, n_iter, seed", [(400, 2, 3, 30, 3), (2_000, 4, 5, 15, 4)])
def test_matches_scikit_learn_from_the_same_start(N, d, k, n_iter, seed):
    # GaussianMixture started from our initial parameters (means, precisions 1/var0, equal weights),
    # no regularisation (reg_covar=0), tol=0 so it runs exactly n_iter iterations.
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    Xr, M0 = blobs(N, d, k, seed)
    M, var, weights, lls = ref.em_isotropic(Xr, M0, n_iter)
    var0 = ((Xr[:, None, :] - M0[:, :, None]) ** 2).sum(axis=0).min(axis=0).mean() / d
    gm = GaussianMixture(k, covariance_type="spherical", tol=0.0, reg_covar=0.0, max_iter=n_iter,
                         means_init=M0.T, weights_init=np.full(k, 1 / k),
                         precisions_init=np.full(k, 1 / var0), init_params="random_from_data",
                         random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(Xr.T)
    assert gm.n_iter_ == n_iter
    np.testing.assert_allclose(M.T, gm.means_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(var, gm.covariances_, rtol=1e-9)
    np.testing.assert_allclose(weights, gm.weights_, rtol=1e-9)
    # lower_bounds_[t] is the mean log-likelihood at the parameters after t iterations.
    np.testing.assert_allclose(np.array(lls[:-1]) / N, gm.lower_bounds_, rtol=1e-10)
    np.testing.assert_allclose(lls[-1] / N, gm.score(Xr.T), rtol=1e-10)


@st.composite
def problems(draw):
    d = draw(st.integers(1, 3))
    N = draw(st.integers(2, 30))
    k = draw(st.integers(1, 4))
    el = st.floats(-100, 100, allow_nan=False)
    Xr = draw(hnp.arrays(np.float64, (d, N), elements=el))
    assume(Xr.var(axis=1).mean() > 1e-12)   # tinier spreads are refused (test_degenerate_scales_are_refused)
    return Xr, draw(hnp.arrays(np.float64, (d, k), elements=el)), draw(st.integers(0, 15))


@settings(max_examples=100, deadline=None)
@given(problems())
def test_log_likelihood_never_decreases(case):
    Xr, M0, n_iter = case
    M, var, weights, lls = ref.em_isotropic(Xr, M0, n_iter)
    assert len(lls) == n_iter + 1 and np.isfinite(lls).all()
    tol = 1e-9 * (1 + np.abs(lls).max())
    assert all(b >= a - tol for a, b in zip(lls, lls[1:])), lls
    assert M.shape == M0.shape and var.shape == weights.shape == (M0.shape[1],)
    assert np.isfinite(M).all() and (var >= VAR_FLOOR * Xr.var(axis=1).mean()).all()
    assert (weights >= 0).all() and abs(weights.sum() - 1) <= 1e-12


def test_no_iteration_returns_the_start():
    M0 = np.array([[1.0, 4.0], [1.0, 2.0]])
    M, var, weights, lls = ref.em_isotropic(X, M0, 0)
    # var0 = (2 + 1 + 1 + 2) / 4 / d = 0.75.
    np.testing.assert_array_equal(M, M0)
    assert M is not M0
    np.testing.assert_array_equal(var, [0.75, 0.75])
    np.testing.assert_array_equal(weights, [0.5, 0.5])
    assert len(lls) == 1


@pytest.mark.parametrize("Xb, M0, fragments", [
    ([[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]], [[0.0], [0.0]], ["same point [2.0, 1.0]", "differ"]),
    ([[0.0, 1e-200]], [[0.0]], ["out of float64's range", "rescale X"]),
    ([[0.0, 1e200]], [[0.0]], ["out of float64's range", "rescale X"]),
    ([[0.0, 1.0]], [[1e160]], ["overflow", "M0 nearer the data"]),
    ([[0.0, 1.0]], [[0.5, 1e160]], ["overflow", "M0 nearer the data"]),
])
def test_degenerate_scales_are_refused(Xb, M0, fragments):
    with pytest.raises(ValueError) as info:
        ref.em_isotropic(Xb, M0, 3)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_zero_density_everywhere_is_a_clear_error():
    # Unreachable from em_isotropic's checks so far, kept as a guard against a silent NaN:
    # the E-step refuses an observation that no component can explain.
    from kmeans_ref.em import _e_step

    D = np.array([[1.0, np.inf], [2.0, np.inf]])
    with pytest.raises(ValueError, match="observation 1 has density 0 under every component"):
        _e_step(D, np.array([1.0, 1.0]), np.array([0.5, 0.5]), 1)
