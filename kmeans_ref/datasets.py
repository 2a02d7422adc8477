"""Data sets of the course: files shipped in ``data/`` and small synthetic generators.

Every loader returns observations in the lesson layout, ``X`` of shape ``(d, N)`` (one
observation per COLUMN); ``Dataset.samples`` gives the estimator layout ``(N, d)``.

The files ship inside the package, as ``kmeans_ref/data/`` (package data, read through
``importlib.resources``); in the repository that folder is a link to the top-level ``data/``, the
one copy of the files. The environment variable ``KMEANS_COURSE_DATA`` points the loaders
elsewhere. Loading works from any working directory and from a wheel install, so notebooks in
``solutions/<id>/``, ``notebooks/<id>/`` and ``autograded/<student>/<id>/`` all read the same files.

Only NumPy is needed (Matplotlib's PNG reader for the photo), no pandas.

>>> from kmeans_ref import datasets
>>> faithful = datasets.load_old_faithful()
>>> faithful.X.shape
(2, 272)
>>> faithful.X[:, 0]
array([ 3.6, 79. ])
>>> X, z = datasets.make_blobs([[0.0, 10.0], [0.0, 0.0]], n_per_cluster=3, std=0.1, rng=0)
>>> X.shape, z.tolist()
((2, 6), [0, 0, 0, 1, 1, 1])
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "Dataset",
    "data_dir",
    "load_real_estate",
    "make_real_estate",
    "load_old_faithful",
    "load_penguins",
    "load_photo",
    "make_blobs",
    "make_rings",
    "polar_features",
    "REAL_ESTATE_SEED",
    "DATA_ENV_VAR",
]

#: Environment variable that overrides the location of the data folder.
DATA_ENV_VAR = "KMEANS_COURSE_DATA"

#: Seed of the generator behind ``data/real_estate.csv`` (``make_real_estate(rng=None)`` uses it).
REAL_ESTATE_SEED = 2023


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set in the lesson layout.

    Attributes
    ----------
    X : ndarray of shape (d, N), float64
        One observation per column.
    target : ndarray of shape (N,), int, or None
        A known grouping (generating group, species), not used by k-means itself.
    feature_names : tuple of str, length d
        Names of the rows of ``X``, with units, usable as axis labels.
    target_names : tuple of str or None
        ``target_names[t]`` names the group with ``target == t``.
    description : str
        What the data are, units, source and licence.
    """

    X: np.ndarray
    target: np.ndarray | None
    feature_names: tuple
    target_names: tuple | None
    description: str

    @property
    def samples(self) -> np.ndarray:
        """The observations as rows, shape ``(N, d)`` (``X.T``), for estimators."""
        return self.X.T

    @property
    def n_samples(self) -> int:
        return self.X.shape[1]

    @property
    def n_features(self) -> int:
        return self.X.shape[0]

    def __repr__(self) -> str:
        groups = "" if self.target_names is None else f", groups={self.target_names}"
        return (
            f"Dataset(d={self.n_features}, N={self.n_samples}, "
            f"features={self.feature_names}{groups})"
        )


# --------------------------------------------------------------------------- files


def _packaged_data():
    """The data folder shipped in the package, as an ``importlib.resources`` Traversable."""
    from importlib import resources  # imported here: `import kmeans_ref` stays NumPy-only

    return resources.files(__package__).joinpath("data")


def data_dir() -> Path:
    """The folder holding the course's data files, as an absolute path without links.

    ``$KMEANS_COURSE_DATA`` if set, else the package's ``data`` folder (in a repository checkout,
    its top-level ``data/``). Raises ``FileNotFoundError`` naming the path when the folder does
    not exist or the package is not installed as files on disk (e.g. in a zip).
    """
    override = os.environ.get(DATA_ENV_VAR)
    if override:
        path = Path(override).expanduser().resolve()
        origin = f"${DATA_ENV_VAR}"
    else:
        packaged = _packaged_data()
        if not isinstance(packaged, Path):
            raise FileNotFoundError(
                f"the course's data files are inside {packaged} and not a folder on disk. Install "
                f"the kit as files (pip install kmeans-course) or set {DATA_ENV_VAR} to a folder "
                f"holding them."
            )
        path = packaged.resolve()
        origin = "the kmeans_ref package's data folder"
    if not path.is_dir():
        raise FileNotFoundError(
            f"data folder not found: {path} (taken from {origin}). Reinstall the course kit "
            f"(pip install kmeans-course, or pip install -e . in its repository) or set "
            f"{DATA_ENV_VAR} to a folder holding its data files."
        )
    return path


@contextlib.contextmanager
def _data_file(name: str):
    """A path on disk to the data file ``name`` for the duration of the ``with`` block.

    Packaged files are opened through ``importlib.resources.as_file``, which gives the file
    itself when the package is on disk and a temporary copy otherwise.
    """
    from importlib import resources

    if os.environ.get(DATA_ENV_VAR):
        source = data_dir() / name
        where = str(source)
    else:
        source = _packaged_data().joinpath(name)
        where = f"{source} (package data of kmeans_ref)"
    if not source.is_file():
        raise FileNotFoundError(
            f"data file not found: {where}. The course's data folder should contain {name!r} "
            f"(see data/README.md for how it is produced); reinstall the kit or set "
            f"{DATA_ENV_VAR} to a folder holding it."
        )
    with resources.as_file(source) as path:
        yield Path(path)


def _read_numeric_csv(path: Path, usecols) -> np.ndarray:
    """Numeric columns of a CSV with one header row; ``NA`` and empty cells become NaN."""
    values = np.genfromtxt(
        path,
        delimiter=",",
        skip_header=1,
        usecols=usecols,
        dtype=np.float64,
        missing_values=("NA", ""),
        filling_values=np.nan,
        encoding="utf-8",
    )
    return np.atleast_2d(values)


def _read_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.readline().strip().split(",")


# --------------------------------------------------------------------------- real estate

# (name, mean area m^2, sd area, mean price k-EUR, price per extra m^2 in k-EUR, sd of price noise)
_REAL_ESTATE_GROUPS = (
    ("city-centre flat", 55.0, 11.0, 390.0, 1.5, 30.0),
    ("suburban flat", 95.0, 13.0, 235.0, 1.2, 28.0),
    ("country house", 170.0, 16.0, 320.0, 0.8, 30.0),
    ("villa", 235.0, 20.0, 610.0, 1.5, 42.0),
)

_REAL_ESTATE_FEATURES = ("area (m²)", "price (k€)")

_REAL_ESTATE_DESCRIPTION = """\
Synthetic real-estate listings: area in square metres and asking price in thousands of euros,
drawn from 4 groups of properties (city-centre flats, suburban flats, country houses, villas).
Within a group the price grows with the area; groups are well separated with some overlap.
Produced by kmeans_ref.datasets.make_real_estate(n_per_group=50, rng=None), seed {seed};
areas rounded to 1 m^2, prices to 1 k-EUR. Licence: CC0 (made for this course)."""


def _as_generator(rng, default_seed: int) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng(default_seed)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}"
    )


def make_real_estate(n_per_group: int = 50, rng=None) -> Dataset:
    """Generate the real-estate data set: 4 groups of properties (area m², price k€).

    Parameters
    ----------
    n_per_group : int
        Number of properties per group; ``N = 4 * n_per_group``.
    rng : numpy.random.Generator, int or None
        Source of randomness; ``None`` uses ``REAL_ESTATE_SEED``, the seed of
        ``data/real_estate.csv``.

    Returns
    -------
    Dataset
        ``X`` of shape (2, N) (area, price), ``target`` the generating group, rows shuffled.

    >>> data = make_real_estate(n_per_group=5, rng=1)
    >>> data.X.shape, sorted(np.bincount(data.target).tolist())
    ((2, 20), [5, 5, 5, 5])
    """
    if isinstance(n_per_group, bool) or not isinstance(n_per_group, (int, np.integer)):
        raise TypeError(f"n_per_group must be an int, got {type(n_per_group).__name__}")
    if n_per_group < 1:
        raise ValueError(f"n_per_group must be >= 1, got n_per_group={n_per_group}")
    gen = _as_generator(rng, REAL_ESTATE_SEED)
    areas, prices, groups = [], [], []
    for g, (_, area_mean, area_sd, price_mean, slope, price_sd) in enumerate(_REAL_ESTATE_GROUPS):
        area = gen.normal(area_mean, area_sd, n_per_group)
        area = np.maximum(area, 18.0)
        price = price_mean + slope * (area - area_mean) + gen.normal(0.0, price_sd, n_per_group)
        price = np.maximum(price, 40.0)
        areas.append(np.round(area))
        prices.append(np.round(price))
        groups.append(np.full(n_per_group, g))
    order = gen.permutation(4 * n_per_group)
    X = np.vstack([np.concatenate(areas), np.concatenate(prices)])[:, order]
    target = np.concatenate(groups)[order].astype(np.int64)
    return Dataset(
        X=X.astype(np.float64),
        target=target,
        feature_names=_REAL_ESTATE_FEATURES,
        target_names=tuple(g[0] for g in _REAL_ESTATE_GROUPS),
        description=_REAL_ESTATE_DESCRIPTION.format(seed=REAL_ESTATE_SEED),
    )


def write_real_estate(path=None, n_per_group: int = 50, rng=None) -> Path:
    """Write ``make_real_estate(n_per_group, rng)`` as CSV (``area_m2,price_keur,group``)."""
    data = make_real_estate(n_per_group=n_per_group, rng=rng)
    path = Path(path) if path is not None else data_dir() / "real_estate.csv"
    lines = ["area_m2,price_keur,group"]
    lines += [f"{a:.0f},{p:.0f},{t}" for a, p, t in zip(data.X[0], data.X[1], data.target)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_real_estate() -> Dataset:
    """The real-estate data set of ``data/real_estate.csv`` (200 properties, 4 groups).

    ``X[0]`` is the area in m², ``X[1]`` the price in k€; ``target`` the generating group
    (0 city-centre flat, 1 suburban flat, 2 country house, 3 villa).

    >>> data = load_real_estate()
    >>> data.X.shape, data.target_names[3]
    ((2, 200), 'villa')
    """
    with _data_file("real_estate.csv") as path:
        values = _read_numeric_csv(path, usecols=(0, 1, 2))
    return Dataset(
        X=np.ascontiguousarray(values[:, :2].T, dtype=np.float64),
        target=values[:, 2].astype(np.int64),
        feature_names=_REAL_ESTATE_FEATURES,
        target_names=tuple(g[0] for g in _REAL_ESTATE_GROUPS),
        description=_REAL_ESTATE_DESCRIPTION.format(seed=REAL_ESTATE_SEED),
    )


# --------------------------------------------------------------------------- Old Faithful

_FAITHFUL_DESCRIPTION = """\
Old Faithful geyser (Yellowstone National Park, USA): 272 eruptions, duration of the eruption
in minutes and waiting time to the next eruption in minutes (R's `faithful` data set, from
W. Härdle (1991) Smoothing Techniques with Implementation in S, Springer; see also Azzalini and
Bowman (1990), Applied Statistics 39, 357-365). Durations are rounded, originally in seconds."""


def load_old_faithful() -> Dataset:
    """Old Faithful eruptions: ``X[0]`` duration (min), ``X[1]`` waiting time (min), N = 272.

    >>> data = load_old_faithful()
    >>> data.X.shape, data.target
    ((2, 272), None)
    """
    with _data_file("old_faithful.csv") as path:
        values = _read_numeric_csv(path, usecols=(0, 1))
    return Dataset(
        X=np.ascontiguousarray(values.T, dtype=np.float64),
        target=None,
        feature_names=("eruption duration (min)", "waiting time (min)"),
        target_names=None,
        description=_FAITHFUL_DESCRIPTION,
    )


# --------------------------------------------------------------------------- penguins

_PENGUIN_FEATURES = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")

_PENGUIN_DESCRIPTION = """\
Palmer penguins: bill length (mm), bill depth (mm), flipper length (mm) and body mass (g) of
adult Adelie, Chinstrap and Gentoo penguins on islands of the Palmer Archipelago, Antarctica
(Gorman, Williams and Fraser 2014, PLoS ONE 9(3): e90081; Palmer Station LTER; packaged by
Horst, Hill and Gorman). Licence CC0. Rows with a missing measurement are dropped (342 of 344
remain).{extra}"""


def load_penguins(standardize: bool = True) -> Dataset:
    """Palmer penguins, 4 measurements, ``target`` = species index (Adelie, Chinstrap, Gentoo).

    Parameters
    ----------
    standardize : bool
        If true (default), every feature (row of ``X``) is shifted and scaled to mean 0 and
        variance 1 (population variance), so that grams do not outweigh millimetres in the
        squared distances.

    >>> data = load_penguins()
    >>> data.X.shape, data.target_names
    ((4, 342), ('Adelie', 'Chinstrap', 'Gentoo'))
    >>> np.allclose(data.X.mean(axis=1), 0) and np.allclose(data.X.std(axis=1), 1)
    True
    """
    with _data_file("penguins.csv") as path:
        header = _read_header(path)
        try:
            columns = [header.index(name) for name in _PENGUIN_FEATURES]
            species_col = header.index("species")
        except ValueError as err:
            raise ValueError(f"{path}: unexpected header {header}") from err
        values = _read_numeric_csv(path, usecols=columns)
        species = np.genfromtxt(
            path, delimiter=",", skip_header=1, usecols=species_col, dtype=str, encoding="utf-8"
        )
    keep = ~np.isnan(values).any(axis=1)
    values, species = values[keep], species[keep]
    names, target = np.unique(species, return_inverse=True)
    X = np.ascontiguousarray(values.T, dtype=np.float64)
    extra = ""
    if standardize:
        X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
        extra = " Standardised: every feature has mean 0 and variance 1."
    return Dataset(
        X=X,
        target=target.astype(np.int64),
        feature_names=_PENGUIN_FEATURES,
        target_names=tuple(str(n) for n in names),
        description=_PENGUIN_DESCRIPTION.format(extra=extra),
    )


# --------------------------------------------------------------------------- photo


def load_photo() -> np.ndarray:
    """A small colour photo, shape ``(H, W, 3)``, dtype uint8 (240 x 160 pixels).

    The Summer Palace, Beijing (scikit-learn's ``china.jpg``, photo by danielbuechele,
    CC-BY 2.0), downscaled; see ``data/README.md``.

    >>> image = load_photo()
    >>> image.shape, image.dtype
    ((160, 240, 3), dtype('uint8'))
    """
    from matplotlib import image as mpimg  # imported here: `import kmeans_ref` stays NumPy-only

    with _data_file("photo.png") as path:
        img = mpimg.imread(path)
    if img.dtype != np.uint8:  # PNGs are read as floats in [0, 1]
        img = np.round(np.clip(img, 0.0, 1.0) * 255.0).astype(np.uint8)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    return np.ascontiguousarray(img[..., :3])


# --------------------------------------------------------------------------- synthetic


def make_blobs(centers, n_per_cluster=50, std=1.0, rng=None):
    """Gaussian blobs around given centres.

    Parameters
    ----------
    centers : array_like of shape (d, k)
        One centre per column.
    n_per_cluster : int or sequence of k ints
        Points per blob (a sequence gives unequal blob sizes).
    std : float or sequence of k floats
        Standard deviation of every coordinate, per blob if a sequence.
    rng : numpy.random.Generator, int or None
        Source of randomness; ``None`` means seed 0 (reproducible).

    Returns
    -------
    X : ndarray of shape (d, N), N = total number of points, blob by blob (not shuffled)
    z : ndarray of shape (N,), int, the blob of every point

    >>> X, z = make_blobs([[0.0, 5.0, 10.0]], n_per_cluster=[1, 2, 1], std=0.0)
    >>> X.tolist(), z.tolist()
    ([[0.0, 5.0, 5.0, 10.0]], [0, 1, 1, 2])
    """
    C = np.asarray(centers, dtype=np.float64)
    if C.ndim != 2:
        raise ValueError(f"centers must have shape (d, k), got an array of shape {C.shape}")
    d, k = C.shape
    counts = np.broadcast_to(np.asarray(n_per_cluster), (k,))
    if not np.issubdtype(counts.dtype, np.integer) or (counts < 0).any():
        raise ValueError(
            f"n_per_cluster must be a non-negative int or {k} of them, got {n_per_cluster!r}"
        )
    stds = np.broadcast_to(np.asarray(std, dtype=np.float64), (k,))
    if (stds < 0).any():
        raise ValueError(f"std must be >= 0, got {std!r}")
    gen = _as_generator(rng, 0)
    blocks = [C[:, [j]] + stds[j] * gen.standard_normal((d, counts[j])) for j in range(k)]
    X = np.concatenate(blocks, axis=1) if blocks else np.empty((d, 0))
    z = np.repeat(np.arange(k, dtype=np.int64), counts)
    return X, z


def make_rings(n_per_ring=150, radii=(1.0, 3.0), noise=0.1, rng=None):
    """Concentric noisy rings around the origin: a shape k-means cannot split in x, y.

    Returns ``X`` of shape (2, N) and ``z`` (N,), the ring of every point (ring j has radius
    ``radii[j]``). ``rng=None`` means seed 0. In polar coordinates (``polar_features``) the
    rings become separated bands of the radius.

    >>> X, z = make_rings(n_per_ring=4, radii=(1.0, 2.0), noise=0.0)
    >>> np.round(np.hypot(X[0], X[1]), 6).tolist(), z.tolist()
    ([1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0], [0, 0, 0, 0, 1, 1, 1, 1])
    """
    radii = np.atleast_1d(np.asarray(radii, dtype=np.float64))
    if radii.ndim != 1 or (radii <= 0).any():
        raise ValueError(f"radii must be positive numbers, got {radii!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got noise={noise}")
    gen = _as_generator(rng, 0)
    n = int(n_per_ring)
    xs, zs = [], []
    for j, r in enumerate(radii):
        angle = gen.uniform(0.0, 2.0 * np.pi, n)
        radius = r + noise * gen.standard_normal(n)
        xs.append(np.vstack([radius * np.cos(angle), radius * np.sin(angle)]))
        zs.append(np.full(n, j, dtype=np.int64))
    return np.concatenate(xs, axis=1), np.concatenate(zs)


def polar_features(X) -> np.ndarray:
    """The feature map phi(x) = (radius, angle) of 2-D points: ``[||x||; atan2(x_2, x_1)]``.

    Parameters
    ----------
    X : array_like of shape (2, N)

    Returns
    -------
    ndarray of shape (2, N): row 0 the distance to the origin, row 1 the angle in (-pi, pi].

    >>> polar_features([[3.0, 0.0], [4.0, -2.0]]).round(4).tolist()
    [[5.0, 2.0], [0.9273, -1.5708]]
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"X must have shape (2, N), got an array of shape {X.shape}")
    return np.vstack([np.hypot(X[0], X[1]), np.arctan2(X[1], X[0])])


if __name__ == "__main__":  # python -m kmeans_ref.datasets  -> rewrites data/real_estate.csv
    written = write_real_estate()
    print(f"wrote {written} (seed {REAL_ESTATE_SEED})")
