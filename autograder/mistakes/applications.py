"""Mistakes of lesson 06-applications: each exercise's correct solution once, each mistake an edit of it.

See :mod:`autograder.mistakes` for how an entry is built and checked.
"""

from . import baseline, mistake, variant


# ------------------------------------------------------------------ kmeans_plus_plus
KMEANS_PLUS_PLUS = baseline(
    """
    import numpy as np


    def kmeans_plus_plus(X, k, rng):
        N = X.shape[1]
        idx = [int(rng.integers(N))]
        for c in range(1, k):
            D2 = ((X[:, :, None] - X[:, None, idx]) ** 2).sum(axis=0).min(axis=1)
            idx.append(int(rng.choice(N, p=D2 / D2.sum())))
        return X[:, idx]
    """
)

MISTAKES = [
    mistake(
        "kmeans_plus_plus.d_not_squared",
        """You sample the next centre with probability proportional to D(x), the distance.
        k-means++ uses D(x)^2, the SQUARED distance to the nearest centre chosen so far.""",
        variant(
            KMEANS_PLUS_PLUS,
            ("D2 = ((X[:, :, None] - X[:, None, idx]) ** 2).sum(axis=0).min(axis=1)",
             "D2 = np.sqrt(((X[:, :, None] - X[:, None, idx]) ** 2).sum(axis=0)).min(axis=1)"),
        ),
    ),
    mistake(
        "kmeans_plus_plus.greedy_farthest",
        """You always take the FARTHEST point as the next centre. k-means++ draws it at random,
        with probability proportional to D(x)^2: far points are likely, not certain (the greedy
        choice chases outliers).""",
        variant(
            KMEANS_PLUS_PLUS,
            ("idx.append(int(rng.choice(N, p=D2 / D2.sum())))",
             "idx.append(int(np.argmax(D2)))"),
        ),
    ),
    mistake(
        "kmeans_plus_plus.uniform",
        """You choose every centre uniformly at random (that is random initialisation). k-means++
        draws only the FIRST centre uniformly; each next one with probability proportional to
        D(x)^2.""",
        variant(
            KMEANS_PLUS_PLUS,
            ("idx = [int(rng.integers(N))]\n"
             "    for c in range(1, k):\n"
             "        D2 = ((X[:, :, None] - X[:, None, idx]) ** 2).sum(axis=0).min(axis=1)\n"
             "        idx.append(int(rng.choice(N, p=D2 / D2.sum())))",
             "idx = rng.choice(N, size=k, replace=False)"),
        ),
    ),
    mistake(
        "kmeans_plus_plus.first_fixed",
        """Your first centre is always X[:, 0]. k-means++ draws the first centre uniformly at
        random: rng.integers(N).""",
        variant(KMEANS_PLUS_PLUS, ("idx = [int(rng.integers(N))]", "idx = [0]")),
    ),
    mistake(
        "kmeans_plus_plus.last_centre_only",
        """You measure D(x) to the LAST centre chosen only. D(x) is the distance to the NEAREST of
        all the centres chosen so far (a minimum over them).""",
        variant(
            KMEANS_PLUS_PLUS,
            ("D2 = ((X[:, :, None] - X[:, None, idx]) ** 2).sum(axis=0).min(axis=1)",
             "D2 = ((X - X[:, [idx[-1]]]) ** 2).sum(axis=0)"),
        ),
    ),
    mistake(
        "kmeans_plus_plus.sum_over_centres",
        """You add up the squared distances to ALL chosen centres. D(x) is the distance to the
        NEAREST chosen centre: take the minimum over the centres, not the sum.""",
        variant(
            KMEANS_PLUS_PLUS,
            ("D2 = ((X[:, :, None] - X[:, None, idx]) ** 2).sum(axis=0).min(axis=1)",
             "D2 = ((X[:, :, None] - X[:, None, idx]) ** 2).sum(axis=0).sum(axis=1)\n"
             "        D2[idx] = 0"),
        ),
    ),
    mistake(
        "kmeans_plus_plus.returns_indices",
        """You return the indices of the chosen points. kmeans_plus_plus returns the centres
        themselves, the columns X[:, idx], shape (d, k).""",
        variant(KMEANS_PLUS_PLUS, ("return X[:, idx]", "return np.array(idx)")),
    ),
    mistake(
        "kmeans_plus_plus.global_rng",
        """You draw from NumPy's global generator (np.random...) instead of rng, so the same seed
        does not give the same centres. Draw every random number from the rng you are given:
        rng.integers, rng.choice, rng.random.""",
        variant(
            KMEANS_PLUS_PLUS,
            ("idx = [int(rng.integers(N))]",
             "idx = [int(np.random.randint(N))]"),
            ("idx.append(int(rng.choice(N, p=D2 / D2.sum())))",
             "idx.append(int(np.random.choice(N, p=D2 / D2.sum())))"),
        ),
    ),
    mistake(
        "kmeans_plus_plus.fixed_seed",
        """You create your own generator with a fixed seed, so every rng gives the same centres.
        Use the rng you are given.""",
        variant(
            KMEANS_PLUS_PLUS,
            ("N = X.shape[1]",
             "N = X.shape[1]\n"
             "    rng = np.random.default_rng(0)"),
        ),
    ),
    mistake(
        "kmeans_plus_plus.transposed",
        """Your centres are transposed, shape (k, d). Centres are COLUMNS, like observations:
        return X[:, idx], shape (d, k).""",
        variant(KMEANS_PLUS_PLUS, ("return X[:, idx]", "return X[:, idx].T")),
    ),
    mistake(
        "kmeans_plus_plus.one_too_many",
        """You pick k + 1 centres: the first one, then k more. After the first, pick k - 1 more:
        range(1, k).""",
        variant(KMEANS_PLUS_PLUS, ("for c in range(1, k):", "for c in range(k):")),
    ),
    mistake(
        "kmeans_plus_plus.unnormalised",
        """Your probabilities do not sum to 1: rng.choice(N, p=...) needs D^2 divided by its sum (p
        = D2 / D2.sum()).""",
        variant(
            KMEANS_PLUS_PLUS,
            ("idx.append(int(rng.choice(N, p=D2 / D2.sum())))",
             "idx.append(int(rng.choice(N, p=D2)))"),
        ),
    ),
]

# ------------------------------------------------------------------ quantize
QUANTIZE = baseline(
    """
    import numpy as np


    def quantize(image, k, rng):
        H, W, C = image.shape
        X = image.reshape(-1, 3).T.astype(float)
        N = X.shape[1]
        idx = [int(rng.integers(N))]
        for c in range(1, k):
            D2 = ((X[:, :, None] - X[:, None, idx]) ** 2).sum(axis=0).min(axis=1)
            if D2.sum() == 0:
                idx.append(int(rng.integers(N)))
            else:
                idx.append(int(rng.choice(N, p=D2 / D2.sum())))
        M = X[:, idx].copy()
        for it in range(100):
            z = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)
            M_new = M.copy()
            for j in range(k):
                if np.any(z == j):
                    M_new[:, j] = X[:, z == j].mean(axis=1)
            if np.allclose(M_new, M):
                break
            M = M_new
        z = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)
        out = M[:, z].T.reshape(H, W, 3)
        if np.issubdtype(image.dtype, np.integer):
            out = np.rint(out)
        return out.astype(image.dtype)
    """
)

MISTAKES += [
    mistake(
        "quantize.float_output",
        """Your image has dtype float64. quantize returns the dtype of its input (uint8 for a
        photo): round the colours and convert with .astype(image.dtype).""",
        variant(
            QUANTIZE,
            ("if np.issubdtype(image.dtype, np.integer):\n"
             "        out = np.rint(out)\n"
             "    return out.astype(image.dtype)",
             "return out"),
        ),
    ),
    mistake(
        "quantize.uint8_arithmetic",
        """You computed with the image's uint8 numbers: differences and squares wrap around modulo
        256 (3 - 5 == 254 in uint8), so the distances are garbage. Convert first: X =
        image.reshape(-1, 3).T.astype(float).""",
        variant(QUANTIZE, ("X = image.reshape(-1, 3).T.astype(float)", "X = image.reshape(-1, 3).T")),
    ),
    mistake(
        "quantize.reshape_scramble",
        """You reshaped with image.reshape(3, -1), which cuts the list of pixel values into 3
        blocks; it does not separate the colour channels. One column per pixel is
        image.reshape(-1, 3).T, and back with .T.reshape(H, W, 3).""",
        variant(
            QUANTIZE,
            ("X = image.reshape(-1, 3).T.astype(float)",
             "X = image.reshape(3, -1).astype(float)"),
            ("out = M[:, z].T.reshape(H, W, 3)",
             "out = M[:, z].reshape(H, W, 3)"),
        ),
    ),
    mistake(
        "quantize.returns_labels",
        """You return one label per pixel. quantize returns an image of the same shape as its
        input, every pixel replaced by the colour (centroid) of its cluster: M[:, z].""",
        variant(
            QUANTIZE,
            ("out = M[:, z].T.reshape(H, W, 3)\n"
             "    if np.issubdtype(image.dtype, np.integer):\n"
             "        out = np.rint(out)\n"
             "    return out.astype(image.dtype)",
             "return z.reshape(H, W)"),
        ),
    ),
    mistake(
        "quantize.ignores_k",
        """You ignore k (a fixed number of colours is left in your code): the palette must have at
        most k colours.""",
        variant(
            QUANTIZE,
            ("N = X.shape[1]",
             "N = X.shape[1]\n"
             "    k = min(8, N)"),
        ),
    ),
    mistake(
        "quantize.seeding_only",
        """You stop after choosing the initial centres: the palette is k of the image's own pixels.
        Run Lloyd's iterations (assign, update the means) so the colours become cluster means.""",
        # range(0): Lloyd's loop never runs, so the palette is the seeding's k pixels.
        variant(QUANTIZE, ("for it in range(100):", "for it in range(0):")),
    ),
    mistake(
        "quantize.always_uint8",
        """You always return uint8, but a float image (values in [0, 1]) must stay float: convert
        with .astype(image.dtype), and round only integer images.""",
        variant(QUANTIZE, ("return out.astype(image.dtype)", "return np.rint(out).astype(np.uint8)")),
    ),
    mistake(
        "quantize.brightness_only",
        """You clustered the brightness (one number per pixel) instead of the colours. Every pixel
        is a point in 3-D colour space (R, G, B): X = image.reshape(-1, 3).T.""",
        variant(
            QUANTIZE,
            ("X = image.reshape(-1, 3).T.astype(float)",
             "X = image.mean(axis=2).reshape(1, -1).astype(float)"),
            ("out = M[:, z].T.reshape(H, W, 3)",
             "out = np.repeat(M[:, z].reshape(H, W, 1), 3, axis=2)"),
        ),
    ),
]

# ------------------------------------------------------------------ silhouette_scores
SILHOUETTE_SCORES = baseline(
    """
    import numpy as np


    def silhouette_scores(X, z):
        D = np.sqrt(((X[:, :, None] - X[:, None, :]) ** 2).sum(axis=0))
        clusters = np.unique(z)
        if len(clusters) < 2:
            raise ValueError("silhouette scores need at least 2 clusters")
        N = X.shape[1]
        s = np.zeros(N)
        for i in range(N):
            own = z == z[i]
            n_own = own.sum()
            if n_own == 1:
                continue
            a = D[i, own].sum() / (n_own - 1)
            b = min(D[i, z == c].mean() for c in clusters if c != z[i])
            s[i] = (b - a) / max(a, b)
        return s
    """
)

MISTAKES += [
    mistake(
        "silhouette_scores.squared",
        """Your distances are squared. The silhouette uses plain Euclidean distances ||x_i - x_l||:
        take the square root of the sum of squared differences.""",
        variant(
            SILHOUETTE_SCORES,
            ("D = np.sqrt(((X[:, :, None] - X[:, None, :]) ** 2).sum(axis=0))",
             "D = ((X[:, :, None] - X[:, None, :]) ** 2).sum(axis=0)"),
        ),
    ),
    mistake(
        "silhouette_scores.self_included",
        """Your a_i counts observation i itself (a distance 0): you divided by n instead of n - 1.
        a_i is the mean distance to the OTHER members of i's cluster.""",
        variant(SILHOUETTE_SCORES, ("a = D[i, own].sum() / (n_own - 1)", "a = D[i, own].mean()")),
    ),
    mistake(
        "silhouette_scores.singleton_one",
        """An observation alone in its cluster gets a score other than 0 (with no other member,
        your a_i is 0 and s_i becomes 1). By definition s_i = 0 for a cluster of one.""",
        variant(
            SILHOUETTE_SCORES,
            ("        if n_own == 1:\n"
             "            continue\n", ""),
            ("a = D[i, own].sum() / (n_own - 1)", "a = D[i, own].sum() / max(n_own - 1, 1)"),
        ),
    ),
    mistake(
        "silhouette_scores.b_all_others",
        """Your b_i is the mean distance to ALL observations outside i's cluster. It is the mean
        distance to the members of ONE other cluster, the nearest one: compute the mean for each
        other cluster, then take the smallest.""",
        variant(
            SILHOUETTE_SCORES,
            ("b = min(D[i, z == c].mean() for c in clusters if c != z[i])", "b = D[i, ~own].mean()"),
        ),
    ),
    mistake(
        "silhouette_scores.b_nearest_point",
        """Your b_i is the distance to the single nearest observation of another cluster. It is a
        MEAN: the mean distance to the members of the nearest other cluster.""",
        variant(
            SILHOUETTE_SCORES,
            ("b = min(D[i, z == c].mean() for c in clusters if c != z[i])", "b = D[i, ~own].min()"),
        ),
    ),
    mistake(
        "silhouette_scores.divide_by_b",
        """You divided by b_i: s_i = 1 - a_i / b_i is only right when a_i < b_i. Divide by
        max(a_i, b_i), so that s_i stays between -1 and 1 when another cluster is closer.""",
        variant(SILHOUETTE_SCORES, ("s[i] = (b - a) / max(a, b)", "s[i] = (b - a) / b")),
    ),
]

BASELINES = {"kmeans_plus_plus": KMEANS_PLUS_PLUS, "quantize": QUANTIZE, "silhouette_scores": SILHOUETTE_SCORES}
