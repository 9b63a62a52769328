"""What grader suites use to compare, in the grader's own process, and explain.

A check fails by raising ``CheckFailed`` with a message for the student. The
helpers here produce messages that say what was expected, what came back and
where the first difference is.
"""
from __future__ import annotations

import numpy as np


class CheckFailed(AssertionError):
    """The student's answer is wrong; the message says why, in words."""


def fail(message: str):
    raise CheckFailed(message)


def fmt(array, precision: int = 4, max_items: int = 12, start: int = 0) -> str:
    """``array`` in one line; a large one as ``max_items`` values from flat index ``start`` on."""
    a = np.asarray(array, dtype=float)
    if a.size > max_items:
        start = max(0, min(start, a.size - max_items))
        flat = ", ".join(f"{v:.{precision}f}" for v in a.ravel()[start:start + max_items])
        before = "…, " if start else ""
        after = ", …" if start + max_items < a.size else ""
        where = f"values from index {tuple(int(i) for i in np.unravel_index(start, a.shape))}, " if start else ""
        return f"[{before}{flat}{after}] ({where}shape {tuple(a.shape)})"
    return np.array2string(a, precision=precision, suppress_small=True, separator=", ").replace("\n", "")


def previews(actual, expected, atol: float = 1e-6, rtol: float = 1e-5, max_items: int = 12) -> list[str]:
    """The "expected" and "got" lines of a failed comparison, both around the first difference
    (the first values of a large array may well agree when a later one does not)."""
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    start = 0
    if a.shape == e.shape and a.size > max_items:
        bad = np.flatnonzero(~np.isclose(a, e, atol=atol, rtol=rtol))
        if bad.size:
            start = int(bad[0]) - 2 if bad[0] >= max_items else 0  # two agreeing values before it, for context
    return [f"  expected: {fmt(e, max_items=max_items, start=start)}",
            f"  got:      {fmt(a, max_items=max_items, start=start)}"]


def expect_shape(actual: np.ndarray, expected: tuple, what: str, hint: str = "") -> None:
    actual_shape = tuple(np.shape(actual))
    if actual_shape != tuple(expected):
        extra = f" {hint}" if hint else ""
        fail(f"{what} has shape {actual_shape}, expected {tuple(expected)}.{extra}")


def expect_finite(actual: np.ndarray, what: str) -> None:
    a = np.asarray(actual, dtype=float)
    if not np.all(np.isfinite(a)):
        bad = int(np.sum(~np.isfinite(a)))
        fail(f"{what} contains {bad} NaN or infinite value(s).")


def close(actual, expected, atol: float = 1e-6, rtol: float = 1e-5) -> bool:
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    return a.shape == e.shape and bool(np.all(np.isfinite(a))) and np.allclose(a, e, atol=atol, rtol=rtol)


def difference(actual, expected, atol: float = 1e-6, rtol: float = 1e-5) -> str:
    """Where and by how much two same-shaped arrays differ, in one line."""
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    bad = ~np.isclose(a, e, atol=atol, rtol=rtol)
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    err = np.nanmax(np.abs(a - e)) if np.all(np.isfinite(a)) else float("nan")
    return (f"{int(bad.sum())} of {a.size} values differ (largest difference {err:.3g}); "
            f"first at index {idx}: got {a[idx]:.6g}, expected {e[idx]:.6g}")


def expect_close(actual, expected, what: str, atol: float = 1e-6, rtol: float = 1e-5,
                 context: str = "", explain=None) -> None:
    """Fail unless ``actual`` matches ``expected`` in shape and value.

    ``explain(actual)`` may return extra sentences (e.g. the name of a known
    mistake the answer matches); it is only called when the check fails.
    """
    where = f" ({context})" if context else ""
    expect_shape(actual, np.shape(expected), what + where)
    expect_finite(actual, what + where)
    if not close(actual, expected, atol, rtol):
        msg = [f"{what}{where}: wrong values, {difference(actual, expected, atol, rtol)}.",
               *previews(actual, expected, atol, rtol)]
        if explain is not None:
            msg += [s for s in explain(actual) if s]
        fail("\n".join(msg))
