"""Images side by side, e.g. a photo and its colour-quantised versions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def show_images(images, titles=None, *, axes=None):
    """Show images side by side (e.g. a photo and its colour-quantised versions).

    Parameters
    ----------
    images : sequence of arrays (H, W, 3) uint8 or float in [0, 1], or (H, W)
    titles : sequence of str, optional
    axes : sequence of Axes, optional, one per image

    Returns
    -------
    Figure
    """
    images = list(images)
    if not images:
        raise ValueError("images must contain at least one image, got an empty sequence")
    if titles is not None and len(titles) != len(images):
        raise ValueError(
            f"titles must have one entry per image: {len(images)} images, {len(titles)} titles"
        )
    if axes is None:
        h, w = np.asarray(images[0]).shape[:2]
        width = 3.6
        fig, axes = plt.subplots(1, len(images), figsize=(width * len(images), width * h / w + 0.5),
                                 layout="constrained", squeeze=False)
        axes = list(axes.flat)
    else:
        axes = list(np.ravel(axes))
        if len(axes) != len(images):
            raise ValueError(f"axes must hold one Axes per image: {len(images)} images, "
                             f"{len(axes)} axes")
        fig = axes[0].figure
    for i, (img, ax) in enumerate(zip(images, axes)):
        img = np.asarray(img)
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i])
    return fig
