"""Correct implementations written differently from kmeans_ref, as students might write them.

Each must get full marks from every checker (visible and hidden): the checkers judge
results and contracts, not the way they are computed.
"""

import numpy as np


# --- 01-labels ----------------------------------------------------------------------------
def one_hot(z, k):
    z = np.asarray(z)
    for label in z:
        if label < 0 or label >= k:
            raise ValueError(f"label {label} is outside 0..{k - 1}")
    return np.equal.outer(np.arange(k), z).astype(int)


def labels_from_one_hot(Y):
    return np.nonzero(np.asarray(Y).T)[1]


def is_label_matrix(Y):
    Y = np.asarray(Y)
    if Y.ndim != 2:
        return False
    return bool(np.isin(Y, [0, 1]).all() and (Y.sum(axis=0) == 1).all())


def reconstruct(M, Y):
    return np.einsum("dk,kn->dn", M, Y)


# --- 02-loss --------------------------------------------------------------------------------
def sq_distances(X, M):
    # the expansion ||x||^2 - 2 x.m + ||m||^2 (may be slightly negative by rounding)
    return (X ** 2).sum(axis=0)[None, :] - 2 * M.T @ X + (M ** 2).sum(axis=0)[:, None]


def kmeans_loss(X, Y, M):
    R = X - M @ Y
    return np.trace(R.T @ R)


def min_form_loss(X, M):
    total = 0.0
    for i in range(X.shape[1]):
        total += min(float(np.sum((X[:, i] - M[:, j]) ** 2)) for j in range(M.shape[1]))
    return total


# --- 03-lloyd -------------------------------------------------------------------------------
def assign(X, M):
    D = np.linalg.norm(X[:, None, :] - M[:, :, None], axis=0)  # not squared: same argmin
    return np.eye(M.shape[1])[np.argmin(D, axis=0)].T


def update_means(X, Y, M_prev):
    Y = np.asarray(Y, dtype=float)
    counts = Y.sum(axis=1)
    sums = X @ Y.T
    M = np.array(M_prev, dtype=float)
    full = counts > 0
    M[:, full] = sums[:, full] / counts[full]
    return M


def lloyd(X, M0, max_iter=100):
    # works on one-hot matrices throughout and returns assign(X, M) at the end
    M = np.array(M0, dtype=float)
    Y = assign(X, M)
    losses = []
    it = 0
    while it < max_iter:
        M = update_means(X, Y, M)
        losses.append(kmeans_loss(X, Y, M))
        Y_new = assign(X, M)
        it += 1
        if np.array_equal(Y_new, Y):
            break
        Y = Y_new
    return M, assign(X, M), losses


# --- 04-kmedians ----------------------------------------------------------------------------
def l1_distances(X, M):
    D = np.zeros((M.shape[1], X.shape[1]))
    for a in range(X.shape[0]):
        D += np.abs(np.subtract.outer(M[a], X[a]))
    return D


def assign_l1(X, M):
    D = l1_distances(X, M)
    Y = np.zeros_like(D, dtype=int)
    Y[D.argmin(axis=0), np.arange(D.shape[1])] = 1
    return Y


def l1_loss(X, Y, M):
    z = np.argmax(Y, axis=0)
    return sum(float(np.abs(X[:, i] - M[:, z[i]]).sum()) for i in range(X.shape[1]))


def update_medians(X, Y, M_prev):
    # the UPPER middle value for even counts: also a minimiser of the L1 loss
    M = np.array(M_prev, dtype=float)
    for j in range(Y.shape[0]):
        pts = np.sort(X[:, np.asarray(Y[j]) == 1], axis=1)
        if pts.shape[1]:
            M[:, j] = pts[:, pts.shape[1] // 2]
    return M


def update_medians_lower(X, Y, M_prev):
    M = np.array(M_prev, dtype=float)
    for j in range(Y.shape[0]):
        pts = np.sort(X[:, np.asarray(Y[j]) == 1], axis=1)
        if pts.shape[1]:
            M[:, j] = pts[:, (pts.shape[1] - 1) // 2]
    return M


def kmedians(X, M0, max_iter=100):
    M = np.array(M0, dtype=float)
    z = np.argmin(l1_distances(X, M), axis=0)
    losses = []
    for _ in range(max_iter):
        Y = np.eye(M.shape[1])[z].T
        M = update_medians(X, Y, M)
        losses.append(l1_loss(X, Y, M))
        z_new = np.argmin(l1_distances(X, M), axis=0)
        if (z_new == z).all():
            break
        z = z_new
    return M, np.eye(M.shape[1])[z].T, losses


# --- 05-gradient-descent ----------------------------------------------------------------------
def loss_gradient(X, M):
    D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
    Y = np.eye(M.shape[1])[np.argmin(D, axis=0)].T
    return 2 * (M * Y.sum(axis=1) - X @ Y.T)


def numerical_gradient(f, M, eps=1e-6):
    G = np.empty(M.shape)
    work = np.array(M, dtype=float)
    it = np.nditer(work, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = work[idx]
        work[idx] = old + eps
        f_plus = f(work.copy())
        work[idx] = old - eps
        f_minus = f(work.copy())
        work[idx] = old  # restored exactly
        G[idx] = (f_plus - f_minus) / (2 * eps)
    return G


def gradient_descent(X, M0, lr, n_steps):
    M = np.array(M0, dtype=float)
    losses = [min_form_loss(X, M)]
    step = 0
    while step < n_steps:
        M = M - lr * loss_gradient(X, M)
        losses.append(min_form_loss(X, M))
        step += 1
    return M, losses


def minibatch_step(X_batch, M, counts):
    # Sculley's per-observation form m_j <- m_j + (x - m_j) / counts_j, the whole batch assigned first
    M = np.array(M, dtype=float)
    counts = np.array(counts, dtype=np.int64)
    z = np.argmin(((X_batch[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)
    for i, j in enumerate(z):
        counts[j] += 1
        M[:, j] += (X_batch[:, i] - M[:, j]) / counts[j]
    return M, counts


# --- 06-applications --------------------------------------------------------------------------
def kmeans_plus_plus(X, k, rng):
    N = X.shape[1]
    chosen = [int(rng.choice(N))]
    closest = ((X - X[:, [chosen[0]]]) ** 2).sum(axis=0)
    for _ in range(k - 1):
        cum = np.cumsum(closest)
        i = int(np.searchsorted(cum, rng.random() * cum[-1], side="right"))
        chosen.append(i)
        closest = np.minimum(closest, ((X - X[:, [i]]) ** 2).sum(axis=0))
    return X[:, chosen].copy()


def quantize(image, k, rng):
    # k-means++ seeding and Lloyd's algorithm from this module; truncates instead of rounding
    h, w, _ = image.shape
    X = image.reshape(h * w, 3).T.astype(float)
    M, _, _ = lloyd(X, kmeans_plus_plus(X, k, rng))
    z = np.argmin(sq_distances(X, M), axis=0)
    return M[:, z].T.reshape(image.shape).astype(image.dtype)


def silhouette_scores(X, z):
    # per-cluster sums of distances through a one-hot matrix, no loop over observations
    clusters, z = np.unique(z, return_inverse=True)
    if len(clusters) < 2:
        raise ValueError(f"need 2 or more clusters, got {len(clusters)}")
    D = np.linalg.norm(X.T[:, None, :] - X.T[None, :, :], axis=2)    # (N, N)
    Y = np.eye(len(clusters))[z]                                       # (N, K)
    n = Y.sum(axis=0)
    means = (D @ Y) / n                                                # mean distance to each cluster
    own = n[z] > 1
    a = (D @ Y)[np.arange(len(z)), z] / np.where(own, n[z] - 1, 1)
    means[np.arange(len(z)), z] = np.inf
    b = means.min(axis=1)
    return np.where(own, (b - a) / np.maximum(a, b), 0.0)


# --- 07-soft-clustering -----------------------------------------------------------------------
def soft_assign(X, M, beta):
    # log-sum-exp written out: log R = -beta D - logsumexp(-beta D), column by column
    if not beta > 0:
        raise ValueError("beta must be positive")
    A = -beta * sq_distances(X, M)
    top = A.max(axis=0)
    log_total = top + np.log(np.exp(A - top).sum(axis=0))
    return np.exp(A - log_total)


def soft_update(X, R):
    R = np.asarray(R, dtype=float)
    M = np.empty((X.shape[0], R.shape[0]))
    for j, weights in enumerate(R):
        if not weights.any():
            raise ValueError(f"cluster {j} has no responsibility at all")
        M[:, j] = np.average(X, axis=1, weights=weights)
    return M


def em_isotropic(X, M0, n_iter):
    # works with log-responsibilities and one component at a time
    X = np.asarray(X, dtype=float)
    d, N = X.shape
    k = M0.shape[1]
    M = np.array(M0, dtype=float)
    floor = 1e-6 * np.mean((X - X.mean(axis=1, keepdims=True)) ** 2)
    D = np.stack([((X - M[:, [j]]) ** 2).sum(axis=0) for j in range(k)])
    var = np.full(k, max(float(np.mean(D.min(axis=0))) / d, floor))
    w = np.ones(k) / k

    def e_step():
        with np.errstate(divide="ignore"):
            log_p = np.log(w)[:, None] - d / 2 * np.log(2 * np.pi * var)[:, None] - D / (2 * var[:, None])
        top = log_p.max(axis=0)
        log_norm = top + np.log(np.exp(log_p - top).sum(axis=0))
        return np.exp(log_p - log_norm), float(log_norm.sum())

    R, ll = e_step()
    history = [ll]
    for _ in range(n_iter):
        n = R.sum(axis=1)
        w = n / N
        for j in range(k):
            if n[j] > 0:
                M[:, j] = (X * R[j]).sum(axis=1) / n[j]
                var[j] = max(float((R[j] * ((X - M[:, [j]]) ** 2).sum(axis=0)).sum()) / (d * n[j]), floor)
        D = np.stack([((X - M[:, [j]]) ** 2).sum(axis=0) for j in range(k)])
        R, ll = e_step()
        history.append(ll)
    return M, var.copy(), w, history


ALTERNATIVES = {
    name: fn for name, fn in globals().items()
    if callable(fn) and not name.startswith("_") and fn.__module__ == __name__
}
ALTERNATIVES["update_medians"] = update_medians
EXTRA = {"update_medians": [update_medians_lower]}
del ALTERNATIVES["update_medians_lower"]
