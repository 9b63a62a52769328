"""What grading produces: per check, per exercise, per submission; and its renderings.

The JSON layout is the contract's; Gradescope's results.json and the terminal
table are derived from the same objects.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.grading.neutral import for_terminal
from autograder.sandbox.failures import GRADER_ERROR

# grader_error: the grader's side failed; not scored, graded again (see sandbox/failures.py).
# pending: a written answer awaiting a person (grading/questions.py); not scored until a mark is entered
# (grading/marks.py), and then "marked": scored as the person scored it, with their comment.
PENDING, MARKED = "pending", "marked"
STATUSES = ("passed", "failed", "error", "timeout", GRADER_ERROR, PENDING, MARKED)
UNSCORED = (GRADER_ERROR, PENDING)   # neither won nor lost: left out of max_score, and said
# A submission's status in a class's gradebook (README, "Grading a class"):
GRADED = "graded"                        # every check ran: the score is final, whatever it is
NOTHING_HANDED_IN = "nothing_handed_in"  # graded 0: no file or notebook of the exercises was found
# GRADER_ERROR: some check failed on the grader's side; not scored, graded again on the next run
FLAGGED = "flagged"  # graded 0 on an exercise whose code interfered with the grader: for the instructor to review
TO_GRADE_BY_HAND = "to_grade_by_hand"  # every check ran; written answers await a person (their points are pending)


@dataclass
class CheckResult:
    name: str
    score: float
    max_score: float
    status: str          # one of STATUSES
    output: str          # why, in words a student understands
    visibility: str = "public"
    images: list[str] = field(default_factory=list)  # PNG data URIs: plots, confusion matrices
    # each image's text alternative, written from the numbers it draws (what a screen reader says for it)
    image_texts: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # CPU time the student's code used in this check
    by_person: bool = False   # a written answer (grading/questions.py): graded by a person, never by the grader

    def __post_init__(self):
        if self.status not in STATUSES:  # every output format maps exactly these
            raise ValueError(f"check {self.name}: status {self.status!r} is not one of {STATUSES}")


@dataclass
class ExerciseResult:
    id: str
    title: str
    tests: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the grader chose or ignored (e.g. a .py beside a notebook)
    # Evidence that the exercise's code interfered with the grader (seen from outside it: the audit
    # channel, the seccomp filter's kill): every check of the exercise then fails (plugin.flag).
    tampering: list[str] = field(default_factory=list)
    # The budgets it was graded under (course.yaml): CPU seconds for all its checks, and per check.
    budget: dict = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        """Points of the checks that were scored: one the grader failed on is not, until it is graded again,
        nor a written answer awaiting a person, until it is marked."""
        return sum(t.max_score for t in self.tests if t.status not in UNSCORED)

    @property
    def pending_points(self) -> float:
        """Points of the written answers that await a person."""
        return sum(t.max_score for t in self.tests if t.status == PENDING)

    @property
    def ungraded_points(self) -> float:
        """Points of the checks the grader failed on (neither won nor lost)."""
        return sum(t.max_score for t in self.tests if t.status == GRADER_ERROR)


@dataclass
class SubmissionResult:
    submission: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    # Peak resident memory (MB) of each exercise's worker tree; measured, not part of the JSON.
    peak_rss_mb: dict[str, float] = field(default_factory=dict, compare=False)
    # In a class (batch): who it is, what it was graded from (a stored result that no longer
    # matches is graded again), and whether anything of the exercises was handed in at all.
    student: str = ""
    graded_from: dict | None = None
    nothing_handed_in: bool = False

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    @property
    def pending_points(self) -> float:
        return sum(e.pending_points for e in self.exercises)

    @property
    def grader_errors(self) -> list[str]:
        """'exercise: check' of every check the grader failed on (not scored; grade again)."""
        return [f"{e.id}: {t.name}" for e in self.exercises for t in e.tests if t.status == GRADER_ERROR]

    @property
    def status(self) -> str:
        """The gradebook's status: FLAGGED, GRADER_ERROR, NOTHING_HANDED_IN, TO_GRADE_BY_HAND or GRADED."""
        if any(e.tampering for e in self.exercises):
            return FLAGGED  # before grader_error: a regrade would not change what the code did
        if self.grader_errors:
            return GRADER_ERROR
        if self.nothing_handed_in:
            return NOTHING_HANDED_IN
        return TO_GRADE_BY_HAND if self.pending_points else GRADED

    def to_json(self) -> dict:
        out = {
            "score": self.score,
            "max_score": self.max_score,
            "exercises": [
                {"id": e.id, "title": e.title, "score": e.score, "max_score": e.max_score,
                 "tests": [asdict(t) for t in e.tests], "notes": list(e.notes),
                 **({"ungraded_points": e.ungraded_points} if e.ungraded_points else {}),
                 **({"pending_points": e.pending_points} if e.pending_points else {}),
                 **({"budget": dict(e.budget)} if e.budget else {}),
                 **({"tampering": list(e.tampering)} if e.tampering else {})}
                for e in self.exercises
            ],
        }
        if self.pending_points:
            out["pending_points"] = self.pending_points   # written answers awaiting a person
        if self.student:
            out["student"] = self.student
        if self.graded_from is not None:
            out["graded_from"] = self.graded_from
        if self.nothing_handed_in:
            out["nothing_handed_in"] = True
        return out

    @classmethod
    def from_json(cls, data: dict, submission: str = "") -> "SubmissionResult":
        return cls(submission, [
            ExerciseResult(e["id"], e.get("title", e["id"]), [CheckResult(**t) for t in e["tests"]],
                           list(e.get("notes", [])), list(e.get("tampering", [])), dict(e.get("budget") or {}))
            for e in data["exercises"]
        ], student=data.get("student", ""), graded_from=data.get("graded_from"),
            nothing_handed_in=bool(data.get("nothing_handed_in")))

    def to_gradescope(self) -> dict:
        """Gradescope's results.json: hidden checks are shown after grades are published.

        A check the grader failed on is shown only after publishing too, whatever its
        visibility: while any check is unpublished, Gradescope hides the total from the
        student, so a grader failure never shows as a lost point; the instructor sees
        ``grader_error`` in extra_data and regrades.
        """
        tests, manual = [], []
        for e in self.exercises:
            for t in e.tests:
                if t.by_person or t.status in (PENDING, MARKED):  # a written answer: graded by hand in Gradescope
                    manual.append(f"{e.id}: {t.name} ({t.max_score:g} points)")
                    continue
                test = {
                    "name": f"{e.id}: {t.name}",
                    "score": t.score,
                    "max_score": t.max_score,
                    "status": "passed" if t.status == "passed" else "failed",
                    "output": t.output,
                    "visibility": "visible" if t.visibility == "public" else "after_published",
                }
                if t.status == GRADER_ERROR:
                    test["visibility"] = "after_published"
                    test["extra_data"] = {"grader_error": True}
                tests.append(test)
        out = {"score": sum(t["score"] for t in tests), "tests": tests, "visibility": "visible",
               "stdout_visibility": "hidden"}
        notes = [f"{e.id}: {n}" for e in self.exercises for n in e.notes]
        if manual:   # never a 0 in the autograder's score: Gradescope's manually graded questions carry them
            notes.append("Written answers, graded by hand as separate questions of this assignment (not in this "
                         "score): " + "; ".join(manual))
            out["extra_data"] = {"manual_questions": manual}
        if notes:
            out["output"] = "\n".join(notes)
        if self.grader_errors:
            out["extra_data"] = {**out.get("extra_data", {}), "grader_error": True, "grader_errors": self.grader_errors}
            out["output"] = (out.get("output", "") + "\n" if notes else "") + (
                f"The grader failed on {len(self.grader_errors)} check(s) ({', '.join(self.grader_errors)}), "
                "not because of your code. They are not scored: your total stays hidden until your "
                "instructor grades them again.")
        return out


def failed_result(exercises, submission: str, why: str, status: str = "error") -> SubmissionResult:
    """A result where every check of ``exercises`` failed for one reason."""
    result = SubmissionResult(submission)
    for ex in exercises:
        result.exercises.append(ExerciseResult(ex.id, ex.title, [
            CheckResult(c.name, 0.0, c.points, status, why, c.visibility, by_person=c.by_person)
            for c in ex.checks.values()]))
    return result


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: os.umask can only be read by setting it, which must not happen while
# batch's threads write files.
UMASK = _umask()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file so a reader sees the old one or the new one, never half of one; readable by
    others as an ordinary new file would be (reports are served to TAs), not mkstemp's 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o666 & ~UMASK)
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)  # a disk that filled up leaves no half-written file behind
        raise


def write_json_atomic(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=2) + "\n")


def _clip(text: str, width: int) -> str:
    text = for_terminal(text.replace("\n", " "))
    return text if len(text) <= width else text[: width - 1] + "…"


def out_of(score: float, graded: float, pending: float) -> str:
    """"score / maximum", the maximum counting the written answers that await a person, and how many those are:
    "21 / 27, of which 3 to grade by hand" (their points are not scored yet: max_score leaves them out)."""
    if not pending:
        return f"{score:g} / {graded:g}"
    return f"{score:g} / {graded + pending:g}, of which {pending:g} to grade by hand"


def render_table(result: SubmissionResult, width: int = 100) -> str:
    """A terminal table: points per exercise and per check, then why each check failed, in full.

    Checks of one exercise that failed for the same reason share one entry under the table.
    """
    lines = [f"Submission: {for_terminal(result.submission)}", ""]
    name_w = max([len(t.name) for e in result.exercises for t in e.tests] + [20])
    for e in result.exercises:
        ungraded = f" ({e.ungraded_points:g} points not graded: the grader failed)" if e.ungraded_points else ""
        lines.append(f"{e.id} — {e.title}: {out_of(e.score, e.max_score, e.pending_points)}{ungraded}")
        if e.budget.get("time_limit_cpu_s"):
            lines.append(f"  (graded within {e.budget['time_limit_cpu_s']:g} CPU s for its checks, "
                         f"{e.budget.get('memory_mb', 0):g} MB of memory: course.yaml)")
        for t in e.tests:
            mark = {"passed": "ok", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT",
                    "grader_error": "GRADER", PENDING: "BY HAND", MARKED: "marked"}[t.status]
            vis = "" if t.visibility == "public" else "hidden"
            first = t.output.splitlines()[0] if t.output else ""
            msg = "" if t.status == "passed" else "  " + _clip(first, max(20, width - name_w - 30))
            lines.append(f"  {t.name:<{name_w}} {t.score:>4g}/{t.max_score:<4g} {mark:<7} {vis:<6}{msg}")
        lines += [f"  note: {for_terminal(n)}" for n in e.notes]
        if e.tampering:
            lines.append(f"  FLAGGED for review: {for_terminal('; '.join(e.tampering))}")
        lines.append("")
    lines.append(f"Total: {out_of(result.score, result.max_score, result.pending_points)}")
    reasons: dict[tuple[str, str], list[str]] = {}
    for e in result.exercises:
        for t in e.tests:
            if t.status not in ("passed", PENDING) and t.output.strip():
                reasons.setdefault((e.id, t.output.strip()), []).append(t.name)
    if reasons:
        lines += ["", "Why each check failed:"]
        for (ex_id, output), names in reasons.items():
            lines.append(f"--- {ex_id}: {', '.join(names)}")
            lines += ["    " + for_terminal(ln) for ln in output.splitlines()]
    return "\n".join(lines)
