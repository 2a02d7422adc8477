"""Regenerate data/real_estate.csv (same as `python -m kmeans_ref.datasets`).

    python data/generate_real_estate.py

The data come from kmeans_ref.datasets.make_real_estate(n_per_group=50, rng=None), whose
fixed seed is kmeans_ref.datasets.REAL_ESTATE_SEED, so the file is reproduced byte for byte.
"""

from pathlib import Path

from kmeans_ref.datasets import REAL_ESTATE_SEED, write_real_estate

if __name__ == "__main__":
    path = write_real_estate(Path(__file__).resolve().parent / "real_estate.csv")
    print(f"wrote {path} (seed {REAL_ESTATE_SEED})")
