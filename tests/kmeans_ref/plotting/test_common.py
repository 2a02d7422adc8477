"""kmeans_ref.plotting as a whole: the fixed palette, a light ``import kmeans_ref``, Agg without a display."""

import os
import subprocess
import sys

from matplotlib import colors as mcolors

from kmeans_ref import plotting
from kmeans_ref.plotting import cluster_color


def test_palette_is_fixed_and_cycles():
    assert cluster_color(0) == plotting.CLUSTER_COLORS[0]
    assert cluster_color(len(plotting.CLUSTER_COLORS)) == cluster_color(0)
    assert len(set(plotting.CLUSTER_COLORS)) == len(plotting.CLUSTER_COLORS)
    assert mcolors.to_rgb(plotting.MEAN_COLOR)[0] > 0.8  # red
    assert mcolors.to_rgb(plotting.MEDIAN_COLOR)[2] > 0.8  # blue


def test_importing_kmeans_ref_does_not_import_matplotlib():
    code = (
        "import sys, kmeans_ref; kmeans_ref.datasets.load_old_faithful(); "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_helpers_work_under_agg_without_display():
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env["MPLBACKEND"] = "Agg"
    code = (
        "import numpy as np; from kmeans_ref import plotting as p; "
        "p.plot_clusters(np.zeros((2, 3))).figure.savefig('/dev/null', format='png')"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
