"""grade --jobs N: exercises graded side by side give the verdicts serial grading gives."""
import shutil

import pytest

from autograder.grading.course import load_course
from autograder.commands.parallel import _share, available_cpus

from .conftest import KIT, SOLUTIONS, grade, needs

COURSE = load_course()


def test_shares_are_balanced_longest_first_and_cover_every_exercise():
    exercises = list(COURSE.exercises.values())
    for jobs in (1, 2, 3, 8):
        shares = _share(exercises, jobs)
        assert len(shares) == min(jobs, len(exercises)) and all(shares)
        assert sorted(e.id for s in shares for e in s) == sorted(COURSE.exercises)
    longest = max(exercises, key=lambda e: e.time_limit)
    two = _share(exercises, 2)
    assert next(s for s in two if longest in s)[0] is longest
    assert available_cpus() >= 1


@pytest.mark.xdist_group("parallel")
@needs("ex1_myrnn", "ex3_names", "ex5_hidden_pca")
def test_parallel_and_serial_verdicts_are_identical(tmp_path):
    sub = tmp_path / "mixed"   # a right exercise, a wrong one, blank stubs and one not handed in
    shutil.copytree(KIT / "exercises", sub)
    shutil.copy(SOLUTIONS / "ex5_hidden_pca" / "hidden_pca.py", sub / "ex5_hidden_pca" / "hidden_pca.py")
    wrong = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text().replace(
        "h = torch.tanh(torch.addmm(p_t, h, w_hh_t))", "h = torch.relu(torch.addmm(p_t, h, w_hh_t))")
    (sub / "ex1_myrnn" / "myrnn.py").write_text(wrong)
    (sub / "ex3_names" / "names.py").unlink()

    def verdicts(jobs: str) -> list:
        result = grade(sub, extra=["--jobs", jobs])
        return [(e["id"], t["name"], t["status"], t["score"], t["output"]) for e in result["exercises"]
                for t in e["tests"]]

    serial, parallel = verdicts("1"), verdicts("3")
    assert [v[:2] for v in serial] == [(e.id, c) for e in COURSE.exercises.values() for c in e.checks]
    assert parallel == serial
    scores = {}
    for ex, _, _, score, _ in serial:
        scores[ex] = scores.get(ex, 0) + score
    ex5 = COURSE.exercises["ex5_hidden_pca"]   # its code's points: answers.md is the blank one released
    assert scores["ex5_hidden_pca"] == sum(c.points for c in ex5.checks.values() if not c.question)
    assert 0 < scores["ex1_myrnn"] < COURSE.exercises["ex1_myrnn"].max_score
    assert scores["ex3_names"] == 0
