"""Implementations written the way students write them must get the verdict a careful reader gives.

Each exercise's zoo (autograder/suites/<id>/zoo/zoo.yaml, never shipped to
students) holds whole files adapted from textbooks, tutorials and the web, not
edits of the solution (a wrong one may be such a file with one edit, ``base`` +
``replace``): correct ones must keep full marks, wrong ones must lose
the checks their mistake belongs to (and, where ``exactly`` is set, only those:
one mistake costs its own check).
"""
from __future__ import annotations

import pytest
import yaml

from autograder.grading.course import load_course

from .conftest import KIT, checks_by_name, grade, write_submission

COURSE = load_course()
ZOOS = sorted((KIT / "autograder" / "suites").glob("*/zoo/zoo.yaml"))


def _entries():
    for manifest in ZOOS:
        exercise = manifest.parent.parent.name
        for name, spec in yaml.safe_load(manifest.read_text()).items():
            yield pytest.param(exercise, manifest.parent / name, spec, id=f"{exercise}/{name.removesuffix('.py')}")


def source_of(path, spec) -> str:
    """The entry's file; or its ``base`` file with each ``replace`` pair applied (each must occur once)."""
    from autograder.publish.authoring import mutate

    if "base" not in spec:
        return path.read_text()
    return mutate((path.parent / spec["base"]).read_text(), replace=[tuple(pair) for pair in spec["replace"]])


ENTRIES = list(_entries())


def test_every_exercise_has_a_real_style_zoo():
    """At least two correct and three wrong implementations per exercise, each with its file."""
    for exercise in COURSE.exercises:
        verdicts = [p.values[2]["verdict"] for p in ENTRIES if p.values[0] == exercise]
        assert verdicts.count("correct") >= 2 and verdicts.count("wrong") >= 3, exercise
    for p in ENTRIES:
        exercise, path, spec = p.values
        assert path.is_file() or (path.parent / spec.get("base", "")).is_file(), path
        assert source_of(path, spec) != (path.parent / spec.get("base", path.name)).read_text() or "base" not in spec
        assert spec["verdict"] in ("correct", "wrong") and spec.get("style"), path
        if spec["verdict"] == "wrong":
            assert set(spec["loses"]) <= set(COURSE.exercises[exercise].checks), path


@pytest.mark.parametrize("exercise, path, spec", ENTRIES)
def test_real_style_implementation_gets_its_verdict(exercise, path, spec, tmp_path):
    ex = COURSE.exercises[exercise]
    sub = write_submission(tmp_path / "submission", exercise, {ex.files[0]: source_of(path, spec)})
    if spec["verdict"] == "correct":
        result = grade(sub, exercise=exercise)
        lost = {t["name"]: t["output"] for e in result["exercises"] for t in e["tests"] if t["status"] != "passed"}
        assert lost == {}, f"{path.name} is correct ({spec['style']}) but lost:\n{lost}"
        assert result["score"] == ex.max_score
        return
    targets = list(spec["loses"])
    checks = checks_by_name(grade(sub, exercise=exercise, checks=[] if spec.get("exactly") else targets), exercise)
    for name in targets:
        assert checks[name]["score"] == 0, f"{path.name} ({spec['style']}) kept the points of {name}"
        assert checks[name]["output"].strip() and "internal error" not in checks[name]["output"], checks[name]
    assert spec.get("says", "") in checks[targets[0]]["output"], checks[targets[0]]["output"]
    if spec.get("exactly"):
        lost = sorted(n for n, c in checks.items() if c["status"] != "passed")
        assert lost == sorted(targets), {n: checks[n]["output"] for n in lost}


def test_a_signature_that_is_not_the_contracts_is_the_students_mistake(tmp_path):
    """Calling the student's predict with the contract's k=3, where their signature says n_predictions,
    is their mistake (a TypeError raised before any line of theirs runs), scored 0, never a grader error."""
    source = (KIT / "autograder" / "suites" / "ex3_names" / "zoo" / "pytorch_tutorial.py").read_text()
    source = source.replace("def predict(model, input_line, all_categories, k=3):",
                            "def predict(model, input_line, all_categories, n_predictions=3):")
    assert "n_predictions=3" in source
    sub = write_submission(tmp_path / "submission", "ex3_names", {"names.py": source})
    check = checks_by_name(grade(sub, exercise="ex3_names", checks=["predict"]), "ex3_names")["predict"]
    assert check["status"] == "error" and check["score"] == 0, check
    assert "unexpected keyword argument 'k'" in check["output"] and "signature" in check["output"], check["output"]
