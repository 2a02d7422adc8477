"""Tests of kmeans_ref.datasets: the shipped files, the loaders and the generators."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kmeans_ref import datasets
from kmeans_ref.datasets import Dataset

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_data_override(monkeypatch):
    monkeypatch.delenv(datasets.DATA_ENV_VAR, raising=False)


# --------------------------------------------------------------------------- data folder


def test_data_dir_is_the_repository_data_folder():
    assert datasets.data_dir() == REPO / "data"
    for name in ("real_estate.csv", "old_faithful.csv", "penguins.csv", "photo.png", "README.md"):
        assert (REPO / "data" / name).is_file(), name


def test_the_packaged_data_is_the_repository_data_folder():
    # kmeans_ref/data (package data, read through importlib.resources) links to data/.
    packaged = datasets._packaged_data()
    assert isinstance(packaged, Path) and packaged.resolve() == REPO / "data"
    assert packaged.joinpath("old_faithful.csv").read_bytes() == (REPO / "data" / "old_faithful.csv").read_bytes()


def test_a_missing_packaged_file_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "_packaged_data", lambda: tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        datasets.load_old_faithful()
    message = str(info.value)
    assert "old_faithful.csv" in message and "reinstall the kit" in message
    assert datasets.DATA_ENV_VAR in message


def test_env_var_overrides_data_dir(tmp_path, monkeypatch):
    # A private copy with a one-row Old Faithful file: the loader must read it, not the repo's.
    (tmp_path / "old_faithful.csv").write_text("eruptions,waiting\n2.5,60\n")
    monkeypatch.setenv(datasets.DATA_ENV_VAR, str(tmp_path))
    assert datasets.data_dir() == tmp_path.resolve()
    data = datasets.load_old_faithful()
    assert data.X.shape == (2, 1)
    np.testing.assert_array_equal(data.X[:, 0], [2.5, 60.0])


def test_missing_data_dir_gives_a_clear_error(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere"
    monkeypatch.setenv(datasets.DATA_ENV_VAR, str(missing))
    with pytest.raises(FileNotFoundError, match="nowhere") as info:
        datasets.load_real_estate()
    assert datasets.DATA_ENV_VAR in str(info.value)


def test_missing_file_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv(datasets.DATA_ENV_VAR, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="penguins.csv"):
        datasets.load_penguins()


def test_loading_from_another_working_directory(tmp_path):
    # Notebooks run from solutions/<id>/, notebooks/<id>/ and autograded/<student>/<id>/.
    deep = tmp_path / "autograded" / "student" / "03-lloyd"
    deep.mkdir(parents=True)
    code = (
        "from kmeans_ref import datasets as d; "
        "print(d.load_real_estate().X.shape, d.load_old_faithful().X.shape, "
        "d.load_penguins().X.shape)"
    )
    env = {k: v for k, v in os.environ.items() if k != datasets.DATA_ENV_VAR}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=deep, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "(2, 200) (2, 272) (4, 342)"


# --------------------------------------------------------------------------- real estate


def test_real_estate_file():
    data = datasets.load_real_estate()
    assert isinstance(data, Dataset)
    assert data.X.shape == (2, 200) and data.X.dtype == np.float64
    assert data.target.shape == (200,) and np.issubdtype(data.target.dtype, np.integer)
    assert np.bincount(data.target).tolist() == [50, 50, 50, 50]
    assert len(data.target_names) == 4 and len(data.feature_names) == 2
    assert data.samples.shape == (200, 2)
    np.testing.assert_array_equal(data.samples, data.X.T)
    # realistic ranges: areas 18..400 m^2, prices 40..2000 k-EUR, integers as written
    assert 18 <= data.X[0].min() and data.X[0].max() <= 400
    assert 40 <= data.X[1].min() and data.X[1].max() <= 2000
    np.testing.assert_array_equal(data.X, np.round(data.X))
    assert "2023" in data.description


def test_real_estate_first_row_by_hand():
    first = (REPO / "data" / "real_estate.csv").read_text().splitlines()[:2]
    assert first[0] == "area_m2,price_keur,group"
    area, price, group = (int(v) for v in first[1].split(","))
    data = datasets.load_real_estate()
    assert data.X[:, 0].tolist() == [area, price] and data.target[0] == group


def test_real_estate_file_is_the_seeded_generator():
    made = datasets.make_real_estate()
    loaded = datasets.load_real_estate()
    np.testing.assert_array_equal(made.X, loaded.X)
    np.testing.assert_array_equal(made.target, loaded.target)


def test_real_estate_groups_are_separated():
    # k-means' picture of the groups: nearly every property is nearer to its own group mean
    # than to any other group mean (Voronoi cells of the 4 means), but the groups do touch.
    data = datasets.load_real_estate()
    means = np.stack([data.X[:, data.target == g].mean(axis=1) for g in range(4)], axis=1)
    d2 = ((data.X[:, None, :] - means[:, :, None]) ** 2).sum(axis=0)  # (4, N)
    accuracy = np.mean(d2.argmin(axis=0) == data.target)
    assert accuracy >= 0.95


def test_make_real_estate_reproducible_and_seed_dependent(tmp_path):
    a = datasets.make_real_estate(n_per_group=10, rng=np.random.default_rng(5))
    b = datasets.make_real_estate(n_per_group=10, rng=np.random.default_rng(5))
    c = datasets.make_real_estate(n_per_group=10, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape == (2, 40)
    path = datasets.write_real_estate(tmp_path / "re.csv", n_per_group=10, rng=5)
    assert len(path.read_text().splitlines()) == 41


def test_make_real_estate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_per_group"):
        datasets.make_real_estate(n_per_group=0)
    with pytest.raises(TypeError, match="rng"):
        datasets.make_real_estate(rng="seed")


# --------------------------------------------------------------------------- Old Faithful


def test_old_faithful():
    data = datasets.load_old_faithful()
    assert data.X.shape == (2, 272) and data.X.dtype == np.float64
    assert data.target is None and data.target_names is None
    assert not np.isnan(data.X).any()
    # hand-checked against R: head(faithful) starts 3.600 79 / 1.800 54, tail ends 4.467 74
    np.testing.assert_array_equal(data.X[:, 0], [3.6, 79.0])
    np.testing.assert_array_equal(data.X[:, 1], [1.8, 54.0])
    np.testing.assert_array_equal(data.X[:, -1], [4.467, 74.0])
    np.testing.assert_array_equal(data.X.min(axis=1), [1.6, 43.0])
    np.testing.assert_array_equal(data.X.max(axis=1), [5.1, 96.0])
    # summary(faithful): mean eruptions 3.488, mean waiting 70.90
    np.testing.assert_allclose(data.X.mean(axis=1), [3.487783, 70.897059], atol=1e-6)


# --------------------------------------------------------------------------- penguins


def test_penguins_raw():
    data = datasets.load_penguins(standardize=False)
    assert data.X.shape == (4, 342) and data.X.dtype == np.float64
    assert not np.isnan(data.X).any()
    assert data.feature_names == (
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
    )
    assert data.target_names == ("Adelie", "Chinstrap", "Gentoo")
    assert np.bincount(data.target).tolist() == [151, 68, 123]
    # first row of the CSV: Adelie, Torgersen, 39.1, 18.7, 181, 3750
    np.testing.assert_array_equal(data.X[:, 0], [39.1, 18.7, 181.0, 3750.0])
    assert data.target[0] == 0
    assert 2700 <= data.X[3].min() and data.X[3].max() <= 6300


def test_penguins_missing_rows_are_dropped():
    lines = (REPO / "data" / "penguins.csv").read_text().splitlines()[1:]
    assert len(lines) == 344
    complete = [l for l in lines if "NA" not in l.split(",")[2:6]]
    assert len(complete) == 342 == datasets.load_penguins().X.shape[1]


def test_penguins_standardized():
    raw = datasets.load_penguins(standardize=False)
    std = datasets.load_penguins()
    np.testing.assert_allclose(std.X.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(std.X.var(axis=1), 1.0, rtol=1e-12)
    expected = (raw.X - raw.X.mean(axis=1, keepdims=True)) / raw.X.std(axis=1, keepdims=True)
    np.testing.assert_allclose(std.X, expected)
    np.testing.assert_array_equal(std.target, raw.target)


# --------------------------------------------------------------------------- photo


def test_photo():
    image = datasets.load_photo()
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert max(image.shape[:2]) <= 260 and min(image.shape[:2]) >= 100
    assert (REPO / "data" / "photo.png").stat().st_size < 150_000
    # a real photo: many distinct colours, not one flat colour
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 1000


# --------------------------------------------------------------------------- generators


def test_make_blobs_by_hand():
    # std=0: every point sits exactly on its centre
    X, z = datasets.make_blobs([[0.0, 10.0], [1.0, -1.0]], n_per_cluster=2, std=0.0)
    np.testing.assert_array_equal(X, [[0, 0, 10, 10], [1, 1, -1, -1]])
    np.testing.assert_array_equal(z, [0, 0, 1, 1])


def test_make_blobs_shapes_and_statistics():
    centers = np.array([[0.0, 20.0, -20.0], [0.0, 5.0, 5.0], [1.0, 2.0, 3.0]])  # d=3, k=3
    X, z = datasets.make_blobs(centers, n_per_cluster=[400, 300, 200], std=[1.0, 2.0, 0.5], rng=1)
    assert X.shape == (3, 900) and z.shape == (900,)
    assert np.bincount(z).tolist() == [400, 300, 200]
    for j, s in enumerate([1.0, 2.0, 0.5]):
        np.testing.assert_allclose(X[:, z == j].mean(axis=1), centers[:, j], atol=0.4)
        np.testing.assert_allclose(X[:, z == j].std(axis=1), s, rtol=0.15)


def test_make_blobs_reproducible():
    c = [[0.0, 3.0], [0.0, 3.0]]
    a, _ = datasets.make_blobs(c, rng=np.random.default_rng(3))
    b, _ = datasets.make_blobs(c, rng=np.random.default_rng(3))
    d, _ = datasets.make_blobs(c, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, d)
    np.testing.assert_array_equal(datasets.make_blobs(c)[0], datasets.make_blobs(c)[0])


def test_make_blobs_rejects_bad_centres():
    with pytest.raises(ValueError, match="centers"):
        datasets.make_blobs([1.0, 2.0])


def test_make_rings():
    X, z = datasets.make_rings(n_per_ring=200, radii=(1.0, 3.0, 5.0), noise=0.05, rng=2)
    assert X.shape == (2, 600) and np.bincount(z).tolist() == [200, 200, 200]
    radius = np.hypot(X[0], X[1])
    for j, r in enumerate((1.0, 3.0, 5.0)):
        assert np.abs(radius[z == j] - r).max() < 0.5
    # the ring centre is the origin, so k-means in x, y cannot separate rings
    np.testing.assert_allclose(X[:, z == 1].mean(axis=1), 0.0, atol=0.5)
    a, _ = datasets.make_rings(rng=7)
    b, _ = datasets.make_rings(rng=7)
    np.testing.assert_array_equal(a, b)


def test_polar_features_by_hand():
    # (3, 4) has radius 5 and angle atan2(4, 3); (0, -2): radius 2, angle -pi/2; (-1, 0): pi
    P = datasets.polar_features(np.array([[3.0, 0.0, -1.0], [4.0, -2.0, 0.0]]))
    np.testing.assert_allclose(P, [[5.0, 2.0, 1.0], [np.arctan2(4, 3), -np.pi / 2, np.pi]])
    with pytest.raises(ValueError, match=r"\(2, N\)"):
        datasets.polar_features(np.ones((3, 4)))


def test_polar_features_separate_rings():
    X, z = datasets.make_rings(noise=0.1, rng=0)
    radius = datasets.polar_features(X)[0]
    assert radius[z == 0].max() < radius[z == 1].min()


def test_loaders_do_not_share_arrays():
    a = datasets.load_old_faithful()
    a.X[0, 0] = -1.0
    assert datasets.load_old_faithful().X[0, 0] == 3.6
