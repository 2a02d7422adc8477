"""The k-means reference implementation: the mathematics of the course.

Every exercise of the course is here under the same name, signature and
semantics as in the notebooks. Conventions (the lesson convention):

- ``X``: observations, shape ``(d, N)``, one observation per column;
- ``M``: centroids, shape ``(d, k)``, one centroid per column;
- ``Y``: one-hot labels, shape ``(k, N)``; ``z``: integer labels, shape ``(N,)``;
- ``R``: responsibilities (soft labels), shape ``(k, N)``, entries in ``[0, 1]``, columns summing to 1;
- distances are ``(k, N)`` arrays, ``D[j, i]`` between centroid ``j`` and observation ``i``;
- ties go to the lowest cluster index; an empty cluster keeps its previous centroid;
- no function modifies its inputs; randomness only through an ``rng`` (``numpy.random.Generator``);
- losses are plain sums.

:class:`KMeans` follows scikit-learn's convention instead (``X`` of shape
``(n_samples, n_features)``) and converts at its boundary.

``kmeans_ref.plotting``, ``kmeans_ref.datasets`` and ``kmeans_ref.landscape`` (the exact
loss landscapes the figures draw, NumPy only) are imported on first use, so
``import kmeans_ref`` needs NumPy only.

>>> import kmeans_ref as ref
>>> X = [[0, 1, 4, 5], [0, 0, 3, 3]]     # the toy data set of every docstring
>>> M, Y, losses = ref.lloyd(X, [[1, 4], [1, 2]])
>>> ref.labels_from_one_hot(Y)
array([0, 0, 1, 1])
"""

import importlib

from .applications import quantize
from .assignment import assign, assign_l1
from .distances import l1_distances, sq_distances
from .em import em_isotropic
from .estimator import KMeans
from .gradient import gradient_descent, loss_gradient, numerical_gradient
from .labels import is_label_matrix, labels_from_one_hot, one_hot, reconstruct
from .loops import kmedians, lloyd
from .loss import kmeans_loss, l1_loss, min_form_loss
from .minibatch import minibatch_step
from .seeding import kmeans_plus_plus, random_init
from .silhouette import silhouette_scores
from .soft import soft_assign, soft_update
from .updates import update_means, update_medians

__all__ = [
    # 01-labels
    "one_hot", "labels_from_one_hot", "is_label_matrix", "reconstruct",
    # 02-loss
    "sq_distances", "kmeans_loss", "min_form_loss",
    # 03-lloyd
    "assign", "update_means", "lloyd",
    # 04-kmedians
    "l1_distances", "assign_l1", "l1_loss", "update_medians", "kmedians",
    # 05-gradient-descent
    "loss_gradient", "numerical_gradient", "gradient_descent", "minibatch_step",
    # 06-applications
    "kmeans_plus_plus", "quantize", "random_init", "silhouette_scores",
    # 07-soft-clustering
    "soft_assign", "soft_update", "em_isotropic",
    # estimator
    "KMeans",
]

_LAZY_SUBMODULES = ("plotting", "datasets", "landscape")


def __getattr__(name):
    # Matplotlib is heavy: load plotting (and datasets) only when first used.
    if name in _LAZY_SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
