"""batch through a real Slurm (issue 30, part 1): a one-node cluster started by the fixture
(scripts/slurm_cluster.py: munge, slurmctld, slurmd from Debian), graded as one job array.

Where the cluster cannot be started (not root, no apt-get, not Linux, a daemon that will not
come up) every test here is skipped with the reason; nothing passes without a cluster.
"""
import csv
import json
import os
import re
import subprocess
import sys
import time
import zipfile

import pytest

from autograder.grading.course import load_course
from .conftest import KIT, SOLUTIONS

EX1_POINTS = load_course().exercises["ex1_myrnn"].max_score   # course.yaml's
from .test_notebooks import write_notebook

sys.path.insert(0, str(KIT / "scripts"))
import slurm_cluster  # noqa: E402

pytest.importorskip("submitit")

SOLUTION = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
STUB = (KIT / "exercises" / "ex1_myrnn" / "myrnn.py").read_text()
SLOW = "import time\ntime.sleep(240)\n" + SOLUTION   # still grading when it is cancelled or runs out of time
pytestmark = [pytest.mark.xdist_group("slurm")]        # one cluster, its tests one after another


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slurm")
    try:
        slurm_cluster.up(folder)
    except slurm_cluster.ClusterUnavailable as exc:
        pytest.skip(f"no Slurm test cluster here: {exc}")
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"no Slurm test cluster here: {exc}")
    yield folder
    slurm_cluster.down(folder)


def batch(subs, out, course, cluster, *extra, wait=True):
    cmd = [sys.executable, "-m", "autograder", "--course", str(course), "batch", str(subs), "--out", str(out),
           "--exercise", "ex1_myrnn", "--executor", "slurm", "--jobs", "4", "--no-similarity", "--quiet", *extra]
    if not wait:
        return subprocess.Popen(cmd, cwd=KIT, env=slurm_cluster.env(cluster), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=KIT, env=slurm_cluster.env(cluster), capture_output=True, text=True, timeout=900)


def local_batch(subs, out, course):
    return subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "batch", str(subs), "--out",
                           str(out), "--exercise", "ex1_myrnn", "--jobs", "2", "--no-similarity", "--quiet"],
                          cwd=KIT, capture_output=True, text=True, timeout=900)


def gradebook(out) -> dict[str, dict]:
    with open(out / "gradebook.csv") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def jobcomp(cluster) -> list[dict[str, str]]:
    """Slurm's own record of finished jobs (jobcomp/filetxt): one line per job, KEY=VALUE."""
    path = cluster / "jobcomp.log"
    return [dict(re.findall(r"(\w+)=(\S*)", line)) for line in path.read_text().splitlines()] if path.exists() else []


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"waited {timeout} s for {what}")


def job_ids(out) -> dict[str, str]:
    index = out / "jobs" / "students.json"
    return json.loads(index.read_text()) if index.exists() else {}


def small_class(root):
    """A correct student, a blank one, a broken zip, a notebook."""
    for student, text in {"ana": SOLUTION, "ben": STUB}.items():
        (root / student / "ex1_myrnn").mkdir(parents=True)
        (root / student / "ex1_myrnn" / "myrnn.py").write_text(text)
    (root / "gus.zip").write_text("this is not a zip")
    write_notebook(root / "nia", "ex1_myrnn", {"myrnn.py": SOLUTION})
    return root


def test_a_class_through_slurm_is_one_job_array_with_the_local_gradebook(cluster, tmp_path, fast_course):
    subs = small_class(tmp_path / "subs")
    out, local = tmp_path / "out", tmp_path / "local"
    before = len(jobcomp(cluster))
    proc = batch(subs, out, fast_course, cluster, "--cpus", "1", "--memory-gb", "3", "--time-min", "9")
    assert proc.returncode == 0, proc.stderr
    here = local_batch(subs, local, fast_course)
    assert here.returncode == 0, here.stderr
    slurm_book, local_book = gradebook(out), gradebook(local)
    assert slurm_book == local_book, (slurm_book, local_book)
    assert float(slurm_book["ana"]["total"]) == float(slurm_book["nia"]["total"]) == EX1_POINTS
    assert float(slurm_book["ben"]["total"]) == 0 and float(slurm_book["gus"]["total"]) == 0

    # Slurm's own record: one job per student, all tasks of one array, with the resources asked for.
    ids = job_ids(out)
    assert sorted(ids) == ["ana", "ben", "gus", "nia"]
    assert len({i.split("_")[0] for i in ids.values()}) == 1 and all("_" in i for i in ids.values()), ids
    # The console: the array's id, once, for README's scontrol line; nothing of sacct's failures on a cluster
    # without accounting (the kit watches squeue), where submitit's own polling repeats them every few seconds.
    array = next(iter(ids.values())).split("_")[0]
    assert proc.stderr.count(f"as Slurm job array {array} (scontrol show job {array};") == 1, proc.stderr
    console = proc.stdout + proc.stderr
    assert "accounting storage is disabled" not in console and "status may be inaccurate" not in console, console
    records = wait_for(lambda: (lambda r: r if len(r) >= 4 else None)(jobcomp(cluster)[before:]), 30,
                       "Slurm's record of the four jobs")
    assert len(records) == 4, records
    for record in records:
        assert record["Name"] == "autograder" and record["JobState"] == "COMPLETED", record
        assert record["ProcCnt"] == "1" and "mem=3G" in record["Tres"] and record["TimeLimit"] == "9", record


def test_the_course_resources_are_what_slurm_is_asked_for(cluster, tmp_path, fast_course):
    """No options: course.yaml's cluster section (cpus, memory_gb) and the course's worst-case time."""
    import yaml

    from autograder.commands.batch import job_minutes
    from autograder.grading.course import load_course

    data = yaml.safe_load(fast_course.read_text())
    data["cluster"] = {"cpus": 2, "memory_gb": 2, "partition": slurm_cluster.PARTITION}
    course = tmp_path / "course.yaml"
    course.write_text(yaml.safe_dump(data, sort_keys=False))
    subs = tmp_path / "subs"
    (subs / "ben" / "ex1_myrnn").mkdir(parents=True)
    (subs / "ben" / "ex1_myrnn" / "myrnn.py").write_text(STUB)
    proc = batch(subs, tmp_path / "out", course, cluster, wait=False)
    job = wait_for(lambda: job_ids(tmp_path / "out").get("ben"), 60, "ben's job")
    shown = subprocess.run(["scontrol", "show", "job", job], env=slurm_cluster.env(cluster), capture_output=True,
                           text=True).stdout
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    minutes = job_minutes(load_course(course), ["ex1_myrnn"])
    assert "NumCPUs=2" in shown and "mem=2G" in shown.replace("2048M", "2G"), shown
    assert f"TimeLimit={minutes // 60:02d}:{minutes % 60:02d}:00" in shown, shown
    assert f"Partition={slurm_cluster.PARTITION}" in shown, shown


def test_a_cancelled_job_and_a_timed_out_one_are_regraded_alone(cluster, tmp_path):
    """scancel mid-grading, and a job Slurm ends at its time limit: both grader_error; the next run
    grades those and nobody else. The kit's own course: its wall-time backstops are longer than
    Slurm's minute, so Slurm's limit is the one that stops the sleeping students."""
    subs, out, course = tmp_path / "subs", tmp_path / "out", KIT / "course.yaml"
    for student, text in {"ana": SOLUTION, "sam": SLOW, "tim": SLOW, "una": SLOW}.items():
        (subs / student / "ex1_myrnn").mkdir(parents=True)
        (subs / student / "ex1_myrnn" / "myrnn.py").write_text(text)
    # A minute is Slurm's smallest time limit; tim will need four. sam is cancelled first.
    run = batch(subs, out, course, cluster, "--cpus", "1", "--memory-gb", "2", "--time-min", "1", wait=False)
    ids = wait_for(lambda: (lambda i: i if "una" in i else None)(job_ids(out)), 60, "the jobs")

    def running(student):
        return "RUNNING" in subprocess.run(["squeue", "-h", "-j", ids[student], "-o", "%T"], capture_output=True,
                                           env=slurm_cluster.env(cluster), text=True).stdout

    # The node has this machine's CPUs (two here): ana and sam start first, tim and una as they end.
    wait_for(lambda: running("sam"), 60, "sam's job to start")
    time.sleep(3)   # midway: importing torch or sleeping in the student's module
    subprocess.run(["scancel", ids["sam"]], env=slurm_cluster.env(cluster), check=True)
    wait_for(lambda: running("una"), 120, "una's job to start")
    time.sleep(3)
    # una's job step (submitit's srun: the job's Python and the grading under it) is killed outright,
    # as the OOM killer or a lost node would: nothing of it is left to write a result, and without
    # accounting sacct cannot say it ended; squeue can. (scancel of the job would send SIGTERM first.)
    subprocess.run(["scancel", "--signal=KILL", f"{ids['una']}.0"], env=slurm_cluster.env(cluster), check=True)
    stdout, stderr = run.communicate(timeout=600)
    assert run.returncode == 3, stderr                       # 3: some student is grader_error
    book = gradebook(out)
    assert book["ana"]["status"] == "graded" and float(book["ana"]["total"]) == EX1_POINTS
    assert book["sam"]["status"] == book["tim"]["status"] == book["una"]["status"] == "grader_error", book
    why = {s: json.loads((out / "results" / f"{s}.json").read_text())["exercises"][0]["tests"][0]["output"]
           for s in ("sam", "tim", "una")}
    assert "ended without a result (Slurm: " in why["una"], why
    # scancel: SIGTERM to every process of the job; the grading process stops, its job records why.
    assert "stopped by SIGTERM" in why["sam"] and "its job reached its time limit (Slurm: TIMEOUT" in why["tim"], why
    assert "Traceback" not in stderr, stderr
    assert "accounting storage is disabled" not in stdout + stderr and "inaccurate" not in stdout + stderr, stderr

    for student in ("sam", "tim", "una"):
        (subs / student / "ex1_myrnn" / "myrnn.py").write_text(SOLUTION)
    kept = (out / "results" / "ana.json").stat().st_mtime_ns
    again = batch(subs, out, course, cluster, "--cpus", "1", "--memory-gb", "2", "--time-min", "5")
    assert again.returncode == 0, again.stderr
    assert "3 regraded: the grader failed last time; 1 kept" in again.stdout, again.stdout
    assert (out / "results" / "ana.json").stat().st_mtime_ns == kept
    assert sorted(job_ids(out)) == ["sam", "tim", "una"]    # the second run's array: those alone
    book = gradebook(out)
    assert all(book[s]["status"] == "graded" and float(book[s]["total"]) == EX1_POINTS for s in ("ana", "sam", "tim", "una"))


def test_slurm_installed_but_no_cluster_is_said_in_words(tmp_path, cluster):
    """srun and sbatch exist, but no controller answers (SLURM_CONF names nothing): words, no traceback."""
    subs = tmp_path / "subs"
    (subs / "ana" / "ex1_myrnn").mkdir(parents=True)
    (subs / "ana" / "ex1_myrnn" / "myrnn.py").write_text(SOLUTION)
    conf = tmp_path / "slurm.conf"
    conf.write_text((cluster / "slurm.conf").read_text().replace(
        re.search(r"SlurmctldPort=(\d+)", (cluster / "slurm.conf").read_text()).group(1), "9"))
    proc = subprocess.run([sys.executable, "-m", "autograder", "batch", str(subs), "--out", str(tmp_path / "out"),
                           "--executor", "slurm", "--no-similarity", "--quiet"], cwd=KIT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "SLURM_CONF": str(conf)})
    assert proc.returncode != 0 and "sbatch did not take the jobs" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_make_slurm_up_says_its_export_line_once():
    """The script prints `export SLURM_CONF=...` when the cluster is up; the Makefile's recipe adds no second one."""
    recipe = subprocess.run(["make", "-n", "slurm-up", "PYTHON=python"], cwd=KIT, capture_output=True, text=True)
    assert recipe.returncode == 0, recipe.stderr
    assert "slurm_cluster.py up" in recipe.stdout and "SLURM_CONF" not in recipe.stdout, recipe.stdout
    assert "export SLURM_CONF=" in (KIT / "scripts" / "slurm_cluster.py").read_text()
