"""course.yaml and the grader suites must agree: one check, one test function, one place."""
import ast

import pytest

from autograder.grading.course import CourseError, load_course

from .conftest import KIT

COURSE = load_course()


def suite_functions(exercise):
    """{test function name: file stem} for every test_* function in the exercise's suite."""
    found = {}
    for path in sorted(exercise.suite_dir.glob("test_*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                assert node.name not in found, f"{node.name} is defined twice in {exercise.id}"
                found[node.name] = path.stem
    return found


@pytest.mark.parametrize("exercise", COURSE.exercises.values(), ids=lambda e: e.id)
def test_every_check_has_exactly_one_test_and_vice_versa(exercise):
    functions = suite_functions(exercise)
    declared = {c.test_function for c in exercise.checks.values()}
    assert sorted(declared - set(functions)) == [], "checks in course.yaml with no test in the suite"
    assert sorted(set(functions) - declared) == [], "tests in the suite missing from course.yaml"


@pytest.mark.parametrize("exercise", COURSE.exercises.values(), ids=lambda e: e.id)
def test_public_checks_live_in_the_public_file(exercise):
    """Only test_public.py ships to students, so visibility and file must match."""
    functions = suite_functions(exercise)
    for check in exercise.checks.values():
        assert functions[check.test_function] == f"test_{check.visibility}", check.name


@pytest.mark.parametrize("exercise", COURSE.exercises.values(), ids=lambda e: e.id)
def test_exercise_files_exist_in_solutions_and_exercises(exercise):
    for name in exercise.files:
        assert (KIT / "solutions" / exercise.id / name).is_file()
        assert (KIT / "exercises" / exercise.id / name).is_file()
    assert (exercise.suite_dir / "probes.py").is_file()
    assert exercise.max_score > 0 and all(c.points > 0 for c in exercise.checks.values())


def test_bad_course_files_give_clear_errors(tmp_path):
    path = tmp_path / "course.yaml"
    with pytest.raises(CourseError, match="no course file"):
        load_course(path)
    path.write_text("exercises: {ex: {title: t, files: [a.py], checks: {c: {points: 1, visibility: secret}}}}")
    with pytest.raises(CourseError, match="visibility must be public or hidden"):
        load_course(path)
    path.write_text("exercises: {ex: {title: t, files: [a.py], checks: {c: {visibility: public}}}}")
    with pytest.raises(CourseError, match="needs 'points'"):
        load_course(path)
    path.write_text("exercises: [unclosed")
    with pytest.raises(CourseError, match="not valid YAML"):
        load_course(path)
