"""Colour quantisation (kmeans_ref.applications)."""

import numpy as np
import pytest

import kmeans_ref as ref
from kmeans_ref import applications


def test_hand_computed_image():
    # Two dark grey pixels (0 and 10) and two red ones (200 and 210): with k = 2 each pair
    # becomes its mean colour, (5, 5, 5) and (205, 0, 0).
    image = np.array([[[0, 0, 0], [10, 10, 10]], [[200, 0, 0], [210, 0, 0]]], dtype=np.uint8)
    out = ref.quantize(image, 2, np.random.default_rng(0))
    expected = np.array([[[5, 5, 5], [5, 5, 5]], [[205, 0, 0], [205, 0, 0]]], dtype=np.uint8)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.uint8


def test_rounding_and_k_equals_one():
    # One colour: the mean of 0, 1, 1, 1 is 0.75, rounded back to 1 for an integer image.
    image = np.array([[[0, 0, 0], [1, 1, 1]], [[1, 1, 1], [1, 1, 1]]], dtype=np.uint8)
    np.testing.assert_array_equal(ref.quantize(image, 1, np.random.default_rng(0)), np.ones((2, 2, 3)))
    # A float image keeps its exact means.
    out = ref.quantize(image.astype(np.float32), 1, np.random.default_rng(0))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, 0.75)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float64])
def test_shape_dtype_and_palette(dtype):
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(31, 17, 3)).astype(dtype)
    out = ref.quantize(image, 5, np.random.default_rng(2))
    assert out.shape == image.shape and out.dtype == image.dtype
    assert len(np.unique(out.reshape(-1, 3), axis=0)) <= 5
    np.testing.assert_array_equal(out, ref.quantize(image, 5, np.random.default_rng(2)))  # reproducible


def test_large_image_is_fitted_on_a_subsample(monkeypatch):
    # With a small fitting budget the palette comes from a subsample, but every pixel is
    # still replaced by its nearest palette colour.
    monkeypatch.setattr(applications, "_FIT_PIXELS", 500)
    rng = np.random.default_rng(3)
    image = rng.uniform(0, 1, size=(60, 70, 3))  # float: no rounding of the palette
    out = ref.quantize(image, 4, np.random.default_rng(4))
    palette = np.unique(out.reshape(-1, 3), axis=0)
    assert len(palette) == 4
    pixels = image.reshape(-1, 3)
    nearest = palette[((pixels[:, None, :] - palette[None]) ** 2).sum(-1).argmin(1)]
    np.testing.assert_array_equal(out.reshape(-1, 3), nearest)
