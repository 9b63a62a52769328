"""A course the instructor changed (issue 40): the kit's quick tier stays green on it.

scripts/changed_course.py copies this checkout and changes its course the way an instructor adapting
it to their term would, through course.yaml and the kit's commands: a check's points raised, an
exercise added from ``course scaffold``, one dropped with ``course drop``. The quick tier of the
kit's own tests then runs on that copy: every test reads the course from its course.yaml, so a
valid change turns none red. The files whose subject is the sandbox (conftest's SANDBOX_FILES: each
attack in ex1's solution, graded with short budgets) assert nothing a change of points or exercises
touches, and they are a little over half of the quick tier's time, so this run leaves them out
(``-m "not slow and not sandbox"``); the suite's own run has them.
"""
import subprocess
import sys

from .conftest import KIT


def test_the_quick_tier_passes_on_a_changed_course(tmp_path):
    proc = subprocess.run([sys.executable, str(KIT / "scripts" / "changed_course.py"), str(tmp_path / "kit"),
                           "--run", "-q", "-m", "not slow and not sandbox", "-n", "2", "-p", "no:randomly"],
                          cwd=KIT, capture_output=True, text=True, timeout=3600)
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, tail
    assert "'dropped'" in proc.stdout and " passed" in proc.stdout, tail
