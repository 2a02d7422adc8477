"""Mistakes of lesson 03-lloyd: each exercise's correct solution once, each mistake an edit of it.

See :mod:`autograder.mistakes` for how an entry is built and checked.
"""

from . import baseline, mistake, variant


# ------------------------------------------------------------------ assign
ASSIGN = baseline(
    """
    import numpy as np


    def assign(X, M):
        D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
        z = np.argmin(D, axis=0)
        Y = np.zeros((M.shape[1], X.shape[1]))
        Y[z, np.arange(X.shape[1])] = 1
        return Y
    """
)

MISTAKES = [
    mistake(
        "assign.argmax",
        """You picked the FARTHEST centroid (argmax). Each observation joins its NEAREST centroid:
        np.argmin(D, axis=0).""",
        variant(ASSIGN, ("z = np.argmin(D, axis=0)", "z = np.argmax(D, axis=0)")),
    ),
    mistake(
        "assign.returns_labels",
        """You returned the labels z, shape (N,). assign returns the one-hot matrix Y of shape (k,
        N): build it from z with Y[z, np.arange(N)] = 1.""",
        variant(
            ASSIGN,
            ("z = np.argmin(D, axis=0)\n"
             "    Y = np.zeros((M.shape[1], X.shape[1]))\n"
             "    Y[z, np.arange(X.shape[1])] = 1\n"
             "    return Y",
             "return np.argmin(D, axis=0)"),
        ),
    ),
    mistake(
        "assign.transposed",
        """Your Y is transposed, shape (N, k). Y has one ROW per cluster and one COLUMN per
        observation: shape (k, N).""",
        variant(
            ASSIGN,
            ("Y = np.zeros((M.shape[1], X.shape[1]))\n"
             "    Y[z, np.arange(X.shape[1])] = 1",
             "Y = np.zeros((X.shape[1], M.shape[1]))\n"
             "    Y[np.arange(X.shape[1]), z] = 1"),
        ),
    ),
    mistake(
        "assign.ties_highest",
        """Ties go to the HIGHEST index in your code (a `<=` comparison keeps the last of equal
        distances). The convention is the LOWEST index: use `<`, or np.argmin, which returns the
        first minimum.""",
        # A different structure altogether, kept whole: a hand-written double loop whose `<=` lets
        # the last tie win.
        """
        import numpy as np


        def assign(X, M):
            k, N = M.shape[1], X.shape[1]
            D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
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
        "assign.manhattan",
        """You assigned by Manhattan (L1) distance. Lloyd's assignment uses the squared Euclidean
        distance, sum_a (x_a - m_a)^2; the two can disagree on the nearest centroid.""",
        variant(
            ASSIGN,
            ("D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)",
             "D = np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0)"),
        ),
    ),
    mistake(
        "assign.wrong_axis",
        """You took argmin over the wrong axis: each CENTROID picked its nearest observation. Each
        observation (a column of D) picks its nearest centroid: np.argmin(D, axis=0).""",
        variant(
            ASSIGN,
            ("def assign(X, M):",
             "def assign(X, M):\n"
             "    k, N = M.shape[1], X.shape[1]"),
            ("z = np.argmin(D, axis=0)\n"
             "    Y = np.zeros((M.shape[1], X.shape[1]))\n"
             "    Y[z, np.arange(X.shape[1])] = 1",
             "Y = np.zeros((k, N))\n"
             "    Y[np.arange(k), np.argmin(D, axis=1)] = 1"),
        ),
    ),
    mistake(
        "assign.all_ties",
        """When two centroids are equally near, your Y gets two 1s in that column. Every
        observation joins exactly one cluster: use np.argmin (ties go to the lowest index).""",
        variant(
            ASSIGN,
            ("z = np.argmin(D, axis=0)\n"
             "    Y = np.zeros((M.shape[1], X.shape[1]))\n"
             "    Y[z, np.arange(X.shape[1])] = 1\n"
             "    return Y",
             "return (D == D.min(axis=0)).astype(float)"),
        ),
    ),
]

# ------------------------------------------------------------------ update_means
UPDATE_MEANS = baseline(
    """
    import numpy as np


    def update_means(X, Y, M_prev):
        M = M_prev.astype(float)
        for j in range(Y.shape[0]):
            members = Y[j] == 1
            if members.any():
                M[:, j] = X[:, members].mean(axis=1)
        return M
    """
)

MISTAKES += [
    mistake(
        "update_means.nan_empty",
        """An empty cluster gives 0 / 0 = NaN in your M. Keep the previous centroid for it: where
        the count n_j is 0, use M_prev[:, j].""",
        # A different structure altogether, kept whole: the matrix form X Y^T divided by the
        # counts, with no loop.
        """
        import numpy as np


        def update_means(X, Y, M_prev):
            counts = Y.sum(axis=1)
            return (X @ Y.T) / counts
        """,
    ),
    mistake(
        "update_means.zero_empty",
        """An empty cluster gets the zero vector in your M. It must keep its previous centroid,
        M_prev[:, j].""",
        variant(UPDATE_MEANS, ("M = M_prev.astype(float)", "M = np.zeros(M_prev.shape)")),
    ),
    mistake(
        "update_means.sum_not_mean",
        """You computed the SUM of each cluster's points. The centroid is their MEAN: divide by the
        cluster size n_j = Y[j].sum().""",
        variant(
            UPDATE_MEANS,
            ("M[:, j] = X[:, members].mean(axis=1)",
             "M[:, j] = X[:, members].sum(axis=1)"),
        ),
    ),
    mistake(
        "update_means.divided_by_N",
        """You divided by N, the number of ALL observations, instead of the cluster size n_j:
        np.mean(X * Y[j], axis=1) also averages the zeros of the other clusters' points. Divide
        the cluster's sum by n_j = Y[j].sum().""",
        variant(
            UPDATE_MEANS,
            ("members = Y[j] == 1\n"
             "        if members.any():\n"
             "            M[:, j] = X[:, members].mean(axis=1)",
             "if Y[j].sum() > 0:\n"
             "            M[:, j] = np.mean(X * Y[j], axis=1)"),
        ),
    ),
    mistake(
        "update_means.transposed",
        """Your M is transposed, shape (k, d). Centroids are COLUMNS, like observations in X: shape
        (d, k).""",
        # A different structure altogether, kept whole: a (k, d) array filled row by row.
        """
        import numpy as np


        def update_means(X, Y, M_prev):
            k, d = Y.shape[0], X.shape[0]
            M = np.zeros((k, d))
            for j in range(k):
                members = Y[j] == 1
                if members.any():
                    M[j] = X[:, members].mean(axis=1)
                else:
                    M[j] = M_prev[:, j]
            return M
        """,
    ),
    mistake(
        "update_means.mutates_M_prev",
        """You wrote the new centroids into M_prev itself (M = M_prev does not copy), so the
        caller's M_prev changes. Start from a float copy: M = M_prev.astype(float).""",
        variant(UPDATE_MEANS, ("M = M_prev.astype(float)", "M = M_prev")),
    ),
    mistake(
        "update_means.matrix_form",
        """The matrix form M = X Y^T (Y Y^T)^-1 breaks down for an empty cluster: Y Y^T is then
        singular. Compute the means cluster by cluster and keep M_prev[:, j] when n_j = 0.""",
        # A different structure altogether, kept whole: the closed form X Y^T (Y Y^T)^-1, with no
        # loop.
        """
        import numpy as np


        def update_means(X, Y, M_prev):
            return X @ Y.T @ np.linalg.inv(Y @ Y.T)
        """,
    ),
    mistake(
        "update_means.int_dtype",
        """Your M took the integer dtype of M_prev (M_prev.copy() or np.zeros_like(M_prev)), so the
        means were truncated to integers. Start from a float array: M_prev.astype(float).""",
        variant(UPDATE_MEANS, ("M = M_prev.astype(float)", "M = M_prev.copy()")),
    ),
    mistake(
        "update_means.mean_wrong_axis",
        """You averaged over the wrong axis (the coordinates of each point). A cluster's mean runs
        over its observations, the columns: X[:, members].mean(axis=1).""",
        variant(
            UPDATE_MEANS,
            ("M[:, j] = X[:, members].mean(axis=1)",
             "M[:, j] = X[:, members].mean(axis=0)"),
        ),
    ),
    mistake(
        "update_means.ignores_Y",
        """You recomputed the assignment from M_prev instead of using the given Y. update_means
        averages the clusters that Y defines, whatever they are.""",
        # A different structure altogether, kept whole: the assignment recomputed from M_prev
        # instead of read from Y.
        """
        import numpy as np


        def update_means(X, Y, M_prev):
            D = ((X[:, None, :] - M_prev[:, :, None]) ** 2).sum(axis=0)
            z = np.argmin(D, axis=0)
            M = M_prev.astype(float)
            for j in range(M.shape[1]):
                if np.any(z == j):
                    M[:, j] = X[:, z == j].mean(axis=1)
            return M
        """,
    ),
]

# ------------------------------------------------------------------ lloyd
LLOYD = baseline(
    """
    import numpy as np


    def lloyd(X, M0, max_iter=100):
        M = M0.astype(float)
        k, N = M.shape[1], X.shape[1]
        z = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)
        losses = []
        for it in range(max_iter):
            for j in range(k):
                if np.any(z == j):
                    M[:, j] = X[:, z == j].mean(axis=1)
            losses.append(float(((X - M[:, z]) ** 2).sum()))
            z_new = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)
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
        "lloyd.argmax",
        """Your assignment step picks the FARTHEST centroid (argmax), so the loss goes up. Each
        observation joins its NEAREST centroid: np.argmin(D, axis=0).""",
        variant(
            LLOYD,
            ("z = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)",
             "z = np.argmax(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)"),
            ("z_new = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)",
             "z_new = np.argmax(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)"),
        ),
    ),
    mistake(
        "lloyd.nan_empty",
        """An empty cluster makes your centroid NaN (the mean of no points), and the NaN spreads.
        Keep M[:, j] unchanged when no observation is assigned to cluster j.""",
        variant(
            LLOYD,
            ("if np.any(z == j):\n"
             "                M[:, j] = X[:, z == j].mean(axis=1)",
             "M[:, j] = X[:, z == j].mean(axis=1)"),
        ),
    ),
    mistake(
        "lloyd.mutates_M0",
        """You update M0 in place (M = M0 does not copy), so the caller's initial centroids change.
        Start from a float copy: M = M0.astype(float).""",
        variant(LLOYD, ("M = M0.astype(float)", "M = M0")),
    ),
    mistake(
        "lloyd.stop_on_M",
        """You stop when M stops changing, which happens one update AFTER the assignment stopped
        changing, so your loss history repeats its last value. Stop as soon as the new
        assignment equals the previous one.""",
        # A different structure altogether, kept whole: the loop rebuilt around M_new, stopping
        # when the centroids stop moving.
        """
        import numpy as np


        def lloyd(X, M0, max_iter=100):
            M = M0.astype(float)
            k, N = M.shape[1], X.shape[1]
            losses = []
            for it in range(max_iter):
                z = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)
                M_new = M.copy()
                for j in range(k):
                    if np.any(z == j):
                        M_new[:, j] = X[:, z == j].mean(axis=1)
                losses.append(float(((X - M_new[:, z]) ** 2).sum()))
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
        "lloyd.never_stops_early",
        """You always run max_iter updates. Stop as soon as the assignment stops changing
        (np.array_equal(z_new, z)); after that your loss history only repeats the final value.""",
        variant(LLOYD, ("if np.array_equal(z_new, z):", "if it == max_iter - 1:")),
    ),
    mistake(
        "lloyd.one_update_short",
        """Your loop stops one update short of max_iter (range(max_iter - 1)): max_iter = 2 must
        allow 2 updates when the assignment is still changing.""",
        variant(LLOYD, ("for it in range(max_iter):", "for it in range(max_iter - 1):")),
    ),
    mistake(
        "lloyd.one_update_extra",
        """Your loop allows one update more than max_iter (range(max_iter + 1), or a while loop
        with <=): max_iter = 1 must stop after exactly one update.""",
        variant(
            LLOYD,
            ("for it in range(max_iter):",
             "it = 0\n"
             "    while it <= max_iter:"),
            ("z = z_new",
             "z = z_new\n"
             "        it += 1"),
        ),
    ),
    mistake(
        "lloyd.ignores_max_iter",
        """Your loop ignores max_iter: it must stop after at most max_iter updates, even if the
        assignment is still changing.""",
        variant(LLOYD, ("for it in range(max_iter):", "while True:")),
    ),
    mistake(
        "lloyd.initial_loss",
        """Your loss history starts with the loss at M0, before any update. lloyd records the loss
        after each update only, so len(losses) is the number of updates.""",
        variant(LLOYD, ("losses = []", "losses = [float(((X - M[:, z]) ** 2).sum())]")),
    ),
    mistake(
        "lloyd.loss_before_update",
        """You record the loss BEFORE the update, with the old centroids. Record kmeans_loss(X, Y,
        M) right after the update step, for the new M.""",
        variant(
            LLOYD,
            ("for it in range(max_iter):",
             "for it in range(max_iter):\n"
             "        losses.append(float(((X - M[:, z]) ** 2).sum()))"),
            ("M[:, j] = X[:, z == j].mean(axis=1)\n"
             "        losses.append(float(((X - M[:, z]) ** 2).sum()))",
             "M[:, j] = X[:, z == j].mean(axis=1)"),
        ),
    ),
    mistake(
        "lloyd.loss_after_reassign",
        """You record the loss with the NEXT assignment (each point's nearest new centroid) instead
        of kmeans_loss(X, Y, M) for the labels Y that M was just fitted to. Record the loss
        right after the update, before reassigning.""",
        variant(
            LLOYD,
            ("losses.append(float(((X - M[:, z]) ** 2).sum()))\n"
             "        z_new = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)",
             "D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)\n"
             "        losses.append(float(D.min(axis=0).sum()))\n"
             "        z_new = np.argmin(D, axis=0)"),
        ),
    ),
    mistake(
        "lloyd.int_truncation",
        """Your centroids kept the integer dtype of M0 (M = M0.copy()), so every mean was truncated
        to an integer. Start from a float copy: M = M0.astype(float).""",
        variant(LLOYD, ("M = M0.astype(float)", "M = M0.copy()")),
    ),
    mistake(
        "lloyd.returns_labels",
        """You return the labels z (shape (N,)) as the second value; lloyd returns the one-hot
        matrix Y of shape (k, N).""",
        variant(
            LLOYD,
            ("Y = np.zeros((k, N))\n"
             "    Y[z, np.arange(N)] = 1\n"
             "    return M, Y, losses",
             "return M, z, losses"),
        ),
    ),
    mistake(
        "lloyd.wrong_order",
        """You return the three values in the wrong order: lloyd returns (M, Y, losses).""",
        variant(LLOYD, ("return M, Y, losses", "return M, losses, Y")),
    ),
]

BASELINES = {"assign": ASSIGN, "update_means": UPDATE_MEANS, "lloyd": LLOYD}
