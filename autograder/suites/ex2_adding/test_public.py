"""Exercise 2, public checks: adding_target, make_adding_data and AddingModel's shapes.

Students run these themselves:  python -m autograder check ex2_adding
Points, visibility and time limits are in course.yaml.
"""
import numpy as np

from autograder.grading.checking import close, expect_close, expect_shape, fail
from autograder.sandbox.failures import StudentFailure

N, T = 1000, 20


def data(student, n=N, seq_len=T, seed=0):
    got = student.call("data", n_samples=n, seq_len=seq_len, seed=seed)
    expect_shape(got["x"], (n, seq_len, 2), f"x from make_adding_data({n}, {seq_len})",
                 hint="x holds (n_samples, seq_len, 2): channel 0 the values, channel 1 the mask.")
    return got


def test_target_example(student):
    """The lesson's example: values [0.3, 0.1, 0.8, 0.2], mask [1, 0, 0, 1] -> 0.5."""
    got = student.call("target", values=[0.3, 0.1, 0.8, 0.2], mask=[1, 0, 0, 1])
    if np.size(got) != 1:
        fail(f"adding_target of one sequence should be a single number, got shape {np.shape(got)}")
    if not close(np.ravel(got)[0], 0.5, atol=1e-6):
        hint = " (that is the sum of all values: multiply by the mask first)" if close(np.ravel(got)[0], 1.4) else ""
        fail(f"adding_target([0.3, 0.1, 0.8, 0.2], [1, 0, 0, 1]) returned {np.ravel(got)[0]:.4f}, "
             f"expected 0.3 + 0.2 = 0.5{hint}")


def test_target_batch(student):
    """adding_target on a batch (N, T) returns the N masked sums."""
    rng = np.random.default_rng(0)
    values, mask = rng.random((6, 12)), (rng.random((6, 12)) < 0.3).astype(float)
    got = student.call("target", values=values, mask=mask)
    wrong = {"the sum of all values (the mask is not applied)": values.sum(1),
             "summed over the batch axis instead of the time axis": (values * mask).sum(0)}
    expect_close(got, (values * mask).sum(1), "adding_target(values (6, 12), mask (6, 12))", atol=1e-5,
                 explain=lambda a: [f"It looks like {k}." for k, v in wrong.items() if close(a, v, atol=1e-5)])


def test_data_shapes(student):
    """x is (N, T, 2) float32 and y is (N, 1) float32."""
    got = data(student)
    expect_shape(got["y"], (N, 1), f"y from make_adding_data({N}, {T})",
                 hint="Keep a trailing axis of size 1 (y.unsqueeze(1)), as the model outputs (N, 1).")
    for name in ("x", "y"):
        if got[f"{name}_dtype"] != "torch.float32":
            fail(f"{name} has dtype {got[f'{name}_dtype']}, expected torch.float32")
    # A smoke test of what the hidden check data_seeded judges (a note, no points here): the grader makes its
    # data with seeded generators, so data drawn outside `generator` differs from run to run.
    again = data(student)
    if not np.array_equal(again["x"], got["x"]):
        student.note("Smoke test of seeding (the hidden check data_seeded judges it): two calls of make_adding_data "
                     "with generators seeded alike gave different data. Draw every random number from "
                     "`generator` (torch.rand(..., generator=generator)).")


def test_data_marks(student):
    """The mask has exactly two ones per sequence, one in each half. Every defect found is named, with how
    many sequences have it."""
    mask = data(student)["x"][..., 1]
    odd = np.unique(mask[(mask != 0) & (mask != 1)])
    if odd.size:
        fail(f"the mask channel should hold only 0 and 1, but it holds {odd[:5]}")
    counts = mask.sum(1).astype(int)
    defects = []
    values, freq = np.unique(counts[counts != 2], return_counts=True)
    defects += [f"{f} of {N} sequences have {v} mark{'' if v == 1 else 's'} (each needs exactly 2)"
                for v, f in zip(values.tolist(), freq.tolist())]
    half = T // 2
    two = counts == 2
    first, second = mask[:, :half].sum(1), mask[:, half:].sum(1)
    both_first, both_second = int((two & (first == 2)).sum()), int((two & (second == 2)).sum())
    if both_first:
        defects.append(f"in {both_first} of {N} sequences both marks fell in the first half (positions "
                       f"0..{half - 1})")
    if both_second:
        defects.append(f"in {both_second} of {N} sequences both marks fell in the second half (positions "
                       f"{half}..{T - 1})")
    if defects:
        fail("; ".join(defects) + f". With T={T}, one mark must fall in positions 0..{half - 1} and the other in "
             f"{half}..{T - 1}.")


def test_data_values(student):
    """The values are uniform in [0, 1)."""
    values = data(student)["x"][..., 0]
    outside = (values < 0) | (values >= 1)
    if outside.any():
        fail(f"{int(outside.sum())} of {values.size} values lie outside [0, 1) "
             f"(smallest {values.min():.3f}, largest {values.max():.3f}); use torch.rand")
    # Over 20000 values the mean's standard error is 0.002 and the variance's about 0.0002.
    if abs(values.mean() - 0.5) > 0.02 or abs(values.var() - 1 / 12) > 0.008:
        fail(f"the values have mean {values.mean():.3f} and variance {values.var():.4f}; "
             f"uniform [0, 1) values have mean 0.5 and variance 1/12 = {1 / 12:.4f}")


def test_data_targets(student):
    """y is the sum of the two marked values, in every sequence whose mask has its two marks (the others are
    test_data_marks' to charge: two marks at one position, say, show as one)."""
    got = data(student)
    x, y = got["x"], np.ravel(got["y"])
    if np.shape(y) != (N,):
        fail(f"y from make_adding_data({N}, {T}) has {np.size(y)} values, expected one per sequence ({N})")
    two = x[..., 1].sum(1) == 2
    if not two.any():
        return  # no sequence to judge by: every mask is wrong, which test_data_marks says
    want = (x[..., 0] * x[..., 1]).sum(1)
    expect_close(y[two], want[two], "y", atol=1e-5,
                 context=f"compared with the sum of the marked values of x, in the {int(two.sum())} of {N} "
                         "sequences with two marks",
                 explain=lambda a: ["y is the sum of all values, not only the marked ones."]
                 if close(a, x[two][..., 0].sum(1), atol=1e-4) else [])


CELLS = ("rnn", "lstm", "gru")


def models(student, x) -> tuple[dict, dict]:
    """AddingModel(cell) run on ``x`` for each cell: what each cell that builds gave, and each failure. Where no
    cell builds (a stub, a file that does not import), that failure is raised as it is."""
    built, failed = {}, {}
    for cell in CELLS:
        try:
            built[cell] = student.call("model", cell=cell, x=x)
        except StudentFailure as failure:
            failed[cell] = failure
    if not built:
        raise next(iter(failed.values()))
    return built, failed


def test_model_shapes(student):
    """AddingModel(cell=...) maps (N, T, 2) to (N, 1), for rnn, lstm and gru: a cell that cannot be built has no
    shape to judge, so it fails here too, saying which (what a wrong kind of cell is, model_modules judges)."""
    built, failed = models(student, np.random.default_rng(1).random((4, 10, 2)))
    for cell, failure in failed.items():
        fail(f"AddingModel(cell={cell!r}) on x of shape (4, 10, 2) should return (4, 1), but it fails, so there is "
             f"no output to check: {failure.message}")
    for cell, got in built.items():
        expect_shape(got["output"], (4, 1), f"AddingModel(cell={cell!r}) on x of shape (4, 10, 2)",
                     hint="Apply the linear head to the last time step's output only.")
