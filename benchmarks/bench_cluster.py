"""The local pool against a local 2-worker Dask cluster: the same class, the same grades?

One run builds a scratch course from the repository's lessons with the demo's synthetic
class (as ``bench_autograde.py`` does), copies it twice, and grades the SAME submissions:

1. ``kmeans-course autograde --workers 2``: the local pool of 2 grading processes;
2. ``kmeans-course autograde --scheduler tcp://127.0.0.1:PORT`` on a cluster started here with
   Dask's own commands (``dask scheduler``, two ``dask worker --nthreads 1``, on 127.0.0.1, no
   course secret in their environment), the clean room on in both.

It prints both wall times (the cluster's start is timed apart) and their ratio, and checks
that every per-cell recorded score is identical and that the same submissions fail with
the same reasons. Exit status 1 if the grades differ.

Both run on the same cores, so the ratio measures the cluster's overhead (shipping the
release and each submission as bytes, Dask's scheduling), not a speed-up: on a real
cluster each worker machine brings its own cores.

Usage::

    python benchmarks/bench_cluster.py                    # 16 students x 01-labels
    python benchmarks/bench_cluster.py --students 32 --lessons 01-labels 02-loss
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "grading"))

from bench_autograde import BIN, build, drop_scratch, env, load_average, scores  # noqa: E402
from daskcluster import LocalDaskCluster  # noqa: E402


def outcomes(root: Path) -> dict:
    path = root / "autograded" / ".kmeans-course" / "ledger.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return {r["key"]: (r["status"], r.get("reason", "")) for r in records}


def grade(root: Path, *options) -> float:
    start = time.perf_counter()
    subprocess.run([str(BIN / "kmeans-course"), "--root", str(root), "--quiet", "autograde", *options],
                   env=env(), check=True)
    return time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=16)
    ap.add_argument("--lessons", nargs="+", default=["01-labels"])
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--keep", action="store_true", help="keep the scratch courses")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench_cluster_"))
    cluster = None
    try:
        print(f"load average before: {load_average()}")
        t = time.perf_counter()
        base = build(work, args.students, args.lessons, args.seed)
        local, remote = work / "local", work / "cluster"
        shutil.copytree(base, local)
        shutil.copytree(base, remote)
        print(f"course built: {', '.join(args.lessons)}, {args.students} students ({time.perf_counter() - t:.1f} s)")

        local_s = grade(local, "--workers", "2", *args.lessons)
        n = len(outcomes(local))
        print(f"local pool, 2 workers:      {local_s:7.1f} s  ({local_s / n:.2f} s per submission, {n} submissions)")

        t = time.perf_counter()
        cluster = LocalDaskCluster(work / "dask", workers=2)
        print(f"Dask cluster started:       {time.perf_counter() - t:7.1f} s  (scheduler + 2 workers, not counted)")
        cluster_s = grade(remote, "--scheduler", cluster.address, *args.lessons)
        print(f"Dask cluster, 2 workers:    {cluster_s:7.1f} s  ({cluster_s / n:.2f} s per submission)")
        print(f"ratio cluster / local:      {cluster_s / local_s:7.2f}")

        a, b = scores(local), scores(remote)
        diff = sorted(k for k in set(a) | set(b) if a.get(k, "absent") != b.get(k, "absent"))
        same = bool(a) and not diff and outcomes(local) == outcomes(remote)
        failed = sorted(k for k, (status, _) in outcomes(local).items() if status == "failed")
        print(f"grades identical:           {'yes' if same else 'NO'}  ({len(a)} cells; failed in both: "
              f"{', '.join(failed) or 'none'})")
        for k in diff[:10]:
            print(f"   differs: {k}: local {a.get(k, 'absent')!r}, cluster {b.get(k, 'absent')!r}")
        if not same:
            args.keep = True
        print(f"load average after: {load_average()}")
        return 0 if same else 1
    finally:
        if cluster is not None:
            cluster.stop()
        drop_scratch(work, args.keep)


if __name__ == "__main__":
    sys.exit(main())
