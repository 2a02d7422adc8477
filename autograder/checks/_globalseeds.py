"""A context manager that pins NumPy's and Python's global generators while a check runs."""

import numpy as np

__all__ = ["GlobalSeeds"]


class GlobalSeeds:
    """Seeds NumPy's and Python's global generators for the duration of a check, then restores them.

    A student who (wrongly) uses ``np.random`` instead of ``rng`` then still gets a
    deterministic grade.
    """

    def __enter__(self):
        import random

        self.np_state = np.random.get_state()
        self.py_state = random.getstate()
        np.random.seed(20240601)
        random.seed(20240601)

    def __exit__(self, *exc):
        import random

        np.random.set_state(self.np_state)
        random.setstate(self.py_state)
        return False
