"""Changing the course as commands (issue 40): scaffold an exercise that grades at once, drop one cleanly,
refuse to hand out folders course.yaml does not list, and say what is out of step."""
from __future__ import annotations

import shutil

import yaml

from .conftest import KIT, checks_by_name, grade, run_cli


def _kit(tmp_path):
    """A copy of the kit with everything its commands touch (course, solutions, stubs, suites, calibration)."""
    kit = tmp_path / "kit"
    for part in ("autograder", "solutions", "exercises", "calibration"):
        shutil.copytree(KIT / part, kit / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("course.yaml", "pyproject.toml"):
        shutil.copy(KIT / name, kit / name)
    return kit


def test_scaffold_writes_an_exercise_that_grades_and_drop_removes_it(tmp_path):
    kit = _kit(tmp_path)
    before = yaml.safe_load((kit / "course.yaml").read_text())
    made = run_cli("course", "scaffold", "ex7_new", "--title", "A new one", "--file", "new_one.py", cwd=kit, kit=kit)
    assert made.returncode == 0, made.stdout + made.stderr
    for path in ("solutions/ex7_new/new_one.py", "autograder/suites/ex7_new/__init__.py",
                 "autograder/suites/ex7_new/probes.py", "autograder/suites/ex7_new/oracle.py",
                 "autograder/suites/ex7_new/test_public.py", "autograder/suites/ex7_new/test_hidden.py",
                 "autograder/suites/ex7_new/zoo/zoo.yaml", "exercises/ex7_new/new_one.py",
                 "exercises/ex7_new/README.md"):
        assert (kit / path).is_file(), path
    course = kit / "course.yaml"
    raw = yaml.safe_load(course.read_text())
    assert raw["exercises"]["ex7_new"]["title"] == "A new one"
    checks = raw["exercises"]["ex7_new"]["checks"]
    full = grade(kit / "solutions", exercise="ex7_new", course=course, kit=kit)
    assert full["score"] == full["max_score"] == sum(c["points"] for c in checks.values()), full
    stub = checks_by_name(grade(kit / "exercises", exercise="ex7_new", course=course, kit=kit), "ex7_new")
    assert all(c["score"] == 0 and "not implemented yet" in c["output"] for c in stub.values()), stub
    clean = run_cli("course", "check", cwd=kit, kit=kit)
    assert "ex7_new" not in clean.stdout, clean.stdout          # its zoo has the minimum, its stub is fresh
    again = run_cli("course", "scaffold", "ex7_new", cwd=kit, kit=kit)
    assert again.returncode == 2 and "already has ex7_new" in again.stderr

    dropped = run_cli("course", "drop", "ex7_new", cwd=kit, kit=kit)
    assert dropped.returncode == 0, dropped.stderr
    assert yaml.safe_load(course.read_text()) == before              # exactly the course it was
    assert not any((kit / part / "ex7_new").exists() for part in ("solutions", "exercises", "autograder/suites"))


def test_a_dropped_exercise_is_gone_and_a_left_folder_is_refused_by_name(tmp_path):
    kit = _kit(tmp_path)
    ids = list(yaml.safe_load((kit / "course.yaml").read_text())["exercises"])
    gone = ids[-1]
    proc = run_cli("course", "drop", gone, cwd=kit, kit=kit)
    assert proc.returncode == 0, proc.stderr
    assert gone not in yaml.safe_load((kit / "course.yaml").read_text())["exercises"]
    assert not (kit / "calibration" / f"{gone}.json").exists()
    release = run_cli("release", "--out", tmp_path / "rel", cwd=kit, kit=kit)
    assert release.returncode == 0, release.stderr
    shipped = tmp_path / "rel" / "rnn-exercises"
    assert not list(shipped.rglob(f"*{gone}*")), "the dropped exercise shipped"

    (kit / "exercises" / "ex8_forgotten").mkdir()        # a folder left behind, or never added
    for command in (["release", "--out", tmp_path / "rel2"], ["gradescope", "--out", tmp_path / "gs"],
                    ["nbgrader", "--out", tmp_path / "nb"]):
        refused = run_cli(*command, cwd=kit, kit=kit)
        assert refused.returncode == 2 and "exercises/ex8_forgotten is not an exercise of course.yaml" in \
            refused.stderr, (command, refused.stderr)
        assert not command[-1].exists(), f"{command[0]} wrote {command[-1]} before refusing"
    check = run_cli("course", "check", cwd=kit, kit=kit)
    assert check.returncode == 1 and "exercises/ex8_forgotten is not an exercise" in check.stdout, check.stdout
