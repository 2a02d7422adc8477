"""Mistakes of lesson 01-labels: each exercise's correct solution once, each mistake an edit of it.

See :mod:`autograder.mistakes` for how an entry is built and checked.
"""

from . import baseline, mistake, variant


# ------------------------------------------------------------------ one_hot
ONE_HOT = baseline(
    """
    import numpy as np


    def one_hot(z, k):
        z = np.asarray(z)
        if np.any(z < 0) or np.any(z >= k):
            raise ValueError("labels must lie in 0..k-1")
        Y = np.zeros((k, len(z)))
        Y[z, np.arange(len(z))] = 1
        return Y
    """
)

MISTAKES = [
    mistake(
        "one_hot.transposed",
        """Your Y is transposed: it has one row per observation. Y must have shape (k, N): one ROW
        per cluster and one COLUMN per observation, with Y[j, i] = 1 when z[i] == j.""",
        variant(
            ONE_HOT,
            ("Y = np.zeros((k, len(z)))\n"
             "    Y[z, np.arange(len(z))] = 1",
             "Y = np.zeros((len(z), k))\n"
             "    Y[np.arange(len(z)), z] = 1"),
        ),
    ),
    mistake(
        "one_hot.k_from_labels",
        """Your Y has max(z) + 1 rows instead of k. A cluster can be empty (no observation carries
        its label) and its row must still be there, all zeros: use the k you are given.""",
        variant(
            ONE_HOT,
            ("Y = np.zeros((k, len(z)))",
             "n_clusters = z.max() + 1\n"
             "    Y = np.zeros((n_clusters, len(z)))"),
        ),
    ),
    mistake(
        "one_hot.shifted_labels",
        """Your rows are shifted by one (you used z - 1, as if labels started at 1; label 0 then
        lands in the last row). Labels are 0-indexed: label j goes to row j.""",
        variant(ONE_HOT, ("Y[z, np.arange(len(z))] = 1", "Y[z - 1, np.arange(len(z))] = 1")),
    ),
    mistake(
        "one_hot.unique_relabel",
        """You numbered the clusters in the order np.unique finds them, so an unused label shifts
        every row after it. Row j must hold label j itself: Y[z[i], i] = 1.""",
        variant(
            ONE_HOT,
            ('raise ValueError("labels must lie in 0..k-1")',
             'raise ValueError("labels must lie in 0..k-1")\n'
             "    values, rows = np.unique(z, return_inverse=True)"),
            ("Y[z, np.arange(len(z))] = 1",
             "Y[rows, np.arange(len(z))] = 1"),
        ),
    ),
    mistake(
        "one_hot.no_validation",
        """Labels outside 0..k-1 must raise ValueError. Without a check, a negative label silently
        lands in the last row (negative indices count from the end) and a label k raises
        IndexError. Test `z.min() >= 0 and z.max() < k` first and raise ValueError with a
        message that says which label is wrong.""",
        variant(
            ONE_HOT,
            ("z = np.asarray(z)\n"
             "    if np.any(z < 0) or np.any(z >= k):\n"
             '        raise ValueError("labels must lie in 0..k-1")',
             "z = np.asarray(z)"),
        ),
    ),
]

# ------------------------------------------------------------------ labels_from_one_hot
LABELS_FROM_ONE_HOT = baseline(
    """
    import numpy as np


    def labels_from_one_hot(Y):
        return np.argmax(Y, axis=0)
    """
)

MISTAKES += [
    mistake(
        "labels_from_one_hot.wrong_axis",
        """You took argmax over the wrong axis (along each row), which gives one number per
        cluster. The label of observation i is the row of the 1 in COLUMN i: np.argmax(Y,
        axis=0).""",
        variant(LABELS_FROM_ONE_HOT, ("return np.argmax(Y, axis=0)", "return np.argmax(Y, axis=1)")),
    ),
    mistake(
        "labels_from_one_hot.one_indexed",
        """Your labels start at 1. They are 0-indexed (0 .. k-1), like the rows of Y: drop the + 1.""",
        variant(LABELS_FROM_ONE_HOT, ("return np.argmax(Y, axis=0)", "return np.argmax(Y, axis=0) + 1")),
    ),
    mistake(
        "labels_from_one_hot.float_labels",
        """Your labels are floats: arange(k) @ Y gives the right numbers, but labels are used as
        indices, so they must be integers. Use np.argmax(Y, axis=0), or add .astype(int).""",
        variant(
            LABELS_FROM_ONE_HOT,
            ("return np.argmax(Y, axis=0)",
             "k = Y.shape[0]\n"
             "    return np.arange(k) @ Y"),
        ),
    ),
    mistake(
        "labels_from_one_hot.sorted_rows",
        """Your labels come out sorted instead of in observation order: np.nonzero(Y)[0] (or
        np.where) lists the 1s row by row. Read Y column by column instead: np.argmax(Y,
        axis=0), or np.nonzero(Y.T)[1].""",
        variant(
            LABELS_FROM_ONE_HOT,
            ("return np.argmax(Y, axis=0)",
             "rows, cols = np.nonzero(Y)\n"
             "    return rows"),
        ),
    ),
    mistake(
        "labels_from_one_hot.column_vector",
        """Your labels are a column of shape (N, 1); z must be a flat vector of shape (N,): start
        from np.zeros(N, dtype=int) (or use np.argmax(Y, axis=0)).""",
        # A different structure altogether, kept whole: a loop filling an (N, 1) column, not the
        # baseline's one argmax.
        """
        import numpy as np


        def labels_from_one_hot(Y):
            k, N = Y.shape
            z = np.zeros((N, 1), dtype=int)
            for i in range(N):
                z[i] = np.argmax(Y[:, i])
            return z
        """,
    ),
    mistake(
        "labels_from_one_hot.argmin",
        """You used argmin, which finds a 0 in each column, not the 1: use np.argmax(Y, axis=0).""",
        variant(LABELS_FROM_ONE_HOT, ("return np.argmax(Y, axis=0)", "return np.argmin(Y, axis=0)")),
    ),
]

# ------------------------------------------------------------------ is_label_matrix
IS_LABEL_MATRIX = baseline(
    """
    import numpy as np


    def is_label_matrix(Y):
        Y = np.asarray(Y)
        if Y.ndim != 2:
            return False
        binary = np.all((Y == 0) | (Y == 1))
        return bool(binary and np.all(Y.sum(axis=0) == 1))
    """
)

MISTAKES += [
    mistake(
        "is_label_matrix.only_sums",
        """You only check that every column sums to 1. The entries must also be 0 or 1: [0.5, 0.5]
        and [2, -1] sum to 1 too.""",
        variant(
            IS_LABEL_MATRIX,
            ("binary = np.all((Y == 0) | (Y == 1))\n"
             "    return bool(binary and np.all(Y.sum(axis=0) == 1))",
             "return bool(np.all(Y.sum(axis=0) == 1))"),
        ),
    ),
    mistake(
        "is_label_matrix.only_binary",
        """You only check that the entries are 0 or 1. Every column must also contain exactly one 1
        (sum to 1): a column with two 1s, or none, is not a label.""",
        variant(
            IS_LABEL_MATRIX,
            ("binary = np.all((Y == 0) | (Y == 1))\n"
             "    return bool(binary and np.all(Y.sum(axis=0) == 1))",
             "return bool(np.all((Y == 0) | (Y == 1)))"),
        ),
    ),
    mistake(
        "is_label_matrix.row_sums",
        """You check that every ROW sums to 1. It is every COLUMN (one per observation) that must
        contain exactly one 1: Y.sum(axis=0). Rows are clusters and can hold many 1s, or none.""",
        variant(
            IS_LABEL_MATRIX,
            ("return bool(binary and np.all(Y.sum(axis=0) == 1))",
             "return bool(binary and np.all(Y.sum(axis=1) == 1))"),
        ),
    ),
    mistake(
        "is_label_matrix.no_ndim_check",
        """You never check that Y is 2-D, so a 1-D or 3-D array can pass your tests. Start with `if
        Y.ndim != 2: return False`.""",
        variant(
            IS_LABEL_MATRIX,
            ("Y = np.asarray(Y)\n"
             "    if Y.ndim != 2:\n"
             "        return False",
             "Y = np.asarray(Y)"),
        ),
    ),
    mistake(
        "is_label_matrix.elementwise",
        """You return one True/False per column (an array). The question is about the whole matrix:
        combine the column tests into one answer with np.all(...) or .all().""",
        variant(
            IS_LABEL_MATRIX,
            ("binary = np.all((Y == 0) | (Y == 1))\n"
             "    return bool(binary and np.all(Y.sum(axis=0) == 1))",
             "binary = np.all((Y == 0) | (Y == 1), axis=0)\n"
             "    return binary & (Y.sum(axis=0) == 1)"),
        ),
    ),
    mistake(
        "is_label_matrix.count_nonzero",
        """You count the nonzero entries of each column but not their values: the column [3, 0] has
        one nonzero entry and is still not a label. Check that entries are 0 or 1 too.""",
        variant(
            IS_LABEL_MATRIX,
            ("binary = np.all((Y == 0) | (Y == 1))\n"
             "    return bool(binary and np.all(Y.sum(axis=0) == 1))",
             "return bool(np.all(np.count_nonzero(Y, axis=0) == 1))"),
        ),
    ),
    mistake(
        "is_label_matrix.any_column",
        """You used any() where all() is needed: EVERY column must sum to 1, not just one of them.""",
        variant(
            IS_LABEL_MATRIX,
            ("return bool(binary and np.all(Y.sum(axis=0) == 1))",
             "return bool(binary and np.any(Y.sum(axis=0) == 1))"),
        ),
    ),
    mistake(
        "is_label_matrix.requires_int",
        """You require an integer dtype, but a float array of 0.0 and 1.0 (what np.zeros builds) is
        a valid label matrix too: test the values, not the dtype.""",
        variant(IS_LABEL_MATRIX, ("if Y.ndim != 2:", 'if Y.ndim != 2 or Y.dtype.kind not in "iu":')),
    ),
]

# ------------------------------------------------------------------ reconstruct
RECONSTRUCT = baseline(
    """
    import numpy as np


    def reconstruct(M, Y):
        return M @ Y
    """
)

MISTAKES += [
    mistake(
        "reconstruct.transposed",
        """Your result is transposed, shape (N, d). reconstruct returns (d, N), one column per
        observation like X: M @ Y.""",
        variant(RECONSTRUCT, ("return M @ Y", "return Y.T @ M.T")),
    ),
    mistake(
        "reconstruct.wrong_axis",
        """You took argmax over the wrong axis, which gives one label per cluster. The cluster of
        observation i is np.argmax(Y[:, i]), i.e. np.argmax(Y, axis=0); or simply use M @ Y.""",
        variant(
            RECONSTRUCT,
            ("return M @ Y",
             "z = np.argmax(Y, axis=1)\n"
             "    return M[:, z]"),
        ),
    ),
    mistake(
        "reconstruct.y_transposed",
        """You multiplied by Y.T. Y already has shape (k, N), so M (d, k) @ Y (k, N) gives the (d,
        N) result directly.""",
        variant(RECONSTRUCT, ("return M @ Y", "return M @ Y.T")),
    ),
    mistake(
        "reconstruct.int_cast",
        """Your result was cast to integers, which cuts off the decimals of the centroids: keep the
        floats of M @ Y.""",
        variant(RECONSTRUCT, ("return M @ Y", "return (M @ Y).astype(int)")),
    ),
]

BASELINES = {"one_hot": ONE_HOT, "labels_from_one_hot": LABELS_FROM_ONE_HOT, "is_label_matrix": IS_LABEL_MATRIX, "reconstruct": RECONSTRUCT}
