"""Benchmarks (not tests): print the figures the issues ask for.

    python scripts/bench.py [--repeat N]

- seconds to grade each exercise for one submission (the reference solutions),
  end to end through `python -m autograder grade`, median of N runs;
- ex1: the reference MyRNN's forward+backward time as a ratio to nn.RNN's at
  batch 64, 100 steps, input 32, hidden 128, one thread;
- ex2: the reference's held-out MSE at T=100 and its training time, with the
  grader's budget (scripts/calibrate_ex2.py --seq-len 100 --seeds 1);
- budgets: the reference's CPU seconds per exercise and check against its budget
  in course.yaml, the margin, and the peak resident memory of each worker tree;
- sandbox: seconds from starting a worker to its "ready" (torch loaded), per
  isolation mode available here (bubblewrap; the mount namespace that was the
  only sandbox before it; none), median of --repeat;
- feedback: seconds from "run" to feedback for a student, `check ex1_myrnn` and a notebook's check,
  the first time and then with the warm grader (commands/warm.py), each after an edit;
- failures: seconds to grade the stubs (every check fails) and an ex1 syntax error;
- calibration: the table in calibration/README.md (scripts/calibrate.py);
- courses (issue 16), side by side in one run: `grade solutions` serial (--jobs 1) and
  parallel (--jobs 2): wall seconds, CPU seconds and the peak resident memory of the whole
  tree (grader, grading processes, sandboxes, workers; sampled every 50 ms); CPU seconds
  per exercise; and batch throughput of 8 mixed submissions (reference, stubs, partial,
  broken; --batch-exercises, default ex1 and ex5) with the local executor (threads) and
  submitit's local executor at --jobs 1 and 2;
- similarity (issue 29): `python -m autograder similarity` on a class of --similarity-students
  (default 300) x 5 exercises, each file one of the kit's implementations disguised at random
  (tests/similarity_class.py's large_class), end to end (reading, fingerprinting, every pair,
  both files written): wall and CPU seconds at --jobs 1 and 2, and at half the class, so the
  growth with the number of pairs shows.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT))

from autograder.grading.course import load_course  # noqa: E402


def grading_seconds(exercise: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "grade", str(KIT / "solutions"), "--exercise", exercise],
                       cwd=KIT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def myrnn_ratio(repeat: int) -> tuple[float, float]:
    sys.path.insert(0, str(KIT / "solutions" / "ex1_myrnn"))
    import myrnn

    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = torch.randn(100, 64, 32)

    def seconds(model) -> float:
        runs = []
        for i in range(repeat + 2):
            start = time.perf_counter()
            output, h_n = model(x)
            (output.sum() + h_n.sum()).backward()
            if i >= 2:  # the first two runs warm up
                runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    ours, theirs = seconds(myrnn.MyRNN(32, 128)), seconds(torch.nn.RNN(32, 128))
    return ours, theirs


def mixed_class(root: Path, each: int = 5) -> Path:
    """4 x ``each`` submissions: reference, stubs, partial (ex1 left blank), broken (syntax errors)."""
    import shutil

    for i in range(each):
        shutil.copytree(KIT / "solutions", root / f"reference{i}")
        shutil.copytree(KIT / "exercises", root / f"stub{i}")
        shutil.copytree(KIT / "solutions", root / f"partial{i}")
        shutil.copy(KIT / "exercises" / "ex1_myrnn" / "myrnn.py", root / f"partial{i}" / "ex1_myrnn" / "myrnn.py")
        shutil.copytree(KIT / "solutions", root / f"broken{i}")
        for path in (root / f"broken{i}").glob("*/*.py"):
            path.write_text("def broken(:\n" + path.read_text())
    return root


WORKER_START = """
import statistics, sys, time
from autograder.grading.course import load_course
from autograder.sandbox.client import StudentProcess
from autograder.sandbox.isolation import mode
ex = load_course().exercises["ex1_myrnn"]
times = []
for _ in range(int(sys.argv[1])):
    proc = StudentProcess(module="myrnn", student_files={}, probes=ex.suite_dir / "probes.py")
    start = time.perf_counter()
    proc._start()
    proc._await_ready()  # _start only launches it (prestart): ready is when torch and the probes are in
    times.append(time.perf_counter() - start)
    proc.cleanup()
print(mode(), statistics.median(times))
"""


def sandbox_figures(repeat: int) -> None:
    import os

    from autograder.sandbox import hiding, isolation

    modes = ["bwrap"] if isolation.mode() == "bwrap" else []
    if isolation.is_root() and hiding.can_unshare():
        modes.append("namespace")
    modes.append("none")
    for m in modes:
        out = subprocess.run([sys.executable, "-c", WORKER_START, str(repeat)], cwd=KIT, check=True, text=True,
                             capture_output=True, env={**os.environ, "AUTOGRADER_ISOLATION": m}).stdout.split()
        print(f"sandbox: a worker's start to 'ready' (torch loaded) with isolation {out[0]}: "
              f"{float(out[1]):.2f} s (median of {repeat})")


def budget_figures() -> None:
    from autograder.commands.doctor import budget_rows
    from autograder.grading.engine import grade

    course = load_course()
    result = grade(KIT / "solutions", course)
    lines, warnings = budget_rows(course, result)
    print("budgets: the reference's CPU seconds against course.yaml (margin = budget / used)")
    print("\n".join("  " + line for line in lines))
    print("  peak resident memory of a worker tree: " +
          ", ".join(f"{k} {v:.0f} MB" for k, v in result.peak_rss_mb.items()))
    for w in warnings:
        print(f"  WARNING: {w}")


def calibration_figures() -> None:
    table = (KIT / "calibration" / "README.md").read_text().splitlines()
    print("calibration (calibration/README.md):")
    print("\n".join("  " + line for line in table if line.startswith("|")))


def failure_figures(repeat: int) -> None:
    """Seconds to grade what fails: the stubs (every check fails), and an ex1 file with a syntax error
    (refused before any sandbox starts)."""
    import tempfile

    def timed(path: Path, *extra: str) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), *extra], cwd=KIT,
                           check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / "ex1_myrnn"
        broken.mkdir()
        (broken / "myrnn.py").write_text("import torch\ndef rnn_cell(x_t, h_prev, W_xh, W_hh, b)\n    pass\n")
        print(f"failures: the stubs (exercises/, every check fails) take {timed(KIT / 'exercises'):.1f} s; "
              f"an ex1 syntax error {timed(Path(tmp), '--exercise', 'ex1_myrnn'):.2f} s (no pytest, torch or "
              f"sandbox: engine's fast path); a full ex1 grade {timed(KIT / 'solutions', '--exercise', 'ex1_myrnn'):.2f} s "
              f"(median of {repeat}, end to end)")


def measured(cmd: list[str]) -> tuple[float, float, float]:
    """Run ``cmd``; (wall seconds, CPU seconds of its whole tree, peak summed RSS of the tree in MB)."""
    import resource
    import threading

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=KIT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, done = [0], threading.Event()

    def sample():
        root = psutil.Process(proc.pid)
        while not done.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            peak[0] = max(peak[0], total)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak[0] / 2 ** 20


def courses_figures(batch_exercises: list[str]) -> None:
    import tempfile

    import json

    grade = [sys.executable, "-m", "autograder", "grade", str(KIT / "solutions")]
    print("courses: grading solutions/ (all five exercises), end to end; grader CPU = the grading processes' own,"
          " student CPU = the sandboxed workers' (the checks' cpu_seconds)")
    print("  jobs   wall s   grader CPU s   student CPU s   peak RSS of the whole tree (summed)")
    walls = {}
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in (1, 2):
            out = Path(tmp) / f"{jobs}.json"
            wall, cpu, rss = measured([*grade, "--jobs", str(jobs), "--json", str(out)])
            data = json.loads(out.read_text())
            student = sum(t["cpu_seconds"] for e in data["exercises"] for t in e["tests"])
            walls[jobs] = wall
            print(f"  {jobs:>4} {wall:>8.1f} {cpu:>14.1f} {student:>15.1f}   {rss:>6.0f} MB"
                  f"   ({data['score']:g} / {data['max_score']:g})")
        print(f"  parallel speed-up: {walls[1] / walls[2]:.2f}x")
        rows = []
        for e in load_course().exercises:
            out = Path(tmp) / f"{e}.json"
            wall, cpu, rss = measured([*grade, "--exercise", e, "--json", str(out)])
            student = sum(t["cpu_seconds"] for x in json.loads(out.read_text())["exercises"] for t in x["tests"])
            rows.append(f"  {e:<15} {wall:>6.1f} s wall, {cpu:>5.1f} s grader CPU, {student:>5.1f} s student CPU, "
                        f"peak RSS {rss:.0f} MB")
        print("  one exercise per run:")
        print("\n".join(rows))
    with tempfile.TemporaryDirectory() as tmp:
        subs = mixed_class(Path(tmp) / "class", each=2)
        n = len(list(subs.iterdir()))
        for executor in ("local", "submitit-local"):
            for jobs in (1, 2):
                out = Path(tmp) / f"{executor}-{jobs}"
                wall, _, rss = measured([sys.executable, "-m", "autograder", "batch", str(subs), "--out", str(out),
                                         "--jobs", str(jobs), "--quiet", "--executor", executor,
                                         *[a for e in batch_exercises for a in ("--exercise", e)]])
                print(f"  batch of {n} mixed submissions ({', '.join(batch_exercises)}), --executor {executor} "
                      f"--jobs {jobs}: {wall:.1f} s, {n / wall * 3600:.0f} submissions an hour, peak RSS {rss:.0f} MB")


def similarity_figures(students: int) -> None:
    import tempfile

    from tests.similarity_class import large_class

    course = load_course()
    work = Path(tempfile.mkdtemp(prefix="bench-similarity-"))
    for n in (students // 2, students):
        large_class(work / f"class{n}", list(course.exercises.values()), n)
        for jobs in (1, 2):
            cmd = [sys.executable, "-m", "autograder", "similarity", str(work / f"class{n}"), "--out",
                   str(work / f"out{n}-{jobs}"), "--jobs", str(jobs)]
            wall, cpu, rss = measured(cmd)
            pairs = 5 * n * (n - 1) // 2
            print(f"similarity: {n} students x 5 exercises ({pairs} pairs), --jobs {jobs}: {wall:.1f} s wall, "
                  f"{cpu:.1f} CPU s, peak RSS {rss:.0f} MB ({wall / pairs * 1e6:.0f} us a pair)")
    import shutil
    shutil.rmtree(work, ignore_errors=True)


FEEDBACK_NOTEBOOK = """
import json, sys, time
from pathlib import Path
from autograder import jupyter
folder, rounds = Path(sys.argv[1]), int(sys.argv[2])
source = (folder / "myrnn.py").read_text()
times = []
for i in range(rounds):
    (folder / "myrnn.py").write_text(source + f"\\n# edit {i}\\n")   # a student's edit, run in its cell
    start = time.perf_counter()
    jupyter._grade("ex1_myrnn", folder)
    times.append(time.perf_counter() - start)
    time.sleep(3)   # the student reads the answer (the server starts its next worker meanwhile)
print(json.dumps(times))
"""


def feedback_figures(repeat: int) -> None:
    """Seconds from "run" to feedback for a student (issue 39): `check ex1_myrnn` on the command line and a
    notebook's check (``jupyter._grade``, every check the installed kit has), each after an edit of the code:
    the first (cold: the grader and its worker start) and the next ones (the warm grader, commands/warm.py)."""
    import json
    import os
    import shutil
    import tempfile

    from autograder.commands import warm

    runtime = Path(tempfile.mkdtemp(prefix="bench-warm-"))
    os.chmod(runtime, 0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "AUTOGRADER_NO_WARM": "0"}
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    work = Path(tempfile.mkdtemp(prefix="bench-feedback-"))
    shutil.copytree(KIT / "solutions" / "ex1_myrnn", work / "ex1_myrnn")
    source = (work / "ex1_myrnn" / "myrnn.py").read_text()
    times = []
    try:
        for i in range(repeat + 1):
            (work / "ex1_myrnn" / "myrnn.py").write_text(source + f"\n# edit {i}\n")
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "autograder", "check", "ex1_myrnn", "--dir", str(work),
                            "--no-lesson"], cwd=KIT, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
            time.sleep(3)
        print(f"feedback: `check ex1_myrnn` (11 public points) {times[0]:.2f} s the first time, then "
              f"{statistics.median(times[1:]):.2f} s (median of {repeat}, each after an edit)")
        warm.stop(KIT / "course.yaml")
        time.sleep(2)
        out = subprocess.run([sys.executable, "-c", FEEDBACK_NOTEBOOK, str(work / "ex1_myrnn"), str(repeat + 1)],
                             cwd=work, env={**env, "PYTHONPATH": str(KIT)}, check=True, capture_output=True,
                             text=True).stdout
        notebook = json.loads(out.strip().splitlines()[-1])
        print(f"feedback: a notebook's check (jupyter._grade, all {len(load_course().exercises['ex1_myrnn'].checks)} "
              f"checks this kit has) {notebook[0]:.2f} s the first time, then {statistics.median(notebook[1:]):.2f} s "
              f"(median of {repeat}, each after an edit)")
        warm.stop(KIT / "course.yaml")
        time.sleep(2)
        steps = notebook_step_seconds(work / "steps", env)
        first, later = steps[0], steps[1:]
        print(f"feedback: ex1's notebook run by nbclient (the solution typed into its {len(steps)} step cells): the "
              f"first check after step 1 {first:.2f} s, the first check after each later step "
              + ", ".join(f"{t:.2f}" for t in later) + f" s (max {max(later):.2f} s; nbclient's own cell timing)")
    finally:
        warm.stop(KIT / "course.yaml")
        shutil.rmtree(work, ignore_errors=True)


def notebook_step_seconds(folder: Path, env: dict) -> list[float]:
    """ex1's released notebook, the solution typed into its step cells, run by nbclient with the warm grader
    on: seconds of the first graded cell after each step (nbclient's execute_input to execute_reply)."""
    import os
    from datetime import datetime

    from nbclient import NotebookClient

    from autograder.grading.notebooks import fill, find_step_cells
    from autograder.publish.nbgrader_course import build_notebook

    course = load_course()
    exercise = course.exercises["ex1_myrnn"]
    nb = build_notebook(course, exercise)
    nb.cells = [c for c in nb.cells if "### BEGIN HIDDEN TESTS" not in c.source]
    typed = fill(nb, {n: (KIT / "solutions" / exercise.id / n).read_text() for n in exercise.files})
    folder.mkdir(parents=True)
    saved = dict(os.environ)
    os.environ.update(env)   # the kernel inherits it: the warm grader allowed, its socket in the bench's folder
    client = NotebookClient(typed, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    step_cells = {c.index for c in find_step_cells(typed.cells, exercise.files[0]).values()}
    try:
        with client.setup_kernel():
            for index, cell in enumerate(typed.cells):
                if index in step_cells:
                    time.sleep(3)   # the student writes the step (the warm grader gets ready meanwhile)
                client.execute_cell(cell, index)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    steps = find_step_cells(typed.cells, exercise.files[0])
    seconds = []
    for step in steps.values():
        after = typed.cells[step.index + 1]
        times = after.metadata["execution"]
        start, end = (datetime.fromisoformat(times[k].replace("Z", "+00:00"))
                      for k in ("iopub.execute_input", "shell.execute_reply"))
        seconds.append((end - start).total_seconds())
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-exercises", nargs="+", default=["ex1_myrnn", "ex5_hidden_pca"])
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--similarity-students", type=int, default=300)
    parser.add_argument("--only", choices=["sandbox", "budgets", "calibration", "failures", "courses", "similarity",
                                           "feedback"],
                        help="print only these figures")
    args = parser.parse_args()
    if args.only:
        {"sandbox": lambda: sandbox_figures(args.repeat), "budgets": budget_figures,
         "calibration": calibration_figures, "failures": lambda: failure_figures(args.repeat),
         "courses": lambda: courses_figures(args.batch_exercises),
         "similarity": lambda: similarity_figures(args.similarity_students),
         "feedback": lambda: feedback_figures(args.repeat)}[args.only]()
        return
    sandbox_figures(args.repeat)
    feedback_figures(args.repeat)
    failure_figures(args.repeat)
    budget_figures()
    calibration_figures()
    for exercise in load_course().exercises:
        print(f"{exercise}: grading one submission takes {grading_seconds(exercise, args.repeat):.1f} s "
              f"(median of {args.repeat}, end to end)")
    ours, theirs = myrnn_ratio(20)
    print(f"ex1_myrnn: reference MyRNN forward+backward {ours * 1e3:.1f} ms, nn.RNN {theirs * 1e3:.1f} ms, "
          f"ratio {ours / theirs:.2f}x (batch 64, 100 steps, input 32, hidden 128, 1 thread)")
    subprocess.run([sys.executable, str(KIT / "scripts" / "calibrate_ex2.py"), "--seq-len", "100", "--seeds", "1"],
                   check=True)
    if not args.skip_batch:
        courses_figures(args.batch_exercises)
    similarity_figures(args.similarity_students)


if __name__ == "__main__":
    main()
