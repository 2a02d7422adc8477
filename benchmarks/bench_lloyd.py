"""Lloyd iterations side by side: kmeans_ref against scikit-learn.

What it measures
----------------
For each shape (N, d, k) it draws one float64 data set (overlapping Gaussian
blobs, so Lloyd's algorithm keeps moving for many iterations) and one set of
initial centres (k-means++, the default of both libraries, drawn once), then
times, from those same centres and for the same number of iterations:

- ``kmeans_ref.lloyd(X, M0, max_iter=n)``        lesson convention, X of shape (d, N)
- ``kmeans_ref.KMeans(init=M0.T, max_iter=n, tol=0)``      X of shape (N, d)
- ``sklearn.cluster.KMeans(algorithm="lloyd", init=M0.T, n_init=1, max_iter=n, tol=0)``
- ``kmeans_ref.kmedians(X, M0, max_iter=n)``     (no scikit-learn counterpart)

with one thread (BLAS and OpenMP limited by threadpoolctl, kmeans_ref's own
pool by ``kmeans_ref._parallel.thread_limit(1)``) and with the default number
of threads. Each figure is total wall time of the call divided by the number
of iterations it performed (so set-up costs such as input checks and copies
are included), best of ``--repeat`` rounds in which the four calls take
turns (other processes on the machine then disturb them alike). The ratio column is
kmeans_ref / scikit-learn: below 1 means kmeans_ref is faster. The last
columns check that kmeans_ref.KMeans found the same clusters as scikit-learn
(up to renaming: an empty cluster keeps its centre in kmeans_ref but is
moved by scikit-learn, which can permute the labels) and the same inertia.

Both run the same Lloyd iterations, but not the same way: scikit-learn
recomputes every cluster sum at every iteration, kmeans_ref only adds and
removes the observations that changed cluster (so its later iterations are
cheaper), and kmedians skips observations whose nearest centre provably did
not change (Elkan's bounds).

The BLAS in use is printed first (threadpoolctl). With ``--unset-openblas-env``
and ``OPENBLAS_CORETYPE`` or ``OPENBLAS_L2_SIZE`` set, the same table is
produced again in a child process with both variables unset (OpenBLAS then
picks its kernels for the actual CPU), clearly labelled.

How to run
----------
From the repository root::

    .venv/bin/python benchmarks/bench_lloyd.py            # the two reference shapes, about 2 minutes
    .venv/bin/python benchmarks/bench_lloyd.py --quick    # small shapes, about 20 seconds
    .venv/bin/python benchmarks/bench_lloyd.py --repeat 5 --iters 20 --unset-openblas-env

Other processes on the machine make the figures noisy; repeat to be sure.
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import kmeans_ref
from kmeans_ref._parallel import thread_limit

SHAPES = [(1_000_000, 16, 32), (200_000, 64, 64)]
QUICK_SHAPES = [(50_000, 16, 32), (20_000, 64, 64)]
ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def make_problem(N, d, k, seed=0):
    """Overlapping blobs X (d, N) and k-means++ initial centres M0 (d, k)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(d, k))
    z = rng.integers(k, size=N)
    X = centres[:, z] + rng.normal(size=(d, N))
    M0 = kmeans_ref.kmeans_plus_plus(X, k, rng)
    return X, M0


def same_partition(a, b):
    """True when label vectors a and b define the same clusters, up to renaming."""
    pairs = np.unique(np.stack([a, b]), axis=1).shape[1]
    return pairs == np.unique(a).size == np.unique(b).size


def best_times(calls, repeat):
    """Best wall time of each call over ``repeat`` rounds, and each call's last result.

    The calls take turns within every round, so that a burst of activity from
    other processes does not fall on one of them only.
    """
    best = {name: float("inf") for name in calls}
    results = {}
    for _ in range(repeat):
        for name, fn in calls.items():
            start = time.perf_counter()
            results[name] = fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best, results


def bench_shape(N, d, k, iters, repeat):
    from sklearn.cluster import KMeans as SKKMeans

    X, M0 = make_problem(N, d, k)
    samples = np.ascontiguousarray(X.T)  # scikit-learn's preferred layout, made outside the timing
    calls = {
        "sklearn": lambda: SKKMeans(k, init=M0.T, n_init=1, max_iter=iters, tol=0,
                                    algorithm="lloyd").fit(samples),
        "lloyd": lambda: kmeans_ref.lloyd(X, M0, max_iter=iters),
        "KMeans": lambda: kmeans_ref.KMeans(k, init=M0.T, max_iter=iters, tol=0).fit(samples),
        "kmedians": lambda: kmeans_ref.kmedians(X, M0, max_iter=iters),
    }
    rows = []
    for label, limit in (("1 thread", 1), ("default", None)):
        with threadpool_limits(limits=limit), thread_limit(limit):
            best, res = best_times(calls, repeat)
        sk, km = res["sklearn"], res["KMeans"]
        n_iter = {"sklearn": sk.n_iter_, "lloyd": len(res["lloyd"][2]), "KMeans": km.n_iter_,
                  "kmedians": len(res["kmedians"][2])}
        per = {name: 1e3 * best[name] / n_iter[name] for name in calls}
        same = same_partition(sk.labels_, km.labels_)
        rel = abs(sk.inertia_ - km.inertia_) / sk.inertia_
        rows.append((label, per, tuple(n_iter.values()), same, rel))
    return rows


def print_table(shapes, iters, repeat):
    header = (f"{'N, d, k':>18} {'threads':>9} | {'sklearn':>8} {'lloyd':>8} {'KMeans':>8} | "
              f"{'lloyd/sk':>8} {'KMeans/sk':>9} | {'kmedians':>9} {'kmed/lloyd':>10} | "
              f"{'iters sk/ll/KM/med':>18} | same clusters, inertia rel.diff")
    print("ms per iteration (best of %d runs of %d iterations)" % (repeat, iters))
    print(header)
    print("-" * len(header))
    for N, d, k in shapes:
        for label, per, its, same, rel in bench_shape(N, d, k, iters, repeat):
            print(f"{f'{N}, {d}, {k}':>18} {label:>9} | {per['sklearn']:8.1f} {per['lloyd']:8.1f} "
                  f"{per['KMeans']:8.1f} | {per['lloyd'] / per['sklearn']:8.2f} "
                  f"{per['KMeans'] / per['sklearn']:9.2f} | {per['kmedians']:9.1f} "
                  f"{per['kmedians'] / per['lloyd']:10.1f} | {'/'.join(map(str, its)):>18} | "
                  f"{same}, {rel:.1e}")
    sys.stdout.flush()


def describe_blas():
    for info in threadpool_info():
        print(f"  {info['user_api']:7} {info['internal_api']:9} {str(info.get('version')):12} "
              f"threads={info['num_threads']} arch={info.get('architecture', '-')} "
              f"({os.path.basename(info['filepath'])})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small shapes (seconds)")
    parser.add_argument("--iters", type=int, default=12, help="iterations per run (default 12)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, best is kept (default 3)")
    parser.add_argument("--unset-openblas-env", action="store_true",
                        help=f"also run in a child process with {' and '.join(ENV_VARS)} unset")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    shapes = QUICK_SHAPES if args.quick else SHAPES
    iters = args.iters

    import sklearn  # noqa: F401  (loads scikit-learn's OpenMP and BLAS so they are listed)
    import sklearn.cluster  # noqa: F401

    env = {v: os.environ.get(v) for v in ENV_VARS}
    title = ", ".join(f"{v}={env[v]}" if env[v] is not None else f"{v} unset" for v in ENV_VARS)
    print(f"== kmeans_ref vs scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs; environment: {title}")
    print("libraries (threadpoolctl):")
    describe_blas()
    print_table(shapes, iters, args.repeat)

    if not args.child and args.unset_openblas_env and any(env[v] is not None for v in ENV_VARS):
        print()
        child_env = {name: value for name, value in os.environ.items() if name not in ENV_VARS}
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--repeat", str(args.repeat),
               "--iters", str(iters)] + (["--quick"] if args.quick else [])
        subprocess.run(cmd, env=child_env, check=True)


if __name__ == "__main__":
    main()
