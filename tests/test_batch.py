"""Batch grading of a class, interrupt safety and reports."""
import csv
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile

import pytest
import yaml

from autograder.grading.course import load_course

from .conftest import KIT, SOLUTIONS, grade, run_cli

SOLUTION = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
STUB = (KIT / "exercises" / "ex1_myrnn" / "myrnn.py").read_text()
EX1_POINTS = load_course().exercises["ex1_myrnn"].max_score   # course.yaml's, whatever it says


def make_class(root, with_zips=True):
    """A class of ex1 submissions: correct, blank, partial, broken, hostile, zipped, corrupt."""
    files = {
        "ana": SOLUTION,
        "ben": STUB,
        "cleo": SOLUTION.replace("h = torch.tanh(torch.addmm(p_t, h, w_hh_t))",
                                 "h = torch.relu(torch.addmm(p_t, h, w_hh_t))"),
        "dan": "import torch\ndef rnn_cell(:\n",
        "eli": "import torch\nwhile True:\n    pass\n",
    }
    for student, text in files.items():
        (root / student / "ex1_myrnn").mkdir(parents=True)
        (root / student / "ex1_myrnn" / "myrnn.py").write_text(text)
    if with_zips:  # the whole range of hand-ins: also zips, nothing at all, a damaged notebook
        (root / "hal").mkdir()
        (root / "ivy" / "ex1_myrnn").mkdir(parents=True)
        (root / "ivy" / "ex1_myrnn" / "ex1_myrnn.ipynb").write_text('{"cells": [')
        with zipfile.ZipFile(root / "fay.zip", "w") as z:
            z.writestr("fay/ex1_myrnn/myrnn.py", SOLUTION)
        (root / "gus.zip").write_text("this is not a zip")
    return root


def gradebook(out):
    with open(out / "gradebook.csv") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def batch(submissions, out, course, *extra, timeout=600):
    proc = run_cli("--course", course, "batch", submissions, "--out", out, "--exercise", "ex1_myrnn", "--quiet",
                   *extra, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return gradebook(out)


@pytest.mark.xdist_group("batch")
def test_a_mixed_class_is_graded_into_gradebook_reports_and_summary(tmp_path, fast_course):
    subs, out = make_class(tmp_path / "subs"), tmp_path / "out"
    book = batch(subs, out, fast_course, "--jobs", "2")

    assert sorted(book) == ["ana", "ben", "cleo", "dan", "eli", "fay", "gus", "hal", "ivy"]
    totals = {s: float(r["total"]) for s, r in book.items()}
    assert totals["ana"] == totals["fay"] == EX1_POINTS          # a zip is graded like a folder
    assert totals["ben"] == totals["dan"] == totals["eli"] == totals["gus"] == totals["hal"] == totals["ivy"] == 0
    assert 0 < totals["cleo"] < EX1_POINTS                       # partial credit
    # One status vocabulary (README): a broken zip, a syntax error, a damaged notebook are graded 0s ...
    assert {book[s]["status"] for s in ("ana", "ben", "dan", "gus", "ivy")} == {"graded"}
    assert book["hal"]["status"] == "nothing_handed_in"
    assert "gus.zip is not a readable zip" in (out / "reports" / "gus.html").read_text()  # ... with their reason
    assert "is damaged" in (out / "reports" / "ivy.html").read_text()
    assert {r["max_score"] for r in book.values()} == {f"{EX1_POINTS:g}"}

    for student in book:
        data = json.loads((out / "results" / f"{student}.json").read_text())
        assert data["student"] == student and data["max_score"] == EX1_POINTS
        report = (out / "reports" / f"{student}.html").read_text()
        assert f"feedback for {student}" in report
        assert "def test_" not in report and "check_cases(" not in report  # never a hidden check's code
    eli = (out / "reports" / "eli.html").read_text()
    assert "importing myrnn.py did not finish" in eli
    cleo = (out / "reports" / "cleo.html").read_text()
    assert "ReLU is used instead of tanh" in cleo

    with open(out / "pass_rates.csv") as f:
        rates = {row["check"]: float(row["pass_rate"]) for row in csv.DictReader(f)}
    assert rates["rnn_cell_shape"] == pytest.approx(3 / 9, abs=1e-3)  # ana, cleo, fay
    assert (out / "histogram.png").read_bytes().startswith(b"\x89PNG")
    summary = (out / "summary.html").read_text()
    assert "Pass rate per check" in summary and f"of {EX1_POINTS:g}</p>" in summary  # the run's maximum
    for student in book:                                   # one row per student, linked to their report
        assert f"<a href='reports/{student}.html'>{student}</a>" in summary
    # The similarity report, beside the gradebook: the students who handed in the solution (cleo with one
    # line changed) are flagged pairs, the blank stub and the broken hand-ins are in none, and the summary
    # links to it.
    with open(out / "similarity.csv") as f:
        flagged = {(r["student_a"], r["student_b"]) for r in csv.DictReader(f) if r["flagged"] == "1"}
    assert flagged == {("ana", "fay"), ("ana", "cleo"), ("cleo", "fay")}
    assert "<a href='similarity.html'>" in summary
    # ... saying what it found, so that the reader knows whether to open it
    assert "3 flagged pair(s) among 9 students; ex1_myrnn: 3 flagged pair(s) in 1 cluster(s) (ana, cleo, fay)" \
        in summary
    similarity = (out / "similarity.html").read_text()
    assert "<a href='reports/ana.html'>ana</a>" in similarity and "gus.zip is not a readable zip" in similarity
    # Code the class was given is a known source on batch too: compared again (nothing regraded), the three who
    # handed in the given code each match it and are no pair.
    given = tmp_path / "given"
    given.mkdir()
    (given / "course_example.py").write_text(SOLUTION)
    proc = run_cli("--course", fast_course, "batch", subs, "--out", out, "--exercise", "ex1_myrnn", "--quiet",
                   "--reference", given)
    assert proc.returncode == 0, proc.stderr
    assert "similarity: no flagged pair among 9 students; ex1_myrnn: 3 match(es) with known sources" in proc.stdout
    with open(out / "similarity.csv") as f:
        rows = list(csv.DictReader(f))
    assert not [r for r in rows if r["kind"] == "pair" and r["flagged"] == "1"]
    assert {r["student_a"] for r in rows if r["kind"] == "source" and r["flagged"] == "1"} == {"ana", "cleo", "fay"}
    assert "no flagged pair among 9 students" in (out / "summary.html").read_text()
    assert run_cli("batch", subs, "--out", out, "--reference", tmp_path / "nowhere").returncode == 2
    # The mistakes the class shares: cleo's named mistake is a group of its own, with her report linked.
    assert "Mistakes the class shares" in summary and "<a href='reports/cleo.html'>cleo</a>" in summary
    with open(out / "mistakes.csv") as f:
        groups = list(csv.DictReader(f))
    cleo = [g for g in groups if g["student_names"] == "cleo"]
    assert len(cleo) == 1 and cleo[0]["mistake"] == "This matches a known mistake: ReLU is used instead of tanh."
    assert sum(int(g["students"]) for g in groups) == 7               # everyone who failed a check, once
    umask = os.umask(0)
    os.umask(umask)
    for path in [out / "summary.html", out / "gradebook.csv", out / "histogram.png", out / "mistakes.csv",
                 out / "similarity.csv", out / "similarity.html", *(out / "reports").iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path   # TAs can read what is served


@pytest.mark.xdist_group("batch")
def test_a_killed_run_resumes_without_regrading_or_duplicates(tmp_path, fast_course):
    subs, out = make_class(tmp_path / "subs", with_zips=False), tmp_path / "out"
    args = [sys.executable, "-m", "autograder", "--course", str(fast_course), "batch", str(subs), "--out", str(out),
            "--exercise", "ex1_myrnn", "--quiet", "--jobs", "1"]
    proc = subprocess.Popen(args, cwd=KIT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list((out / "results").glob("*.json"))) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole run, grading processes included, at once
    proc.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert 2 <= len(finished) < 5, "the run should have been killed part-way"

    book = batch(subs, out, fast_course)
    assert sorted(book) == ["ana", "ben", "cleo", "dan", "eli"]          # none lost, none twice
    for name, mtime in finished.items():
        assert (out / "results" / name).stat().st_mtime_ns == mtime, f"{name} was graded again"
    assert not list((out / "results").glob(".*")), "a half-written result was left behind"

    # --regrade grades again what has a result (one student is enough to see it, and quicker)
    one = tmp_path / "one"
    shutil.copytree(subs / "ana", one / "ana")
    before = (out / "results" / "ana.json").stat().st_mtime_ns
    batch(one, out, fast_course, "--regrade")
    assert (out / "results" / "ana.json").stat().st_mtime_ns != before


def test_a_link_in_a_zip_is_not_followed_and_is_refused_by_name(tmp_path):
    import stat
    import zipfile

    from autograder.grading.archives import unpack

    archive = tmp_path / "mallory.zip"
    with zipfile.ZipFile(archive, "w") as z:
        link = zipfile.ZipInfo("mallory/ex1_myrnn/myrnn.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, str(KIT / "solutions" / "ex1_myrnn" / "myrnn.py"))
        z.writestr("mallory/ex1_myrnn/notes.txt", "hello")
    folder = unpack(archive, tmp_path / "unpacked")
    staged = folder / "ex1_myrnn" / "myrnn.py"
    assert staged.is_symlink() and not staged.exists()  # a link to nowhere, never to the target it named
    assert (folder / "ex1_myrnn" / "notes.txt").read_text() == "hello"
    result = grade(folder, exercise="ex1_myrnn", checks=["rnn_cell_shape"])
    check = result["exercises"][0]["tests"][0]
    assert check["score"] == 0 and "symbolic link, which is not accepted" in check["output"], check


def _zip_with(tmp_path, name, members):
    archive = tmp_path / name
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            z.writestr(info, data)
    return archive


@pytest.mark.parametrize("case", ["understated_size", "over_the_cap", "device", "outside", "absolute"])
def test_a_hostile_zip_is_refused_with_its_reason_and_never_inflated(case, tmp_path, monkeypatch):
    """Zip bombs (sizes counted as they inflate, whatever the headers claim), devices, paths outside."""
    import stat
    import struct

    from autograder.grading import archives

    monkeypatch.setattr(archives, "MAX_ZIP_BYTES", 8 << 20)
    big = b"\0" * (40 << 20)
    if case in ("understated_size", "over_the_cap"):
        archive = _zip_with(tmp_path, "bomb.zip", [("bomb/ex1_myrnn/myrnn.py", big)])
        if case == "understated_size":  # both headers claim 1000 bytes: only inflating tells the truth
            data = archive.read_bytes().replace(struct.pack("<I", len(big)), struct.pack("<I", 1000))
            archive.write_bytes(data)
        says = "too large" if case == "over_the_cap" else "not a readable zip"
    elif case == "device":
        info = zipfile.ZipInfo("dev/ex1_myrnn/myrnn.py")
        info.external_attr = (stat.S_IFCHR | 0o666) << 16
        archive, says = _zip_with(tmp_path, "dev.zip", [(info, b"")]), "not a regular file"
    else:
        path = "../../escaped.py" if case == "outside" else "/tmp/kit-test-absolute.py"
        archive, says = _zip_with(tmp_path, "slip.zip", [(zipfile.ZipInfo(path), b"x = 1")]), ""
    into = tmp_path / "unpacked"
    into.mkdir()
    with pytest.raises(archives.SubmissionError) as refused:
        archives.unpack(archive, into)
    assert archive.name in str(refused.value) and says in str(refused.value)
    written = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file() and p != archive)
    assert written <= 8 << 20
    assert not (tmp_path / "escaped.py").exists() and not os.path.exists("/tmp/kit-test-absolute.py")


@pytest.mark.xdist_group("batch")
def test_a_stored_result_is_kept_only_while_it_matches_what_it_was_graded_from(tmp_path, fast_course):
    """Rerun with nothing changed, a changed submission, another exercise set, a changed course.yaml."""
    subs, out = tmp_path / "class", tmp_path / "out"
    for student, text in (("ana", SOLUTION), ("ben", STUB)):
        (subs / student / "ex1_myrnn").mkdir(parents=True)
        (subs / student / "ex1_myrnn" / "myrnn.py").write_text(text)
    course = tmp_path / "course.yaml"
    shutil.copy(fast_course, course)

    def run(*exercises):
        args = ["--course", course, "batch", subs, "--out", out, "--quiet", "--jobs", "2", "--no-similarity"]
        for e in exercises:
            args += ["--exercise", e]
        proc = run_cli(*args, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        mtimes = {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
        return proc.stdout, mtimes, gradebook(out)

    with zipfile.ZipFile(subs / "cai.zip", "w") as z:   # hashed from the folder grading unpacked it to
        z.writestr("cai/ex1_myrnn/myrnn.py", SOLUTION)
    said, first, _ = run("ex1_myrnn")
    assert "3 new" in said
    assert not (out / "similarity.html").exists() and "similarity" not in (out / "summary.html").read_text()
    said, again, _ = run("ex1_myrnn")
    assert "3 kept" in said and again == first                       # nothing changed: nothing graded
    (subs / "cai.zip").unlink()

    (subs / "ben" / "ex1_myrnn" / "myrnn.py").write_text(SOLUTION)
    said, after, book = run("ex1_myrnn")
    assert "1 regraded: ex1_myrnn changed; 1 kept" in said
    assert after["ana"] == first["ana"] and after["ben"] != first["ben"]
    assert float(book["ben"]["total"]) == EX1_POINTS                  # the new code's score, not the stale 0

    said, _, book = run("ex1_myrnn", "ex5_hidden_pca")
    assert "2 regraded: new exercise ex5_hidden_pca" in said
    assert len({row["max_score"] for row in book.values()}) == 1         # one maximum for every student
    assert float(book["ana"]["max_score"]) > EX1_POINTS
    assert all(row["ex5_hidden_pca"] != "" for row in book.values())   # the new column, filled for all

    def exercise_results(student):
        data = json.loads((out / "results" / f"{student}.json").read_text())
        return {e["id"]: e for e in data["exercises"]}

    # one file changed: that exercise alone is graded again, the other kept as it was
    before = exercise_results("ana")
    (subs / "ana" / "ex1_myrnn" / "myrnn.py").write_text(STUB)
    (subs / "ana" / "NOTES.md").write_text("no exercise reads this\n")
    said, _, book = run("ex1_myrnn", "ex5_hidden_pca")
    assert "1 regraded: ex1_myrnn changed; 1 kept" in said, said
    now = exercise_results("ana")
    assert now["ex5_hidden_pca"] == before["ex5_hidden_pca"] and now["ex1_myrnn"]["score"] == 0
    assert [e["id"] for e in json.loads((out / "results" / "ana.json").read_text())["exercises"]] == \
        ["ex1_myrnn", "ex5_hidden_pca"]                                 # in course order
    assert float(book["ana"]["total"]) == float(book["ana"]["ex5_hidden_pca"])
    (subs / "ana" / "NOTES.md").write_text("still nothing graded\n")   # outside every exercise's files
    said, _, _ = run("ex1_myrnn", "ex5_hidden_pca")
    assert "2 kept" in said and "regraded" not in said, said

    # course.yaml: a comment changes nothing; one exercise's entry regrades that exercise; settings, everything
    course.write_text(course.read_text() + "\n# a comment: still another course file\n")
    said, _, _ = run("ex1_myrnn", "ex5_hidden_pca")
    assert "2 kept" in said and "regraded" not in said, said
    data = yaml.safe_load(course.read_text())
    data["exercises"]["ex1_myrnn"]["checks"]["rnn_cell_shape"]["timeout"] = 7
    course.write_text(yaml.safe_dump(data, sort_keys=False))
    said, _, _ = run("ex1_myrnn", "ex5_hidden_pca")
    assert "2 regraded: ex1_myrnn changed" in said and exercise_results("ana")["ex5_hidden_pca"] == before["ex5_hidden_pca"]
    data["defaults"]["output_kb"] = 1024
    course.write_text(yaml.safe_dump(data, sort_keys=False))
    said, _, _ = run("ex1_myrnn", "ex5_hidden_pca")
    assert "2 regraded: the kit or course.yaml's settings changed" in said, said
    said, _, _ = run("ex1_myrnn")
    assert "2 regraded: fewer exercises asked for" in said, said
