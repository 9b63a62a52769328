"""Which system calls a worker makes once its seccomp filter is on: the measurement behind
``autograder/sandbox/syscalls.py``'s allow-list (not a test; run it after a torch or Python upgrade).

    python scripts/syscall_census.py [--zoo] [--keep DIR]

Runs ``python -m autograder grade`` under ``strace -f`` (Debian's ``strace``) on:

- solutions/ (every exercise, the reference's training included);
- an ex1 submission that, on import, runs torch's DataLoader with two worker processes,
  draws and saves a matplotlib figure and uses numpy's and torch's linear algebra: what a
  student's code plausibly does beyond the reference;
- with ``--zoo``, every whole-file zoo entry (the real-style implementations; slow: they train).

For each worker (the process that runs ``worker.py``) it keeps the calls made after its
filter was loaded, by it, its threads and every process it started, and prints them with
their counts, then what the allow-list lacks (the filter would refuse those: add them, or
say in syscalls.py why they are refused) and what it lists that nothing used here.
"""
from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT))

from autograder.sandbox import syscalls  # noqa: E402

LINE = re.compile(r"^(\d+\.\d+) (\w+)\(")
CHILD = re.compile(r"^\d+\.\d+ (?:clone3?|fork|vfork)\(.*\) = (\d+)$")
FILTER_ON = re.compile(r"^(\d+\.\d+) seccomp\(SECCOMP_SET_MODE_FILTER, .*\) = 0$")

EXTRA = '''
def _beyond_the_reference():
    import io
    import numpy as np
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    data = TensorDataset(torch.randn(64, 3), torch.randn(64))
    for _ in DataLoader(data, batch_size=8, num_workers=2):
        pass
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot(np.arange(10), np.arange(10) ** 2)
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    np.linalg.eigh(np.eye(4)); torch.linalg.svd(torch.randn(5, 3))


_beyond_the_reference()
'''


def traced(args: list[str], folder: Path) -> None:
    subprocess.run(["strace", "-f", "-ff", "-qq", "-ttt", "-o", str(folder / "t"),
                    sys.executable, "-m", "autograder", *args], cwd=KIT, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def census(folder: Path) -> collections.Counter:
    """Calls made by workers (and their threads and children) after their filter was on."""
    children, lines = collections.defaultdict(list), {}
    for path in folder.glob("t.*"):
        pid = int(path.suffix[1:])
        lines[pid] = path.read_text(errors="replace").splitlines()
        for line in lines[pid]:
            m = CHILD.match(line)
            if m:
                children[pid].append(int(m.group(1)))
    counts: collections.Counter = collections.Counter()
    for pid, text in lines.items():
        if not any("execve(" in line and "worker.py" in line and line.endswith("= 0") for line in text):
            continue
        on = [float(m.group(1)) for line in text if (m := FILTER_ON.match(line))]
        if not on:
            continue
        since, tree, stack = on[-1], [], [pid]
        while stack:
            p = stack.pop()
            tree.append(p)
            stack.extend(children.get(p, ()))
        for p in tree:
            for line in lines.get(p, ()):
                m = LINE.match(line)
                if m and float(m.group(1)) > since:
                    counts[m.group(2)] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", action="store_true", help="also every whole-file zoo entry (slow)")
    parser.add_argument("--keep", type=Path, help="keep strace's files here")
    args = parser.parse_args()
    if not shutil.which("strace"):
        print("needs strace (apt-get install strace)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="syscall-census-"))
    runs = {"solutions": ["grade", str(KIT / "solutions")]}
    extra = work / "extra" / "ex1_myrnn"
    extra.mkdir(parents=True)
    (extra / "myrnn.py").write_text((KIT / "solutions" / "ex1_myrnn" / "myrnn.py").read_text() + EXTRA)
    runs["beyond the reference"] = ["grade", str(extra.parent), "--exercise", "ex1_myrnn"]
    if args.zoo:
        for spec in sorted((KIT / "autograder" / "suites").glob("*/zoo/zoo.yaml")):
            exercise = spec.parent.parent.name
            module = next((KIT / "solutions" / exercise).glob("*.py")).name
            for entry in sorted(spec.parent.glob("*.py")):
                sub = work / f"zoo-{exercise}-{entry.stem}" / exercise
                shutil.copytree(KIT / "exercises" / exercise, sub)
                shutil.copy(entry, sub / module)
                runs[f"zoo {exercise}/{entry.name}"] = ["grade", str(sub.parent), "--exercise", exercise]
    total: collections.Counter = collections.Counter()
    for name, run in runs.items():
        folder = args.keep / name.replace(" ", "_").replace("/", "_") if args.keep else work / f"trace-{len(total)}"
        folder.mkdir(parents=True, exist_ok=True)
        traced(run, folder)
        found = census(folder)
        print(f"{name}: {len(found)} distinct calls after the filter", flush=True)
        total.update(found)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    listed = set(syscalls.ALLOWED) | set(syscalls.ANSWERED) | set(syscalls.KILLED)
    print("\ncalls made after the filter (count):")
    for call, n in sorted(total.items()):
        print(f"  {call:24s} {n:8d}  {'' if call in listed else 'NOT LISTED'}")
    missing = sorted(set(total) - listed)
    print(f"\nnot on the allow-list: {', '.join(missing) or 'none'}")
    print(f"allowed but not used here: {', '.join(sorted(set(syscalls.ALLOWED) - set(total))) or 'none'}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
