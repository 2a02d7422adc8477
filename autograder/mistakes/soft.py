"""Mistakes of lesson 07-soft-clustering: each exercise's correct solution once, each mistake an edit of it.

See :mod:`autograder.mistakes` for how an entry is built and checked.
"""

from . import baseline, mistake, variant


# ------------------------------------------------------------------ soft_assign
SOFT_ASSIGN = baseline(
    """
    import numpy as np


    def soft_assign(X, M, beta):
        if beta <= 0:
            raise ValueError(f"beta must be > 0, got {beta}")
        D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
        E = np.exp(-beta * (D - D.min(axis=0)))
        return E / E.sum(axis=0)
    """
)

MISTAKES = [
    mistake(
        "soft_assign.not_stabilised",
        """For a large beta every exp(-beta D) underflows to 0 and your R is 0 / 0 = NaN. Subtract
        each column's smallest squared distance before the exponential (it cancels in the ratio):
        the nearest centroid's term becomes exp(0) = 1.""",
        variant(SOFT_ASSIGN, ("E = np.exp(-beta * (D - D.min(axis=0)))", "E = np.exp(-beta * D)")),
    ),
    mistake(
        "soft_assign.over_observations",
        """Your softmax runs over the observations (each ROW of R sums to 1). It runs over the
        clusters: each COLUMN, one observation's shares of the k clusters, sums to 1.""",
        variant(
            SOFT_ASSIGN,
            ("E = np.exp(-beta * (D - D.min(axis=0)))", "E = np.exp(-beta * (D - D.min(axis=1, keepdims=True)))"),
            ("return E / E.sum(axis=0)", "return E / E.sum(axis=1, keepdims=True)"),
        ),
    ),
    mistake(
        "soft_assign.plus_beta",
        """Your exponent has the wrong sign, exp(+beta D), so the FARTHEST centroid takes the
        largest share. A near centroid must weigh more: exp(-beta ||x_i - m_j||^2).""",
        variant(
            SOFT_ASSIGN,
            ("E = np.exp(-beta * (D - D.min(axis=0)))", "E = np.exp(beta * (D - D.max(axis=0)))"),
        ),
    ),
    mistake(
        "soft_assign.not_squared",
        """You used the distances ||x_i - m_j||, not their squares. The soft assignment weighs
        exp(-beta ||x_i - m_j||^2).""",
        variant(
            SOFT_ASSIGN,
            ("D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)",
             "D = np.sqrt(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0))"),
        ),
    ),
    mistake(
        "soft_assign.no_validation",
        """You accept beta <= 0. beta = 0 makes every share 1 / k and a negative beta favours the
        far centroids: raise a ValueError unless beta > 0.""",
        variant(
            SOFT_ASSIGN,
            ("if beta <= 0:\n"
             "        raise ValueError(f\"beta must be > 0, got {beta}\")\n",
             "beta = float(beta)\n"),
        ),
    ),
    mistake(
        "soft_assign.transposed",
        """Your R is transposed, shape (N, k). It has one row per cluster and one column per
        observation: (k, N), like the one-hot Y.""",
        variant(SOFT_ASSIGN, ("return E / E.sum(axis=0)", "return (E / E.sum(axis=0)).T")),
    ),
]

# ------------------------------------------------------------------ soft_update
SOFT_UPDATE = baseline(
    """
    import numpy as np


    def soft_update(X, R):
        n = R.sum(axis=1)
        if np.any(n == 0):
            j = int(np.flatnonzero(n == 0)[0])
            raise ValueError(f"cluster {j} has total responsibility 0")
        return (X @ R.T) / n
    """
)

MISTAKES += [
    mistake(
        "soft_update.divide_by_N",
        """You divided every weighted sum by N. Centroid j is a weighted MEAN: divide by its own
        total responsibility n_j = sum_i R[j, i] (the row total of R).""",
        variant(SOFT_UPDATE, ("return (X @ R.T) / n", "return (X @ R.T) / X.shape[1]")),
    ),
    mistake(
        "soft_update.transposed",
        """Your M is transposed, shape (k, d). It has one column per centroid: (d, k), and
        column j is sum_i R[j, i] x_i / n_j.""",
        variant(SOFT_UPDATE, ("return (X @ R.T) / n", "return (R @ X.T) / n[:, None]")),
    ),
    mistake(
        "soft_update.hard_means",
        """You took the plain mean of the observations whose largest responsibility is cluster j
        (argmax). The soft update uses EVERY observation, weighted by R[j, i]:
        m_j = sum_i R[j, i] x_i / sum_i R[j, i].""",
        variant(
            SOFT_UPDATE,
            ("return (X @ R.T) / n",
             "z = np.argmax(R, axis=0)\n"
             "    return np.stack([X[:, z == j].mean(axis=1) for j in range(R.shape[0])], axis=1)"),
        ),
    ),
    mistake(
        "soft_update.no_validation",
        """A cluster whose row of R is all zeros gives 0 / 0 in your function (NaN). Its weighted
        mean is undefined: raise a ValueError that names the cluster.""",
        variant(SOFT_UPDATE, ("if np.any(n == 0):", "if np.any(n < 0):")),
    ),
    mistake(
        "soft_update.in_place",
        """You divide R in place (R /= ...), so the caller's R changes (and an integer R cannot hold
        the result). Compute new arrays: (X @ R.T) / n.""",
        variant(SOFT_UPDATE, ("return (X @ R.T) / n", "R /= n[:, None]\n    return X @ R.T")),
    ),
]

# ------------------------------------------------------------------ em_isotropic
EM_ISOTROPIC = baseline(
    """
    import numpy as np


    def em_isotropic(X, M0, n_iter):
        d, N = X.shape
        k = M0.shape[1]
        floor = 1e-6 * X.var(axis=1).mean()
        M = M0.astype(float)
        D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
        var = np.full(k, max(D.min(axis=0).mean() / d, floor))
        weights = np.full(k, 1 / k)

        def e_step(D, var, weights):
            with np.errstate(divide="ignore"):
                A = (np.log(weights) - d / 2 * np.log(2 * np.pi * var))[:, None] - D / (2 * var[:, None])
            top = A.max(axis=0)
            E = np.exp(A - top)
            total = E.sum(axis=0)
            return E / total, float(np.sum(top + np.log(total)))

        R, ll = e_step(D, var, weights)
        lls = [ll]
        for it in range(n_iter):
            n = R.sum(axis=1)
            weights = n / N
            live = n > 0
            M = M.copy()
            M[:, live] = (X @ R[live].T) / n[live]
            D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
            var = var.copy()
            var[live] = np.maximum((R[live] * D[live]).sum(axis=1) / (d * n[live]), floor)
            R, ll = e_step(D, var, weights)
            lls.append(ll)
        return M, var, weights, lls
    """
)

MISTAKES += [
    mistake(
        "em_isotropic.var_not_per_coordinate",
        """Your variances are not divided by d. var_j is the variance PER COORDINATE (the
        covariance is var_j I): the weighted mean squared distance divided by d, at the start
        and in every M-step.""",
        variant(
            EM_ISOTROPIC,
            ("max(D.min(axis=0).mean() / d, floor)", "max(D.min(axis=0).mean(), floor)"),
            ("/ (d * n[live])", "/ n[live]"),
        ),
    ),
    mistake(
        "em_isotropic.weights_fixed",
        """Your mixing weights never change from 1 / k. The M-step also updates them:
        w_j = n_j / N, each component's share of the total responsibility.""",
        variant(EM_ISOTROPIC, ("weights = n / N", "weights = np.full(k, 1 / k)")),
    ),
    mistake(
        "em_isotropic.no_mixing_weights",
        """Your E-step leaves out the mixing weights: each term of the log-likelihood (and of the
        responsibilities) is log w_j - (d/2) log(2 pi var_j) - ||x_i - m_j||^2 / (2 var_j).""",
        variant(
            EM_ISOTROPIC,
            ("A = (np.log(weights) - d / 2 * np.log(2 * np.pi * var))[:, None]",
             "A = (- d / 2 * np.log(2 * np.pi * var))[:, None]"),
        ),
    ),
    mistake(
        "em_isotropic.start_var_all_centroids",
        """Your starting variance averages the squared distances to ALL the means. It starts
        from each observation's NEAREST mean: (1 / (N d)) sum_i min_l ||x_i - m_l||^2.""",
        variant(EM_ISOTROPIC, ("max(D.min(axis=0).mean() / d, floor)", "max(D.mean() / d, floor)")),
    ),
    mistake(
        "em_isotropic.no_floor",
        """A component that owns a single observation gets variance 0 in your M-step, and the
        likelihood breaks (log 0, 0 / 0). Keep every variance at or above the floor: np.maximum(.,
        floor).""",
        variant(
            EM_ISOTROPIC,
            ("var[live] = np.maximum((R[live] * D[live]).sum(axis=1) / (d * n[live]), floor)",
             "var[live] = (R[live] * D[live]).sum(axis=1) / (d * n[live])"),
        ),
    ),
    mistake(
        "em_isotropic.nan_dead",
        """A component with total responsibility 0 gets 0 / 0 = NaN in your M-step. It keeps its
        mean and variance (as an empty cluster keeps its centroid) and gets weight 0.""",
        variant(EM_ISOTROPIC, ("live = n > 0", "live = n >= 0")),
    ),
    mistake(
        "em_isotropic.mutates_M0",
        """You write the new means into M0 itself, so the caller's M0 changes (and an integer M0
        truncates them). Work on a float copy: M = M0.astype(float).""",
        variant(EM_ISOTROPIC, ("M = M0.astype(float)", "M = M0"), ("M = M.copy()\n        M[:, live]", "M[:, live]")),
    ),
]

BASELINES = {"soft_assign": SOFT_ASSIGN, "soft_update": SOFT_UPDATE, "em_isotropic": EM_ISOTROPIC}
