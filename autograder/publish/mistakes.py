"""The mistakes a class shares: what to re-teach on Monday (summary.html's section, mistakes.csv).

Per exercise, the students who failed some check are grouped by the *pattern* of checks they
failed (the set of names), largest group first; within a group, by the *mistake*: the failed
checks' messages with their numbers and quoted values masked, so two students whose code
makes the same mistake (same message, other values) fall together, and a check that named a
mistake ("This matches a known mistake: W_xh transposed") splits its group by the mistake it
named. Each group shows its count, one representative message, its students (linked to their
reports) and how much of the exercise's failing students the top 3 and top 10 groups cover
(Huang et al. 2013: a few output patterns cover most errors).

Only what the checks said is used. A check the grader failed on (grader_error) is not a
mistake and is left out; a student who passed everything is in no group.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from autograder.grading.neutral import for_csv, for_html, for_url
from autograder.grading.results import GRADER_ERROR, SubmissionResult
from autograder.publish.report import table

MISSED = ("failed", "error", "timeout")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", re.IGNORECASE)
_QUOTED = re.compile(r"'[^'\n]{0,80}'|\"[^\"\n]{0,80}\"")
_PREVIEW = re.compile(r"^\s*(expected|got)\s*:", re.IGNORECASE)  # value previews: the values differ per student
NAMING = re.compile(r"known mistake|looks like|it matches|you (?:may|might) have|did you|forgot|instead of|"
                    r"transposed|not carried|is ignored|without the|missing", re.IGNORECASE)
MAX_EXAMPLE = 600


def masked(output: str) -> str:
    """A check's message with what varies between students who made the same mistake masked."""
    lines = [line for line in output.splitlines() if not _PREVIEW.match(line)]
    text = _QUOTED.sub("'…'", " ".join(lines))
    return re.sub(r"\s+", " ", _NUMBER.sub("#", text)).strip()


def named_mistake(output: str) -> str:
    """The sentences of a message that name a mistake ('' when it names none)."""
    lines = [line.strip() for line in output.splitlines() if line.strip() and not _PREVIEW.match(line)]
    sentences = [s for line in lines for s in re.split(r"(?<=[.!?])\s+", line)]
    return " ".join(s for s in sentences if NAMING.search(s))


@dataclass
class Mistake:
    """Students of one pattern whose failed checks said the same thing."""
    key: tuple[str, ...]
    named: str                  # the mistake the checks named ('' if none)
    example: str                # one student's message (the first that names the mistake, else the first)
    students: list[str] = field(default_factory=list)


@dataclass
class Pattern:
    exercise: str
    failed: tuple[str, ...]     # the checks failed, in the exercise's order
    mistakes: list[Mistake] = field(default_factory=list)

    @property
    def students(self) -> list[str]:
        return sorted(s for m in self.mistakes for s in m.students)


@dataclass
class ExerciseMistakes:
    exercise: str
    title: str
    failing: int                # students who failed at least one check of it
    graded: int                 # students graded on it
    patterns: list[Pattern] = field(default_factory=list)

    def coverage(self, top: int) -> float:
        """Share of the failing students that the ``top`` largest patterns hold."""
        return sum(len(p.students) for p in self.patterns[:top]) / self.failing if self.failing else 0.0


def class_mistakes(results: dict[str, SubmissionResult]) -> list[ExerciseMistakes]:
    found: dict[str, ExerciseMistakes] = {}
    patterns: dict[tuple[str, tuple], Pattern] = {}
    for student, result in sorted(results.items()):
        for e in result.exercises:
            summary = found.setdefault(e.id, ExerciseMistakes(e.id, e.title, 0, 0))
            scored = [t for t in e.tests if t.status != GRADER_ERROR]
            if not scored:
                continue
            summary.graded += 1
            missed = [t for t in scored if t.status in MISSED]
            if not missed:
                continue
            summary.failing += 1
            failed = tuple(t.name for t in missed)
            pattern = patterns.setdefault((e.id, failed), Pattern(e.id, failed))
            key = tuple(masked(t.output) for t in missed)
            mistake = next((m for m in pattern.mistakes if m.key == key), None)
            if mistake is None:
                names = [named_mistake(t.output) for t in missed]
                named = "; ".join(dict.fromkeys(n for n in names if n))
                # The message shown: the first that names the mistake, else the first failed check's.
                example = next((t.output for t, n in zip(missed, names) if n), missed[0].output)
                mistake = Mistake(key, named, example[:MAX_EXAMPLE])
                pattern.mistakes.append(mistake)
            mistake.students.append(student)
    for pattern in patterns.values():
        pattern.mistakes.sort(key=lambda m: (-len(m.students), m.key))
        found[pattern.exercise].patterns.append(pattern)
    for summary in found.values():
        summary.patterns.sort(key=lambda p: (-len(p.students), p.failed))
    return list(found.values())


def render_csv(summaries: list[ExerciseMistakes]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["exercise", "group", "failed_checks", "group_students", "mistake", "students",
                     "student_names", "cumulative_share_of_failing", "example_message"])
    for s in summaries:
        covered = 0
        for rank, pattern in enumerate(s.patterns, 1):
            covered += len(pattern.students)
            for m in pattern.mistakes:
                writer.writerow([for_csv(s.exercise), rank, for_csv(";".join(pattern.failed)), len(pattern.students),
                                 for_csv(m.named), len(m.students), for_csv(";".join(m.students)),
                                 f"{covered / s.failing:.3f}", for_csv(m.example)])
    return buf.getvalue()


def _students(names: list[str]) -> str:
    return ", ".join(f"<a href='reports/{for_url(n)}.html'>{for_html(n)}</a>" for n in names)


def render_html(summaries: list[ExerciseMistakes], shown: int = 10) -> str:
    """summary.html's section: per exercise, the ``shown`` largest patterns (mistakes.csv has all)."""
    parts = ["<h2 id='mistakes'>Mistakes the class shares</h2>",
             "<p class='note'>Students grouped by the checks they failed, then by what the checks said. "
             "Every group is in mistakes.csv.</p>"]
    for s in summaries:
        parts.append(f"<h3>{for_html(s.exercise)}: {for_html(s.title)}</h3>")
        if not s.failing:
            parts.append(f"<p>All {s.graded} graded students passed every check.</p>")
            continue
        parts.append(f"<p>{s.failing} of {s.graded} students failed some check, in {len(s.patterns)} pattern(s). "
                     f"The largest 3 hold {s.coverage(3):.0%} of them, the largest 10 {s.coverage(10):.0%}.</p>")
        rows = []
        for pattern in s.patterns[:shown]:
            for i, m in enumerate(pattern.mistakes):
                first = (f"<td rowspan='{len(pattern.mistakes)}'><strong>{len(pattern.students)}</strong></td>"
                         f"<td rowspan='{len(pattern.mistakes)}'>{for_html(', '.join(pattern.failed))}</td>") if i == 0 else ""
                named = f"<strong>{for_html(m.named)}</strong>" if m.named else ""
                rows.append(f"<tr>{first}<td>{len(m.students)}</td><td>{named}<pre>{for_html(m.example)}</pre></td>"
                            f"<td>{_students(m.students)}</td></tr>")
        parts.append(table(f"{s.exercise}: mistakes the class shares, largest first",
                           ["students", "checks failed", "with this message", "mistake (one student's message)", "who"],
                           rows))
        if len(s.patterns) > shown:
            parts.append(f"<p class='note'>{len(s.patterns) - shown} smaller pattern(s) in mistakes.csv.</p>")
    return "".join(parts)
