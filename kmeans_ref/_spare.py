"""Buffers handed from one blocked computation to the next of the same shape.

A fresh NumPy buffer costs the process a page fault for every 4 KB page it
first writes; on this project's 2-core machine each took 2.4 us (3 MB written
through a fresh mapping, median of 20). Short calls feel it most:
``kmeans_ref.lloyd`` at N = 10**4, d = 16, k = 8 allocated its blocks and
per-thread buffers afresh on every call, about 700 faults (1.7 ms) per
20-iteration run. :class:`~kmeans_ref._fused.SquaredBlocks` takes its buffers
from here and gives them back when its caller is done (``release``).
"""

import threading

__all__ = ["Spare", "spare"]


class Spare:
    """The buffers of the last released computation, for the next one with the same key.

    Only up to ``max_bytes`` is kept, one set at a time (large passes gain little: huge
    pages make their faults cheap), so memory held between calls stays bounded. A set
    handed out is no longer held here, so two threads never share one.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._kept = None  # (key, blocks, workspaces)

    def take(self, key):
        """(blocks, workspaces) kept under ``key``, or (None, {}); a set of another key stays kept."""
        with self._lock:
            kept = self._kept
            if kept is None or kept[0] != key:
                return None, {}
            self._kept = None
        return kept[1], kept[2]

    def give(self, key, blocks, workspaces):
        """Keep ``blocks`` (an array or None) and ``workspaces`` (objects with ``nbytes``) for the next :meth:`take` of ``key``, if small enough."""
        nbytes = (0 if blocks is None else blocks.nbytes) + sum(ws.nbytes for ws in workspaces.values())
        if nbytes <= self.max_bytes:
            with self._lock:
                self._kept = (key, blocks, workspaces)


spare = Spare(32 << 20)
