"""Who handed in whose code: the class's similarity report (``python -m autograder similarity``).

The pipeline, one module each:

1. ``sources``: each student's files of each exercise, read as grading reads them;
2. ``canonical``: one text per program that renaming, reformatting, reordering, dead code,
   swapped operands and moving code (methods to functions, functions to static methods,
   bodies into nested helpers) do not change;
3. ``fingerprints``: copydetect's winnowed fingerprints of it, the template's subtracted;
4. ``compare``: every pair at once, code common to the class subtracted, the threshold from
   the class's own distribution;
5. ``page``: similarity.csv and the self-contained similarity.html.

Exercises are compared side by side, one process each (``jobs``), since they share nothing.
"""
from __future__ import annotations

import concurrent.futures
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.course import Course, Exercise
from autograder.similarity import compare as comparing
from autograder.similarity import fingerprints
from autograder.similarity.sources import Code, read_class, read_references, template

SHOWN_PAIRS = 30        # pairs listed per exercise besides the flagged ones
MAX_SIDE_BY_SIDE = 100  # flagged pairs shown side by side per exercise (all are in the CSV)


@dataclass
class ExerciseSimilarity:
    exercise_id: str
    title: str
    codes: list[Code]                          # every student, those with a problem included
    comparison: comparing.Comparison | None    # None: fewer than two students to compare
    details: dict[tuple[str, str], dict] = field(default_factory=dict)  # pair -> fingerprints.shared_fragments
    sources: dict[str, Code] = field(default_factory=dict)

    @property
    def compared(self) -> list[Code]:
        return [c for c in self.codes if c.problem is None]

    def flagged_pairs(self) -> list[tuple[str, str, float, int]]:
        if self.comparison is None:
            return []
        out = []
        for pair in self.comparison.pairs():
            if not self.comparison.flagged(pair[2]):
                break
            out.append(pair)
        return out


@dataclass
class ClassSimilarity:
    exercises: list[ExerciseSimilarity]
    problems: list[str] = field(default_factory=list)  # class-wide: unreadable known sources, ...
    students: int = 0


def _analyse(exercise_id: str, title: str, codes: list[Code], template_texts: list[str], sources: list[Code],
             common_share: float, threshold: float | None) -> ExerciseSimilarity:
    """One exercise, start to end, in one process (fingerprints are only comparable within one)."""
    result = ExerciseSimilarity(exercise_id, title, codes, None, sources={s.owner: s for s in sources})
    compared = result.compared
    if len(compared) < 2 and not (compared and sources):
        return result
    given = fingerprints.template_prints(template_texts)
    student_prints = [fingerprints.prints(c.text, given) for c in compared]
    source_prints = {s.owner: fingerprints.prints(s.text, given) for s in sources}
    result.comparison = comparing.compare([c.owner for c in compared], student_prints, source_prints,
                                          common_share, threshold)
    raw = fingerprints.RawPrints(fingerprints.raw_boilerplate(template_texts))
    text = {c.owner: c.text for c in compared}
    shown = min(len(result.flagged_pairs()), MAX_SIDE_BY_SIDE) + SHOWN_PAIRS
    for a, b, _, _ in itertools.islice(result.comparison.pairs(), shown):
        result.details[(a, b)] = fingerprints.shared_fragments(raw.of(a, text[a]), raw.of(b, text[b]))
    for student, matches in result.comparison.sources.items():
        for source, share in matches.items():
            if share >= result.comparison.threshold:
                result.details[(student, source)] = fingerprints.shared_fragments(
                    raw.of(student, text[student]), raw.of("\0source " + source, result.sources[source].text))
    return result


def run(course: Course, students: dict[str, Path], exercises: list[Exercise], reference: Path | None = None,
        common_share: float = comparing.COMMON_SHARE, threshold: float | None = None,
        jobs: int | None = None) -> ClassSimilarity:
    """Compare the class ``students`` (name -> folder or zip, as ``batch.discover`` gives) on ``exercises``."""
    codes = read_class(course, students, exercises)
    sources, problems = read_references(reference) if reference is not None else ([], [])
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(exercises)))
    tasks = [(e.id, e.title, codes[e.id], template(e), sources, common_share, threshold) for e in exercises]
    if jobs == 1:
        done = [_analyse(*t) for t in tasks]
    else:
        with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
            done = list(pool.map(_analyse, *zip(*tasks)))
    return ClassSimilarity(done, problems, len(students))
