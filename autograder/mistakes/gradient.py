"""Mistakes of lesson 05-gradient-descent: each exercise's correct solution once, each mistake an edit of it.

See :mod:`autograder.mistakes` for how an entry is built and checked.
"""

from . import baseline, mistake, variant


# ------------------------------------------------------------------ loss_gradient
LOSS_GRADIENT = baseline(
    """
    import numpy as np


    def loss_gradient(X, M):
        D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
        z = np.argmin(D, axis=0)
        G = np.zeros(M.shape)
        for j in range(M.shape[1]):
            members = X[:, z == j]
            G[:, j] = 2 * (M[:, [j]] - members).sum(axis=1)
        return G
    """
)

MISTAKES = [
    mistake(
        "loss_gradient.sign_flipped",
        """Your gradient has the wrong sign. d/dm_j of ||x_i - m_j||^2 is 2 (m_j - x_i): the
        gradient points AWAY from the cluster's points, and descent moves against it.""",
        variant(
            LOSS_GRADIENT,
            ("G[:, j] = 2 * (M[:, [j]] - members).sum(axis=1)",
             "G[:, j] = 2 * (members - M[:, [j]]).sum(axis=1)"),
        ),
    ),
    mistake(
        "loss_gradient.no_factor_2",
        """Your gradient is missing the factor 2: d/dm ||x - m||^2 = 2 (m - x).""",
        variant(
            LOSS_GRADIENT,
            ("G[:, j] = 2 * (M[:, [j]] - members).sum(axis=1)",
             "G[:, j] = (M[:, [j]] - members).sum(axis=1)"),
        ),
    ),
    mistake(
        "loss_gradient.mean_not_sum",
        """You averaged over the cluster (divided by n_j). The loss is a SUM over the observations,
        so its gradient is the sum 2 * sum_{i in C_j} (m_j - x_i), not a mean.""",
        variant(
            LOSS_GRADIENT,
            ("G[:, j] = 2 * (M[:, [j]] - members).sum(axis=1)",
             "if members.shape[1] > 0:\n"
             "            G[:, j] = 2 * (M[:, [j]] - members).mean(axis=1)"),
        ),
    ),
    mistake(
        "loss_gradient.all_points",
        """You summed over ALL observations for every centroid. Only the observations whose nearest
        centroid is m_j (its cluster C_j) contribute to column j.""",
        variant(LOSS_GRADIENT, ("members = X[:, z == j]", "members = X")),
    ),
    mistake(
        "loss_gradient.nan_empty",
        """An empty cluster gives NaN in your gradient (you used the mean of no points). Its
        gradient is zero: no observation depends on that centroid.""",
        variant(
            LOSS_GRADIENT,
            ("G[:, j] = 2 * (M[:, [j]] - members).sum(axis=1)",
             "n_j = members.shape[1]\n"
             "        G[:, j] = 2 * n_j * (M[:, j] - members.mean(axis=1))"),
        ),
    ),
    mistake(
        "loss_gradient.transposed",
        """Your gradient is transposed, shape (k, d). It has the shape of M, (d, k): one column per
        centroid.""",
        variant(
            LOSS_GRADIENT,
            ("G = np.zeros(M.shape)",
             "G = np.zeros((M.shape[1], M.shape[0]))"),
            ("G[:, j] = 2 * (M[:, [j]] - members).sum(axis=1)",
             "G[j] = 2 * (M[:, [j]] - members).sum(axis=1)"),
        ),
    ),
    mistake(
        "loss_gradient.ties_highest",
        """At a tie your gradient gives the point to the HIGHEST-index centroid (a `<=`
        comparison). The convention is the LOWEST index, as np.argmin does.""",
        variant(
            LOSS_GRADIENT,
            ("z = np.argmin(D, axis=0)",
             "k = M.shape[1]\n"
             "    z = k - 1 - np.argmin(D[::-1], axis=0)"),
        ),
    ),
    mistake(
        "loss_gradient.argmax_assign",
        """Your gradient uses each observation's FARTHEST centroid (argmax). The min-form loss
        charges each observation to its NEAREST centroid: np.argmin(D, axis=0).""",
        variant(LOSS_GRADIENT, ("z = np.argmin(D, axis=0)", "z = np.argmax(D, axis=0)")),
    ),
]

# ------------------------------------------------------------------ numerical_gradient
NUMERICAL_GRADIENT = baseline(
    """
    import numpy as np


    def numerical_gradient(f, M, eps=1e-6):
        G = np.zeros(M.shape)
        for a in range(M.shape[0]):
            for j in range(M.shape[1]):
                E = np.zeros(M.shape)
                E[a, j] = eps
                G[a, j] = (f(M + E) - f(M - E)) / (2 * eps)
        return G
    """
)

MISTAKES += [
    mistake(
        "numerical_gradient.forward",
        """You used forward differences (f(M + eps E) - f(M)) / eps. Central differences, (f(M +
        eps E) - f(M - eps E)) / (2 eps), are far more accurate (error O(eps^2), not O(eps)).""",
        variant(
            NUMERICAL_GRADIENT,
            ("G[a, j] = (f(M + E) - f(M - E)) / (2 * eps)",
             "G[a, j] = (f(M + E) - f(M)) / eps"),
        ),
    ),
    mistake(
        "numerical_gradient.no_factor_2",
        """You divided by eps instead of 2 eps: the central difference spans from M - eps E to M +
        eps E, a distance of 2 eps.""",
        variant(
            NUMERICAL_GRADIENT,
            ("G[a, j] = (f(M + E) - f(M - E)) / (2 * eps)",
             "G[a, j] = (f(M + E) - f(M - E)) / eps"),
        ),
    ),
    mistake(
        "numerical_gradient.not_restored",
        """You change M in place and do not put it back, so M is left changed and later entries are
        measured at the wrong point. Perturb a copy (M + eps * E), never M itself.""",
        # A different structure altogether, kept whole: M itself shifted in place instead of a
        # separate step E.
        """
        import numpy as np


        def numerical_gradient(f, M, eps=1e-6):
            G = np.zeros(M.shape)
            for a in range(M.shape[0]):
                for j in range(M.shape[1]):
                    M[a, j] += eps
                    f_plus = f(M)
                    M[a, j] -= 2 * eps
                    f_minus = f(M)
                    G[a, j] = (f_plus - f_minus) / (2 * eps)
            return G
        """,
    ),
    mistake(
        "numerical_gradient.all_at_once",
        """You perturbed every entry at once (M + eps): that is the derivative along the all-ones
        direction, one number copied everywhere. Perturb one entry at a time: M + eps * E_aj.""",
        # A different structure altogether, kept whole: one scalar slope for every entry, with no
        # loop.
        """
        import numpy as np


        def numerical_gradient(f, M, eps=1e-6):
            slope = (f(M + eps) - f(M - eps)) / (2 * eps)
            return slope * np.ones(M.shape)
        """,
    ),
    mistake(
        "numerical_gradient.sign_flipped",
        """Your differences are the wrong way round: (f(M - eps E) - f(M + eps E)) / (2 eps) is
        minus the gradient. Subtract f(M - eps E) from f(M + eps E).""",
        variant(
            NUMERICAL_GRADIENT,
            ("G[a, j] = (f(M + E) - f(M - E)) / (2 * eps)",
             "G[a, j] = (f(M - E) - f(M + E)) / (2 * eps)"),
        ),
    ),
    mistake(
        "numerical_gradient.fixed_eps",
        """You ignore the eps argument (you always use 1e-6). Use the eps you are given.""",
        variant(
            NUMERICAL_GRADIENT,
            ("E[a, j] = eps\n"
             "            G[a, j] = (f(M + E) - f(M - E)) / (2 * eps)",
             "E[a, j] = 1e-6\n"
             "            G[a, j] = (f(M + E) - f(M - E)) / (2 * 1e-6)"),
        ),
    ),
    mistake(
        "numerical_gradient.flat_output",
        """You returned a flat vector of d * k numbers. The gradient has the shape of M, (d, k):
        G[a, j] is the derivative with respect to M[a, j].""",
        variant(NUMERICAL_GRADIENT, ("return G", "return G.ravel()")),
    ),
]

# ------------------------------------------------------------------ gradient_descent
GRADIENT_DESCENT = baseline(
    """
    import numpy as np


    def gradient_descent(X, M0, lr, n_steps):
        def loss_and_gradient(M):
            D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
            z = np.argmin(D, axis=0)
            G = np.zeros(M.shape)
            for j in range(M.shape[1]):
                G[:, j] = 2 * (M[:, [j]] - X[:, z == j]).sum(axis=1)
            return D.min(axis=0).sum(), G

        M = M0.astype(float)
        loss, G = loss_and_gradient(M)
        losses = [float(loss)]
        for step in range(n_steps):
            M = M - lr * G
            loss, G = loss_and_gradient(M)
            losses.append(float(loss))
        return M, losses
    """
)

MISTAKES += [
    mistake(
        "gradient_descent.missing_initial",
        """Your loss history misses the loss at M0: losses[0] is the loss BEFORE any step, so
        len(losses) == n_steps + 1.""",
        variant(GRADIENT_DESCENT, ("losses = [float(loss)]", "losses = []")),
    ),
    mistake(
        "gradient_descent.loss_before_step",
        """You record the loss before each step, so the loss after the last step is missing. Record
        the loss at M0, then after every step: n_steps + 1 values.""",
        variant(
            GRADIENT_DESCENT,
            ("losses = [float(loss)]",
             "losses = []"),
            ("for step in range(n_steps):",
             "for step in range(n_steps):\n"
             "        losses.append(float(loss))"),
            ("loss, G = loss_and_gradient(M)\n"
             "        losses.append(float(loss))",
             "loss, G = loss_and_gradient(M)"),
        ),
    ),
    mistake(
        "gradient_descent.ascent",
        """Your steps go UP the loss: M + lr * G is gradient ascent. Gradient descent moves against
        the gradient: M - lr * G.""",
        variant(GRADIENT_DESCENT, ("M = M - lr * G", "M = M + lr * G")),
    ),
    mistake(
        "gradient_descent.no_factor_2",
        """Your gradient is missing the factor 2 (d/dm ||x - m||^2 = 2 (m - x)), so every step is
        half as long as it should be.""",
        variant(
            GRADIENT_DESCENT,
            ("G[:, j] = 2 * (M[:, [j]] - X[:, z == j]).sum(axis=1)",
             "G[:, j] = (M[:, [j]] - X[:, z == j]).sum(axis=1)"),
        ),
    ),
    mistake(
        "gradient_descent.mean_gradient",
        """Your gradient averages over each cluster (divides by n_j). The loss is a SUM, so its
        gradient is 2 * sum_{i in C_j} (m_j - x_i); dividing by n_j turns GD into a different
        method.""",
        variant(
            GRADIENT_DESCENT,
            ("G[:, j] = 2 * (M[:, [j]] - X[:, z == j]).sum(axis=1)",
             "if np.any(z == j):\n"
             "                G[:, j] = 2 * (M[:, [j]] - X[:, z == j]).mean(axis=1)"),
        ),
    ),
    mistake(
        "gradient_descent.frozen_assignment",
        """You computed the clusters once, at M0, and kept them. The min-form loss reassigns every
        observation to its nearest centroid at EVERY step: recompute the labels inside the loop.""",
        # A different structure altogether, kept whole: no helper; the assignment is computed
        # once, before the loop.
        """
        import numpy as np


        def gradient_descent(X, M0, lr, n_steps):
            M = M0.astype(float)
            z = np.argmin(((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0), axis=0)
            losses = [float(((X - M[:, z]) ** 2).sum())]
            for step in range(n_steps):
                G = np.zeros(M.shape)
                for j in range(M.shape[1]):
                    G[:, j] = 2 * (M[:, [j]] - X[:, z == j]).sum(axis=1)
                M = M - lr * G
                losses.append(float(((X - M[:, z]) ** 2).sum()))
            return M, losses
        """,
    ),
    mistake(
        "gradient_descent.mutates_M0",
        """You update M0 in place (M = M0; M -= lr * G), so the caller's M0 changes. Start from a
        copy: M = M0.astype(float), and write M = M - lr * G.""",
        variant(GRADIENT_DESCENT, ("M = M0.astype(float)", "M = M0"), ("M = M - lr * G", "M -= lr * G")),
    ),
    mistake(
        "gradient_descent.in_place_int",
        """M -= lr * G fails when M0 holds integers (NumPy cannot store the float result in an int
        array). Start from a float copy: M = M0.astype(float).""",
        variant(
            GRADIENT_DESCENT,
            ("M = M0.astype(float)",
             "M = M0.copy()"),
            ("M = M - lr * G",
             "M -= lr * G"),
        ),
    ),
    mistake(
        "gradient_descent.one_step_short",
        """Your loop takes one step too few (range(n_steps - 1)): n_steps steps give n_steps + 1
        losses.""",
        variant(GRADIENT_DESCENT, ("for step in range(n_steps):", "for step in range(n_steps - 1):")),
    ),
    mistake(
        "gradient_descent.one_step_extra",
        """Your loop takes one step too many (range(n_steps + 1)): n_steps steps give n_steps + 1
        losses.""",
        variant(GRADIENT_DESCENT, ("for step in range(n_steps):", "for step in range(n_steps + 1):")),
    ),
    mistake(
        "gradient_descent.nan_empty",
        """An empty cluster makes your gradient NaN (the mean of no points), and M with it. An
        empty cluster's gradient is zero: its centroid stays where it is.""",
        variant(
            GRADIENT_DESCENT,
            ("G[:, j] = 2 * (M[:, [j]] - X[:, z == j]).sum(axis=1)",
             "n_j = np.sum(z == j)\n"
             "            G[:, j] = 2 * n_j * (M[:, j] - X[:, z == j].mean(axis=1))"),
        ),
    ),
    mistake(
        "gradient_descent.wrong_order",
        """You return the two values in the wrong order: gradient_descent returns (M, losses).""",
        variant(GRADIENT_DESCENT, ("return M, losses", "return losses, M")),
    ),
]

# ------------------------------------------------------------------ minibatch_step
MINIBATCH_STEP = baseline(
    """
    import numpy as np


    def minibatch_step(X_batch, M, counts):
        D = ((X_batch[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
        z = np.argmin(D, axis=0)
        M_new = M.astype(float)
        counts_new = counts.copy()
        for j in range(M.shape[1]):
            members = X_batch[:, z == j]
            b_j = members.shape[1]
            if b_j > 0:
                M_new[:, j] = (counts[j] * M[:, j] + members.sum(axis=1)) / (counts[j] + b_j)
                counts_new[j] = counts[j] + b_j
        return M_new, counts_new
    """
)

MISTAKES += [
    mistake(
        "minibatch_step.batch_mean",
        """Each of your centroids is the mean of this batch alone, so everything it absorbed before
        is forgotten. It is the running mean of EVERY observation ever assigned to it: counts_j
        copies of the old m_j plus the batch's new ones, (counts_j m_j + s_j) / (counts_j + b_j).""",
        variant(
            MINIBATCH_STEP,
            ("M_new[:, j] = (counts[j] * M[:, j] + members.sum(axis=1)) / (counts[j] + b_j)",
             "M_new[:, j] = members.mean(axis=1)"),
        ),
    ),
    mistake(
        "minibatch_step.counts_not_updated",
        """Your counts come back unchanged. Each centroid has now absorbed b_j more observations:
        counts_j + b_j, or the next step weighs its history wrongly.""",
        variant(MINIBATCH_STEP, ("            counts_new[j] = counts[j] + b_j\n", "")),
    ),
    mistake(
        "minibatch_step.ties_highest",
        """At a tie your batch observation goes to the HIGHEST-index centroid. The convention is the
        LOWEST index, as np.argmin does.""",
        variant(
            MINIBATCH_STEP,
            ("z = np.argmin(D, axis=0)",
             "k = M.shape[1]\n"
             "    z = k - 1 - np.argmin(D[::-1], axis=0)"),
        ),
    ),
    mistake(
        "minibatch_step.mutates_inputs",
        """You change M and counts in place, so the caller's arrays change too. Work on copies
        (M.astype(float), counts.copy()) and return them.""",
        variant(MINIBATCH_STEP, ("M_new = M.astype(float)", "M_new = M"),
                ("counts_new = counts.copy()", "counts_new = counts")),
    ),
    mistake(
        "minibatch_step.nan_unused",
        """A centroid that has absorbed nothing yet (count 0) and gets no batch observation comes back
        as NaN (0 / 0). A centroid with no batch observation is left exactly as it was.""",
        variant(MINIBATCH_STEP, ("if b_j > 0:", "if True:")),
    ),
    mistake(
        "minibatch_step.float_counts",
        """Your counts are floats. They count observations: return integers (counts.copy() of the
        integer input, plus the integer b_j).""",
        variant(MINIBATCH_STEP, ("counts_new = counts.copy()", "counts_new = counts.astype(float)")),
    ),
]

BASELINES = {"loss_gradient": LOSS_GRADIENT, "numerical_gradient": NUMERICAL_GRADIENT,
             "gradient_descent": GRADIENT_DESCENT, "minibatch_step": MINIBATCH_STEP}
