"""The lessons' questions (issue 43): multiple choice graded by the kit, written answers graded by a person.

Everything here reads the questions from course.yaml and the suites' questions.yaml: a course with other questions
(or points) passes as it is, and one without any skips what needs them. Grading asks only for the question checks,
which run no student code: every test is in the quick tier.
"""
import csv
import json
import os
import shutil

import nbformat
import pytest
import yaml

from autograder.grading.course import load_course
from autograder.grading.notebooks import answer_cell_ids, answers_from_cells
from autograder.grading.questions import (PLACEHOLDER, answers_text, chosen_letter, load_questions, question_checks,
                                          read_answers)
from autograder.publish.nbgrader_course import build_notebook

from .conftest import KIT, SOLUTIONS, checks_by_name, grade, run_cli

COURSE = load_course()
WITH_QUESTIONS = [e for e in COURSE.exercises.values() if question_checks(e)]
CHOICE = [(e, c) for e in WITH_QUESTIONS for c in question_checks(e, "choice")]
WRITTEN = [(e, c) for e in WITH_QUESTIONS for c in question_checks(e, "written")]
needs_questions = pytest.mark.skipif(not WITH_QUESTIONS, reason="this course has no lesson questions")


def question_args(exercises=WITH_QUESTIONS) -> dict:
    """conftest.grade's options that grade only the questions of ``exercises``."""
    names = [c.name for e in exercises for c in question_checks(e)]
    return {"checks": names, **({"exercise": exercises[0].id} if len(exercises) == 1 else {})}


def grade_questions(submission, exercises=WITH_QUESTIONS, **options) -> dict:
    result = grade(submission, **question_args(exercises), **options)
    if len(exercises) > 1:   # grade --check over every exercise: the ones without questions have none selected
        result["exercises"] = [e for e in result["exercises"] if e["tests"]]
    return result


def write_answers(root, exercise, text: str):
    path = root / exercise.folder / exercise.answers_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return root


def test_every_question_is_defined_once_and_fits_course_yaml():
    """course.yaml gives each question its points (hidden: the key never ships); questions.yaml its text and key;
    the generated answers.md of the stub and of the reference are up to date; the README lists the questions."""
    for exercise in COURSE.exercises.values():
        questions = load_questions(exercise)   # raises, naming the difference, where the two files disagree
        assert set(questions) == {c.name for c in question_checks(exercise)}
        for q in questions.values():
            assert exercise.checks[q.name].visibility == "hidden"
            if q.kind == "choice":
                assert q.answer in q.options and q.explanation and len(q.options) >= 2
        if questions:
            blank = (exercise.release_dir / exercise.answers_file).read_text()
            reference = (exercise.solution_dir / exercise.answers_file).read_text()
            assert blank.endswith(answers_text(exercise, questions))
            assert reference.endswith(answers_text(exercise, questions, reference=True))
            readme = (exercise.release_dir / "README.md").read_text()
            assert all(f"`{name}`" in readme for name in questions) and exercise.answers_file in readme


@needs_questions
def test_the_reference_answers_pass_and_the_written_ones_await_a_person():
    result = grade_questions(SOLUTIONS)
    for exercise in WITH_QUESTIONS:
        checks = checks_by_name(result, exercise.id)
        for c in question_checks(exercise):
            t = checks[c.name]
            assert (t["status"], t["score"]) == (("pending", 0) if c.by_person else ("passed", c.points)), t
            if c.by_person:   # the answer is carried for the person who marks it
                assert "awaiting a person" in t["output"] and load_questions(exercise)[c.name].model_answer[:60] \
                    in t["output"]
    written = sum(c.points for _, c in WRITTEN)
    assert result["score"] == result["max_score"] == sum(c.points for _, c in CHOICE)
    assert result.get("pending_points", 0) == written
    if written:
        total = result["max_score"] + written
        assert f"Total: {result['score']:g} / {total:g}, of which {written:g} to grade by hand" in result["_stdout"]


@needs_questions
def test_blank_answers_score_zero_and_a_wrong_choice_is_explained_by_the_lesson():
    result = grade_questions(KIT / "exercises")   # answers.md as released
    assert result["score"] == 0 and result["max_score"] == sum(c.points for e in WITH_QUESTIONS
                                                               for c in question_checks(e))
    for exercise in WITH_QUESTIONS:
        questions = load_questions(exercise)
        for name, t in checks_by_name(result, exercise.id).items():
            assert t["status"] == "failed" and "not answered" in t["output"], t
            if questions[name].kind == "choice":
                assert questions[name].explanation in t["output"]
                assert f"The answer is ({questions[name].answer})" in t["output"]


@pytest.mark.skipif(not CHOICE, reason="this course has no multiple-choice question")
def test_answers_are_read_however_a_student_writes_the_letter(tmp_path):
    """One wrong choice costs its own question only; the letter is read from "(B)", "b) because", "**b**"; a letter
    that is no option, or no letter, says what the options are; a file without the heading finds no answer."""
    exercise = CHOICE[0][0]
    choices = [load_questions(exercise)[c.name] for e, c in CHOICE if e is exercise]
    styles = ["({})", "{}) because the lesson says so", "**{}**", "{}"]
    wrong_one = choices[0]
    text = ""
    for i, q in enumerate(choices):
        letter = q.answer if q is not wrong_one else next(k for k in q.options if k != q.answer)
        text += f"## {q.name}\n\n**Your answer:**\n\n{styles[i % len(styles)].format(letter.upper() if i % 2 else letter)}\n\n"
    result = grade_questions(write_answers(tmp_path / "a", exercise, text), [exercise])
    checks = checks_by_name(result, exercise.id)
    lost = {n for n, t in checks.items() if t["score"] < t["max_score"]}
    assert lost == {wrong_one.name} | {c.name for e, c in WRITTEN if e is exercise}, checks
    assert "you chose" in checks[wrong_one.name]["output"] and wrong_one.explanation in checks[wrong_one.name]["output"]

    odd = f"## {choices[0].name}\n\nz, I think\n\n" + (f"## {choices[1].name}\n\nno idea\n" if len(choices) > 1 else "")
    checks = checks_by_name(grade_questions(write_answers(tmp_path / "b", exercise, odd), [exercise]), exercise.id)
    for q in choices[:2]:
        assert "does not start with one of the options' letters" in checks[q.name]["output"], checks[q.name]
    assert chosen_letter("  (c) because") == "c" and chosen_letter("because") is None


@needs_questions
def test_a_written_answer_without_its_heading_is_read_whole_and_a_missing_or_linked_file_scores_zero(tmp_path):
    """A person reads an answers file whose headings were lost (the grader cannot tell the answers apart); no
    file, or a link in its place (which the grader does not follow), has nothing to grade: 0, saying why."""
    exercise = WITH_QUESTIONS[0]
    sub = write_answers(tmp_path / "prose", exercise, "I think the RNN forgets because its gradient vanishes.\n")
    checks = checks_by_name(grade_questions(sub, [exercise]), exercise.id)
    for c in question_checks(exercise):
        t = checks[c.name]
        if c.by_person:
            assert t["status"] == "pending" and "whole file is read by hand" in t["output"] \
                and "gradient vanishes" in t["output"], t
        else:
            assert t["status"] == "failed" and "no answer was found" in t["output"], t
    secret = tmp_path / "secret.md"
    secret.write_text("".join(f"## {c.name}\n\n**Your answer:**\n\nb\n\n" for c in question_checks(exercise)))
    linked = tmp_path / "linked" / exercise.folder
    linked.mkdir(parents=True)
    os.symlink(secret, linked / exercise.answers_file)
    empty = tmp_path / "none" / exercise.folder
    empty.mkdir(parents=True)
    for folder, words in ((linked.parent, "which is a link"), (empty.parent, "was not")):
        checks = checks_by_name(grade_questions(folder, [exercise]), exercise.id)
        for c in question_checks(exercise):
            assert checks[c.name]["status"] == "failed" and words in checks[c.name]["output"], checks[c.name]


@needs_questions
def test_notebook_answers_are_read_from_their_cells_and_nbgraders_release_blanks_them(tmp_path):
    """The notebook's answer cells are the answers (read as text: a choice's code cell never runs); nbgrader's
    ClearSolutions, which generate_assignment applies, leaves every one blank."""
    from nbgrader.preprocessors import ClearSolutions

    exercise = WITH_QUESTIONS[0]
    nb = build_notebook(COURSE, exercise)   # the source notebook: the reference's answers
    sub = tmp_path / "source" / exercise.folder
    sub.mkdir(parents=True)
    nbformat.write(nb, sub / exercise.notebook)
    checks = checks_by_name(grade_questions(sub.parent, [exercise]), exercise.id)
    for c in question_checks(exercise):
        assert checks[c.name]["status"] == ("pending" if c.by_person else "passed"), checks[c.name]
    released, _ = ClearSolutions().preprocess(nb, {})
    answers = read_answers(answers_from_cells(released.cells, answer_cell_ids(exercise)))
    assert set(answers) == {c.name for c in question_checks(exercise)} and set(answers.values()) == {""}
    assert PLACEHOLDER in "".join(c.source for c in released.cells)


@pytest.fixture
def questions_course(tmp_path):
    """The course with only its lesson questions (a class graded in seconds: no student code runs)."""
    data = yaml.safe_load((KIT / "course.yaml").read_text())
    for ex_id in list(data["exercises"]):
        ex = data["exercises"][ex_id]
        ex["checks"] = {n: c for n, c in ex["checks"].items() if c.get("question")}
        ex.pop("steps", None)
        if not ex["checks"]:
            del data["exercises"][ex_id]
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _mark(path, marks: dict) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        if row["student"] in marks:
            row["points"], row["comment"] = marks[row["student"]]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.skipif(not WRITTEN, reason="this course has no written question")
def test_a_class_waits_for_marks_which_batch_folds_in_and_keeps_through_a_regrade(questions_course, tmp_path):
    """batch: the written points await a person (status to_grade_by_hand, held back from the LMS export); the marks
    files list every answer; marks entered are in the gradebook, the reports, the summary and the export, a mark out
    of range is refused in words, and a regrade keeps them all."""
    subs = tmp_path / "subs"
    for student in ("ana", "ben"):
        for exercise in WITH_QUESTIONS:
            (subs / student / exercise.folder).mkdir(parents=True)
            shutil.copy(SOLUTIONS / exercise.id / exercise.answers_file, subs / student / exercise.folder)
    (subs / "cy").mkdir()   # handed in nothing
    out = tmp_path / "out"
    course = load_course(questions_course)

    def batch(*extra):
        proc = run_cli("--course", questions_course, "batch", subs, "--out", out, "--quiet", "--no-similarity", *extra)
        assert proc.returncode == 0, proc.stderr
        with (out / "gradebook.csv").open() as f:
            return proc, {r["student"]: r for r in csv.DictReader(f)}

    choice, written = sum(c.points for _, c in CHOICE), sum(c.points for _, c in WRITTEN)
    proc, book = batch()
    assert book["ana"]["status"] == book["ben"]["status"] == "to_grade_by_hand"
    assert float(book["ana"]["total"]) == float(book["ana"]["max_score"]) == choice
    assert f"2 student(s) have written answers to grade by hand ({2 * written:g} points" in proc.stdout
    assert book["cy"]["status"] == "nothing_handed_in"
    summary = (out / "summary.html").read_text()
    assert f"2 of them have written answers awaiting a person ({2 * written:g} points" in summary
    assert f"of which {written:g} to grade by hand" in (out / "reports" / "ana.html").read_text()
    roster = tmp_path / "roster.csv"
    roster.write_text("student,id_number\nana,S1\nben,S2\ncy,S3\n")
    held = run_cli("export", out, "--moodle", "--roster", roster, "--out", tmp_path / "moodle.csv")
    assert held.returncode == 0, held.stderr
    with (tmp_path / "unmatched.csv").open() as f:
        assert {r["student"]: r["why"] for r in csv.DictReader(f)}["ana"].startswith("to_grade_by_hand")

    rubrics = (out / "marks" / "rubrics.md").read_text()
    for (exercise, check) in WRITTEN:
        path = out / "marks" / f"{exercise.id}.{check.name}.csv"
        rows = {r["student"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
        assert set(rows) >= {"ana", "ben"} and rows["ana"]["points"] == ""
        assert load_questions(exercise)[check.name].model_answer[:60] in rows["ana"]["answer"]
        assert load_questions(exercise)[check.name].rubric.splitlines()[0] in rubrics
        _mark(path, {"ana": (f"{check.points:g}", "Complete."), "ben": (f"{check.points + 1:g}", "")})
    proc, book = batch()
    assert "outside 0 to" in proc.stderr and "ben" in proc.stderr   # refused in words, the rest used
    assert book["ana"]["status"] == "graded" and float(book["ana"]["total"]) == choice + written
    assert book["ben"]["status"] == "to_grade_by_hand"
    report = (out / "reports" / "ana.html").read_text()
    assert "marked by a person" in report and "Complete." in report
    for (exercise, check) in WRITTEN:   # the answer stays beside its mark for the next person who reads it
        rows = {r["student"]: r for r in csv.DictReader((out / "marks" / f"{exercise.id}.{check.name}.csv").open())}
        assert rows["ana"]["points"] == f"{check.points:g}"
        assert load_questions(exercise)[check.name].model_answer[:60] in rows["ana"]["answer"]
    proc, book = batch("--regrade")
    assert float(book["ana"]["total"]) == choice + written and book["ana"]["status"] == "graded"
    exported = run_cli("export", out, "--moodle", "--roster", roster, "--out", tmp_path / "moodle.csv")
    assert exported.returncode == 0, exported.stderr
    with (tmp_path / "moodle.csv").open() as f:
        assert {r[0]: r[-1] for r in csv.reader(f)}["S1"] == f"{choice + written:g}"
    stored = json.loads((out / "results" / "ana.json").read_text())   # the mark is never in the grader's record
    assert "marked by a person" not in json.dumps(stored)


@needs_questions
def test_gradescope_scores_the_choices_and_names_the_written_questions(tmp_path):
    """results.json holds the auto-graded questions; the written ones are Gradescope's own manual questions: not a
    test worth 0, but named in its output and extra_data."""
    out = tmp_path / "results.json"
    names = question_args()["checks"]
    proc = run_cli("grade", SOLUTIONS, *[a for n in names for a in ("--check", n)], "--gradescope", out)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    tests = {t["name"].split(": ", 1)[1]: t for t in data["tests"]}
    assert set(tests) == {c.name for _, c in CHOICE}
    assert all(t["visibility"] == "after_published" for t in tests.values())   # the key shows after grading
    assert data["score"] == sum(c.points for _, c in CHOICE)
    for exercise, check in WRITTEN:
        assert f"{exercise.id}: {check.name} ({check.points:g} points)" in data["extra_data"]["manual_questions"]
        assert check.name in data["output"]
    zip_proc = run_cli("gradescope", "--out", tmp_path / "zip")
    assert zip_proc.returncode == 0, zip_proc.stderr
    for exercise, check in WRITTEN:
        assert f"{exercise.id}: {check.name} ({check.points:g} points)" in zip_proc.stdout


@pytest.mark.skipif(not CHOICE, reason="this course has no multiple-choice question")
def test_check_tells_a_student_what_is_answered_and_never_whether_it_is_right(tmp_path):
    """`check` counts the answered questions and says which choice does not start with an option's letter, read
    from the released blank answers.md (as in a student bundle); the right answer never shows."""
    exercise = CHOICE[0][0]
    questions = load_questions(exercise)
    choices = [q for q in questions.values() if q.kind == "choice"]
    work = tmp_path / "exercises"
    shutil.copytree(KIT / "exercises" / exercise.folder, work / exercise.folder)
    wrong = next(k for k in choices[0].options if k != choices[0].answer)
    text = f"## {choices[0].name}\n\n{wrong}\n\n" + (f"## {choices[1].name}\n\nbecause\n" if len(choices) > 1 else "")
    (work / exercise.folder / exercise.answers_file).write_text(text)
    proc = run_cli("check", exercise.id, "--dir", work, "--no-lesson")
    assert proc.returncode == 0, proc.stderr
    answered = 2 if len(choices) > 1 else 1
    assert f"{exercise.answers_file}: {answered} of {len(questions)} lesson questions answered" in proc.stdout
    if len(choices) > 1:
        assert f"not read as a letter: {choices[1].name}" in proc.stdout
    assert choices[0].explanation not in proc.stdout and "you chose" not in proc.stdout
