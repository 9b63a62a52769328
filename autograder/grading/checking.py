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


def fmt(array, precision: int = 4, max_items: int = 12) -> str:
    a = np.asarray(array, dtype=float)
    if a.size > max_items:
        flat = ", ".join(f"{v:.{precision}f}" for v in a.ravel()[:max_items])
        return f"[{flat}, …] (shape {tuple(a.shape)})"
    return np.array2string(a, precision=precision, suppress_small=True, separator=", ").replace("\n", "")


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
               f"  expected: {fmt(expected)}", f"  got:      {fmt(actual)}"]
        if explain is not None:
            msg += [s for s in explain(actual) if s]
        fail("\n".join(msg))
