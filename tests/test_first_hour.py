"""A newcomer's first hour (issue 15): what a student or instructor sees when something is off.

Each test is one surprise a new user met, reproduced: the kit must now answer it in words.
"""
import json
import re
import tomllib

import pytest

from autograder.grading.course import load_course

from .conftest import KIT, SOLUTIONS, grade, run_cli, write_submission


def test_a_syntax_error_fails_at_once_showing_its_line_once(tmp_path):
    """No sandbox starts for a file that cannot load; the message names the line once and shows it."""
    source = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text().replace("def rnn_cell(x_t, h_prev, W_xh, W_hh, b):",
                                                                      "def rnn_cell(x_t, h_prev, W_xh, W_hh, b)", 1)
    sub = write_submission(tmp_path / "sub", "ex1_myrnn", {"myrnn.py": source})
    result = grade(sub, exercise="ex1_myrnn")
    tests = result["exercises"][0]["tests"]
    assert all(t["score"] == 0 and t["status"] == "error" for t in tests)
    message = tests[0]["output"]
    assert message.count("line ") == 1 and "expected ':'" in message, message
    assert "def rnn_cell(x_t, h_prev, W_xh, W_hh, b)" in message and "^" in message, message
    # Under the table, every failed check's full message, once per distinct reason.
    table = result["_stdout"]
    assert table.count("def rnn_cell(x_t, h_prev, W_xh, W_hh, b)") == 1, table
    assert "Why each check failed:" in table and "rnn_cell_shape, rnn_cell_values" in table


def test_a_long_single_line_message_is_shown_in_full_under_the_table(tmp_path):
    sub = tmp_path / "sub"
    (sub / "ex2_adding").mkdir(parents=True)   # the exercise folder, without its file
    result = grade(sub, exercise="ex2_adding", checks=["target_example"])
    message = result["exercises"][0]["tests"][0]["output"]
    assert message == "file not found: adding.py was not submitted. Submit it to get points for this exercise.", message
    assert message in result["_stdout"]   # the table clips it; the full text follows the table


def test_grade_on_a_class_folder_says_to_use_batch(tmp_path):
    for student in ("alice", "bob"):
        write_submission(tmp_path / "class" / student, "ex1_myrnn",
                         {"myrnn.py": (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()})
    proc = run_cli("grade", tmp_path / "class")
    assert proc.returncode == 2 and "looks like a class folder" in proc.stderr and "batch" in proc.stderr


def test_the_student_bundle_is_the_students(tmp_path):
    """check works from inside an exercise folder and says what hidden checks are worth; instructor
    commands are refused in words; the bundle's pyproject has no test extras or pytest options."""
    assert run_cli("release", "--out", tmp_path).returncode == 0
    bundle = tmp_path / "rnn-exercises"
    (bundle / "exercises" / "ex1_myrnn" / "myrnn.py").write_text((SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text())
    proc = run_cli("check", cwd=bundle / "exercises" / "ex1_myrnn", kit=bundle)
    assert proc.returncode == 0, proc.stderr
    ex1 = load_course().exercises["ex1_myrnn"]   # its points as course.yaml gives them
    public = sum(c.points for c in ex1.checks_with("public"))
    assert f"Total: {public:g} / {public:g}" in proc.stdout and "ex2_adding" not in proc.stdout, proc.stdout
    assert f"hidden checks worth {ex1.hidden_points:g} more points ({ex1.max_score:g} in all)" in proc.stdout, \
        proc.stdout
    proc = run_cli("check", "ex2_adding", cwd=bundle / "exercises", kit=bundle)
    assert proc.returncode == 0 and "ex2_adding" in proc.stdout, proc.stderr
    # what the README says of isolation is what check prints: nothing where every protection is on,
    # the protections that are off, first, where some are (AUTOGRADER_PORTABLE=1 turns them off)
    readme = (bundle / "README.md").read_text()
    assert "the first\nline `check` prints says which protections are off" in readme, readme
    assert "protections off" not in proc.stderr, proc.stderr
    proc = run_cli("check", cwd=bundle / "exercises" / "ex1_myrnn", kit=bundle, env_extra={"AUTOGRADER_PORTABLE": "1"})
    assert proc.returncode == 0 and proc.stderr.startswith("protections off on this machine:"), proc.stderr
    # the CPU-only wheel in one command, beside the default
    assert "    pip install -e .\n" in readme and \
        "    pip install -e . --extra-index-url https://download.pytorch.org/whl/cpu\n" in readme, readme
    # --help lists what the bundle runs, and no command it would refuse
    page = run_cli("--help", cwd=bundle, kit=bundle).stdout
    listed = set(re.findall(r"^ {2,4}([a-z]+) ", page, re.M))
    assert listed == {"check", "grade"}, page
    for command in ("stubs", "batch", "doctor", "release", "nbgrader", "gradescope", "similarity", "export"):
        args = {"batch": ["batch", "x", "--out", "y"], "release": ["release", "--out", "y"],
                "similarity": ["similarity", "x", "--out", "y"], "export": ["export", "x", "--canvas", "c", "--out", "y"],
                "nbgrader": ["nbgrader", "--out", "y"], "gradescope": ["gradescope", "--out", "y"]}.get(command, [command])
        proc = run_cli(*args, cwd=bundle, kit=bundle)
        assert proc.returncode == 2 and "is for instructors" in proc.stderr and "Traceback" not in proc.stderr, \
            (command, proc.stderr)
    project = tomllib.loads((bundle / "pyproject.toml").read_text())
    kit_project = tomllib.loads((KIT / "pyproject.toml").read_text())
    # The similarity report's packages stay with the instructor; the student gets everything else.
    instructor_only = ("copydetect", "pygments", "jinja2", "markupsafe")
    assert project["project"]["dependencies"] == [
        d for d in kit_project["project"]["dependencies"] if re.split(r"[=<>;\[ ]", d)[0].lower() not in instructor_only]
    assert len(project["project"]["dependencies"]) < len(kit_project["project"]["dependencies"])
    assert "optional-dependencies" not in project["project"] and "pytest" not in project.get("tool", {})


def test_a_damaged_notebook_message_reads_well(tmp_path):
    nb = tmp_path / "sub" / "ex1_myrnn"
    nb.mkdir(parents=True)
    (nb / "ex1_myrnn.ipynb").write_text('{"cells": ["a\tb"]}')  # a raw tab inside a JSON string
    result = grade(nb.parent, exercise="ex1_myrnn", checks=["rnn_cell_shape"])
    message = result["exercises"][0]["tests"][0]["output"]
    assert "not valid JSON (Invalid control character on line 1" in message and "at at" not in message, message
    json.dumps(result)


def test_batch_progress_in_a_log_is_one_line_per_student(tmp_path):
    """Not a terminal (a log, CI): one line per graded student, none twice, no bar redrawn."""
    write_submission(tmp_path / "class" / "ana", "ex1_myrnn", {"myrnn.py": (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()})
    (tmp_path / "class" / "ben").mkdir()
    proc = run_cli("batch", tmp_path / "class", "--out", tmp_path / "out", "--exercise", "ex1_myrnn", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("[")]
    full = f"{load_course().exercises['ex1_myrnn'].max_score:g}"
    assert sorted(lines) == [f"[1/2 graded] ana: {full} / {full} (graded)",
                             f"[2/2 graded] ben: 0 / {full} (nothing_handed_in)"] or \
        sorted(lines) == [f"[1/2 graded] ben: 0 / {full} (nothing_handed_in)",
                          f"[2/2 graded] ana: {full} / {full} (graded)"], proc.stderr
    assert "%|" not in proc.stderr
    # run again after ben hands in: one student graded, and the line counts that one, not the class
    (tmp_path / "class" / "ben" / "ex1_myrnn").mkdir()
    (tmp_path / "class" / "ben" / "ex1_myrnn" / "myrnn.py").write_text("")
    again = run_cli("batch", tmp_path / "class", "--out", tmp_path / "out", "--exercise", "ex1_myrnn")
    assert again.returncode == 0, again.stderr
    lines = [ln for ln in again.stderr.splitlines() if ln.startswith("[")]
    assert len(lines) == 1 and lines[0].startswith("[1/1 graded, 1 kept] ben: 0 / "), again.stderr


def test_help_says_what_to_run_from_where_what_is_written_and_the_exit_codes():
    from autograder.commands.help import HELP

    top = run_cli("--help")
    assert top.returncode == 0 and "Exit codes: 0" in top.stdout and "Students" in top.stdout
    for command in HELP:
        assert command in top.stdout
        page = run_cli(command, "--help")
        assert page.returncode == 0 and HELP[command][1].split("\n")[0] in page.stdout, command
    for command, needs in (("grade", ["--json FILE", "Exit codes", "class: use batch"]),
                           ("batch", ["gradebook.csv", "nothing_handed_in", "flagged", "Exit codes"]),
                           ("check", ["anywhere inside the bundle", "Exit codes"])):
        page = run_cli(command, "--help").stdout
        assert all(n in page for n in needs), (command, page)


def test_a_module_that_cannot_load_gets_the_same_verdict_fast(tmp_path):
    """The fast path (no pytest, no torch, no sandbox for a module that cannot load) gives every check the
    verdict the full run gives it: a syntax error, no file, a link, a damaged notebook, in every exercise."""
    import subprocess
    import sys

    from autograder.grading.course import load_course

    course = load_course()
    sub = tmp_path / "sub"
    for i, (ex_id, ex) in enumerate(course.exercises.items()):
        folder = sub / ex_id
        folder.mkdir(parents=True)
        case = ("syntax", "missing", "link", "notebook", "syntax")[i]
        if case == "syntax":
            (folder / ex.files[0]).write_text("import torch\ndef broken(:\n    pass\n")
        elif case == "link":
            (folder / ex.files[0]).symlink_to("/etc/hostname")
        elif case == "notebook":
            (folder / f"{ex_id}.ipynb").write_text('{"cells": [')
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from autograder.grading.engine import grade\n"
        "fast = grade(Path(sys.argv[1])).to_json()\n"
        "slow = grade(Path(sys.argv[1]), fail_fast=False).to_json()\n"
        "print(json.dumps([fast, slow]))\n")
    proc = subprocess.run([sys.executable, "-c", script, str(sub)], cwd=KIT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    fast, slow = json.loads(proc.stdout.strip().splitlines()[-1])
    for f, s in zip(fast["exercises"], slow["exercises"]):
        assert [(t["name"], t["status"], t["output"]) for t in f["tests"]] == \
            [(t["name"], t["status"], t["output"]) for t in s["tests"]], f["id"]
        code = [t for t in f["tests"] if not course.exercises[f["id"]].checks[t["name"]].question]   # not the answers
        assert all(t["score"] == 0 for t in f["tests"]) and len({t["output"] for t in code}) == 1, f["id"]
    messages = {e["id"]: e["tests"][0]["output"] for e in fast["exercises"]}
    assert "syntax error" in messages["ex1_myrnn"] and "symbolic link" in messages["ex3_names"], messages
    assert "not valid JSON" in messages["ex4_dates"] and "file not found" in messages["ex2_adding"].lower(), messages


def test_expected_and_got_previews_show_the_first_difference():
    """A large array's previews start just before its first differing value, not at its first values
    (matches_nn_rnn once showed two identical previews of the first 12 when (1, 0, 0) differed)."""
    import numpy as np

    from autograder.grading.checking import CheckFailed, expect_close

    want = np.arange(24.0).reshape(2, 3, 4) / 10
    got = want.copy()
    got[1, 0, 0] += 1
    with pytest.raises(CheckFailed) as failed:
        expect_close(got, want, "output")
    lines = str(failed.value).splitlines()
    expected, got_line = (next(ln for ln in lines if ln.strip().startswith(w)) for w in ("expected:", "got:"))
    assert "1.2000" in expected and "2.2000" in got_line and expected.split(":", 1)[1] != got_line.split(":", 1)[1]
    assert "values from index (0, 2, 2)" in expected and "first at index (1, 0, 0)" in lines[0], lines
    got = want.copy()
    got[0, 0, 1] += 1                     # a difference among the first values: previews from the start
    with pytest.raises(CheckFailed) as failed:
        expect_close(got, want, "output")
    assert "values from index" not in str(failed.value) and "[0.0000, 1.1000" in str(failed.value), str(failed.value)
