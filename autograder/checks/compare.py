"""Output normalisation and comparison: exact types first, then values within a tolerance.

``as_array``/``as_scalar``/``as_bool`` turn what a function returned into a value we own
(float64 or int64 arrays, floats, bools) plus the type/shape problem, if any: lists,
ndarray subclasses and 1x1 arrays are coerced so their values can still be judged but
lose the type credit; objects that are not plain numbers or arrays are rejected outright,
so an object whose ``__eq__`` always answers True earns nothing. ``compare_arrays`` and
``compare_scalars`` judge values against the reference's with the stated tolerance.
"""

import math
import warnings

import numpy as np

__all__ = ["as_array", "as_scalar", "as_bool", "compare_arrays", "compare_scalars", "same_values", "fmt",
           "rtol_default", "atol_default"]

rtol_default = 1e-6   # relative tolerance for float results
atol_default = 1e-9   # absolute tolerance, times max(1, largest |expected|)

# ---------------------------------------------------------------------------------------
# Normalising outputs: exact types first
# ---------------------------------------------------------------------------------------
_INT_TYPES = (int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
_FLOAT_TYPES = (float, np.float16, np.float32, np.float64, np.longdouble)
_NUMBER_TYPES = frozenset(_INT_TYPES + _FLOAT_TYPES)
_BOOL_TYPES = frozenset((bool, np.bool_))


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def as_array(out, shape, kinds="biuf", *, what="array", int_only=False):
    """Normalise an array output: return (value or None, problem or None).

    ``value`` is a float64 (or int64 for ``int_only``) copy we own; ``problem`` is the
    type/shape message (the value may still be usable, e.g. a list of the right numbers).
    """
    problem = None
    tname = type(out).__name__
    if type(out) is np.ndarray:
        arr = out
    elif isinstance(out, np.ndarray):
        arr = np.asarray(out).view(np.ndarray)
        problem = f"returned a {tname} (a subclass of ndarray); return a plain NumPy array: np.asarray(...)"
    elif type(out) in (list, tuple):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arr = np.asarray(out)
        except Exception:
            return None, f"returned a {tname} that NumPy cannot turn into a rectangular array"
        if arr.dtype.kind == "O":
            return None, f"returned a {tname} of objects that are not plain numbers"
        problem = f"returned a Python {tname}; return a NumPy array of shape {_shape_text(shape)} (np.array(...))"
    elif out is None:
        return None, "returned None: is the `return` statement missing?"
    elif type(out) in _NUMBER_TYPES or type(out) in _BOOL_TYPES:
        return None, f"returned a single number; expected an {what} of shape {_shape_text(shape)}"
    else:
        return None, f"returned an object of type {tname}; expected a NumPy {what} of shape {_shape_text(shape)}"
    if arr.dtype.kind == "O":
        return None, "returned an array of Python objects (dtype object); it must hold plain numbers"
    if arr.dtype.kind not in "biuf":
        return None, f"returned an array of dtype {arr.dtype}; it must hold real numbers"
    if arr.shape != tuple(shape):
        if arr.ndim == len(shape) == 2 and arr.shape == tuple(shape)[::-1]:
            msg = (f"returned shape {_shape_text(arr.shape)}, the transpose of the expected "
                   f"{_shape_text(shape)}")
        else:
            msg = f"returned shape {_shape_text(arr.shape)}; expected {_shape_text(shape)}"
        return None, msg
    if arr.dtype.kind not in kinds:
        if int_only and arr.dtype.kind in "fb":
            value = np.array(arr, dtype=np.float64)
            if np.all(np.isfinite(value)) and np.all(value == np.round(value)):
                problem = problem or (f"returned {arr.dtype} values; they must be integers "
                                      f"(use .astype(int) or argmax, which gives integers)")
                return value.astype(np.int64), problem
            return value, problem or f"returned {arr.dtype} values; they must be integers"
        problem = problem or f"returned dtype {arr.dtype}; expected {_kinds_text(kinds)}"
    dtype = np.int64 if int_only else np.float64
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        value = np.array(arr, dtype=dtype)
    return value, problem


def _kinds_text(kinds):
    names = {"b": "booleans", "i": "integers", "u": "integers", "f": "floats"}
    return " or ".join(dict.fromkeys(names[k] for k in kinds))


def as_scalar(out, *, what="a single number"):
    """Normalise a scalar output (a loss): return (float or None, problem or None)."""
    t = type(out)
    if t in _NUMBER_TYPES:
        return float(out), None
    if t is np.ndarray and out.dtype.kind in "iuf":
        if out.shape == ():
            return float(out), None
        if out.size == 1:
            return float(out.reshape(())), (f"returned an array of shape {_shape_text(out.shape)}; "
                                            f"return {what} (float(...) or .item())")
        return None, (f"returned an array of shape {_shape_text(out.shape)}; expected {what} "
                      f"(sum over every axis)")
    if t in _BOOL_TYPES:
        return None, f"returned a boolean; expected {what}"
    if out is None:
        return None, "returned None: is the `return` statement missing?"
    if t in (list, tuple):
        return None, f"returned a {t.__name__} of length {len(out)}; expected {what}"
    return None, f"returned an object of type {t.__name__}; expected {what}"


def as_bool(out):
    """Normalise a boolean output: return (bool or None, problem or None)."""
    t = type(out)
    if t in _BOOL_TYPES:
        return bool(out), None
    if t is np.ndarray and out.shape == () and out.dtype.kind == "b":
        return bool(out), None
    if t in _NUMBER_TYPES and out in (0, 1):
        return bool(out), f"returned the number {out!r}; return True or False"
    if t is np.ndarray:
        return None, (f"returned an array of shape {_shape_text(out.shape)}; return a single True/False "
                      f"(combine element-wise tests with .all())")
    if out is None:
        return None, "returned None: is the `return` statement missing?"
    return None, f"returned an object of type {t.__name__}; expected True or False"


# ---------------------------------------------------------------------------------------
# Comparing values
# ---------------------------------------------------------------------------------------
def fmt(value, precision=4):
    """Compact text of a value for messages."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=precision, suppress=True, threshold=60, linewidth=88):
            return np.array2string(value, separator=", ")
    if isinstance(value, float):
        return f"{value:.{precision + 2}g}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(fmt(v, precision) for v in value[:12])
        more = ", ..." if len(value) > 12 else ""
        return f"[{inner}{more}]"
    return repr(value)


def _tol(expected, rtol, atol):
    finite = np.abs(expected[np.isfinite(expected)]) if expected.size else np.zeros(0)
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    return atol * scale + rtol * np.abs(expected)


def compare_arrays(got, expected, rtol=rtol_default, atol=atol_default, show=True):
    """(ok, detail): equal within ``|got - exp| <= atol * max(1, max|exp|) + rtol * |exp|``."""
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        return False, f"shape {_shape_text(got.shape)} instead of {_shape_text(expected.shape)}"
    with np.errstate(all="ignore"):
        bad = ~(np.abs(got - expected) <= _tol(expected, rtol, atol))
    if not bad.any():
        return True, ""
    n_bad = int(bad.sum())
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    nan = " (NaN)" if np.isnan(got).any() else ""
    if not show:
        return False, f"{n_bad} of {bad.size} entries differ{nan}"
    where = "[" + ", ".join(map(str, idx)) + "]" if idx else ""
    return False, (f"{n_bad} of {bad.size} entries differ{nan}; first at {where}: "
                   f"expected {expected[idx]:.6g}, got {got[idx]:.6g}")


def compare_scalars(got, expected, rtol=rtol_default, atol=atol_default, show=True):
    """(ok, detail) for two numbers, same tolerance as :func:`compare_arrays`."""
    tol = atol * max(1.0, abs(expected)) + rtol * abs(expected)
    if got is not None and math.isfinite(got) and abs(got - expected) <= tol:
        return True, ""
    if not show:
        return False, "the value differs"
    return False, f"expected {expected:.10g}, got {got:.10g}" if got is not None else "no number returned"


def same_values(a, b, rtol=1e-6, atol=1e-9):
    """Whether two normalised outputs are the same (NaNs equal): used to match mistakes."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_values(a[k], b[k], rtol, atol) for k in a)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return isinstance(a, (bool, np.bool_)) and isinstance(b, (bool, np.bool_)) and bool(a) == bool(b)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        scale = max(1.0, float(np.nanmax(np.abs(a))) if a.size and not np.isnan(a).all() else 1.0)
        close = np.abs(a - b) <= atol * scale + rtol * np.abs(b)
        both_nan = np.isnan(a) & np.isnan(b)
        same_inf = np.isinf(a) & (a == b)
    return bool(np.all(close | both_nan | same_inf))
