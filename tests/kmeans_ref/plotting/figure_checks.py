"""What the tests of kmeans_ref.plotting read off a figure, and the data sets they draw."""

import numpy as np
from matplotlib import colors as mcolors

# The toy data set of the kmeans_ref docstrings, worked by hand in the tests.
X_TOY = np.array([[0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 3.0, 3.0]])
M0_TOY = np.array([[1.0, 4.0], [1.0, 2.0]])


def blobs(n=20, seed=0):
    """(2, 2n): two Gaussian blobs of n points, around (0, 0) and (4, 4)."""
    rng = np.random.default_rng(seed)
    return np.hstack([rng.normal(0.0, 0.6, (2, n)), rng.normal(4.0, 0.6, (2, n))])


def by_gid(ax, gid):
    """The artists of ``ax`` whose gid is ``gid``."""
    return [a for a in ax.get_children() if a.get_gid() == gid]


def rgba(color, alpha=None):
    return np.array(mcolors.to_rgba(color, alpha))


def pixel(ax, image_gid, x, y):
    """The RGBA value of an image artist at data coordinates (x, y)."""
    (image,) = by_gid(ax, image_gid)
    data = image.get_array()
    x0, x1, y0, y1 = image.get_extent()
    col = int((x - x0) / (x1 - x0) * (data.shape[1] - 1) + 0.5)
    row = int((y - y0) / (y1 - y0) * (data.shape[0] - 1) + 0.5)
    return np.asarray(data[row, col], dtype=float)
