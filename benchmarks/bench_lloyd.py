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

The grid (``--grid``)
--------------------
``--grid`` times every shape of N in {1e4, 1e5, 1e6}, d in {2, 16, 64},
k in {2, 8, 64} (plus the shapes tuned earlier, (300000, 16, 32) and
(100000, 64, 64)) at the default number of threads only, on UNIFORM data
(no cluster structure, so the centres keep moving and no run converges
early). Every figure is the best of ``--repeat`` rounds in which
scikit-learn, ``lloyd`` and ``KMeans`` take turns (the order rotates from
round to round); the ``noise`` column is the largest ratio median/best - 1
among the three, a measure of how much the machine disturbed that shape.
A shape whose run converges within ``--iters`` is run for one iteration
less than it took to converge (a converged ``lloyd`` stops one update
earlier than scikit-learn), so no timed run converges; iteration counts are
checked to be equal (a shape where they differ is flagged and left out of
the worst ratio). k-medians is timed against
``lloyd`` on a few shapes afterwards.

Taking turns has a cost at the smallest shapes: scikit-learn's OpenMP threads
keep spinning for a while after a fit, and a call of a few milliseconds that
comes next shares the cores with them (``lloyd`` at N = 1e4, d = 2, k = 64:
8.2 ms, median of 40 calls in a row, against 14.3 ms right after a
scikit-learn fit; scikit-learn alone 8.45 ms). Best-of rounds soften that,
the ``noise`` column shows it.

How to run
----------
From the repository root::

    .venv/bin/python benchmarks/bench_lloyd.py            # the two reference shapes, about 2 minutes
    .venv/bin/python benchmarks/bench_lloyd.py --quick    # small shapes, about 20 seconds
    .venv/bin/python benchmarks/bench_lloyd.py --repeat 5 --iters 20 --unset-openblas-env
    .venv/bin/python benchmarks/bench_lloyd.py --grid     # 28 shapes, 8-15 minutes on 2 busy cores

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
GRID_SHAPES = ([(N, d, k) for N in (10_000, 100_000, 1_000_000) for d in (2, 16, 64) for k in (2, 8, 64)]
               + [(300_000, 16, 32)])  # tuned earlier, like (100000, 64, 64) which is in the grid
KMEDIANS_SHAPES = [(10_000, 2, 8), (100_000, 16, 8), (100_000, 64, 64), (1_000_000, 2, 64)]


def make_problem(N, d, k, seed=0):
    """Overlapping blobs X (d, N) and k-means++ initial centres M0 (d, k)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(d, k))
    z = rng.integers(k, size=N)
    X = centres[:, z] + rng.normal(size=(d, N))
    M0 = kmeans_ref.kmeans_plus_plus(X, k, rng)
    return X, M0


def make_uniform_problem(N, d, k, seed=0):
    """Uniform data X (d, N) on the unit cube and k distinct observations M0 (d, k) as centres."""
    rng = np.random.default_rng(seed)
    X = rng.random((d, N))
    M0 = X[:, rng.choice(N, size=k, replace=False)].copy()
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


def interleaved_times(calls, repeat):
    """Best and median wall time of each call over ``repeat`` rounds, and each call's last result.

    Within a round the calls take turns, in an order that rotates from round to round.
    """
    names = list(calls)
    times = {name: [] for name in names}
    results = {}
    for r in range(repeat):
        for name in names[r % len(names):] + names[:r % len(names)]:
            start = time.perf_counter()
            results[name] = calls[name]()
            times[name].append(time.perf_counter() - start)
    best = {name: min(t) for name, t in times.items()}
    median = {name: float(np.median(t)) for name, t in times.items()}
    return best, median, results


def grid_row(N, d, k, iters, repeat):
    """One shape of the grid: ms per iteration, iteration counts and noise."""
    from sklearn.cluster import KMeans as SKKMeans

    X, M0 = make_uniform_problem(N, d, k)
    samples = np.ascontiguousarray(X.T)
    # A run that converges does one pass less in lloyd (which stops on a repeated assignment
    # without a further update) than in scikit-learn: stop every run before convergence.
    pilot = SKKMeans(k, init=M0.T, n_init=1, max_iter=iters, tol=0, algorithm="lloyd").fit(samples)
    if pilot.n_iter_ < iters:
        iters = max(1, pilot.n_iter_ - 1)
    calls = {
        "sklearn": lambda: SKKMeans(k, init=M0.T, n_init=1, max_iter=iters, tol=0,
                                    algorithm="lloyd").fit(samples),
        "lloyd": lambda: kmeans_ref.lloyd(X, M0, max_iter=iters),
        "KMeans": lambda: kmeans_ref.KMeans(k, init=M0.T, max_iter=iters, tol=0).fit(samples),
    }
    best, median, res = interleaved_times(calls, repeat)
    n_iter = {"sklearn": res["sklearn"].n_iter_, "lloyd": len(res["lloyd"][2]), "KMeans": res["KMeans"].n_iter_}
    per = {name: 1e3 * best[name] / n_iter[name] for name in calls}
    noise = max(median[name] / best[name] - 1 for name in calls)
    same = same_partition(res["sklearn"].labels_, res["KMeans"].labels_)
    return per, n_iter, noise, same, iters


def print_grid(iters, repeat, shapes=GRID_SHAPES):
    header = (f"{'N':>9} {'d':>3} {'k':>3} | {'sklearn':>9} {'lloyd':>9} {'KMeans':>9} | "
              f"{'lloyd/sk':>8} {'KMeans/sk':>9} | {'iters sk/ll/KM':>14} | {'noise':>6} | same")
    print(f"uniform data, default threads; ms per iteration, best of {repeat} interleaved rounds "
          f"of {iters} iterations")
    print(header)
    print("-" * len(header))
    worst = {"lloyd": (0.0, None), "KMeans": (0.0, None)}
    noises = []
    for N, d, k in shapes:
        per, n_iter, noise, same, n_run = grid_row(N, d, k, iters, repeat)
        noises.append(noise)
        equal = set(n_iter.values()) == {n_run}
        ratios = {name: per[name] / per["sklearn"] for name in worst}
        if equal:
            for name, r in ratios.items():
                if r > worst[name][0]:
                    worst[name] = (r, (N, d, k))
        flag = "" if equal else "  (iteration counts differ: left out of the worst ratio)"
        print(f"{N:>9} {d:>3} {k:>3} | {per['sklearn']:9.3f} {per['lloyd']:9.3f} {per['KMeans']:9.3f} | "
              f"{ratios['lloyd']:8.2f} {ratios['KMeans']:9.2f} | "
              f"{'/'.join(str(n_iter[n]) for n in ('sklearn', 'lloyd', 'KMeans')):>14} | "
              f"{100 * noise:5.0f}% | {same}{flag}")
        sys.stdout.flush()
    for name, (r, shape) in worst.items():
        print(f"worst {name}/sklearn: {r:.2f} at (N, d, k) = {shape}")
    print(f"noise (median/best - 1 per shape): median {100 * np.median(noises):.0f}%, "
          f"max {100 * max(noises):.0f}%")
    sys.stdout.flush()


def print_kmedians(iters, repeat):
    print(f"\nk-medians against Lloyd (lesson API), uniform data, best of {repeat} interleaved rounds "
          f"of {iters} iterations")
    header = f"{'N':>9} {'d':>3} {'k':>3} | {'lloyd':>9} {'kmedians':>9} | {'kmed/lloyd':>10} | iters ll/kmed"
    print(header)
    print("-" * len(header))
    for N, d, k in KMEDIANS_SHAPES:
        X, M0 = make_uniform_problem(N, d, k)
        calls = {"lloyd": lambda: kmeans_ref.lloyd(X, M0, max_iter=iters),
                 "kmedians": lambda: kmeans_ref.kmedians(X, M0, max_iter=iters)}
        best, _, res = interleaved_times(calls, repeat)
        n = {name: len(res[name][2]) for name in calls}
        per = {name: 1e3 * best[name] / n[name] for name in calls}
        print(f"{N:>9} {d:>3} {k:>3} | {per['lloyd']:9.3f} {per['kmedians']:9.3f} | "
              f"{per['kmedians'] / per['lloyd']:10.1f} | {n['lloyd']}/{n['kmedians']}")
        sys.stdout.flush()


def describe_blas():
    for info in threadpool_info():
        print(f"  {info['user_api']:7} {info['internal_api']:9} {str(info.get('version')):12} "
              f"threads={info['num_threads']} arch={info.get('architecture', '-')} "
              f"({os.path.basename(info['filepath'])})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small shapes (seconds)")
    parser.add_argument("--grid", action="store_true",
                        help="the grid of 28 shapes on uniform data, default threads, then k-medians")
    parser.add_argument("--shape", action="append", default=None, metavar="N,d,k",
                        help="with --grid: time only this shape (repeatable)")
    parser.add_argument("--iters", type=int, default=None,
                        help="iterations per run (default 12; 20 with --grid)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per figure, best is kept (default 3; 5 with --grid)")
    parser.add_argument("--unset-openblas-env", action="store_true",
                        help=f"also run in a child process with {' and '.join(ENV_VARS)} unset")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    shapes = QUICK_SHAPES if args.quick else SHAPES
    iters = args.iters or (20 if args.grid else 12)
    repeat = args.repeat or (5 if args.grid else 3)

    import sklearn  # noqa: F401  (loads scikit-learn's OpenMP and BLAS so they are listed)
    import sklearn.cluster  # noqa: F401

    env = {v: os.environ.get(v) for v in ENV_VARS}
    title = ", ".join(f"{v}={env[v]}" if env[v] is not None else f"{v} unset" for v in ENV_VARS)
    print(f"== kmeans_ref vs scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs; environment: {title}")
    print("libraries (threadpoolctl):")
    describe_blas()
    if args.grid:
        if args.shape:
            print_grid(iters, repeat, [tuple(int(v) for v in s.split(",")) for s in args.shape])
        else:
            print_grid(iters, repeat)
            print_kmedians(iters, repeat)
    else:
        print_table(shapes, iters, repeat)

    if not args.child and args.unset_openblas_env and any(env[v] is not None for v in ENV_VARS):
        print()
        child_env = {name: value for name, value in os.environ.items() if name not in ENV_VARS}
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--repeat", str(repeat),
               "--iters", str(iters)] + (["--quick"] if args.quick else []) + (["--grid"] if args.grid else [])
        subprocess.run(cmd, env=child_env, check=True)


if __name__ == "__main__":
    main()
