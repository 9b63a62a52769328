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
    # the lesson questions have none: the grader reads them from the answers (questions.yaml; tests/test_questions.py)
    declared = {c.test_function for c in exercise.checks.values() if not c.question}
    assert sorted(declared - set(functions)) == [], "checks in course.yaml with no test in the suite"
    assert sorted(set(functions) - declared) == [], "tests in the suite missing from course.yaml"


@pytest.mark.parametrize("exercise", COURSE.exercises.values(), ids=lambda e: e.id)
def test_public_checks_live_in_the_public_file(exercise):
    """Only test_public.py ships to students, so visibility and file must match."""
    functions = suite_functions(exercise)
    for check in exercise.checks.values():
        if check.question:
            assert check.visibility == "hidden" and check.test_function not in functions, check.name
            continue
        assert functions[check.test_function] == f"test_{check.visibility}", check.name


@pytest.mark.parametrize("exercise", COURSE.exercises.values(), ids=lambda e: e.id)
def test_exercise_files_exist_in_solutions_and_exercises(exercise):
    for name in exercise.files:
        assert (exercise.solution_dir / name).is_file()
        assert (exercise.release_dir / name).is_file()
    assert exercise.suite_dir.is_dir() and exercise.zoo.is_file()
    assert exercise.max_score > 0 and all(c.points > 0 for c in exercise.checks.values())


def test_the_registry_defaults_to_the_kits_folders_and_follows_course_yamls_paths(tmp_path):
    """Where an exercise's parts live comes from the course model only: the kit's folders by default
    (a course file kept elsewhere still grades with the kit's suites), else course.yaml's `paths`."""
    ex1 = COURSE.exercises["ex1_myrnn"]
    assert (ex1.solution_dir, ex1.release_dir, ex1.suite_dir) == \
        (KIT / "solutions" / "ex1_myrnn", KIT / "exercises" / "ex1_myrnn", KIT / "autograder" / "suites" / "ex1_myrnn")
    assert (ex1.probes, ex1.zoo, ex1.notebook) == (ex1.suite_dir / "probes.py", ex1.suite_dir / "zoo" / "zoo.yaml",
                                                   "ex1_myrnn.ipynb")
    elsewhere = tmp_path / "elsewhere" / "course.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text((KIT / "course.yaml").read_text())
    assert load_course(elsewhere).exercises["ex1_myrnn"].suite_dir == ex1.suite_dir
    elsewhere.write_text("paths: {solutions: ../refs, suites: checks}\n" + (KIT / "course.yaml").read_text())
    moved = load_course(elsewhere).exercises["ex1_myrnn"]
    assert moved.solution_dir == (tmp_path / "refs").resolve() / "ex1_myrnn"
    assert moved.suite_dir == (tmp_path / "elsewhere" / "checks").resolve() / "ex1_myrnn"
    assert moved.release_dir == ex1.release_dir and moved.given_path("x") == ex1.release_dir / "x"


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
