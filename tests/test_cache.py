"""The trained-model cache (autograder/grading/cache.py): built once per key, even by processes
that start together (a class graded with --jobs, the kit's own test workers); a damaged entry
is rebuilt; AUTOGRADER_CACHE=off builds every time."""
import os
import subprocess
import sys

from .conftest import KIT

BUILD = """
import sys, time, torch
from autograder.grading import cache
def build():
    with open(sys.argv[1], "a") as log:
        log.write("built\\n")
    time.sleep(2)            # long enough for the other process to find the entry missing too
    return {"w": torch.arange(6.0).reshape(2, 3)}
got = cache.tensors("test-entry", cache.key_of("k"), build)
print(got["w"].sum().item())
"""


def _start(tmp_path, env_cache):
    env = {**os.environ, "AUTOGRADER_CACHE": str(env_cache)}
    return subprocess.Popen([sys.executable, "-c", BUILD, str(tmp_path / "log")], cwd=KIT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _builds(tmp_path):
    log = tmp_path / "log"
    return log.read_text().count("built") if log.exists() else 0


def test_processes_that_start_together_build_an_entry_once(tmp_path):
    folder = tmp_path / "cache"
    procs = [_start(tmp_path, folder) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert [o.strip() for o, _ in outs] == ["15.0"] * 3
    assert _builds(tmp_path) == 1
    entries = [p for p in folder.iterdir() if p.suffix == ".pt"]
    assert len(entries) == 1

    # a damaged entry is built again, and then read
    entries[0].write_bytes(b"not a torch file")
    proc = _start(tmp_path, folder)
    assert proc.communicate(timeout=120)[0].strip() == "15.0" and _builds(tmp_path) == 2
    proc = _start(tmp_path, folder)
    assert proc.communicate(timeout=120)[0].strip() == "15.0" and _builds(tmp_path) == 2


def test_off_builds_every_time(tmp_path):
    for _ in range(2):
        proc = _start(tmp_path, "off")
        assert proc.communicate(timeout=120)[0].strip() == "15.0"
    assert _builds(tmp_path) == 2 and not (KIT / "off").exists()
