"""Blocked passes and the thread pool (kmeans_ref._fused, kmeans_ref._parallel)."""

import multiprocessing
import threading

import numpy as np
import pytest

import kmeans_ref as ref
from kmeans_ref import _parallel
from kmeans_ref._fused import SquaredBlocks, moved_sums, sums_by_label, take_columns
from kmeans_ref.loops import dense_labels
from kmeans_ref._parallel import blas_batch, run_blocks, thread_limit


def test_hand_computed_sums_by_label():
    # Rows (1, 1), (2, 1), (5, 1) with labels 1, 0, 1: cluster 0 sums to (2, 1),
    # cluster 1 to (6, 2), cluster 2 is empty.
    rows = np.array([[1.0, 1.0], [2.0, 1.0], [5.0, 1.0]])
    np.testing.assert_array_equal(sums_by_label(rows, np.array([1, 0, 1]), 3, np.uint8),
                                  [[2, 1], [6, 2], [0, 0]])


def test_blas_batch_stays_below_the_threading_threshold():
    for inner, k in [(3, 2), (17, 32), (65, 64), (1001, 300)]:
        b = blas_batch(inner, k)
        assert b % 8 == 0 and 8 <= b <= 1024
        assert b * inner * k < 1 << 19 or b == 8


def test_run_blocks_interleaves_and_covers_everything():
    with thread_limit(2):
        parts = run_blocks(lambda blocks: list(blocks), 7)
    assert sorted(sum(parts, [])) == list(range(7))
    with thread_limit(1):
        assert run_blocks(lambda blocks: list(blocks), 3) == [[0, 1, 2]]
    with thread_limit(2):
        assert run_blocks(lambda blocks: list(blocks), 3, max_threads=1) == [[0, 1, 2]]


def test_the_calling_thread_runs_the_first_share():
    with thread_limit(2):
        threads = run_blocks(lambda blocks: threading.get_ident(), 4)
    assert len(threads) == 2
    assert threads[0] == threading.get_ident() != threads[1]


def test_small_passes_stay_on_one_thread():
    with thread_limit(2):
        assert SquaredBlocks(np.zeros((2, 10_000)), 8).threads == 1
        assert SquaredBlocks(np.zeros((16, 100_000)), 8).threads == 2
        # two clusters, many features: a matrix-vector product, on one thread below 2M floats of data
        assert SquaredBlocks(np.zeros((64, 10_000)), 2).threads == 1
        assert SquaredBlocks(np.zeros((64, 10_000)), 2).n_blocks == 1
        assert SquaredBlocks(np.zeros((64, 50_000)), 2).threads == 2
        # small passes: one block per thread; larger ones: at least two per thread
        assert SquaredBlocks(np.zeros((2, 10_000)), 64).n_blocks == 2
        assert SquaredBlocks(np.zeros((16, 100_000)), 8).n_blocks == 2
        assert SquaredBlocks(np.zeros((16, 1_000_000)), 64, keep=False).n_blocks >= 4


@pytest.mark.parametrize("N, d, k", [(70_001, 5, 9), (4_000, 3, 300)])
def test_thread_count_does_not_change_results(N, d, k):
    rng = np.random.default_rng(N)
    X = rng.normal(size=(d, N))
    M0 = X[:, rng.choice(N, size=k, replace=False)]
    results = []
    for limit in (1, 2, 3):
        with thread_limit(limit):
            results.append((ref.lloyd(X, M0, max_iter=5), ref.kmedians(X, M0, max_iter=3),
                            ref.sq_distances(X, M0[:, :4])))
    (M1, Y1, l1), (N1, Z1, m1), D1 = results[0]
    for (M, Y, losses), (Nm, Z, lm), D in results[1:]:
        np.testing.assert_allclose(M, M1, rtol=1e-13, atol=1e-13)  # sums in another order
        np.testing.assert_array_equal(Y, Y1)
        np.testing.assert_allclose(losses, l1, rtol=1e-12)
        np.testing.assert_array_equal(Nm, N1)
        np.testing.assert_array_equal(Z, Z1)
        np.testing.assert_array_equal(D, D1)


@pytest.mark.parametrize("k", [6, 40])
def test_incremental_sums_equal_fresh_sums(k):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(4, 30_000))
    blocks = SquaredBlocks(X, k)
    s = blocks.shift[:, None]
    M = X[:, :k].copy()
    z, sums = blocks.step(M - s)
    M2 = M + 0.3
    _, fresh = blocks.step(M2 - s)
    _, delta = blocks.step(M2 - s, z_old=z, sums=sums)
    np.testing.assert_allclose(delta, fresh, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(delta[:, -1], fresh[:, -1])  # counts are exact


@pytest.mark.parametrize("d, k, caller_books", [(64, 8, True), (2, 64, True), (64, 64, False)])
def test_small_passes_gather_moved_observations_on_either_side(d, k, caller_books):
    # One block per thread: the calling thread or each thread gathers the moved observations.
    rng = np.random.default_rng(d + k)
    X = rng.normal(size=(d, 10_000))
    with thread_limit(2):
        blocks = SquaredBlocks(X, k)
        assert (blocks.threads, blocks.n_blocks, blocks.caller_books) == (2, 2, caller_books)
        s = blocks.shift[:, None]
        M = X[:, :k].copy()
        z, sums = blocks.step(M - s)
        M2 = M + 0.1 * rng.normal(size=M.shape)
        z_fresh, fresh = blocks.step(M2 - s)
        z_delta, delta = blocks.step(M2 - s, z_old=z, sums=sums)
    assert 0 < np.count_nonzero(z_fresh != z) < z.size // 2  # some, not all, moved
    np.testing.assert_array_equal(z_delta, z_fresh)
    np.testing.assert_allclose(delta, fresh, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(delta[:, -1], fresh[:, -1])


@pytest.mark.parametrize("k, n", [(3, 50), (40, 50), (40, 20_000)])
def test_moved_sums_is_the_difference_of_the_sums_of_both_labellings(k, n):
    # One-hot products (k <= 16), one weighted bincount (few moves), two sorts (many moves).
    rng = np.random.default_rng(n + k)
    cols = rng.normal(size=(5, n))
    new, old = rng.integers(0, k, size=n), rng.integers(0, k, size=n)
    rows = np.c_[cols.T, np.ones(n)]
    expected = sums_by_label(rows, new, k, np.uint8) - sums_by_label(rows, old, k, np.uint8)
    got = moved_sums(rows.T, new, old, k, np.uint8)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(got[:, -1], np.bincount(new, minlength=k) - np.bincount(old, minlength=k))


# Several blocks of observations, so that lloyd runs on the thread pool (one block would not).
_FORK_N = 150_000


def _child(queue):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, _FORK_N))
    with thread_limit(2):
        queue.put(ref.lloyd(X, X[:, :4], max_iter=3)[2])


def test_pool_survives_fork():
    # A pool inherited by a forked process has no threads; it must be rebuilt, not hang.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, _FORK_N))
    with thread_limit(2):
        expected = ref.lloyd(X, X[:, :4], max_iter=3)[2]
    assert _parallel._state["pool"] is not None
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    np.testing.assert_allclose(queue.get(timeout=5), expected, rtol=1e-12)


@pytest.mark.parametrize("integers", [False, True])
def test_bounded_l1_assignment_equals_full_passes(integers):
    # Elkan's bounds skip points; the labels must be those of a full pass at every step,
    # ties included (integer data has many exact ties, which the bounds never skip).
    from kmeans_ref._fused_l1 import L1Assigner, L1Blocks, SortedFeatures, medians_by_label

    rng = np.random.default_rng(11)
    X = rng.integers(-3, 4, size=(3, 6_000)).astype(float) if integers else rng.normal(size=(4, 6_000))
    M = X[:, rng.choice(X.shape[1], 7, replace=False)].copy()
    blocks = L1Blocks(X, 7)
    nearest = L1Assigner(blocks)
    presorted = SortedFeatures(X)
    for _ in range(8):
        z = nearest(M)
        full = np.abs(X[:, None, :] - M[:, :, None]).sum(axis=0).argmin(axis=0)
        np.testing.assert_array_equal(z, full)
        M_new = presorted.medians(z, M, np.uint8)
        np.testing.assert_array_equal(M_new, medians_by_label(X, z, M))
        M = M_new + rng.normal(scale=0.01, size=M.shape) * (not integers)


@pytest.mark.parametrize("k", [2, 3, 8, 31, 40, 64])
def test_scores_give_exact_ties_the_lowest_label(k, monkeypatch):
    # Integer data: every score is an exact integer, so ties are exact and the lowest
    # index must win; small blocks (several blocks, a partial last one).
    monkeypatch.setattr(_parallel, "_CACHE_FLOATS", 1 << 12)
    monkeypatch.setattr(_parallel, "_SMALL_FLOATS", 0)  # cache-sized blocks even for small N
    rng = np.random.default_rng(k)
    X = rng.integers(-4, 5, size=(3, 5_001)).astype(float)
    M = X[:, rng.choice(5_001, size=k, replace=False)] + rng.integers(-1, 2, size=(3, k))
    M[:, -1] = M[:, 0]  # a duplicate centre: a tie for every observation nearest to it
    blocks = SquaredBlocks(X, k)
    assert blocks.n_blocks > 1 and blocks.N % blocks.c
    s = blocks.shift[:, None]
    z, sums = blocks.step(M - s)
    D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
    assert len(np.unique(D.min(axis=0))) > 1
    assert (D == D.min(axis=0)).sum(axis=0).max() > 1  # the data does have ties
    np.testing.assert_array_equal(blocks.distances(M - s), D)
    np.testing.assert_array_equal(z[:blocks.N], np.argmin(D, axis=0))  # first minimum: lowest index
    np.testing.assert_array_equal(sums[:, -1], np.bincount(z[:blocks.N], minlength=k))
    np.testing.assert_array_equal(sums, sums_by_label(np.c_[X.T - blocks.shift, np.ones(5_001)],
                                                      z[:blocks.N], k, np.uint8))


@pytest.mark.parametrize("d", [3, 40])
def test_two_clusters_ties_go_to_the_first(d):
    # From 32 features on, two clusters are told apart by the sign of one score difference.
    rng = np.random.default_rng(d)
    X = rng.integers(-2, 3, size=(d, 4_000)).astype(float)
    M = X[:, [0, 0]].copy()
    M[0, 1] += 2  # M[:, 0] + e_0 is at distance 1 from both centres: a tie
    X[:, ::7] = M[:, :1] + np.eye(d)[:, :1]
    blocks = SquaredBlocks(X, 2)
    z, sums = blocks.step(M - blocks.shift[:, None])
    D = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)
    assert (D[0] == D[1]).sum() >= 4_000 // 7
    np.testing.assert_array_equal(z[:blocks.N], np.argmin(D, axis=0))
    np.testing.assert_array_equal(sums[:, -1], np.bincount(np.argmin(D, axis=0), minlength=2))


@pytest.mark.parametrize("k", [1, 3, 64, 300])
def test_dense_labels_is_the_one_hot_matrix(k):
    z = np.random.default_rng(k).integers(0, k, size=10_001)
    with thread_limit(2):
        np.testing.assert_array_equal(dense_labels(z, k), ref.one_hot(z, k))


def test_released_buffers_serve_the_next_call_of_the_same_shape():
    rng = np.random.default_rng(11)
    X1, X2 = rng.normal(size=(2, 5, 3_001))
    first = SquaredBlocks(X1, 6)
    first.step(X1[:, :6] - first.shift[:, None])
    kept, workspaces = first.blocks, first._workspaces
    assert kept is not None and workspaces  # buffers exist to be handed on
    first.release()
    second = SquaredBlocks(X2, 6)
    assert second.blocks is kept and second._workspaces is workspaces
    fresh = SquaredBlocks(X2.copy(), 6)  # the spare set is taken: this one allocates
    assert fresh.blocks is not kept
    np.testing.assert_array_equal(second.blocks, fresh.blocks)  # refilled with X2, padding included
    Mc = X2[:, 10:16] - second.shift[:, None]
    for got, want in zip(second.step(Mc), fresh.step(Mc)):
        np.testing.assert_array_equal(got, want)
    second.release()
    assert SquaredBlocks(X2, 7).blocks is not kept  # another shape does not take them
    third = SquaredBlocks(X2, 6)
    assert third.blocks is kept  # ... nor drop them
    second.release()  # a second release must not hand on buffers now third's
    assert SquaredBlocks(X2, 6).blocks is not kept


def test_large_buffers_are_not_kept():
    X = np.zeros((64, 80_000))  # 41 MB of blocks, over the 32 MB kept
    blocks = SquaredBlocks(X, 3)
    kept = blocks.blocks
    blocks.release()
    assert SquaredBlocks(X, 3).blocks is not kept


@pytest.mark.parametrize("order", ["C", "F"])
def test_take_columns_is_np_take_along_columns(order):
    cols = np.asarray(np.arange(5 * 9.0).reshape(5, 9), order=order)
    idx = np.array([7, 0, 0, 3])
    np.testing.assert_array_equal(take_columns(cols, idx), np.take(cols, idx, axis=1))


def test_blocks_are_stored_by_observation_when_scores_are():
    X = np.random.default_rng(2).normal(size=(3, 1_001))  # 1,001: the last block is padded
    by_cluster, by_observation = SquaredBlocks(X, 8), SquaredBlocks(X, 64)
    assert not by_cluster.rows and by_cluster.blocks[0].flags.c_contiguous
    assert by_observation.rows and by_observation.blocks[0].T.flags.c_contiguous
    # the same (d + 1, c) content either way: [x - s; 1], zero padding
    for blocks in (by_cluster, by_observation):
        first = blocks.blocks[0]
        n = min(blocks.c, X.shape[1])
        np.testing.assert_array_equal(first[:3, :n], X[:, :n] - blocks.shift[:, None])
        assert np.all(first[3, :n] == 1)
        assert blocks.n_blocks == 1 and n < blocks.c and np.all(first[:, n:] == 0)


@pytest.mark.parametrize("fit", ["lloyd", "KMeans"])
def test_lloyd_and_kmeans_hand_their_buffers_on(fit, monkeypatch):
    import kmeans_ref._spare as spare_module

    X = np.random.default_rng(4).normal(size=(3, 2_000))
    monkeypatch.setattr(spare_module.spare, "_kept", None)
    if fit == "lloyd":
        ref.lloyd(X, X[:, :5], max_iter=3)
    else:
        ref.KMeans(5, init=X[:, :5].T, max_iter=3).fit(X.T)
    kept = spare_module.spare._kept
    assert kept is not None
    blocks = SquaredBlocks(X, 5)  # the next computation of that shape takes them
    assert blocks.blocks is kept[1] and spare_module.spare._kept is None
