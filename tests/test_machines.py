"""Verdicts that hold on every machine: memory, time, attribution.

Each test puts the grader where other machines put it (a CUDA build's reserved
address space, a private TMPDIR, a fully loaded CPU, no GPU, no isolation, a
broken grader) and checks two things: the reference keeps its marks, and the
student is blamed only for what their code did.
"""
import json
import resource
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.publish.authoring import render
from autograder.grading.course import load_course
from autograder.sandbox import cgroups
from autograder.sandbox.client import StudentProcess
from autograder.sandbox.failures import GraderError

from .conftest import KIT, SOLUTIONS, checks_by_name, copy_kit, grade, run_cli, write_submission

COURSE = load_course()
SOLUTION = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
AS_ROOT = os.geteuid() == 0
# A CUDA build of torch reserves tens of GB of address space it never touches.
# This is what its runtime does: mmap(PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE).
RESERVE_16_GB = """
import mmap as _mmap
# 16 GB of address space reserved and never touched, as a CUDA build of torch does (read-only, so it is no data)
_RESERVED = _mmap.mmap(-1, 16 << 30, flags=_mmap.MAP_PRIVATE | _mmap.MAP_ANONYMOUS | 0x4000,  # MAP_NORESERVE
                       prot=_mmap.PROT_READ)
"""


def ex1_with(preamble: str = "", cell: str | None = None) -> str:
    source = render(SOLUTION, regions={"rnn_cell": cell}) if cell else SOLUTION
    return source.replace("from torch import nn\n", "from torch import nn\n" + preamble, 1)


def assert_all_passed(result: dict) -> None:
    lost = {f"{e['id']}/{t['name']}": t["output"] for e in result["exercises"] for t in e["tests"]
            if t["status"] != "passed"}
    assert lost == {}


# ---------------------------------------------------------------- memory

def test_reserved_address_space_is_not_memory_and_a_private_tmpdir_is_no_obstacle(tmp_path):
    """Every exercise's files, each reserving 16 GB at import, staged from 0700 folders."""
    private_tmp, hand_in = tmp_path / "private-tmp", tmp_path / "private-hand-in"
    for folder in (private_tmp, hand_in):
        folder.mkdir(mode=0o700)
    submission = hand_in / "student"
    for exercise in COURSE.exercises.values():
        for name in exercise.files:
            text = (SOLUTIONS / exercise.id / name).read_text()
            write_submission(submission, exercise.id, {name: RESERVE_16_GB + text})
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--public", "--json", str(out)],
                          cwd=KIT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TMPDIR": str(private_tmp)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    assert_all_passed(result)
    assert len(result["exercises"]) == len(COURSE.exercises)
    left = [p.name for p in private_tmp.iterdir() if p.name.startswith("autograder")]
    assert left == [], "the sandbox left its folders behind"


def test_the_users_own_pytest_settings_do_not_reach_the_graders_pytest(tmp_path):
    """An instructor's shell with PYTEST_ADDOPTS (options the grader's pytest does not know, -x, a report file)
    and PYTEST_PLUGINS: the checks run as anywhere else (every one of them once was a grader error)."""
    out = tmp_path / "result.json"
    env = {**os.environ, "PYTEST_ADDOPTS": f"-v --durations=0 -x --junitxml={tmp_path / 'no' / 'x.xml'} -p no:python",
           "PYTEST_PLUGINS": "no_such_plugin_here"}
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(SOLUTIONS), "--exercise", "ex1_myrnn",
                           "--json", str(out)], cwd=KIT, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    assert_all_passed(result)
    assert result["score"] == COURSE.exercises["ex1_myrnn"].max_score


@pytest.mark.parametrize("where", ["in_the_process", "in_a_forked_child"])
def test_touching_3_gb_is_stopped_with_the_memory_message(where, tmp_path, memory_course):
    touch = 'block = b"\\x01" * (3 << 30)'
    cell = {"in_the_process": f"{touch}\nreturn torch.zeros(1)",
            "in_a_forked_child": f"""import os, time
pid = os.fork()
if pid == 0:
    {touch}
    time.sleep(60)
    os._exit(0)
os.waitpid(pid, 0)
return torch.zeros(1)"""}[where]
    sub = write_submission(tmp_path / where, "ex1_myrnn", {"myrnn.py": ex1_with(cell=cell)})
    started = time.monotonic()
    checks = checks_by_name(grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_values", "matches_nn_rnn"],
                                  course=memory_course), "ex1_myrnn")
    cell_check = checks["rnn_cell_values"]
    assert cell_check["status"] == "error" and "ran out of memory" in cell_check["output"], cell_check
    assert checks["matches_nn_rnn"]["status"] == "passed"   # the next check gets a fresh worker
    assert time.monotonic() - started < 120


# ---------------------------------------------------------------- time

@pytest.mark.xdist_group("load")
def test_reference_keeps_full_marks_while_both_cores_are_busy(tmp_path):
    """Budgets are CPU seconds: two busy loops on a 2-core machine do not eat into them."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        result = grade(SOLUTIONS, exercise="ex3_names", timeout=900)
    finally:
        for p in loops:
            p.kill()
    assert_all_passed(result)
    accuracy = checks_by_name(result, "ex3_names")["accuracy"]
    assert 0 < accuracy["cpu_seconds"] < COURSE.exercises["ex3_names"].checks["accuracy"].timeout


def test_cpu_seconds_are_recorded_per_check(tmp_path, fast_course):
    sub = write_submission(tmp_path / "busy", "ex1_myrnn", {"myrnn.py": ex1_with(
        cell="import time\nend = time.process_time() + 2\nwhile time.process_time() < end:\n    pass\n"
             "return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)")})
    checks = checks_by_name(grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_shape"], course=fast_course),
                            "ex1_myrnn")
    assert checks["rnn_cell_shape"]["status"] == "passed"
    assert 2 <= checks["rnn_cell_shape"]["cpu_seconds"] < 8


# ---------------------------------------------------------------- devices

def test_a_cuda_call_gets_a_clear_message(tmp_path, fast_course):
    sub = write_submission(tmp_path / "cuda", "ex1_myrnn", {"myrnn.py": ex1_with(
        cell="return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b).cuda()")})
    check = checks_by_name(grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_values"], course=fast_course),
                           "ex1_myrnn")["rnn_cell_values"]
    assert check["score"] == 0 and "without a GPU" in check["output"], check["output"]


# ---------------------------------------------------------------- machines without isolation

def test_the_portable_path_checks_solutions_and_still_stops_loops_and_memory_hogs(tmp_path, fast_course):
    """A machine with no rlimits, no setuid, no namespaces, no cgroups and no process groups
    (Windows; AUTOGRADER_PORTABLE=1 makes Linux act as one): a separate process, CPU budgets and
    the memory watchdog are what is left, and they are enough for the usual verdicts and messages."""
    env = {**os.environ, "AUTOGRADER_PORTABLE": "1"}
    # check, as a student's laptop runs it: what CI on Windows and macOS runs (scripts/platform_smoke.py):
    # every public point of solutions/, and an endless loop and a memory hog with their usual messages.
    proc = subprocess.run([sys.executable, str(KIT / "scripts" / "platform_smoke.py")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=1200, env=env)
    assert proc.returncode == 0 and "platform smoke: ok" in proc.stdout, proc.stdout + proc.stderr
    # ... and says in one line which protections are off
    assert "protections off on this machine:" in proc.stdout and "no kernel rlimits" in proc.stdout, proc.stdout

    # grade and batch: refused unless told the run is unprotected
    sub = write_submission(tmp_path / "reference", "ex1_myrnn", {"myrnn.py": ex1_with(cell=None)})
    for command in (["grade", str(sub)], ["batch", str(tmp_path), "--out", str(tmp_path / "out")]):
        refused = subprocess.run([sys.executable, "-m", "autograder", *command], cwd=KIT, capture_output=True,
                                 text=True, timeout=120, env=env)
        assert refused.returncode == 2 and "--unprotected" in refused.stderr, refused.stderr
        assert not (tmp_path / "out").exists()

    # the worker really runs without kernel limits: it reports its own CPU rlimit
    rlimit = "import resource\nraise RuntimeError(f'RLIMIT_CPU={resource.getrlimit(resource.RLIMIT_CPU)[0]}')"
    for name, cell, status, says in [("reference", None, "passed", "passed"),
                                     ("rlimit", rlimit, "error", f"RLIMIT_CPU={resource.RLIM_INFINITY}")]:
        sub = write_submission(tmp_path / name, "ex1_myrnn", {"myrnn.py": ex1_with(cell=cell)})
        out = tmp_path / f"{name}.json"
        proc = subprocess.run([sys.executable, "-m", "autograder", "--course", str(fast_course), "grade", str(sub),
                               "--exercise", "ex1_myrnn", "--check", "rnn_cell_values", "--json", str(out),
                               "--unprotected"], cwd=KIT, capture_output=True, text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stderr
        assert "isolation: NONE" in proc.stderr
        check = json.loads(out.read_text())["exercises"][0]["tests"][0]
        assert check["status"] == status and says in check["output"], (name, check)


# ---------------------------------------------------------------- the grader's own failures

@pytest.fixture
def kit_copy(tmp_path):
    """A copy of the kit that a test may break; run with cwd and PYTHONPATH pointing at it."""
    return copy_kit(tmp_path / "kit")


def grade_with(kit: Path, submission: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=kit, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(kit)})


def break_probes(kit: Path, old: str, new: str) -> None:
    probes = kit / "autograder" / "suites" / "ex1_myrnn" / "probes.py"
    text = probes.read_text()
    assert old in text
    probes.write_text(text.replace(old, new, 1))


GRADER_FAILURES = {
    # probes.py cannot load: the worker dies before it says "ready", before any student code
    "probes_do_not_load": ("import torch\n", "import torch\nraise ImportError('simulated broken probes')\n",
                           None),
    # a probe a check calls does not exist
    "probe_missing": ("def probe_rnn_cell(", "def probe_rnn_cell_renamed(", ["rnn_cell_shape", "rnn_cell_values", "worked_example_two_steps"]),
    # a probe fails in its own code, after the student's values came back
    "probe_bug": ("def probe_rnn_cell(student, x_t, h_prev, W_xh, W_hh, b):\n",
                  "def probe_rnn_cell(student, x_t, h_prev, W_xh, W_hh, b):\n    {}['simulated probe bug']\n",
                  ["rnn_cell_shape", "rnn_cell_values", "worked_example_two_steps"]),
}


@pytest.mark.parametrize("failure", sorted(GRADER_FAILURES))
def test_a_grader_failure_is_reported_as_the_graders_and_not_scored(failure, kit_copy, tmp_path):
    old, new, affected = GRADER_FAILURES[failure]
    break_probes(kit_copy, old, new)
    sub = write_submission(tmp_path / "student", "ex1_myrnn", {"myrnn.py": SOLUTION})
    out = tmp_path / "result.json"
    proc = grade_with(kit_copy, sub, "grade", sub, "--exercise", "ex1_myrnn", "--json", out)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "the grader failed on" in proc.stderr
    result = json.loads(out.read_text())
    checks = checks_by_name(result, "ex1_myrnn")
    broken = affected or list(checks)
    # Not scored means not counted: the total's max_score leaves the ungraded checks' points out, and says them.
    ex = next(e for e in result["exercises"] if e["id"] == "ex1_myrnn")
    ungraded = sum(t["max_score"] for n, t in checks.items() if n in broken)
    assert ex["max_score"] == sum(t["max_score"] for t in checks.values()) - ungraded, ex["max_score"]
    assert ex["ungraded_points"] == ungraded and result["max_score"] == ex["max_score"]
    assert f"{ungraded:g} points not graded" in proc.stdout, proc.stdout
    for name, t in checks.items():
        if name in broken:
            assert t["status"] == "grader_error" and t["score"] == 0, (name, t)
            assert t["output"].startswith("the grader failed on this check, not your code"), t["output"]
            assert "your code raised" not in t["output"] and "your code ended" not in t["output"]
        else:
            assert t["status"] == "passed", (name, t)


def test_a_malformed_request_is_a_grader_error():
    exercise = COURSE.exercises["ex1_myrnn"]
    proc = StudentProcess(module="myrnn", student_files={"myrnn.py": SOLUTIONS / "ex1_myrnn" / "myrnn.py"},
                          probes=exercise.suite_dir / "probes.py")
    try:
        assert proc.call("rnn_cell", cpu_budget=30, wall_deadline=time.monotonic() + 60, x_t=[[1.0]],
                         h_prev=[[0.0]], W_xh=[[1.0]], W_hh=[[1.0]], b=[0.0]) is not None
        proc._current = (proc._watchdog.cpu_seconds() + 30, time.monotonic() + 60)
        with pytest.raises(GraderError, match="malformed request"):
            proc._reply({"op": "delete everything"})
    finally:
        proc.cleanup()
    assert not proc.base.exists()


def test_batch_marks_a_grader_failure_and_grades_it_again_on_the_next_run(kit_copy, tmp_path):
    subs, out = tmp_path / "class", tmp_path / "out"
    write_submission(subs / "ana", "ex1_myrnn", {"myrnn.py": SOLUTION})
    old, new, _ = GRADER_FAILURES["probes_do_not_load"]
    break_probes(kit_copy, old, new)
    first = grade_with(kit_copy, subs, "batch", subs, "--out", out, "--exercise", "ex1_myrnn", "--quiet")
    assert first.returncode == 3, first.stdout + first.stderr
    assert "grader_error" in (out / "gradebook.csv").read_text()
    break_probes(kit_copy, new, old)  # the instructor fixes the grader and runs the same command
    second = grade_with(kit_copy, subs, "batch", subs, "--out", out, "--exercise", "ex1_myrnn", "--quiet")
    assert second.returncode == 0, second.stdout + second.stderr
    row = (out / "gradebook.csv").read_text().splitlines()[1].split(",")
    assert row[0] == "ana" and row[-1] == "graded" and float(row[-3]) == COURSE.exercises["ex1_myrnn"].max_score


def test_grade_says_which_isolation_is_in_force(tmp_path):
    sub = write_submission(tmp_path / "s", "ex1_myrnn", {"myrnn.py": SOLUTION})
    proc = run_cli("grade", sub, "--exercise", "ex1_myrnn", "--check", "rnn_cell_shape")
    assert proc.returncode == 0
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("isolation:")]
    assert len(line) == 1 and "resident-memory watchdog" in line[0]
    if shutil.which("bwrap") and sys.platform == "linux":
        assert line[0].startswith("isolation: bubblewrap"), line


@pytest.mark.skipif(not AS_ROOT, reason="the fallback that runs workers as uids of their own needs root")
def test_the_namespace_fallback_stages_where_a_workers_uid_can_reach_whatever_tmpdir_is(tmp_path):
    private_tmp = tmp_path / "private-tmp"
    private_tmp.mkdir(mode=0o700)
    sub = tmp_path / "hand-in"
    for exercise in ("ex1_myrnn", "ex5_hidden_pca"):  # ex5 brings a given file
        for name in COURSE.exercises[exercise].files:
            write_submission(sub, exercise, {name: (SOLUTIONS / exercise / name).read_text()})
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(sub), "--public", "--json", str(out),
                           "--exercise", "ex1_myrnn", "--exercise", "ex5_hidden_pca"],
                          cwd=KIT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TMPDIR": str(private_tmp), "AUTOGRADER_ISOLATION": "namespace"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "a uid per worker in a private mount namespace" in proc.stderr
    assert_all_passed(json.loads(out.read_text()))


def test_doctor_is_clean_here_and_warns_where_a_budget_is_too_thin(kit_copy):
    shutil.copytree(SOLUTIONS / "ex1_myrnn", kit_copy / "solutions" / "ex1_myrnn")
    clean = grade_with(kit_copy, kit_copy, "doctor", "--exercise", "ex1_myrnn")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    for words in ("torch:", "isolation:", "memory:", "ex1_myrnn", "this machine grades as the kit expects"):
        assert words in clean.stdout, clean.stdout
    course = kit_copy / "course.yaml"
    course.write_text(course.read_text().replace("    time_limit: 120\n", "    time_limit: 0.05\n", 1))
    thin = grade_with(kit_copy, kit_copy, "doctor", "--exercise", "ex1_myrnn")
    assert thin.returncode == 1 and "WARNING: ex1_myrnn" in thin.stdout, thin.stdout


# ---------------------------------------------------------------- the kernel's limits per worker

@pytest.mark.skipif(cgroups.hierarchy() is None, reason="this grader may not make cgroups (not root, or none writable)")
def test_a_workers_cgroup_bounds_its_processes_and_memory_and_leaves_nothing():
    """The kernel's backstop behind the watchdog: pids.max and a memory limit, per worker; all gone at the end."""
    spawner = ("import os\nn = 0\nfor _ in range(50):\n    try:\n"
               "        os.posix_spawn('/usr/bin/sleep', ['sleep', '30'], {}, file_actions=[\n"
               "            (os.POSIX_SPAWN_OPEN, fd, '/dev/null', os.O_WRONLY, 0) for fd in (1, 2)])\n        n += 1\n"
               "    except OSError:\n        break\nprint(n)")
    group = cgroups.WorkerCgroup.create(memory_mb=100, processes=4)
    proc = subprocess.run([sys.executable, "-c", spawner], preexec_fn=group.join, capture_output=True, text=True)
    assert int(proc.stdout) <= 4 + cgroups.HELPER_TASKS, proc.stdout  # python itself is one of them
    assert group.pids(), "the sleepers should still be in the worker's cgroup"
    group.remove()
    assert not any(d.exists() for d in group.dirs.values())

    group = cgroups.WorkerCgroup.create(memory_mb=100, processes=64)
    hog = subprocess.run([sys.executable, "-c", "b = bytearray(600 << 20); b[::4096] = b'x' * len(b[::4096])"],
                         preexec_fn=group.join, capture_output=True)
    assert hog.returncode == -signal.SIGKILL and group.oom_killed()
    group.remove()
