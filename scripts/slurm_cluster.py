"""A one-node Slurm cluster on this machine, for trying and testing ``batch --executor slurm``.

    python scripts/slurm_cluster.py up [--dir DIR]     # install (root with apt), start, wait until idle
    python scripts/slurm_cluster.py down [--dir DIR]   # stop it
    python scripts/slurm_cluster.py status [--dir DIR]

(``make slurm-up`` / ``make slurm-down``.) Then, in the same shell:

    export SLURM_CONF=DIR/slurm.conf
    python -m autograder batch SUBMISSIONS --out OUT --executor slurm

What it starts, all under DIR (default /tmp/rnn-autograder-slurm) so that nothing of a
machine's own Slurm or munge is touched: munged with its own key and socket, slurmctld and
slurmd on free ports, one node (this machine: its CPUs and memory) in one partition. Process
tracking by /proc (``proctrack/linuxproc``, ``task/none``): no cgroup set-up is needed, so it
runs in containers too. There is no accounting database (``sacct`` says so; the kit does not
depend on it): finished jobs are written by ``jobcomp/filetxt`` to DIR/jobcomp.log, one line
per job with its state, CPUs, memory and time limit, which is what the tests read.

The tests (tests/test_slurm.py) use the same functions through a fixture, and skip, saying
why, where this cannot be done (not root, no apt-get, not Linux).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_DIR = Path("/tmp/rnn-autograder-slurm")
PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
DAEMONS = ("munged", "slurmctld", "slurmd")
PARTITION = "grading"


class ClusterUnavailable(Exception):
    """Why a cluster cannot be started here (the tests skip with this as the reason)."""


def have_slurm() -> bool:
    return all(shutil.which(cmd) for cmd in ("slurmctld", "slurmd", "sbatch", "munged", "mungekey"))


def install() -> None:
    """Debian's Slurm and munge, where this user may install them (root with apt-get)."""
    if have_slurm():
        return
    if not sys.platform.startswith("linux"):
        raise ClusterUnavailable(f"a test cluster needs Linux (this is {sys.platform})")
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ClusterUnavailable("Slurm is not installed and this user cannot install it (needs root with apt-get: "
                                 f"apt-get install {' '.join(PACKAGES)})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # DPkg::Lock::Timeout: another install (the page tests' Chromium) may hold dpkg's lock for a while
    cmd = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES]
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "update", "-qq"], env=env, capture_output=True)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ClusterUnavailable(f"apt-get could not install Slurm: {proc.stderr.strip()[-300:]}")
    if not have_slurm():
        raise ClusterUnavailable("apt-get ran but slurmctld, slurmd, sbatch or munged is still missing")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mb() -> int:
    with open("/proc/meminfo") as f:
        total_kb = next(int(line.split()[1]) for line in f if line.startswith("MemTotal:"))
    return total_kb // 1024 - 512  # what slurmd -C reports, less a margin it does not refuse


def config(folder: Path) -> str:
    host = socket.gethostname().split(".")[0]
    cpus = len(os.sched_getaffinity(0))
    return f"""# A one-node test cluster (scripts/slurm_cluster.py); every path is under {folder}
ClusterName=autograder
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={folder}/munge/munge.socket
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
JobCompType=jobcomp/filetxt
JobCompLoc={folder}/jobcomp.log
AccountingStorageType=accounting_storage/none
# Jobs past their time are killed on Slurm's own timer (every 30 s), 5 s after the warning.
KillWait=5
OverTimeLimit=0
MinJobAge=600
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={_memory_mb()} State=UNKNOWN
PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def env(folder: Path = DEFAULT_DIR) -> dict[str, str]:
    """The environment a Slurm client (sbatch, squeue, the kit's batch) needs to find this cluster."""
    return {**os.environ, "SLURM_CONF": str(folder / "slurm.conf")}


def _pid(path: Path) -> int | None:
    try:
        pid = int(path.read_text().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None


def _start(cmd: list[str], folder: Path, name: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env(folder))
    if proc.returncode != 0:
        log = folder / f"{name}.log"
        tail = log.read_text()[-800:] if log.exists() else ""
        raise ClusterUnavailable(f"{name} did not start: {(proc.stderr or proc.stdout).strip()[-400:]} {tail}")


def up(folder: Path = DEFAULT_DIR, wait_s: float = 60) -> Path:
    """Start munged, slurmctld and slurmd under ``folder``; return once the node is idle."""
    install()
    if os.geteuid() != 0:
        raise ClusterUnavailable("the test cluster's daemons run as root (SlurmUser=root)")
    if status(folder) == "idle":
        return folder
    down(folder)
    if folder.exists():
        shutil.rmtree(folder)
    for sub in ("munge", "state", "spool"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(folder / "munge", 0o700)
    key = folder / "munge" / "munge.key"
    subprocess.run(["mungekey", "--create", "--keyfile", str(key)], check=True, capture_output=True)
    os.chmod(key, 0o400)
    (folder / "slurm.conf").write_text(config(folder))
    _start(["munged", "--force", f"--key-file={key}", f"--socket={folder}/munge/munge.socket",
            f"--pid-file={folder}/munged.pid", f"--log-file={folder}/munged.log",
            f"--seed-file={folder}/munge/munged.seed"], folder, "munged")
    _start(["slurmctld", "-f", str(folder / "slurm.conf")], folder, "slurmctld")
    _start(["slurmd", "-f", str(folder / "slurm.conf")], folder, "slurmd")
    deadline = time.monotonic() + wait_s
    state = ""
    while time.monotonic() < deadline:
        state = status(folder)
        if state == "idle":
            return folder
        time.sleep(0.5)
    log = (folder / "slurmd.log").read_text()[-600:] if (folder / "slurmd.log").exists() else ""
    down(folder)
    raise ClusterUnavailable(f"the node did not become idle in {wait_s:g} s (it is {state or 'not known'}): {log}")


def status(folder: Path = DEFAULT_DIR) -> str:
    """The node's state as sinfo says it (idle, alloc, down, ...), or '' when no cluster answers."""
    if not (folder / "slurm.conf").exists() or not shutil.which("sinfo"):
        return ""
    try:
        proc = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True, env=env(folder),
                              timeout=10)
    except subprocess.TimeoutExpired:
        return ""
    return proc.stdout.strip().splitlines()[0].rstrip("*~#") if proc.returncode == 0 and proc.stdout.strip() else ""


def down(folder: Path = DEFAULT_DIR) -> None:
    """Stop what ``up`` started (its pid files); jobs still running are cancelled first."""
    if (folder / "slurm.conf").exists() and shutil.which("scancel") and _pid(folder / "slurmctld.pid"):
        subprocess.run(["scancel", "--full", "--user", "root"], capture_output=True, env=env(folder), timeout=10)
    for name in ("slurmd", "slurmctld", "munged"):
        pid = _pid(folder / f"{name}.pid")
        if pid is None:
            continue
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if _pid(folder / f"{name}.pid") is None:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("action", choices=("up", "down", "status"))
    p.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"where it all lives (default {DEFAULT_DIR})")
    args = p.parse_args(argv)
    try:
        if args.action == "up":
            up(args.dir)
            print(f"a one-node Slurm cluster is up: export SLURM_CONF={args.dir / 'slurm.conf'}")
        elif args.action == "down":
            down(args.dir)
            print("stopped")
        else:
            print(status(args.dir) or "not running")
    except ClusterUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
