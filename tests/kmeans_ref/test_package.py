"""The package surface: names, signatures, light import (kmeans_ref/__init__.py)."""

import inspect
import subprocess
import sys

import kmeans_ref

CONTRACT = {
    "one_hot": "(z, k)",
    "labels_from_one_hot": "(Y)",
    "is_label_matrix": "(Y)",
    "reconstruct": "(M, Y)",
    "sq_distances": "(X, M)",
    "kmeans_loss": "(X, Y, M)",
    "min_form_loss": "(X, M)",
    "assign": "(X, M)",
    "update_means": "(X, Y, M_prev)",
    "lloyd": "(X, M0, max_iter=100)",
    "l1_distances": "(X, M)",
    "assign_l1": "(X, M)",
    "l1_loss": "(X, Y, M)",
    "update_medians": "(X, Y, M_prev)",
    "kmedians": "(X, M0, max_iter=100)",
    "loss_gradient": "(X, M)",
    "numerical_gradient": "(f, M, eps=1e-06)",
    "gradient_descent": "(X, M0, lr, n_steps)",
    "kmeans_plus_plus": "(X, k, rng)",
    "quantize": "(image, k, rng)",
    "random_init": "(X, k, rng)",
    # Added exercises (beyond the seeds) and 07-soft-clustering
    "minibatch_step": "(X_batch, M, counts)",
    "silhouette_scores": "(X, z)",
    "soft_assign": "(X, M, beta)",
    "soft_update": "(X, R)",
    "em_isotropic": "(X, M0, n_iter)",
}


def test_hand_checked_contract_signatures():
    # The signatures of CURRICULUM.md, written out by hand.
    for name, signature in CONTRACT.items():
        assert str(inspect.signature(getattr(kmeans_ref, name))) == signature, name
    assert set(CONTRACT) | {"KMeans"} == set(kmeans_ref.__all__)
    params = inspect.signature(kmeans_ref.KMeans).parameters
    assert list(params) == ["n_clusters", "loss", "init", "n_init", "max_iter", "tol", "random_state"]
    assert params["n_clusters"].default == 8 and params["max_iter"].default == 300


def test_every_public_function_has_a_doctest_example():
    for name in kmeans_ref.__all__:
        doc = getattr(kmeans_ref, name).__doc__
        assert ">>> " in doc, name


def test_import_is_light():
    code = ("import sys, kmeans_ref; "
            "print(sorted(m for m in ('matplotlib', 'scipy', 'sklearn', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_attribute():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        kmeans_ref.nope  # noqa: B018
    assert "plotting" in dir(kmeans_ref) and "datasets" in dir(kmeans_ref)
