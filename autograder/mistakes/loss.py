"""Mistakes of lesson 02-loss: each exercise's correct solution once, each mistake an edit of it.

See :mod:`autograder.mistakes` for how an entry is built and checked.
"""

from . import baseline, mistake, variant


# ------------------------------------------------------------------ sq_distances
SQ_DISTANCES = baseline(
    """
    import numpy as np


    def sq_distances(X, M):
        diff = X[:, None, :] - M[:, :, None]
        return (diff ** 2).sum(axis=0)
    """
)

MISTAKES = [
    mistake(
        "sq_distances.not_squared",
        """Your distances are not squared: you took a square root. sq_distances must return ||x_i -
        m_j||^2, the plain sum of the squared coordinate differences, with no square root.""",
        variant(SQ_DISTANCES, ("return (diff ** 2).sum(axis=0)", "return np.sqrt((diff ** 2).sum(axis=0))")),
    ),
    mistake(
        "sq_distances.transposed",
        """Your result is transposed, shape (N, k). D[j, i] is the distance from centroid j (row)
        to observation i (column): the shape is (k, N).""",
        variant(
            SQ_DISTANCES,
            ("diff = X[:, None, :] - M[:, :, None]",
             "diff = X[:, :, None] - M[:, None, :]"),
        ),
    ),
    mistake(
        "sq_distances.square_of_sum",
        """You summed the coordinate differences before squaring. (sum_a (x_a - m_a))^2 is not ||x
        - m||^2 = sum_a (x_a - m_a)^2: square first, then sum over the coordinates.""",
        variant(SQ_DISTANCES, ("return (diff ** 2).sum(axis=0)", "return diff.sum(axis=0) ** 2")),
    ),
    mistake(
        "sq_distances.expansion_sign",
        """Sign error in the expansion: ||x - m||^2 = ||x||^2 - 2 x.m + ||m||^2, with a MINUS in
        front of the cross term.""",
        variant(
            SQ_DISTANCES,
            ("diff = X[:, None, :] - M[:, :, None]\n"
             "    return (diff ** 2).sum(axis=0)",
             "x2 = (X ** 2).sum(axis=0)\n"
             "    m2 = (M ** 2).sum(axis=0)\n"
             "    return x2[None, :] + 2 * M.T @ X + m2[:, None]"),
        ),
    ),
    mistake(
        "sq_distances.expansion_factor",
        """The cross term of the expansion needs a factor 2: ||x - m||^2 = ||x||^2 - 2 x.m +
        ||m||^2.""",
        variant(
            SQ_DISTANCES,
            ("diff = X[:, None, :] - M[:, :, None]\n"
             "    return (diff ** 2).sum(axis=0)",
             "x2 = (X ** 2).sum(axis=0)\n"
             "    m2 = (M ** 2).sum(axis=0)\n"
             "    return x2[None, :] - M.T @ X + m2[:, None]"),
        ),
    ),
    mistake(
        "sq_distances.wrong_axis",
        """You summed over the wrong axis (over the centroids instead of the coordinates). With
        differences of shape (d, k, N), sum over axis 0, the d coordinates, to get (k, N).""",
        variant(SQ_DISTANCES, ("return (diff ** 2).sum(axis=0)", "return (diff ** 2).sum(axis=1)")),
    ),
    mistake(
        "sq_distances.manhattan",
        """You computed Manhattan (L1) distances, sum_a |x_a - m_a|. This lesson needs SQUARED
        Euclidean distances, sum_a (x_a - m_a)^2.""",
        variant(SQ_DISTANCES, ("return (diff ** 2).sum(axis=0)", "return np.abs(diff).sum(axis=0)")),
    ),
    mistake(
        "sq_distances.mean_over_coordinates",
        """You averaged over the coordinates (divided by d). The squared distance is the SUM of the
        squared coordinate differences.""",
        variant(SQ_DISTANCES, ("return (diff ** 2).sum(axis=0)", "return (diff ** 2).mean(axis=0)")),
    ),
    mistake(
        "sq_distances.int_dtype",
        """Your result took the dtype of X: with integer X, np.zeros(..., dtype=X.dtype) (or
        np.zeros_like(X)) silently truncates the distances to integers. Build a float array:
        np.zeros((k, N)).""",
        # A different structure altogether, kept whole: a loop over the centroids writing into an
        # array of X's dtype.
        """
        import numpy as np


        def sq_distances(X, M):
            k, N = M.shape[1], X.shape[1]
            D = np.zeros((k, N), dtype=X.dtype)
            for j in range(k):
                D[j] = ((X - M[:, [j]]) ** 2).sum(axis=0)
            return D
        """,
    ),
]

MISTAKES += [
    mistake(
        "sq_distances.loop_over_observations",
        """Your sq_distances is correct but loops over the observations in Python, so its work in
        the interpreter grows with N. Compute every difference at once with broadcasting, or the
        expansion into norms and one matrix product (section 4); a loop over the k centroids is
        fine.""",
        # A different structure altogether, kept whole: a correct loop over the observations,
        # which fails no case and loses only the vectorisation criterion.
        """
        import numpy as np


        def sq_distances(X, M):
            k, N = M.shape[1], X.shape[1]
            D = np.zeros((k, N))
            for i in range(N):
                D[:, i] = ((M - X[:, [i]]) ** 2).sum(axis=0)
            return D
        """,
    ),
]

# ------------------------------------------------------------------ kmeans_loss
KMEANS_LOSS = baseline(
    """
    import numpy as np


    def kmeans_loss(X, Y, M):
        return ((X - M @ Y) ** 2).sum()
    """
)

MISTAKES += [
    mistake(
        "kmeans_loss.not_squared",
        """You added up the distances ||x_i - m_j||, not their squares: the k-means loss is the sum
        of SQUARED distances, ||X - M Y||_F^2.""",
        variant(
            KMEANS_LOSS,
            ("return ((X - M @ Y) ** 2).sum()",
             "R = X - M @ Y\n"
             "    return np.sqrt((R ** 2).sum(axis=0)).sum()"),
        ),
    ),
    mistake(
        "kmeans_loss.norm_not_squared",
        """You returned np.linalg.norm(X - M @ Y), the square root of the loss: square it (the loss
        is ||X - M Y||_F^2).""",
        variant(KMEANS_LOSS, ("return ((X - M @ Y) ** 2).sum()", "return np.linalg.norm(X - M @ Y)")),
    ),
    mistake(
        "kmeans_loss.divided_by_N",
        """You divided by N: the loss is a plain SUM over the observations, not a mean.""",
        variant(
            KMEANS_LOSS,
            ("return ((X - M @ Y) ** 2).sum()",
             "N = X.shape[1]\n"
             "    return ((X - M @ Y) ** 2).sum() / N"),
        ),
    ),
    mistake(
        "kmeans_loss.np_mean",
        """You used np.mean, which divides by the number of entries (d * N): the loss is a plain
        SUM, use np.sum.""",
        variant(KMEANS_LOSS, ("return ((X - M @ Y) ** 2).sum()", "return np.mean((X - M @ Y) ** 2)")),
    ),
    mistake(
        "kmeans_loss.square_outside",
        """You squared after summing. The loss sums the squared entries of the residual: np.sum((X
        - M @ Y) ** 2), not np.sum(X - M @ Y) ** 2.""",
        variant(KMEANS_LOSS, ("return ((X - M @ Y) ** 2).sum()", "return np.sum(X - M @ Y) ** 2")),
    ),
    mistake(
        "kmeans_loss.ignores_Y",
        """You ignored Y and used each observation's nearest centroid. kmeans_loss must use the
        GIVEN assignment Y, even when it is not the nearest centroid (that is min_form_loss).""",
        variant(
            KMEANS_LOSS,
            ("return ((X - M @ Y) ** 2).sum()",
             "D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)\n"
             "    return D.min(axis=0).sum()"),
        ),
    ),
    mistake(
        "kmeans_loss.per_cluster",
        """You returned one loss per cluster. The loss is one number, their total: add them up.""",
        # A different structure altogether, kept whole: a loop over the clusters that returns the
        # k partial losses.
        """
        import numpy as np


        def kmeans_loss(X, Y, M):
            k = Y.shape[0]
            losses = np.zeros(k)
            for j in range(k):
                members = X[:, Y[j] == 1]
                losses[j] = ((members - M[:, [j]]) ** 2).sum()
            return losses
        """,
    ),
    mistake(
        "kmeans_loss.per_point",
        """You returned one value per observation (a sum over axis 0 only). The loss is one number:
        sum over both axes.""",
        variant(KMEANS_LOSS, ("return ((X - M @ Y) ** 2).sum()", "return ((X - M @ Y) ** 2).sum(axis=0)")),
    ),
]

# ------------------------------------------------------------------ min_form_loss
MIN_FORM_LOSS = baseline(
    """
    import numpy as np


    def min_form_loss(X, M):
        D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
        return D.min(axis=0).sum()
    """
)

MISTAKES += [
    mistake(
        "min_form_loss.not_squared",
        """You used distances, not SQUARED distances: the loss is sum_i min_j ||x_i - m_j||^2.""",
        variant(
            MIN_FORM_LOSS,
            ("D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)",
             "D = np.sqrt(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0))"),
        ),
    ),
    mistake(
        "min_form_loss.max_not_min",
        """You took the max over the centroids: each observation is charged the distance to its
        NEAREST centroid, the min.""",
        variant(MIN_FORM_LOSS, ("return D.min(axis=0).sum()", "return D.max(axis=0).sum()")),
    ),
    mistake(
        "min_form_loss.no_min",
        """You added the distances to ALL centroids. Each observation counts only its nearest
        centroid: sum over i of min over j.""",
        variant(MIN_FORM_LOSS, ("return D.min(axis=0).sum()", "return D.sum()")),
    ),
    mistake(
        "min_form_loss.mean",
        """You averaged over the observations: the loss is a plain SUM, not a mean.""",
        variant(MIN_FORM_LOSS, ("return D.min(axis=0).sum()", "return D.min(axis=0).mean()")),
    ),
    mistake(
        "min_form_loss.min_wrong_axis",
        """You took the min over the wrong axis (for each centroid, its nearest observation). Each
        OBSERVATION picks its nearest centroid: D.min(axis=0) for D of shape (k, N).""",
        variant(MIN_FORM_LOSS, ("return D.min(axis=0).sum()", "return D.min(axis=1).sum()")),
    ),
    mistake(
        "min_form_loss.min_of_sums",
        """You picked the one centroid with the smallest total. The min is taken per observation,
        INSIDE the sum: sum_i min_j ||x_i - m_j||^2.""",
        variant(MIN_FORM_LOSS, ("return D.min(axis=0).sum()", "return D.sum(axis=1).min()")),
    ),
]

BASELINES = {"sq_distances": SQ_DISTANCES, "kmeans_loss": KMEANS_LOSS, "min_form_loss": MIN_FORM_LOSS}
