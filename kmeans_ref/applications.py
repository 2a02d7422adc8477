"""Putting k-means to work: colour quantisation of an image (lesson 06)."""

import numpy as np

from ._validation import check_n_clusters, check_rng
from .assignment import _nearest
from .loops import _lloyd
from .seeding import _kmeans_plus_plus

__all__ = ["quantize"]

# Larger images are fitted on a seeded random subset of this many pixels and
# then every pixel is assigned: the palette barely changes, the time does.
_FIT_PIXELS = 20_000


def quantize(image, k, rng):
    """Reduce an image to ``k`` colours with k-means++ seeding and Lloyd's algorithm.

    Every pixel is an observation in colour space (d = 3). The palette is
    fitted on all pixels, or on a random subset of ``20 000`` pixels for larger
    images; every pixel is then replaced by its nearest palette colour.

    >>> image = np.array([[[0, 0, 0], [10, 10, 10]],
    ...                   [[200, 0, 0], [210, 0, 0]]], dtype=np.uint8)
    >>> quantize(image, 2, np.random.default_rng(0))   # two colour groups -> their means
    array([[[  5,   5,   5],
            [  5,   5,   5]],
    <BLANKLINE>
           [[205,   0,   0],
            [205,   0,   0]]], dtype=uint8)

    Parameters
    ----------
    image : array-like of shape (H, W, 3)
        Integer (e.g. uint8) or floating image.
    k : int
        Number of colours, ``1 <= k <= H * W``.
    rng : numpy.random.Generator
        Source of randomness (seeding and the pixel subset).

    Returns
    -------
    ndarray of shape (H, W, 3)
        Same dtype as ``image``; integer images are rounded back to the
        nearest representable value.
    """
    img = np.asarray(image)
    if img.dtype.kind not in "iuf":
        raise TypeError(f"image must hold integer or float colour values; got dtype {img.dtype}")
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W, 3); got shape {img.shape}")
    n_pixels = img.shape[0] * img.shape[1]
    if n_pixels < 1:
        raise ValueError(f"image must have at least one pixel; got shape {img.shape}")
    if not np.isfinite(img).all():
        raise ValueError("image must contain only finite values; got NaN or infinite entries")
    k = check_n_clusters(k, n_pixels)
    rng = check_rng(rng)
    return _quantize(img, k, rng)


def _quantize(img, k, rng):
    """Quantised copy of a valid image; prior validation of data is assumed."""
    X = img.reshape(-1, 3).T.astype(np.float64)  # (3, H*W)
    fit = X
    if X.shape[1] > _FIT_PIXELS:
        fit = X[:, np.sort(rng.choice(X.shape[1], size=_FIT_PIXELS, replace=False))]
    M0 = fit[:, _kmeans_plus_plus(fit, k, rng)]
    M, _, _ = _lloyd(fit, M0, 100)
    out = M[:, _nearest(X, M)].T.reshape(img.shape)
    if img.dtype.kind in "iu":
        info = np.iinfo(img.dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return out.astype(img.dtype)
