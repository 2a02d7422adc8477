"""The scikit-learn style estimator (kmeans_ref.estimator), with scikit-learn as an oracle."""

import numpy as np
import pytest

import kmeans_ref as ref
from kmeans_ref import KMeans

SAMPLES = np.array([[0.0, 0.0], [1.0, 0.0], [4.0, 3.0], [5.0, 3.0]])  # the toy data, one sample per row


def test_hand_computed_toy():
    # Initial centres (1, 1), (4, 2): labels [0, 0, 1, 1], centres (0.5, 0), (4.5, 3),
    # inertia 4 * 0.5^2 = 1 (l2) and 4 * 0.5 = 2 (l1).
    km = KMeans(2, init=[[1, 1], [4, 2]]).fit(SAMPLES)
    np.testing.assert_array_equal(km.labels_, [0, 0, 1, 1])
    np.testing.assert_array_equal(km.cluster_centers_, [[0.5, 0.0], [4.5, 3.0]])
    assert km.inertia_ == 1.0
    # Iteration 1 refits from [0, 0, 1, 1]; iteration 2 finds the same labels (strict convergence).
    assert km.n_iter_ == 2
    km1 = KMeans(2, loss="l1", init=[[1, 1], [4, 2]]).fit(SAMPLES)
    assert km1.inertia_ == 2.0
    np.testing.assert_array_equal(km1.cluster_centers_, [[0.5, 0.0], [4.5, 3.0]])
    # The point (8.5, 0) is at distance 8 from (0.5, 0) and sqrt(4^2 + 3^2) = 5 from (4.5, 3);
    # in L1, 8 and 4 + 3 = 7.
    np.testing.assert_allclose(km.transform([[8.5, 0.0]]), [[8.0, 5.0]])
    np.testing.assert_allclose(km1.transform([[8.5, 0.0]]), [[8.0, 7.0]])
    assert km.score(SAMPLES) == -1.0 and km1.score(SAMPLES) == -2.0
    np.testing.assert_array_equal(km.predict([[0, 1], [6, 3]]), [0, 1])


def test_attributes_and_shapes():
    rng = np.random.default_rng(0)
    S = rng.normal(size=(300, 4))
    for loss in ("l2", "l1"):
        for init in ("k-means++", "random"):
            km = KMeans(5, loss=loss, init=init, random_state=0).fit(S)
            assert km.cluster_centers_.shape == (5, 4)
            assert km.labels_.shape == (300,) and km.labels_.dtype.kind == "i"
            assert isinstance(km.inertia_, float) and km.inertia_ > 0
            assert 1 <= km.n_iter_ <= 300 and km.n_features_in_ == 4
            np.testing.assert_array_equal(km.predict(S), km.labels_)
            assert km.transform(S).shape == (300, 5)
            assert km.score(S) == pytest.approx(-km.inertia_, rel=1e-12)
            np.testing.assert_array_equal(KMeans(5, loss=loss, init=init, random_state=0).fit_predict(S),
                                          km.labels_)
    # The lesson functions give the same numbers on X = S.T.
    km = KMeans(5, random_state=1).fit(S)
    Y = ref.one_hot(km.labels_, 5)
    assert km.inertia_ == pytest.approx(ref.kmeans_loss(S.T, Y, km.cluster_centers_.T), rel=1e-12)
    np.testing.assert_allclose(km.transform(S) ** 2, ref.sq_distances(S.T, km.cluster_centers_.T).T,
                               rtol=1e-9, atol=1e-9)


def test_n_init_keeps_the_best_run():
    rng = np.random.default_rng(2)
    S = np.concatenate([rng.normal(c, 0.3, size=(50, 2)) for c in ([0, 0], [5, 0], [0, 5], [5, 5])])
    one = [KMeans(4, init="random", n_init=1, random_state=s).fit(S).inertia_ for s in range(10)]
    best = KMeans(4, init="random", n_init=10, random_state=np.random.default_rng(0)).fit(S).inertia_
    assert best <= np.median(one)
    assert KMeans(4, random_state=3).fit(S).inertia_ == KMeans(4, random_state=3).fit(S).inertia_


def blobs(N, d, k, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(k, d))
    S = centres[rng.integers(k, size=N)] + rng.normal(size=(N, d))
    return S, ref.kmeans_plus_plus(S.T, k, rng).T


@pytest.mark.parametrize("N, d, k, tol, seed", [(50, 2, 3, 1e-4, 0), (2_000, 5, 6, 1e-4, 1),
                                                (30_000, 3, 10, 0.0, 2), (100_000, 8, 5, 1e-4, 3)])
def test_matches_scikit_learn(N, d, k, tol, seed):
    # Same data, same initial centres, same tolerance: identical iterations.
    from sklearn.cluster import KMeans as SKKMeans

    S, init = blobs(N, d, k, seed)
    km = KMeans(k, init=init, tol=tol).fit(S)
    sk = SKKMeans(k, init=init, n_init=1, tol=tol, algorithm="lloyd").fit(S)
    assert km.n_iter_ == sk.n_iter_
    np.testing.assert_array_equal(km.labels_, sk.labels_)
    assert abs(km.inertia_ - sk.inertia_) <= 1e-9 * sk.inertia_
    np.testing.assert_allclose(km.cluster_centers_, sk.cluster_centers_, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(km.predict(S[:100]), sk.predict(S[:100]))
    np.testing.assert_allclose(km.transform(S[:100]), sk.transform(S[:100]), rtol=1e-9, atol=1e-9)
    assert km.score(S) == pytest.approx(sk.score(S), rel=1e-9)


def test_l1_matches_the_lesson_loop():
    # With tol=0, KMeans(loss="l1") runs kmedians from the same centres (one more pass).
    S, init = blobs(3_000, 3, 4, 5)
    km = KMeans(4, loss="l1", init=init, tol=0).fit(S)
    M, Y, losses = ref.kmedians(S.T, init.T, max_iter=300)
    np.testing.assert_array_equal(km.labels_, Y.argmax(0))
    np.testing.assert_array_equal(km.cluster_centers_, M.T)
    assert km.inertia_ == pytest.approx(losses[-1], rel=1e-12)
    assert km.n_iter_ == len(losses) + 1


def test_parameters_protocol():
    km = KMeans(3, loss="l1", tol=0.5)
    assert km.get_params()["n_clusters"] == 3 and km.get_params()["loss"] == "l1"
    assert km.set_params(n_clusters=4) is km and km.n_clusters == 4
    assert repr(km) == "KMeans(n_clusters=4, loss='l1', tol=0.5)"
    with pytest.raises(ValueError, match="invalid parameter 'foo'"):
        km.set_params(foo=1)


@pytest.mark.parametrize("params, exc, fragment", [
    (dict(n_clusters=5), ValueError, "n_clusters=5 must be <= the number of observations N=4"),
    (dict(n_clusters=0), ValueError, "n_clusters must be >= 1"),
    (dict(loss="l3"), ValueError, "loss must be 'l2' or 'l1'"),
    (dict(init="kmeans++"), ValueError, "init must be 'k-means++', 'random' or an array"),
    (dict(init=[[0, 0, 0]]), ValueError, "(2, 2); got shape (1, 3)"),
    (dict(n_init=0), ValueError, "n_init must be >= 1"),
    (dict(n_init="many"), ValueError, "n_init must be 'auto'"),
    (dict(max_iter=0), ValueError, "max_iter must be >= 1"),
    (dict(tol=-1.0), ValueError, "tol must be a real number >= 0"),
    (dict(random_state="seed"), TypeError, "random_state must be None"),
])
def test_bad_parameters(params, exc, fragment):
    with pytest.raises(exc) as info:
        KMeans(**{"n_clusters": 2, **params}).fit(SAMPLES)
    assert fragment in str(info.value)


def test_bad_data():
    with pytest.raises(ValueError, match=r"\(n_samples, n_features\)"):
        KMeans(2).fit(np.arange(4.0))
    with pytest.raises(ValueError, match="finite"):
        KMeans(2).fit([[0.0, np.nan], [1.0, 2.0]])
    with pytest.raises(AttributeError, match="not fitted"):
        KMeans(2).predict(SAMPLES)
    km = KMeans(2, random_state=0).fit(SAMPLES)
    with pytest.raises(ValueError, match="X has 3 features, but KMeans was fitted with n_features=2"):
        km.predict(np.zeros((1, 3)))


def test_does_not_modify_its_input():
    S = SAMPLES.copy()
    S.flags.writeable = False
    KMeans(2, random_state=0).fit(S).predict(S)
    np.testing.assert_array_equal(S, SAMPLES)
