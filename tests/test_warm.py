"""The warm grader (commands/warm.py): a student's checks after the first are answered by a server that keeps
the grader imported and a worker started, with the verdicts the plain route gives, and it ends when told."""
import shutil
import time

import pytest

from autograder.publish.authoring import render
from autograder.sandbox import isolation

from .conftest import KIT, SOLUTIONS, run_cli

pytestmark = pytest.mark.skipif(isolation.mode() not in ("bwrap", "none"), reason="no warm grader in this mode")
WRONG = render((SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text(),
               regions={"rnn_cell": "return torch.tanh(x_t @ W_xh + h_prev @ W_hh.T + b)"})


def _table(stdout: str) -> str:
    """check's table and messages, without the lines that name when things ran."""
    return "\n".join(line for line in stdout.splitlines() if "warm" not in line)


def test_checks_after_the_first_are_answered_warm_with_the_same_verdicts(tmp_path, monkeypatch):
    from autograder.commands import warm

    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {"AUTOGRADER_NO_WARM": "0", "XDG_RUNTIME_DIR": str(runtime)}
    work = tmp_path / "work"
    shutil.copytree(SOLUTIONS / "ex1_myrnn", work / "ex1_myrnn")
    args = ["check", "ex1_myrnn", "--dir", work, "--no-lesson"]
    cold = run_cli(*args, env_extra={"AUTOGRADER_NO_WARM": "1"})
    first = run_cli(*args, env_extra=env)     # graded as before; starts the server
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    try:
        path = warm.socket_path(KIT / "course.yaml")
        for _ in range(120):
            if path.exists():
                break
            time.sleep(0.5)
        assert path.exists(), "the first check did not start the warm grader"
        assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
        answered = run_cli(*args, env_extra=env)   # warm, no spare yet
        spared = run_cli(*args, env_extra=env)     # warm, with the worker the server started after the last
        assert _table(cold.stdout) == _table(first.stdout) == _table(answered.stdout) == _table(spared.stdout)
        (work / "ex1_myrnn" / "myrnn.py").write_text(WRONG)   # an edit: the next check sees it at once
        wrong_warm = run_cli(*args, env_extra=env)
        wrong_cold = run_cli(*args, env_extra={"AUTOGRADER_NO_WARM": "1"})
        assert _table(wrong_warm.stdout) != _table(spared.stdout)   # the edit was seen
        assert _table(wrong_warm.stdout) == _table(wrong_cold.stdout)
    finally:
        assert warm.stop(KIT / "course.yaml")
    for _ in range(60):
        if not path.exists():
            break
        time.sleep(0.5)
    assert not path.exists(), "the warm grader did not end when told"
