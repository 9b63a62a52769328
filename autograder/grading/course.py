"""``course.yaml``: the one source of truth for exercises, checks, points and limits,
and the kit's one registry of where each exercise's parts live.

Everything else (the grader, the stub builder, reports, releases, the kit's tests)
reads these objects; none of them restates a point value or a time limit, and none
derives a path or a module name from an exercise id: an ``Exercise`` knows its
solution, its released stub, its suite, its probes and its zoo.
"""
from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).resolve().parents[1]   # autograder/
KIT_ROOT = PACKAGE_DIR.parent
SUITES_DIR = PACKAGE_DIR / "suites"
# Where an exercise's parts live, per exercise id, unless course.yaml's `paths` says otherwise
# (relative to the course file). The defaults are the kit's own folders, so a course file kept
# elsewhere (fewer points, shorter limits) still grades with the kit's suites and files.
DEFAULT_PATHS = {"solutions": KIT_ROOT / "solutions", "exercises": KIT_ROOT / "exercises", "suites": SUITES_DIR}
VISIBILITIES = ("public", "hidden")
QUESTION_KINDS = ("choice", "written")   # a check that is a lesson question (grading/questions.py)


class CourseError(Exception):
    """course.yaml is missing or inconsistent; the message says where."""


@dataclass(frozen=True)
class Check:
    name: str          # the pytest function is test_<name>
    points: float
    visibility: str    # public: students run it themselves; hidden: only the instructor's grader
    timeout: float     # seconds for this check, student code included
    summary: str       # one line, shown in exercise READMEs and reports
    # A lesson question (grading/questions.py): "choice", graded by the kit from the student's answers.md;
    # "written", graded by a person (pending until a TA's mark is folded in); None, a check of the code.
    question: str | None = None

    @property
    def test_function(self) -> str:
        return f"test_{self.name}"

    @property
    def by_person(self) -> bool:
        """Graded by a person, not the grader: no test function; its result is pending until marked."""
        return self.question == "written"


@dataclass(frozen=True)
class Step:
    """One thing the student writes in the exercise's notebook, in a cell of its own (course.yaml ``steps``).

    The notebook splits the exercise's first file into parts, one per step, at the
    definition each step ``starts`` with (a function, a class or a method, by its
    qualified name: ``MyRNN.forward``); the first part also holds the file's head
    (docstring, imports). The step's ``checks`` get their graded cells right after it.
    """
    title: str
    starts: str
    checks: tuple[str, ...] = ()
    text: str = ""      # markdown shown above the step's cell (what to write, what the lesson expects)


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    files: tuple[str, ...]
    given: tuple[str, ...]  # kit files handed to students as they are (data, helpers); graded from the kit's copy
    time_limit: float   # seconds for all of the exercise's checks together
    memory_mb: int
    output_kb: int
    checks: dict[str, Check]
    params: dict            # exercise-specific settings (training budgets, calibrated thresholds)
    public_params: tuple[str, ...] = ()  # the params public checks read: the only ones a release ships
    hidden_points: float = 0.0  # points of the hidden checks (a student release lists their total only)
    # what each hidden check looks at, in words (name -> summary): a student release ships these words
    # (`check` lists them after a full public score), never the checks
    hidden_summaries: dict = field(default_factory=dict)
    # The registry: where this exercise's parts live (course.yaml `paths`, then the exercise id).
    solution_dir: Path = Path()  # solutions/<id>/: the reference, with ### BEGIN/END SOLUTION regions; the task text
    release_dir: Path = Path()   # exercises/<id>/: what students get (generated stubs, given files)
    suite_dir: Path = Path()     # autograder/suites/<id>/: test_<check> functions, probes.py, zoo/
    steps: tuple[Step, ...] = ()  # the notebook's step cells for the first file; () = one cell per file

    @property
    def probes(self) -> Path:
        """What runs inside the student's sandboxed process on the checks' behalf."""
        return self.suite_dir / "probes.py"

    @property
    def zoo(self) -> Path:
        """The kit's wrong and alternative implementations, and what each must score (never shipped)."""
        return self.suite_dir / "zoo" / "zoo.yaml"

    @property
    def notebook(self) -> str:
        """The file name of the exercise's notebook, released by nbgrader and handed back."""
        return f"{self.id}.ipynb"

    @property
    def folder(self) -> str:
        """The exercise's folder in a submission (``<submission>/<folder>/<files>``), as in exercises/."""
        return self.release_dir.name

    @property
    def module(self) -> str:
        """The student module the probes import (the first file, without .py)."""
        return Path(self.files[0]).stem

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks.values())

    @property
    def by_person_points(self) -> float:
        """Points of the written questions: graded by a person, not by the grader."""
        return sum(c.points for c in self.checks.values() if c.by_person)

    @property
    def answers_file(self) -> str | None:
        """The file students answer the exercise's questions in (``answers.md``), or None: no questions."""
        from autograder.grading.questions import ANSWERS_FILE

        return ANSWERS_FILE if any(c.question for c in self.checks.values()) else None

    def given_path(self, name: str) -> Path:
        """The released copy of a given file, which grading uses.

        Authors edit it in solutions/<id>/; ``stubs`` copies it to exercises/<id>/
        (a kit test fails when the copy is stale), so grading never needs solutions/.
        """
        return self.release_dir / name

    def load_given(self, name: str):
        """Import a given Python file from the kit's copy (never the student's), as a private module
        (once per path: the checks of one grading share it)."""
        return import_file(self.given_path(name))

    def checks_with(self, visibility: str | None) -> list[Check]:
        return [c for c in self.checks.values() if visibility in (None, c.visibility)]


@dataclass(frozen=True)
class Course:
    title: str
    root: Path
    exercises: dict[str, Exercise]
    wall_factor: float = 4.0   # a check's real-time backstop: wall_factor x its CPU budget + wall_slack
    wall_slack: float = 30.0
    student_bundle: bool = False  # the course.yaml of a student release (public checks only)
    cluster: dict = field(default_factory=dict)  # batch --executor slurm: a student's job (executors.ClusterOptions)
    # where exercises' folders live (course.yaml `paths`, else the kit's own): solutions, exercises, suites
    paths: dict = field(default_factory=lambda: dict(DEFAULT_PATHS))

    def wall_backstop(self, cpu_seconds: float) -> float:
        """Real seconds after which a check is stopped whatever its CPU use (code that sleeps)."""
        return self.wall_factor * cpu_seconds + self.wall_slack

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises.values())

    def select(self, ids: list[str] | None) -> list[Exercise]:
        if not ids:
            return list(self.exercises.values())
        unknown = [i for i in ids if i not in self.exercises]
        if unknown:
            raise CourseError(f"unknown exercise {', '.join(unknown)}; known: {', '.join(self.exercises)}")
        return [self.exercises[i] for i in ids]


@functools.lru_cache(maxsize=None)
def import_file(path: Path):
    spec = importlib.util.spec_from_file_location(f"kit_given_{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _need(mapping: dict, key: str, where: str):
    if key not in mapping:
        raise CourseError(f"course.yaml: {where} needs '{key}'")
    return mapping[key]


def _steps(raw, checks: dict, where: str) -> tuple[Step, ...]:
    """course.yaml's ``steps`` of an exercise, each check in at most one step (CourseError otherwise)."""
    if not isinstance(raw, (list, tuple)):
        raise CourseError(f"course.yaml: {where}: steps must be a list")
    steps, placed = [], set()
    for i, spec in enumerate(raw, 1):
        if not isinstance(spec, dict) or not isinstance(spec.get("starts"), str):
            raise CourseError(f"course.yaml: {where}: step {i} needs `starts:` (the function, class or method "
                              "its cell begins with, e.g. MyRNN.forward)")
        names = tuple(spec.get("checks") or ())
        unknown = [n for n in names if n not in checks]
        twice = [n for n in names if n in placed]
        if unknown or twice:
            raise CourseError(f"course.yaml: {where}: step {i} names " + (
                f"checks it does not have: {', '.join(unknown)}" if unknown else
                f"checks already placed after an earlier step: {', '.join(twice)}"))
        placed.update(names)
        steps.append(Step(title=str(spec.get("title") or spec["starts"]), starts=spec["starts"], checks=names,
                          text=str(spec.get("text") or "").strip()))
    return tuple(steps)


def load_course(path: Path | None = None) -> Course:
    path = Path(path or KIT_ROOT / "course.yaml")
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise CourseError(f"no course file at {path}") from None
    except yaml.YAMLError as exc:
        raise CourseError(f"course.yaml is not valid YAML: {exc}") from None
    defaults = raw.get("defaults", {})
    folders = {key: (path.parent / raw["paths"][key]).resolve() if key in (raw.get("paths") or {}) else default
               for key, default in DEFAULT_PATHS.items()}
    exercises = {}
    for ex_id, spec in _need(raw, "exercises", "the top level").items():
        where = f"exercise {ex_id}"
        checks = {}
        for name, c in _need(spec, "checks", where).items():
            vis = c.get("visibility", "hidden")
            if vis not in VISIBILITIES:
                raise CourseError(f"course.yaml: check {ex_id}/{name}: visibility must be public or hidden")
            question = c.get("question")
            if question is not None and question not in QUESTION_KINDS:
                raise CourseError(f"course.yaml: check {ex_id}/{name}: question must be choice or written")
            if question is not None and vis != "hidden" and not raw.get("student_bundle"):
                raise CourseError(f"course.yaml: check {ex_id}/{name}: a question is graded by the instructor "
                                  "(its key and rubric are never shipped): its visibility must be hidden")
            checks[name] = Check(
                name=name,
                points=float(_need(c, "points", f"check {ex_id}/{name}")),
                visibility=vis,
                timeout=float(c.get("timeout", defaults.get("check_timeout", 30))),
                summary=c.get("summary", ""),
                question=question,
            )
        exercises[ex_id] = Exercise(
            id=ex_id,
            title=_need(spec, "title", where),
            files=tuple(_need(spec, "files", where)),
            given=tuple(spec.get("given", ())),
            time_limit=float(spec.get("time_limit", defaults.get("exercise_time_limit", 300))),
            memory_mb=int(spec.get("memory_mb", defaults.get("memory_mb", 2048))),
            output_kb=int(spec.get("output_kb", defaults.get("output_kb", 2048))),
            checks=checks,
            params=dict(spec.get("params", {})),
            public_params=tuple(spec.get("public_params", ())),
            hidden_points=float(spec.get("hidden_points", sum(c.points for c in checks.values()
                                                              if c.visibility == "hidden"))),
            hidden_summaries=dict(spec.get("hidden_summaries", {n: c.summary for n, c in checks.items()
                                                                 if c.visibility == "hidden"})),
            solution_dir=folders["solutions"] / ex_id,
            release_dir=folders["exercises"] / ex_id,
            suite_dir=folders["suites"] / ex_id,
            steps=_steps(spec.get("steps") or (), checks, where),
        )
        unknown = set(exercises[ex_id].public_params) - set(exercises[ex_id].params)
        if unknown:
            raise CourseError(f"course.yaml: exercise {ex_id}: public_params names {sorted(unknown)}, "
                              "which are not in its params")
    return Course(title=raw.get("title", "course"), root=path.parent, exercises=exercises,
                  wall_factor=float(defaults.get("wall_factor", 4)), wall_slack=float(defaults.get("wall_slack", 30)),
                  student_bundle=bool(raw.get("student_bundle", False)), cluster=dict(raw.get("cluster") or {}),
                  paths=folders)
