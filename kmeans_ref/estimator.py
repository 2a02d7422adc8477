"""A k-means estimator with scikit-learn's conventions, built on the lesson functions.

Two conventions, side by side
-----------------------------
============================  ==============================  ================================
                              lesson functions                ``KMeans`` (estimator)
============================  ==============================  ================================
data                          ``X`` of shape ``(d, N)``       ``X`` of shape ``(n_samples, n_features)``
one observation               a column ``X[:, i]``            a row ``X[i]``
centroids                     ``M`` of shape ``(d, k)``       ``cluster_centers_`` of shape ``(k, n_features)``
labels                        one-hot ``Y`` (k, N) or ``z``   ``labels_`` of shape ``(n_samples,)``
============================  ==============================  ================================

The estimator transposes at its boundary: ``fit(X)`` runs the lesson
algorithms on ``X.T`` and stores ``cluster_centers_ = M.T``.
"""

import numbers
import sys

import numpy as np

from ._fused import SquaredBlocks
from ._fused_l1 import L1Assigner, L1Blocks, SortedFeatures
from ._validation import check_data, check_int, check_n_clusters
from .loops import incremental, means_from_sums
from .seeding import _kmeans_plus_plus

__all__ = ["KMeans"]

_SAMPLES = "(n_samples, n_features)"


class KMeans:
    """K-means (``loss="l2"``) or k-medians (``loss="l1"``) clustering.

    Lloyd's algorithm alternates the assignment step (each sample to its
    nearest centre) and the refit step (each centre to the mean, or for
    ``loss="l1"`` the coordinate-wise median, of its samples), from ``n_init``
    initialisations, and keeps the run with the lowest loss.

    Like every scikit-learn estimator it takes one sample per ROW; the lesson
    functions take one observation per COLUMN. Side by side:

    ===============  ===============================  ==========================================
                     lesson functions                 ``KMeans``
    ===============  ===============================  ==========================================
    data             ``X``, shape ``(d, N)``          ``X``, shape ``(n_samples, n_features)``
    observation i    column ``X[:, i]``               row ``X[i]``
    centroids        ``M``, shape ``(d, k)``          ``cluster_centers_``, shape ``(k, n_features)``
    labels           ``Y`` (k, N) one-hot, ``z`` (N,)  ``labels_``, shape ``(n_samples,)``
    distances        ``(k, N)``                       ``transform(X)``, shape ``(n_samples, k)``
    ===============  ===============================  ==========================================

    so ``KMeans(init=M0.T).fit(X.T)`` runs Lloyd's algorithm on the lesson's
    ``X`` from the lesson's ``M0``, and ``cluster_centers_.T`` is the lesson's ``M``.

    >>> X = [[0, 0], [1, 0], [4, 3], [5, 3]]     # the toy data set, one sample per row
    >>> km = KMeans(n_clusters=2, init=[[1, 1], [4, 2]]).fit(X)
    >>> km.labels_
    array([0, 0, 1, 1])
    >>> km.cluster_centers_
    array([[0.5, 0. ],
           [4.5, 3. ]])
    >>> km.inertia_                               # 4 * 0.5^2
    1.0
    >>> km.predict([[0, 1], [6, 3]])
    array([0, 1])

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters ``k``; ``1 <= k <= n_samples``.
    loss : {"l2", "l1"}, default="l2"
        ``"l2"``: squared Euclidean distance and the mean (k-means);
        ``"l1"``: Manhattan distance and the coordinate-wise median (k-medians).
    init : {"k-means++", "random"} or array-like of shape (n_clusters, n_features), default="k-means++"
        ``"k-means++"``: D^2 seeding (:func:`~kmeans_ref.kmeans_plus_plus`);
        ``"random"``: distinct samples drawn uniformly
        (:func:`~kmeans_ref.random_init`); an array: these initial centres.
    n_init : "auto" or int, default="auto"
        Number of initialisations. ``"auto"`` means 1 for ``"k-means++"`` and
        for an array, 10 for ``"random"`` (as scikit-learn).
    max_iter : int, default=300
        Maximum number of refits per initialisation.
    tol : float, default=1e-4
        Stop when the squared Frobenius norm of the centre shift is at most
        ``tol * mean(np.var(X, axis=0))`` (as scikit-learn); the run stops
        earlier when the labels no longer change ("strict convergence").
    random_state : None, int or numpy.random.Generator, default=None
        Seed or generator for the initialisation.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Centres of the best run.
    labels_ : ndarray of shape (n_samples,)
        Label of every training sample (nearest centre of ``cluster_centers_``).
    inertia_ : float
        Loss of the best run: sum of squared distances (``"l2"``) or of L1
        distances (``"l1"``) of the samples to their centre.
    n_iter_ : int
        Number of refits in the best run.
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    kmeans_ref.lloyd, kmeans_ref.kmedians : the same loops in the lesson convention.

    Notes
    -----
    An empty cluster keeps its previous centre, as in the lessons
    (scikit-learn instead moves it to a far-away sample). Without empty
    clusters, ``KMeans(loss="l2")`` with the same initial centres performs
    exactly scikit-learn's ``KMeans(algorithm="lloyd")`` iterations (same
    labels, same number of iterations, same inertia up to rounding).

    For ``loss="l1"`` the tolerance also applies to the squared Euclidean
    centre shift, and ``inertia_`` is the L1 loss.
    """

    def __init__(self, n_clusters=8, *, loss="l2", init="k-means++", n_init="auto",
                 max_iter=300, tol=1e-4, random_state=None):
        self.n_clusters = n_clusters
        self.loss = loss
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    # -- scikit-learn parameter protocol ------------------------------------------------
    _PARAMS = ("n_clusters", "loss", "init", "n_init", "max_iter", "tol", "random_state")

    def get_params(self, deep=True):
        """Return the constructor parameters as a dict."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params):
        """Set constructor parameters; returns ``self``."""
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(f"invalid parameter {name!r} for KMeans; valid ones: {self._PARAMS}")
            setattr(self, name, value)
        return self

    # -- scikit-learn's estimator protocol ---------------------------------------------
    # Implemented by hand so that `import kmeans_ref` needs NumPy only: scikit-learn is
    # imported when scikit-learn itself asks for the tags (GridSearchCV, clone, check_estimator).
    _estimator_type = "clusterer"  # read by scikit-learn < 1.6

    def __sklearn_tags__(self):
        """scikit-learn's ``Tags`` of this estimator: a clusterer and a transformer of dense,
        finite, 2-D float data, no target needed. Needs scikit-learn >= 1.6."""
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type="clusterer",
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(preserves_dtype=["float64"]),
            input_tags=InputTags(two_d_array=True, sparse=False, allow_nan=False),
        )

    def _more_tags(self):
        """The same tags for scikit-learn < 1.6, which reads them as a dict."""
        return {"allow_nan": False, "requires_y": False, "X_types": ["2darray"],
                "preserves_dtype": [np.float64]}

    def __sklearn_is_fitted__(self):
        """Whether ``fit`` has run (scikit-learn's ``check_is_fitted`` asks this)."""
        return hasattr(self, "cluster_centers_")

    def __repr__(self):
        defaults = KMeans().get_params()
        changed = [f"{n}={getattr(self, n)!r}" for n in self._PARAMS
                   if not _same(getattr(self, n), defaults[n])]
        return f"KMeans({', '.join(changed)})"

    # -- fitting ----------------------------------------------------------------------
    def fit(self, X, y=None):
        """Compute the clustering.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples, one per row.
        y : ignored

        Returns
        -------
        self : KMeans
            The fitted estimator.
        """
        samples = _check_samples(X)
        Xl = samples.T  # lesson convention (d, N)
        d, N = Xl.shape
        k = check_n_clusters(self.n_clusters, N, name="n_clusters")
        run_once = self._runner()
        init, n_init = self._check_init(k, d)
        max_iter = check_int(self.max_iter, "max_iter", low=1)
        tol = _check_tol(self.tol)
        if tol > 0:  # relative to the mean feature variance, as scikit-learn
            tol *= float(np.mean(np.var(samples, axis=0)))
        rng = _check_random_state(self.random_state)

        blocks = (SquaredBlocks if self.loss == "l2" else L1Blocks)(Xl, k)
        if self.loss == "l1":
            blocks.sorted_features = SortedFeatures(Xl)  # sorted once, shared by the runs
        best = None
        try:
            for _ in range(n_init):
                if isinstance(init, np.ndarray):
                    M0 = init
                elif init == "k-means++":
                    M0 = Xl[:, _kmeans_plus_plus(Xl, k, rng)]
                else:
                    M0 = Xl[:, rng.choice(N, size=k, replace=False)]
                run = run_once(blocks, M0, max_iter, tol)
                if best is None or run[2] < best[2]:
                    best = run
        finally:
            if self.loss == "l2":
                blocks.release()
        M, z, inertia, n_iter = best
        self.cluster_centers_ = np.ascontiguousarray(M.T)
        self.labels_ = z
        self.inertia_ = inertia
        self.n_iter_ = n_iter
        self.n_features_in_ = d
        return self

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``, of shape (n_samples,)."""
        return self.fit(X).labels_

    def fit_transform(self, X, y=None):
        """Fit and return the distances of shape (n_samples, n_clusters) (see :meth:`transform`)."""
        return self.fit(X).transform(X)

    # -- using a fitted model ---------------------------------------------------------
    def predict(self, X):
        """Label of the nearest centre for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        Xl, M = self._fitted(X)
        return self._blocks(Xl).labels(M)

    def transform(self, X):
        """Distance of every sample to every centre.

        Euclidean distances (not squared) for ``loss="l2"``, L1 distances for ``loss="l1"``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_clusters)
            The transpose of the lesson functions' ``(k, N)`` distance arrays.
        """
        Xl, M = self._fitted(X)
        D = self._blocks(Xl).all_distances(M).T
        return D if self.loss == "l1" else np.sqrt(D)

    def score(self, X, y=None):
        """Opposite of the loss of ``X`` with its nearest centres (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        float
            ``-inertia`` of ``X``.
        """
        Xl, M = self._fitted(X)
        blocks = self._blocks(Xl)
        return -blocks.loss(M, blocks.labels(M))

    # -- helpers ----------------------------------------------------------------------
    def _runner(self):
        """The single-initialisation routine of the chosen loss."""
        if isinstance(self.loss, str) and self.loss == "l2":
            return _run_l2
        if isinstance(self.loss, str) and self.loss == "l1":
            return _run_l1
        raise ValueError(f"loss must be 'l2' or 'l1'; got loss={self.loss!r}")

    def _blocks(self, Xl):
        """A one-pass view of X (d, N) for the chosen loss."""
        k = self.cluster_centers_.shape[0]
        return _SquaredPass(Xl, k) if self.loss == "l2" else _L1Pass(Xl, k)

    def _check_init(self, k, d):
        """Validated init (string or (d, k) array) and the number of runs."""
        init = self.init
        if isinstance(init, str):
            if init not in ("k-means++", "random"):
                raise ValueError(f"init must be 'k-means++', 'random' or an array; got init={init!r}")
        else:
            centers = check_data(init, name="init", shape="(n_clusters, n_features)")
            if centers.shape != (k, d):
                raise ValueError(
                    f"init must have shape (n_clusters, n_features) = ({k}, {d}); got shape {centers.shape}"
                )
            init = np.ascontiguousarray(centers.T)
        if isinstance(self.n_init, str) and self.n_init == "auto":
            n_init = 10 if isinstance(init, str) and init == "random" else 1
        elif isinstance(self.n_init, str):
            raise ValueError(f"n_init must be 'auto' or an integer >= 1; got n_init={self.n_init!r}")
        else:
            n_init = check_int(self.n_init, "n_init", low=1)
        if isinstance(init, np.ndarray):
            n_init = 1  # the same centres give the same run every time
        return init, n_init

    def _fitted(self, X):
        """Check that the model is fitted and return (X as (d, N), centres as (d, k))."""
        if not self.__sklearn_is_fitted__():
            raise _not_fitted_error()
        samples = _check_samples(X)
        if samples.shape[1] != self.n_features_in_:
            # worded as scikit-learn words it (its checks match the sentence)
            raise ValueError(
                f"X has {samples.shape[1]} features, but KMeans is expecting "
                f"{self.n_features_in_} features as input (it was fitted on samples of "
                f"{self.n_features_in_} features)"
            )
        return samples.T, np.ascontiguousarray(self.cluster_centers_.T)


def _run_l2(blocks, M0, max_iter, tol):
    """One k-means run: (M, z, inertia, n_iter); prior validation of data is assumed.

    Per iteration: labels from the current centres, then refit (one fused
    pass). Stop when the labels repeat (strict convergence) or the squared
    centre shift is <= tol; in the latter case relabel once so that the labels
    match the final centres. This is scikit-learn's Lloyd loop.
    """
    N = blocks.N
    s = blocks.shift[:, None]
    M = M0.copy()
    z_old = sums = None
    strict = False
    for n_iter in range(1, max_iter + 1):
        z, sums = blocks.step(M - s, z_old=z_old, sums=incremental(sums, n_iter))
        M_new = means_from_sums(sums, M, s)
        shift = float(((M_new - M) ** 2).sum())
        M = M_new
        if z_old is not None and np.array_equal(z, z_old):
            strict = True
            break
        if shift <= tol:
            break
        z_old = z
    if not strict:
        z, _ = blocks.step(M - s, update=False)
    return M, z[:N], blocks.sse(M - s, z), n_iter


def _run_l1(blocks, M0, max_iter, tol):
    """One k-medians run, with the same stopping rules as :func:`_run_l2`."""
    nearest = L1Assigner(blocks)
    M = M0.copy()
    z_old = None
    strict = False
    for n_iter in range(1, max_iter + 1):
        z = nearest(M)
        M_new = blocks.sorted_features.medians(z, M, blocks.label_dtype)
        shift = float(((M_new - M) ** 2).sum())
        M = M_new
        if z_old is not None and np.array_equal(z, z_old):
            strict = True
            break
        if shift <= tol:
            break
        z_old = z
    if not strict:
        z = nearest(M)
    return M, z, blocks.l1_sum(M, z), n_iter


class _SquaredPass:
    """Labels, distances and loss of new data for ``loss="l2"``."""

    def __init__(self, X, k):
        self.blocks = SquaredBlocks(X, k, keep=False)
        self.s = self.blocks.shift[:, None]

    def labels(self, M):
        return self.blocks.step(M - self.s, update=False)[0][:self.blocks.N]

    def all_distances(self, M):
        return self.blocks.distances(M - self.s)

    def loss(self, M, z):
        return self.blocks.sse(M - self.s, z)


class _L1Pass:
    """Labels, distances and loss of new data for ``loss="l1"``."""

    def __init__(self, X, k):
        self.blocks = L1Blocks(X, k)

    def labels(self, M):
        return self.blocks.labels(M)

    def all_distances(self, M):
        return self.blocks.distances(M)

    def loss(self, M, z):
        return self.blocks.l1_sum(M, z)


def _check_samples(X):
    """``X`` as a finite float64 array of shape (n_samples, n_features), both sizes >= 1.

    The lesson functions' validation, after the checks scikit-learn makes of every estimator,
    worded with the phrases its conformance checks look for (sparse, complex, "Reshape your
    data", "0 feature(s)").
    """
    if type(X).__module__.startswith("scipy.sparse"):  # found without importing SciPy
        raise TypeError(
            f"KMeans does not accept sparse data (got a {type(X).__name__}); convert it to a "
            f"dense array with X.toarray()"
        )
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError):  # ragged or odd input: the lesson validation names it
        return check_data(X, shape=_SAMPLES)
    if arr.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: X has dtype {arr.dtype}; pass real numbers, e.g. "
            f"np.abs(X) or np.column_stack([X.real, X.imag])"
        )
    if arr.dtype == object:  # numbers held as Python objects; float() names a bad entry
        arr = arr.astype(np.float64)
    if arr.ndim == 1:
        raise ValueError(
            f"X must be a 2-D array of shape {_SAMPLES}; got a 1-D array of shape {arr.shape}. "
            f"Reshape your data: X.reshape(-1, 1) if it has a single feature, X.reshape(1, -1) "
            f"if it is a single sample"
        )
    if arr.ndim == 2 and 0 in arr.shape:
        n_samples, n_features = arr.shape
        what = f"{n_samples} sample(s)" if n_samples == 0 else f"{n_features} feature(s)"
        raise ValueError(
            f"X has {what} (shape={arr.shape}) while a minimum of 1 is required; X must have "
            f"shape {_SAMPLES} with both sizes >= 1"
        )
    return check_data(arr, shape=_SAMPLES)


def _not_fitted_error():
    """scikit-learn's NotFittedError when scikit-learn is loaded, else an AttributeError
    (NotFittedError is both a ValueError and an AttributeError)."""
    message = "this KMeans instance is not fitted yet; call fit(X) first"
    exceptions = sys.modules.get("sklearn.exceptions")
    if exceptions is not None:
        return exceptions.NotFittedError(message)
    return AttributeError(message)


def _check_tol(tol):
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real) or not tol >= 0:
        raise ValueError(f"tol must be a real number >= 0; got tol={tol!r}")
    return float(tol)


def _check_random_state(random_state):
    """A numpy Generator from None, an int seed or a Generator."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, (bool, np.bool_)):
        return np.random.default_rng(int(random_state))
    raise TypeError(
        f"random_state must be None, an int or a numpy.random.Generator; got {random_state!r}"
    )


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return False
    return type(a) is type(b) and a == b
