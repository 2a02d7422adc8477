"""kmeans_ref.plotting.images: images side by side."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from kmeans_ref import plotting


def test_show_images():
    img = np.zeros((4, 6, 3), dtype=np.uint8)
    img[:, :3] = 255
    fig = plotting.show_images([img, img // 2], titles=["original", "half"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["original", "half"]
    np.testing.assert_array_equal(fig.axes[1].get_images()[0].get_array(), img // 2)
    fig2, axes = plt.subplots(1, 2)
    assert plotting.show_images([img, img], axes=axes) is fig2
    with pytest.raises(ValueError, match="titles"):
        plotting.show_images([img], titles=["a", "b"])
    with pytest.raises(ValueError, match="axes"):
        plotting.show_images([img], axes=axes)
