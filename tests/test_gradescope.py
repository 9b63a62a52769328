"""Gradescope as shipped: the zip's layout, setup.sh in a fresh virtual environment (Python
found, CPU-only torch from a configurable index), run_autograder's results.json, and a grader
failure that never shows as a 0."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.grading.results import CheckResult, ExerciseResult, SubmissionResult

from autograder.grading.course import load_course

from .conftest import SOLUTIONS, run_cli, solution_region_bodies

EX1_POINTS = load_course().exercises["ex1_myrnn"].max_score   # course.yaml's, whatever it says


def unpack_like_gradescope(tmp_path: Path, *exercises: str) -> Path:
    """Build the zip (of ``exercises`` alone, where named) and lay it out as Gradescope does: the zip's
    contents in /autograder/source, run_autograder copied to /autograder, the student's files (flat)
    in /autograder/submission."""
    proc = run_cli("gradescope", "--out", tmp_path, *[a for e in exercises for a in ("--exercise", e)])
    assert proc.returncode == 0, proc.stderr
    root = tmp_path / "autograder"
    name = "autograder.zip" if not exercises else f"autograder-{'-'.join(exercises)}.zip"
    assert f"wrote {tmp_path / name}" in proc.stdout, proc.stdout
    with zipfile.ZipFile(tmp_path / name) as z:
        z.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)  # Gradescope keeps the zip's modes
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "submission" / "myrnn.py").write_text((SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text())
    return root


def run_autograder(root: Path, venv: Path) -> dict:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "KIT_VENV": str(venv)}
    run = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True,
                         timeout=600, cwd=root)
    assert run.returncode == 0, run.stderr
    return json.loads((root / "results" / "results.json").read_text())


def assert_graded_ex1_only(results: dict) -> None:
    """A valid results.json with a score for every check of the course: ex1 in full, the rest not handed in."""
    from autograder.grading.course import load_course

    course = load_course()
    # every check but the written questions, which are Gradescope's own manually graded questions
    expected = {f"{e.id}: {c}" for e in course.exercises.values() for c, check in e.checks.items() if not check.by_person}
    assert {t["name"] for t in results["tests"]} == expected
    assert all(isinstance(t["score"], (int, float)) and t["max_score"] > 0 for t in results["tests"])
    ex1 = [t for t in results["tests"] if t["name"].startswith("ex1_myrnn: ")]
    assert sum(t["score"] for t in ex1) == EX1_POINTS
    assert {t["visibility"] for t in ex1} == {"visible", "after_published"}
    others = [t for t in results["tests"] if not t["name"].startswith("ex1_myrnn: ")]
    questions = {f"{e.id}: {c.name}" for e in course.exercises.values() for c in e.checks.values() if c.question}
    assert all(t["score"] == 0 and ("was not handed in" if t["name"] in questions else "file not found") in t["output"]
               for t in others), [t for t in others if t["score"] or "not" not in t["output"]]
    assert results["score"] == EX1_POINTS


def test_zip_holds_the_kit_at_its_top_and_the_reference_only_in_solutions(tmp_path):
    run_cli("gradescope", "--out", tmp_path)
    with zipfile.ZipFile(tmp_path / "autograder.zip") as z:
        names = z.namelist()
        modes = {n: z.getinfo(n).external_attr >> 16 for n in ("setup.sh", "run_autograder")}
        setup = z.read("setup.sh").decode()
        texts = {n: z.read(n).decode("utf-8", "replace") for n in names if n.endswith(".py")}
    # Gradescope unpacks the zip into /autograder/source, which must be the kit's root
    assert {"setup.sh", "run_autograder", "pyproject.toml", "course.yaml", "autograder/commands/cli.py"} <= set(names)
    assert all(mode & 0o111 for mode in modes.values())
    assert not [n for n in names if n.startswith("tests/") or "/zoo/" in n]
    # solutions/ only as the reference the grader confirms its own failures on (grading/attribution.py):
    # nowhere else, and no other file of the zip holds a solution's code
    from autograder.grading.course import load_course
    solutions = {f"solutions/{p.relative_to(SOLUTIONS).as_posix()}" for e in load_course().exercises.values()
                 for p in e.solution_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert {n for n in names if n.startswith("solutions/")} == solutions
    elsewhere = "".join(z_text for n, z_text in texts.items() if not n.startswith("solutions/"))
    for where, body in solution_region_bodies():
        assert body not in elsewhere, f"the zip contains the solution of {where} outside solutions/"
    from autograder.publish.gradescope import torch_version
    assert f'TORCH="torch=={torch_version()}+cpu"' in setup and "@TORCH_VERSION@" not in setup
    assert 'EXERCISES=""' in setup and "@EXERCISES@" not in setup   # the whole course: doctor grades all of it


def test_run_autograder_grades_the_flat_upload(tmp_path):
    root = unpack_like_gradescope(tmp_path)
    assert_graded_ex1_only(run_autograder(root, Path(sys.executable).parent.parent))


def test_an_assignment_of_one_exercise_grades_and_totals_it_alone(tmp_path):
    """One Gradescope assignment per exercise (the weekly set-up): an ex1 hand-in scores 30/30 with
    ex1's checks only, not 30/88 beside four exercises' "file not found"."""
    root = unpack_like_gradescope(tmp_path, "ex1_myrnn")
    # the assignment's own suite and given files; not the other exercises' hidden checks, nor the instructor README
    from autograder.grading.course import load_course

    shipped = {p.relative_to(root / "source").as_posix() for p in (root / "source").rglob("*") if p.is_file()}
    assert any(n.startswith("autograder/suites/ex1_myrnn/") for n in shipped)
    for other in [e for e in load_course().exercises if e != "ex1_myrnn"]:
        assert not [n for n in shipped if n.startswith((f"autograder/suites/{other}/", f"exercises/{other}/"))], other
    assert "README.md" not in shipped
    results = run_autograder(root, Path(sys.executable).parent.parent)

    ex1 = load_course().exercises["ex1_myrnn"]
    assert {t["name"] for t in results["tests"]} == {f"ex1_myrnn: {c}" for c in ex1.checks}, results["tests"]
    assert results["score"] == EX1_POINTS == ex1.max_score
    assert sum(t["max_score"] for t in results["tests"]) == EX1_POINTS
    proc = run_cli("gradescope", "--out", tmp_path / "x", "--exercise", "ex9_nothing")
    assert proc.returncode == 2 and "unknown exercise ex9_nothing" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("breakage", ["no_environment", "kit_crashes"])
def test_a_grader_that_cannot_grade_never_shows_a_zero(tmp_path, breakage):
    root = unpack_like_gradescope(tmp_path)
    venv = Path(sys.executable).parent.parent
    if breakage == "no_environment":   # setup.sh never ran, or its environment is gone
        venv = tmp_path / "missing-venv"
    else:                              # the kit itself fails before any student code runs
        (root / "source" / "autograder" / "grading" / "engine.py").write_text("raise ImportError('a broken grader')\n")
    results = run_autograder(root, venv)
    assert results["extra_data"]["grader_error"] is True
    # While any test is unpublished Gradescope hides the total from the student (its spec,
    # "Controlling Test Case Visibility"): the 0 is never shown as a score.
    assert results["visibility"] == "after_published"
    assert all(t["visibility"] == "after_published" for t in results["tests"])
    assert "not because of your code" in results["output"]


def test_checks_the_grader_failed_on_hide_the_total_and_say_so():
    result = SubmissionResult("s", [ExerciseResult("ex1_myrnn", "MyRNN", [
        CheckResult("rnn_cell_shape", 2.0, 2.0, "passed", "", "public"),
        CheckResult("matches_nn_rnn", 0.0, 4.0, "grader_error", "the probe was missing", "public"),
    ])])
    out = result.to_gradescope()
    by_name = {t["name"]: t for t in out["tests"]}
    assert by_name["ex1_myrnn: rnn_cell_shape"]["visibility"] == "visible"
    failed = by_name["ex1_myrnn: matches_nn_rnn"]
    assert failed["visibility"] == "after_published" and failed["extra_data"] == {"grader_error": True}
    assert out["extra_data"]["grader_errors"] == ["ex1_myrnn: matches_nn_rnn"]
    assert "not because of your code" in out["output"]


def local_torch_index(tmp_path: Path) -> str | None:
    """A one-package index (PEP 503) holding this machine's CPU torch wheel, standing in for
    PyTorch's CPU index (which CI cannot reach); KIT_TEST_TORCH_INDEX names another."""
    if os.environ.get("KIT_TEST_TORCH_INDEX"):
        return os.environ["KIT_TEST_TORCH_INDEX"]
    from autograder.publish.gradescope import torch_version

    links = os.environ.get("PIP_FIND_LINKS", "").split() + ["/opt/wheels"]
    wheels = [w for d in links if Path(d).is_dir() for w in Path(d).glob(f"torch-{torch_version()}+cpu-*.whl")]
    if not wheels:
        return None
    (tmp_path / "index" / "torch").mkdir(parents=True)
    (tmp_path / "index" / "torch" / "index.html").write_text(
        "".join(f'<a href="{w.resolve().as_uri()}">{w.name}</a>\n' for w in wheels))
    return (tmp_path / "index").as_uri()


@pytest.mark.xdist_group("gradescope_setup")
def test_setup_sh_in_a_fresh_environment_then_run_autograder(tmp_path):
    index = local_torch_index(tmp_path)
    if index is None:
        pytest.skip("no CPU torch wheel on this machine's disk; set KIT_TEST_TORCH_INDEX to an index with one")
    root = unpack_like_gradescope(tmp_path, "ex1_myrnn")   # one assignment per exercise, the weekly set-up
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(AUTOGRADER_ROOT=str(root), KIT_TORCH_INDEX=index)
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                           timeout=900, cwd=root)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    venv = root / "kit-venv"
    assert f"Looking in indexes: {index}" in setup.stdout   # torch came from the index it was given
    probe = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import torch, autograder; print(torch.__version__, torch.version.cuda, autograder.__file__)"],
                           capture_output=True, text=True, env=env, cwd=root / "submission")
    version, cuda, where = probe.stdout.split()
    assert version.endswith("+cpu") and cuda == "None", probe.stdout
    assert Path(where).is_relative_to(root / "source"), where   # the kit from the zip, not this checkout
    # doctor graded this assignment's reference and stub in the new environment, and found nothing wrong
    # (no other exercise's reference, which the zip does not hold; no zoo, which no zip holds)
    from autograder.grading.course import load_course

    ex1 = load_course().exercises["ex1_myrnn"]
    assert f"reference: {EX1_POINTS:g} / {EX1_POINTS:g}" in setup.stdout and "blank stubs: 0 /" in setup.stdout, \
        setup.stdout[-3000:]
    assert "doctor reported problems" not in setup.stdout and "WARNING" not in setup.stdout, setup.stdout[-3000:]
    results = run_autograder(root, venv)
    assert {t["name"] for t in results["tests"]} == {f"ex1_myrnn: {c}" for c in ex1.checks}, results["tests"]
    assert results["score"] == EX1_POINTS == ex1.max_score
