"""Mistakes of lesson 04-kmedians: each exercise's correct solution once, each mistake an edit of it.

See :mod:`autograder.mistakes` for how an entry is built and checked.
"""

from . import baseline, mistake, variant


# ------------------------------------------------------------------ l1_distances
L1_DISTANCES = baseline(
    """
    import numpy as np


    def l1_distances(X, M):
        diff = X[:, None, :] - M[:, :, None]
        return np.abs(diff).sum(axis=0)
    """
)

MISTAKES = [
    mistake(
        "l1_distances.squared",
        """You squared the differences. The L1 (Manhattan) distance is sum_a |x_a - m_a|: absolute
        values, no squares.""",
        variant(L1_DISTANCES, ("return np.abs(diff).sum(axis=0)", "return (diff ** 2).sum(axis=0)")),
    ),
    mistake(
        "l1_distances.euclidean",
        """You computed Euclidean distances (square root of the sum of squares). The L1 distance
        adds the absolute coordinate differences: sum_a |x_a - m_a|.""",
        variant(L1_DISTANCES, ("return np.abs(diff).sum(axis=0)", "return np.sqrt((diff ** 2).sum(axis=0))")),
    ),
    mistake(
        "l1_distances.transposed",
        """Your result is transposed, shape (N, k). D[j, i] is the distance from centroid j (row)
        to observation i (column): shape (k, N).""",
        variant(
            L1_DISTANCES,
            ("diff = X[:, None, :] - M[:, :, None]",
             "diff = X[:, :, None] - M[:, None, :]"),
        ),
    ),
    mistake(
        "l1_distances.no_abs",
        """You forgot the absolute value: sum_a (x_a - m_a) lets positive and negative differences
        cancel. Use np.abs before summing.""",
        variant(L1_DISTANCES, ("return np.abs(diff).sum(axis=0)", "return diff.sum(axis=0)")),
    ),
    mistake(
        "l1_distances.abs_of_sum",
        """You took the absolute value of the sum. The L1 distance sums the absolute values: sum_a
        |x_a - m_a|, not |sum_a (x_a - m_a)|.""",
        variant(L1_DISTANCES, ("return np.abs(diff).sum(axis=0)", "return np.abs(diff.sum(axis=0))")),
    ),
    mistake(
        "l1_distances.chebyshev",
        """You took the largest coordinate difference (the L-infinity distance). L1 ADDS the
        absolute differences over all coordinates.""",
        variant(L1_DISTANCES, ("return np.abs(diff).sum(axis=0)", "return np.abs(diff).max(axis=0)")),
    ),
    mistake(
        "l1_distances.mean_over_coordinates",
        """You averaged over the coordinates (divided by d). The L1 distance is the SUM of the
        absolute coordinate differences.""",
        variant(L1_DISTANCES, ("return np.abs(diff).sum(axis=0)", "return np.abs(diff).mean(axis=0)")),
    ),
    mistake(
        "l1_distances.wrong_axis",
        """You summed over the wrong axis (over the centroids instead of the coordinates). With
        differences of shape (d, k, N), sum over axis 0, the d coordinates, to get (k, N).""",
        variant(L1_DISTANCES, ("return np.abs(diff).sum(axis=0)", "return np.abs(diff).sum(axis=1)")),
    ),
]

MISTAKES += [
    mistake(
        "l1_distances.loop_over_observations",
        """Your l1_distances is correct but loops over the observations in Python, so its work in
        the interpreter grows with N. Form all the coordinate differences at once by broadcasting
        to shape (d, k, N); a loop over the d features or the k centroids is fine.""",
        # A different structure altogether, kept whole: a correct loop over the observations,
        # which fails no case and loses only the vectorisation criterion.
        """
        import numpy as np


        def l1_distances(X, M):
            k, N = M.shape[1], X.shape[1]
            D = np.zeros((k, N))
            for i in range(N):
                D[:, i] = np.abs(M - X[:, [i]]).sum(axis=0)
            return D
        """,
    ),
]

# ------------------------------------------------------------------ assign_l1
ASSIGN_L1 = baseline(
    """
    import numpy as np


    def assign_l1(X, M):
        D = np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0)
        z = np.argmin(D, axis=0)
        Y = np.zeros((M.shape[1], X.shape[1]))
        Y[z, np.arange(X.shape[1])] = 1
        return Y
    """
)

MISTAKES += [
    mistake(
        "assign_l1.l2_distances",
        """You assigned by (squared) Euclidean distance. k-medians assigns by the L1 distance,
        sum_a |x_a - m_a|; the two can disagree on the nearest centroid.""",
        variant(
            ASSIGN_L1,
            ("D = np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0)",
             "D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)"),
        ),
    ),
    mistake(
        "assign_l1.argmax",
        """You picked the FARTHEST centroid (argmax). Each observation joins its NEAREST centroid:
        np.argmin(D, axis=0).""",
        variant(ASSIGN_L1, ("z = np.argmin(D, axis=0)", "z = np.argmax(D, axis=0)")),
    ),
    mistake(
        "assign_l1.returns_labels",
        """You returned the labels z, shape (N,). assign_l1 returns the one-hot matrix Y of shape
        (k, N): build it with Y[z, np.arange(N)] = 1.""",
        variant(
            ASSIGN_L1,
            ("z = np.argmin(D, axis=0)\n"
             "    Y = np.zeros((M.shape[1], X.shape[1]))\n"
             "    Y[z, np.arange(X.shape[1])] = 1\n"
             "    return Y",
             "return np.argmin(D, axis=0)"),
        ),
    ),
    mistake(
        "assign_l1.ties_highest",
        """Ties go to the HIGHEST index in your code (a `<=` comparison keeps the last of equal
        distances; L1 distances tie often). The convention is the LOWEST index: use `<`, or
        np.argmin.""",
        # A different structure altogether, kept whole: a hand-written double loop whose `<=` lets
        # the last tie win.
        """
        import numpy as np


        def assign_l1(X, M):
            k, N = M.shape[1], X.shape[1]
            D = np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0)
            Y = np.zeros((k, N))
            for i in range(N):
                best = 0
                for j in range(k):
                    if D[j, i] <= D[best, i]:
                        best = j
                Y[best, i] = 1
            return Y
        """,
    ),
    mistake(
        "assign_l1.transposed",
        """Your Y is transposed, shape (N, k). Y has one ROW per cluster and one COLUMN per
        observation: shape (k, N).""",
        variant(
            ASSIGN_L1,
            ("Y = np.zeros((M.shape[1], X.shape[1]))\n"
             "    Y[z, np.arange(X.shape[1])] = 1",
             "Y = np.zeros((X.shape[1], M.shape[1]))\n"
             "    Y[np.arange(X.shape[1]), z] = 1"),
        ),
    ),
]

# ------------------------------------------------------------------ l1_loss
L1_LOSS = baseline(
    """
    import numpy as np


    def l1_loss(X, Y, M):
        return np.abs(X - M @ Y).sum()
    """
)

MISTAKES += [
    mistake(
        "l1_loss.squared",
        """You used squared differences (that is the k-means loss). The L1 loss is sum_i ||x_i -
        m_j||_1: absolute differences, no squares.""",
        variant(L1_LOSS, ("return np.abs(X - M @ Y).sum()", "return ((X - M @ Y) ** 2).sum()")),
    ),
    mistake(
        "l1_loss.divided_by_N",
        """You divided by N: the loss is a plain SUM over the observations, not a mean.""",
        variant(L1_LOSS, ("return np.abs(X - M @ Y).sum()", "return np.abs(X - M @ Y).sum() / X.shape[1]")),
    ),
    mistake(
        "l1_loss.no_abs",
        """You forgot the absolute value: the signed differences cancel out. Sum np.abs(X - M @ Y).""",
        variant(L1_LOSS, ("return np.abs(X - M @ Y).sum()", "return (X - M @ Y).sum()")),
    ),
    mistake(
        "l1_loss.euclidean_norms",
        """You added Euclidean norms ||x_i - m_j||_2. The L1 loss adds L1 norms: the absolute
        coordinate differences, sum_i sum_a |x_ai - m_aj|.""",
        variant(
            L1_LOSS,
            ("return np.abs(X - M @ Y).sum()",
             "return np.linalg.norm(X - M @ Y, axis=0).sum()"),
        ),
    ),
    mistake(
        "l1_loss.ignores_Y",
        """You ignored Y and used each observation's nearest centroid. l1_loss must use the GIVEN
        assignment Y, even when it is not the nearest centroid.""",
        variant(
            L1_LOSS,
            ("return np.abs(X - M @ Y).sum()",
             "D = np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0)\n"
             "    return D.min(axis=0).sum()"),
        ),
    ),
]

# ------------------------------------------------------------------ update_medians
UPDATE_MEDIANS = baseline(
    """
    import numpy as np


    def update_medians(X, Y, M_prev):
        M = M_prev.astype(float)
        for j in range(Y.shape[0]):
            members = Y[j] == 1
            if members.any():
                M[:, j] = np.median(X[:, members], axis=1)
        return M
    """
)

MISTAKES += [
    mistake(
        "update_medians.mean",
        """You used the MEAN. The L1 loss is minimised, coordinate by coordinate, by the MEDIAN
        (np.median(..., axis=1)); the mean is what the squared loss wants, and an outlier drags
        it.""",
        variant(
            UPDATE_MEDIANS,
            ("M[:, j] = np.median(X[:, members], axis=1)",
             "M[:, j] = X[:, members].mean(axis=1)"),
        ),
    ),
    mistake(
        "update_medians.nan_empty",
        """An empty cluster gives NaN in your M (the median of no points). Keep the previous
        centroid for it: M_prev[:, j].""",
        variant(
            UPDATE_MEDIANS,
            ("members = Y[j] == 1\n"
             "        if members.any():\n"
             "            M[:, j] = np.median(X[:, members], axis=1)",
             "M[:, j] = np.median(X[:, Y[j] == 1], axis=1)"),
        ),
    ),
    mistake(
        "update_medians.zero_empty",
        """An empty cluster gets the zero vector in your M. It must keep its previous centroid,
        M_prev[:, j].""",
        variant(UPDATE_MEDIANS, ("M = M_prev.astype(float)", "M = np.zeros(M_prev.shape)")),
    ),
    mistake(
        "update_medians.includes_zeros",
        """You took the median of X * Y[j], which has a 0 for every observation OUTSIDE the
        cluster. Take the median over the cluster's own columns: np.median(X[:, Y[j] == 1],
        axis=1).""",
        variant(
            UPDATE_MEDIANS,
            ("members = Y[j] == 1\n"
             "        if members.any():\n"
             "            M[:, j] = np.median(X[:, members], axis=1)",
             "if Y[j].sum() > 0:\n"
             "            M[:, j] = np.median(X * Y[j], axis=1)"),
        ),
    ),
    mistake(
        "update_medians.wrong_axis",
        """You took the median over the wrong axis (the coordinates of each point). The median of a
        cluster runs over its observations, coordinate by coordinate: axis=1.""",
        variant(
            UPDATE_MEDIANS,
            ("M[:, j] = np.median(X[:, members], axis=1)",
             "M[:, j] = np.median(X[:, members], axis=0)"),
        ),
    ),
    mistake(
        "update_medians.mutates_M_prev",
        """You wrote the new centroids into M_prev itself (M = M_prev does not copy), so the
        caller's M_prev changes. Start from a float copy: M = M_prev.astype(float).""",
        variant(UPDATE_MEDIANS, ("M = M_prev.astype(float)", "M = M_prev")),
    ),
    mistake(
        "update_medians.transposed",
        """Your M is transposed, shape (k, d). Centroids are COLUMNS, like observations in X: shape
        (d, k).""",
        # A different structure altogether, kept whole: a (k, d) array filled row by row.
        """
        import numpy as np


        def update_medians(X, Y, M_prev):
            k, d = Y.shape[0], X.shape[0]
            M = np.zeros((k, d))
            for j in range(k):
                members = Y[j] == 1
                if members.any():
                    M[j] = np.median(X[:, members], axis=1)
                else:
                    M[j] = M_prev[:, j]
            return M
        """,
    ),
    mistake(
        "update_medians.unsorted_middle",
        """You took the middle observation of the cluster as it comes, without sorting. The median
        is the middle of the SORTED values, coordinate by coordinate (np.median sorts for you).""",
        variant(
            UPDATE_MEDIANS,
            ("members = Y[j] == 1\n"
             "        if members.any():\n"
             "            M[:, j] = np.median(X[:, members], axis=1)",
             "pts = X[:, Y[j] == 1]\n"
             "        n = pts.shape[1]\n"
             "        if n > 0:\n"
             "            M[:, j] = pts[:, n // 2]"),
        ),
    ),
]

# ------------------------------------------------------------------ kmedians
KMEDIANS = baseline(
    """
    import numpy as np


    def kmedians(X, M0, max_iter=100):
        M = M0.astype(float)
        k, N = M.shape[1], X.shape[1]
        z = np.argmin(np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0), axis=0)
        losses = []
        for it in range(max_iter):
            for j in range(k):
                if np.any(z == j):
                    M[:, j] = np.median(X[:, z == j], axis=1)
            losses.append(float(np.abs(X - M[:, z]).sum()))
            z_new = np.argmin(np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0), axis=0)
            if np.array_equal(z_new, z):
                break
            z = z_new
        Y = np.zeros((k, N))
        Y[z, np.arange(N)] = 1
        return M, Y, losses
    """
)

MISTAKES += [
    mistake(
        "kmedians.mean_update",
        """Your update uses the MEAN. k-medians moves each centroid to the coordinate-wise MEDIAN
        of its cluster, which minimises the L1 loss (and ignores outliers).""",
        variant(
            KMEDIANS,
            ("M[:, j] = np.median(X[:, z == j], axis=1)",
             "M[:, j] = X[:, z == j].mean(axis=1)"),
        ),
    ),
    mistake(
        "kmedians.l2_assign",
        """Your assignment uses the squared Euclidean distance. k-medians assigns every point to
        its nearest centroid in L1 distance, sum_a |x_a - m_a|.""",
        variant(
            KMEDIANS,
            ("z = np.argmin(np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0), axis=0)",
             "z = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)"),
            ("z_new = np.argmin(np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0), axis=0)",
             "z_new = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)"),
        ),
    ),
    mistake(
        "kmedians.squared_loss",
        """Your loss history records the squared (k-means) loss. k-medians records l1_loss(X, Y,
        M), the sum of L1 distances to the centroids.""",
        variant(
            KMEDIANS,
            ("losses.append(float(np.abs(X - M[:, z]).sum()))",
             "losses.append(float(((X - M[:, z]) ** 2).sum()))"),
        ),
    ),
    mistake(
        "kmedians.nan_empty",
        """An empty cluster makes your centroid NaN (the median of no points), and the NaN spreads.
        Keep M[:, j] unchanged when no observation is assigned to cluster j.""",
        variant(
            KMEDIANS,
            ("if np.any(z == j):\n"
             "                M[:, j] = np.median(X[:, z == j], axis=1)",
             "M[:, j] = np.median(X[:, z == j], axis=1)"),
        ),
    ),
    mistake(
        "kmedians.stop_on_M",
        """You stop when M stops changing, one update AFTER the assignment stopped changing, so
        your loss history repeats its last value. Stop as soon as the new assignment equals the
        previous one.""",
        # A different structure altogether, kept whole: the loop rebuilt around M_new, stopping
        # when the centroids stop moving.
        """
        import numpy as np


        def kmedians(X, M0, max_iter=100):
            M = M0.astype(float)
            k, N = M.shape[1], X.shape[1]
            losses = []
            for it in range(max_iter):
                z = np.argmin(np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0), axis=0)
                M_new = M.copy()
                for j in range(k):
                    if np.any(z == j):
                        M_new[:, j] = np.median(X[:, z == j], axis=1)
                losses.append(float(np.abs(X - M_new[:, z]).sum()))
                converged = np.allclose(M_new, M)
                M = M_new
                if converged:
                    break
            Y = np.zeros((k, N))
            Y[z, np.arange(N)] = 1
            return M, Y, losses
        """,
    ),
    mistake(
        "kmedians.initial_loss",
        """Your loss history starts with the loss at M0, before any update. kmedians records the
        loss after each update only, so len(losses) is the number of updates.""",
        variant(KMEDIANS, ("losses = []", "losses = [float(np.abs(X - M[:, z]).sum())]")),
    ),
    mistake(
        "kmedians.mutates_M0",
        """You update M0 in place (M = M0 does not copy), so the caller's initial centroids change.
        Start from a float copy: M = M0.astype(float).""",
        variant(KMEDIANS, ("M = M0.astype(float)", "M = M0")),
    ),
    mistake(
        "kmedians.one_update_short",
        """Your loop stops one update short of max_iter (range(max_iter - 1)): max_iter = 2 must
        allow 2 updates when the assignment is still changing.""",
        variant(KMEDIANS, ("for it in range(max_iter):", "for it in range(max_iter - 1):")),
    ),
]

BASELINES = {"l1_distances": L1_DISTANCES, "assign_l1": ASSIGN_L1, "l1_loss": L1_LOSS, "update_medians": UPDATE_MEDIANS, "kmedians": KMEDIANS}
