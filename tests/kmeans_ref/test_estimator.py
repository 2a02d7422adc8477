"""The scikit-learn style estimator (kmeans_ref.estimator), with scikit-learn as an oracle."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import ClusterMixin

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
    with pytest.raises(ValueError, match="X has 3 features, but KMeans is expecting 2 features as input"):
        km.predict(np.zeros((1, 3)))


@pytest.mark.parametrize("X, exc, fragment", [
    (np.arange(3.0), ValueError, "Reshape your data: X.reshape(-1, 1)"),
    (np.zeros((12, 0)), ValueError, "X has 0 feature(s) (shape=(12, 0)) while a minimum of 1"),
    (np.zeros((0, 3)), ValueError, "X has 0 sample(s) (shape=(0, 3)) while a minimum of 1"),
    (SAMPLES + 1j, ValueError, "Complex data not supported: X has dtype complex128"),
    (np.array([[1.0, {"a": 1}]], dtype=object), TypeError, "must be a string or a real number"),
])
def test_bad_data_in_scikit_learn_words(X, exc, fragment):
    # The phrases scikit-learn's conformance checks look for, with how to fix the input.
    with pytest.raises(exc) as info:
        KMeans(2).fit(X)
    assert fragment in str(info.value)


def test_sparse_data_is_refused_with_the_fix():
    from scipy import sparse

    for container in (sparse.csr_matrix, sparse.csr_array):
        with pytest.raises(TypeError, match=r"does not accept sparse data .*X\.toarray\(\)"):
            KMeans(2).fit(container(SAMPLES))


def test_numbers_held_as_objects_are_accepted():
    km = KMeans(2, init=[[1, 1], [4, 2]]).fit(SAMPLES.astype(object))
    assert km.inertia_ == 1.0


def test_does_not_modify_its_input():
    S = SAMPLES.copy()
    S.flags.writeable = False
    KMeans(2, random_state=0).fit(S).predict(S)
    np.testing.assert_array_equal(S, SAMPLES)


# --------------------------------------------------------------------------- scikit-learn


class ClusteringKMeans(KMeans, ClusterMixin):
    """KMeans with scikit-learn's ClusterMixin as a base, and nothing else added.

    check_estimator picks its clustering checks by isinstance(ClusterMixin), a base KMeans
    cannot have without importing scikit-learn; through this subclass every check runs on
    KMeans's own methods. Defined at module level so that the pickling check can pickle it.
    """


def test_passes_scikit_learn_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    methods = ("fit", "fit_predict", "predict", "transform", "fit_transform", "score",
               "get_params", "set_params", "__sklearn_tags__", "__sklearn_is_fitted__", "__repr__")
    assert all(getattr(ClusteringKMeans, m) is getattr(KMeans, m) for m in methods)
    with warnings.catch_warnings():
        # KMeans implements the protocol instead of inheriting BaseEstimator (no scikit-learn
        # import at `import kmeans_ref`); check_estimator warns about that and runs every check.
        warnings.filterwarnings("ignore", message=".*does not inherit from `sklearn.base.BaseEstimator`")
        # on_fail=None: run every check and report them all, not only the first failure
        results = check_estimator(ClusteringKMeans(), on_fail=None, on_skip=None)
    outcomes = [(r["check_name"], r["status"], r["exception"]) for r in results]
    assert len(outcomes) >= 40, outcomes  # the API and legacy checks, clustering ones included
    assert {"check_clustering", "check_clusterer_compute_labels_predict",
            "check_n_features_in_after_fitting", "check_estimators_unfitted",
            "check_estimator_sparse_array", "check_fit2d_predict1d"} <= {name for name, _, _ in outcomes}
    not_passed = {name: f"{status}: {exc}" for name, status, exc in outcomes if status != "passed"}
    # The only check scikit-learn skips: array API inputs, tested only with SCIPY_ARRAY_API=1
    # (KMeans computes with NumPy only and says so: array_api_support=False).
    assert set(not_passed) <= {"check_array_api_input"}, not_passed


def test_grid_search_clone_and_pipeline():
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    S, _ = blobs(300, 2, 3, 7)
    search = GridSearchCV(KMeans(random_state=0), {"n_clusters": [2, 3]}, cv=3).fit(S)
    # score = -inertia on the held-out fold, which a third centre always lowers here
    assert search.best_params_ == {"n_clusters": 3}
    assert len(search.cv_results_["params"]) == 2
    assert search.best_estimator_.cluster_centers_.shape == (3, 2)
    copy = clone(KMeans(4, loss="l1", random_state=5))
    assert copy.get_params() == KMeans(4, loss="l1", random_state=5).get_params()
    assert not hasattr(copy, "cluster_centers_")
    pipe = make_pipeline(StandardScaler(), KMeans(3, random_state=0)).fit(S)
    assert pipe.predict(S).shape == (300,)


def test_tags_agree_across_scikit_learn_versions():
    tags = KMeans().__sklearn_tags__()
    old = KMeans()._more_tags()  # scikit-learn < 1.6
    assert tags.estimator_type == KMeans._estimator_type == "clusterer"
    assert tags.input_tags.allow_nan is old["allow_nan"] is False
    assert tags.target_tags.required is old["requires_y"] is False
    assert tags.transformer_tags.preserves_dtype == ["float64"] and old["preserves_dtype"] == [np.float64]
    assert not tags.input_tags.sparse


def test_not_fitted_error_is_scikit_learns_when_it_is_loaded():
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    with pytest.raises(NotFittedError, match="not fitted"):
        KMeans(2).predict(SAMPLES)
    with pytest.raises(NotFittedError):
        check_is_fitted(KMeans(2))
    check_is_fitted(KMeans(2, random_state=0).fit(SAMPLES))


def test_without_scikit_learn_the_protocol_imports_nothing():
    # In a fresh interpreter: fitting, predicting and the not-fitted error load no scikit-learn.
    code = (
        "import sys\n"
        "from kmeans_ref import KMeans\n"
        "km = KMeans(2, random_state=0)\n"
        "try:\n"
        "    km.predict([[0.0, 0.0]])\n"
        "except AttributeError as exc:\n"
        "    print(type(exc).__name__)\n"
        "km.fit([[0.0, 0.0], [1.0, 0.0], [4.0, 3.0]]).predict([[0.0, 0.0]])\n"
        "print(km.__sklearn_is_fitted__(), 'sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["AttributeError", "True", "False"]
