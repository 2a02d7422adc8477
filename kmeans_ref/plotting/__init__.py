"""Figures of the course: clusters, label and distance matrices, Lloyd's steps, losses, landscapes.

Every helper draws on the Axes it is given (``ax=``, or ``axes=`` for several panels) or makes
a new figure, and returns what it drew on, so a lesson cell stays one line::

    plotting.plot_clusters(X, M, z, voronoi=True)
    HTML(plotting.animate_lloyd(X, M0).to_jshtml())

Colours are fixed across the course: cluster ``j`` is always ``cluster_color(j)`` (a
colour-blind-safe qualitative palette), the mean is red and the median blue. The mathematics
comes from ``kmeans_ref`` itself (``assign``, ``update_means``, ``assign_l1``,
``update_medians``, ``sq_distances``, ``soft_assign``, ...; the exact loss landscapes from the NumPy-only
``kmeans_ref.landscape``), so the figures show exactly what the reference does.
Data follow the lesson layout: ``X`` of shape ``(d, N)``, centroids ``M`` of shape ``(d, k)``.

One module per kind of figure, every public name available here:

- ``clusters``: ``plot_clusters``, ``plot_voronoi``, ``plot_residuals``;
- ``matrices``: ``plot_label_matrix``, ``plot_distance_matrix``;
- ``lloyd``: ``Frame``, ``lloyd_frames``, ``plot_frame``, ``plot_lloyd_steps``,
  ``animate_lloyd`` (its HTML works offline: ``_jshtml``);
- ``losses``: ``plot_mean_vs_median``, ``plot_l1_l2_loss_1d``, ``plot_loss_curve``,
  ``plot_elbow``;
- ``landscapes``: ``plot_loss_slice``, ``plot_loss_landscape_1d`` (and, from
  ``kmeans_ref.landscape``, ``loss_slice``, ``loss_landscape_1d``, ``local_minima_1d``);
- ``images``: ``show_images``;
- ``soft``: ``responsibility_colors``, ``plot_soft_clusters``, ``plot_responsibility_paths``,
  ``plot_gaussians``, ``mixture_labels``, ``plot_mixture_regions`` (lesson 07);
- ``_common``: the colours and what the figures share.

Matplotlib is imported here only: ``import kmeans_ref`` stays NumPy-only. No helper calls
``plt.show()``; they work with any backend, including Agg.
"""

from kmeans_ref.landscape import local_minima_1d, loss_landscape_1d, loss_slice

from ._common import CLUSTER_COLORS, MEAN_COLOR, MEDIAN_COLOR, UNASSIGNED_COLOR, cluster_color
from .clusters import plot_clusters, plot_residuals, plot_voronoi
from .images import show_images
from .landscapes import plot_loss_landscape_1d, plot_loss_slice
from .lloyd import Frame, animate_lloyd, lloyd_frames, plot_frame, plot_lloyd_steps
from .losses import plot_elbow, plot_l1_l2_loss_1d, plot_loss_curve, plot_mean_vs_median
from .matrices import plot_distance_matrix, plot_label_matrix
from .soft import (
    mixture_labels,
    plot_gaussians,
    plot_mixture_regions,
    plot_responsibility_paths,
    plot_soft_clusters,
    responsibility_colors,
)

__all__ = [
    "CLUSTER_COLORS",
    "MEAN_COLOR",
    "MEDIAN_COLOR",
    "UNASSIGNED_COLOR",
    "cluster_color",
    "plot_clusters",
    "plot_voronoi",
    "plot_residuals",
    "plot_label_matrix",
    "plot_distance_matrix",
    "Frame",
    "lloyd_frames",
    "plot_frame",
    "plot_lloyd_steps",
    "animate_lloyd",
    "plot_mean_vs_median",
    "plot_l1_l2_loss_1d",
    "plot_loss_curve",
    "loss_landscape_1d",
    "local_minima_1d",
    "plot_loss_landscape_1d",
    "plot_elbow",
    "loss_slice",
    "plot_loss_slice",
    "show_images",
    "responsibility_colors",
    "plot_soft_clusters",
    "plot_responsibility_paths",
    "plot_gaussians",
    "mixture_labels",
    "plot_mixture_regions",
]
