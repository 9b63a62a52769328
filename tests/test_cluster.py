"""batch on a cluster's path: one submitit job per student (the local executor stands in for
Slurm), a job killed midway marked for regrading, and the next run grading only that student."""
import csv
import json
import subprocess
import sys
import time

import psutil
import pytest

from autograder.grading.course import load_course

from .conftest import KIT, SOLUTIONS

SOLUTION = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
STUB = (KIT / "exercises" / "ex1_myrnn" / "myrnn.py").read_text()
SLOW = "import time\ntime.sleep(120)\n" + SOLUTION   # still grading when the test kills its job
EX1_POINTS = load_course().exercises["ex1_myrnn"].max_score   # course.yaml's, whatever it says

pytest.importorskip("submitit")


def batch_command(subs, out, course):
    return [sys.executable, "-m", "autograder", "--course", str(course), "batch", str(subs), "--out", str(out),
            "--exercise", "ex1_myrnn", "--executor", "submitit-local", "--jobs", "3"]


def gradebook(out) -> dict[str, dict]:
    with open(out / "gradebook.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len({r["student"] for r in rows}), "a student has two rows"
    return {r["student"]: r for r in rows}


def kill_tree(pid: int) -> None:
    root = psutil.Process(pid)
    for proc in [*root.children(recursive=True), root]:
        try:
            proc.kill()
        except psutil.Error:
            pass


@pytest.mark.xdist_group("batch")
def test_submitit_jobs_grade_a_class_and_a_killed_job_is_regraded(tmp_path, fast_course):
    subs, out = tmp_path / "subs", tmp_path / "out"
    for student, text in {"ana": SOLUTION, "ben": STUB, "sam": SLOW}.items():
        (subs / student / "ex1_myrnn").mkdir(parents=True)
        (subs / student / "ex1_myrnn" / "myrnn.py").write_text(text)

    run = subprocess.Popen(batch_command(subs, out, fast_course), cwd=KIT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    index = out / "jobs" / "students.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "sam" not in (json.loads(index.read_text()) if index.exists() else {}):
        time.sleep(0.2)
    time.sleep(5)  # sam's job is importing torch or sleeping in the student's module: midway
    kill_tree(int(json.loads(index.read_text())["sam"]))
    stdout, stderr = run.communicate(timeout=600)
    assert run.returncode == 3, stderr                     # 3: some student is grader_error
    book = gradebook(out)
    assert float(book["ana"]["total"]) == EX1_POINTS and book["ana"]["status"] == "graded"
    assert float(book["ben"]["total"]) == 0 and book["ben"]["status"] == "graded"
    assert book["sam"]["status"] == "grader_error"
    sam = json.loads((out / "results" / "sam.json").read_text())
    assert all("ended without a result" in t["output"] for e in sam["exercises"] for t in e["tests"])

    # The next run grades sam again, and only sam (the others' results are kept as they are).
    (subs / "sam" / "ex1_myrnn" / "myrnn.py").write_text(SOLUTION)
    kept = {s: (out / "results" / f"{s}.json").stat().st_mtime_ns for s in ("ana", "ben")}
    again = subprocess.run(batch_command(subs, out, fast_course), cwd=KIT, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr
    assert "1 regraded: the grader failed last time; 2 kept" in again.stdout, again.stdout
    assert {s: (out / "results" / f"{s}.json").stat().st_mtime_ns for s in kept} == kept
    book = gradebook(out)
    assert sorted(book) == ["ana", "ben", "sam"]
    assert float(book["sam"]["total"]) == EX1_POINTS and book["sam"]["status"] == "graded"


def test_slurm_jobs_ask_for_the_course_resources_and_the_options_override_them(tmp_path, monkeypatch):
    """The sbatch script submitit would submit (a stand-in srun makes this machine look like a login node)."""
    from autograder.grading.course import load_course
    from autograder.commands.batch import job_minutes
    from autograder.commands.executors import ClusterOptions, _executor

    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "srun").write_text("#!/bin/sh\nexit 0\n")
    (fake / "srun").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
    course = load_course()
    options = ClusterOptions.from_course(course.cluster, partition="cpu", cpus=None)
    ex = _executor("slurm", tmp_path / "jobs", 7, options, job_minutes(course, None))
    script = ex._executor._make_submission_file_text("python -m grade", "uid")
    assert f"--cpus-per-task={course.cluster['cpus']}" in script
    assert f"--mem={course.cluster['memory_gb']}GB" in script and "--partition=cpu" in script
    assert f"--time={job_minutes(course, None)}" in script
    assert ex._executor.parameters["array_parallelism"] == 7


def test_slurm_off_a_cluster_says_so(tmp_path):
    """No srun on the PATH (this machine may have Slurm installed: the PATH is built without it)."""
    import shutil

    subs, bin_dir = tmp_path / "subs", tmp_path / "bin"
    (subs / "ana").mkdir(parents=True)
    bin_dir.mkdir()
    for tool in ("bwrap",):  # what grading would look for; no Slurm command
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    proc = subprocess.run([sys.executable, "-m", "autograder", "batch", str(subs), "--out", str(tmp_path / "out"),
                           "--executor", "slurm"], cwd=KIT, capture_output=True, text=True, timeout=120,
                          env={"PATH": str(bin_dir), "HOME": str(tmp_path)})
    assert proc.returncode != 0 and "login node" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
