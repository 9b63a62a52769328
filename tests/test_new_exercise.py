"""Adding an exercise, as docs/architecture.md tells it: five files written, the stub generated, and it grades.

A throwaway exercise (a leaky accumulator, h_t = decay * h_{t-1} + x_t) goes into a copy
of the kit with exactly the files the walkthrough names: its course.yaml section, its
solution, its suite (a public and a hidden check; the kit's built-in probe calls the
student's function, so it needs no probes.py), and its zoo. ``python -m autograder stubs``
derives the student's file. Then the kit's usual promises must hold for it, with no other
file touched: the solution gets full marks, the stub 0 with words, every zoo entry its
verdict, and the student release carries the public check only.
"""
from __future__ import annotations

import dataclasses
import shutil

from autograder.grading.course import load_course
from autograder.publish.authoring import read_zoo

from .conftest import KIT, checks_by_name, copy_kit, grade, run_cli
from .test_zoo import assert_verdict

EXERCISE = "ex9_leaky"

COURSE_SECTION = """
  ex9_leaky:
    title: "A leaky accumulator"
    files: [leaky.py]
    time_limit: 30
    checks:
      states:
        points: 1
        visibility: public
        summary: "h_t = decay h_(t-1) + x_t on a short sequence, from h_0 = 0"
      carries_state:
        points: 2
        visibility: hidden
        summary: "with decay 1 the states are the running sum"
"""

SOLUTION = '''"""A leaky accumulator: the simplest recurrence."""
import torch


def leaky_states(x, decay):
    """The states h_1 .. h_T of h_t = decay * h_(t-1) + x_t, from h_0 = 0, for x of shape (T,)."""
    ### BEGIN SOLUTION
    h, states = torch.zeros((), dtype=x.dtype), []
    for x_t in x:
        h = decay * h + x_t
        states.append(h)
    return torch.stack(states)
    ### END SOLUTION
'''

PUBLIC_SUITE = '''"""ex9_leaky, public checks (points and visibility: course.yaml)."""
from autograder.grading.checking import expect_close


def test_states(student):
    got = student.call("function", name="leaky_states", args=[[1.0, 2.0, 3.0], 0.5], tensors=True)
    expect_close(got, [1.0, 2.5, 4.25], "leaky_states([1, 2, 3], 0.5)")
'''

HIDDEN_SUITE = '''"""ex9_leaky, hidden checks."""
import numpy as np

from autograder.grading.checking import expect_close


def test_carries_state(student):
    x = np.arange(1.0, 7.0)
    got = student.call("function", name="leaky_states", args=[x, 1.0], tensors=True)
    expect_close(got, np.cumsum(x), "leaky_states(1..6, decay=1)", context="each state is the sum so far")
'''

ZOO = '''# ex9_leaky: implementations and their verdicts (docs/architecture.md, "The zoo").
numpy_loop:
  verdict: correct
  regions:
    leaky_states: |
      import numpy as np
      out = np.zeros(len(x))
      for t, x_t in enumerate(x.tolist()):
          out[t] = decay * (out[t - 1] if t else 0.0) + x_t
      return torch.from_numpy(out)
state_not_carried:
  verdict: wrong
  loses: [states, carries_state]
  says: wrong values
  replace: [["h = decay * h + x_t", "h = decay * x_t"]]
decay_on_the_input:
  verdict: wrong
  loses: [states]
  exactly: true
  replace: [["h = decay * h + x_t", "h = h + decay * x_t"]]
'''


def test_an_exercise_added_with_five_files_grades(tmp_path):
    kit = copy_kit(tmp_path / "kit")
    written = {
        kit / "course.yaml": (KIT / "course.yaml").read_text() + COURSE_SECTION,
        kit / "solutions" / EXERCISE / "leaky.py": SOLUTION,
        kit / "autograder" / "suites" / EXERCISE / "test_public.py": PUBLIC_SUITE,
        kit / "autograder" / "suites" / EXERCISE / "test_hidden.py": HIDDEN_SUITE,
        kit / "autograder" / "suites" / EXERCISE / "zoo" / "zoo.yaml": ZOO,
    }
    for path, text in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    before = {p for p in kit.rglob("*") if p.is_file()}

    proc = run_cli("stubs", "--exercise", EXERCISE, cwd=kit, kit=kit)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    generated = {p for p in kit.rglob("*") if p.is_file()} - before
    assert {p.relative_to(kit).as_posix() for p in generated} == {f"exercises/{EXERCISE}/leaky.py",
                                                                  f"exercises/{EXERCISE}/README.md"}
    assert "not implemented yet" in (kit / "exercises" / EXERCISE / "leaky.py").read_text()

    course = kit / "course.yaml"
    full = grade(kit / "solutions", exercise=EXERCISE, course=course, kit=kit)
    assert full["score"] == full["max_score"] == 3, full
    stub = checks_by_name(grade(kit / "exercises", exercise=EXERCISE, course=course, kit=kit), EXERCISE)
    assert {n: (c["score"], "not implemented yet" in c["output"]) for n, c in stub.items()} == \
        {"states": (0, True), "carries_state": (0, True)}, stub

    # The zoo's verdicts hold, through the same assertion as every bundled exercise's zoo.
    # (This process imported the real kit, whose default paths are its own: point them at the copy.)
    exercise = dataclasses.replace(load_course(course).exercises[EXERCISE],
                                   solution_dir=kit / "solutions" / EXERCISE,
                                   suite_dir=kit / "autograder" / "suites" / EXERCISE,
                                   release_dir=kit / "exercises" / EXERCISE)
    for i, entry in enumerate(read_zoo(exercise.zoo, exercise.checks)):
        assert_verdict(exercise, entry, tmp_path / f"zoo{i}", course=course, kit=kit)

    # The student release: the public check, not the hidden one or the zoo; and the stub, not the solution.
    shutil.copy(KIT / "pyproject.toml", kit / "pyproject.toml")  # copy_kit's copy is for grading only
    proc = run_cli("release", "--out", tmp_path / "rel", cwd=kit, kit=kit)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    suite = tmp_path / "rel" / "rnn-exercises" / "autograder" / "suites" / EXERCISE
    assert sorted(p.name for p in suite.iterdir()) == ["test_public.py"]
