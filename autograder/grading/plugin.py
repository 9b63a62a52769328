"""The pytest plugin that turns a grader suite's test functions into scored checks.

``engine.grade`` runs pytest in-process with one ``GradingPlugin``. A suite is plain
pytest: ``autograder/suites/<exercise>/test_*.py`` with one ``test_<check>`` function per
check in course.yaml. The plugin

- keeps only the checks asked for (``pytest_collection_modifyitems``): the exercise is
  the one whose ``suite_dir`` (course.yaml's registry) holds the test file, the check is
  the function's name without ``test_``;
- gives each check its budget (``pytest_runtest_protocol``): CPU seconds of the student's
  process tree, ``timeout`` capped by what is left of the exercise's ``time_limit``, with
  a real-time backstop (``Course.wall_backstop``) against code that sleeps;
- hands the suites their fixtures, defined on the plugin itself:

  ``student``   the exercise's sandboxed student process (``StudentHandle``): ``call(probe, **args)``
  ``params``    the exercise's ``params`` from course.yaml
  ``exercise``  the ``Exercise`` (its given files: ``load_given``, ``given_path``)
  ``memo``      a dict the exercise's checks share while grading one submission

- turns each outcome into a ``CheckResult`` (``pytest_runtest_makereport`` and
  ``classify``): a ``CheckFailed``/assert is the student's ``failed`` with the check's own
  words; a ``StudentFailure`` (crash, timeout, memory) says what the student's code did;
  a ``GraderError`` the grader raised itself (the sandbox could not start) is ``grader_error``,
  never scored; anything else (the worker's claim that a probe failed, an exception in the
  check's own code) is decided by ``attribution``: the grader's only if the course's reference
  solution fails the same check the same way.
"""
from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from autograder.grading.checking import CheckFailed
from autograder.grading.course import Course, Exercise
from autograder.grading.attribution import Attribution
from autograder.grading.results import PENDING, CheckResult, ExerciseResult, SubmissionResult
from autograder.grading.submission import Submission
from autograder.sandbox.client import StudentProcess
from autograder.sandbox.failures import (GRADER_ERROR, ClaimedGraderError, GraderError, MissingSubmission,
                                         StudentFailure, StudentTimeout)
from autograder.sandbox.isolation import Limits

INTERNAL_ERROR = "the grader hit an internal error in this check, not your code; it is not scored"


def student_process(exercise: Exercise, files: dict[str, Path], hide: list[str]) -> StudentProcess:
    """A sandboxed process for ``files`` (a student's, or the reference's) under the exercise's limits."""
    return StudentProcess(module=exercise.module, student_files=files, probes=exercise.probes,
                          given={name: exercise.given_path(name) for name in exercise.given},
                          limits=Limits(memory_mb=exercise.memory_mb, output_kb=exercise.output_kb,
                                        cpu_seconds=int(exercise.time_limit) + 60),
                          hide=hide)


class StudentHandle:
    """What a check sees as ``student``: call probes within the check's deadline.

    ``reference``: a ``client.Budget`` on the course's reference solution, which ``attribution`` runs a check
    against (its own process, its own budget, nothing charged to the student)."""

    def __init__(self, plugin: "GradingPlugin", exercise: Exercise, check_name: str = "", reference=None):
        self._plugin, self._exercise, self._check = plugin, exercise, check_name
        self._reference = reference

    def attach_png(self, png: bytes, text: str = "") -> None:
        """Show a picture with this check's feedback (a plot, a confusion matrix); ``text``: what it shows, in
        its own numbers (the loss at the start and the end, the most confused pairs): its text alternative
        for a reader who cannot see it, shown under it for everyone."""
        if self._reference is not None:
            return
        png = bytes(png)
        if not png.startswith(b"\x89PNG") or len(png) > 2_000_000:
            return  # not a PNG, or too large to carry in a report: no picture rather than junk
        uri = "data:image/png;base64," + base64.b64encode(png).decode()
        self._plugin.images.setdefault((self._exercise.id, self._check), []).append(uri)
        self._plugin.image_texts.setdefault((self._exercise.id, self._check), []).append(str(text)[:2000])

    def note(self, text: str) -> None:
        """Say something under the exercise (in ``check``'s output and the report) that costs no point
        here: a mistake another check, perhaps a hidden one, charges. Said once however often noted."""
        if self._reference is not None:
            return  # the reference's run is the grader's question to itself, not the student's feedback
        notes = self._plugin.check_notes.setdefault(self._exercise.id, [])
        if text not in notes:
            notes.append(text)

    def call(self, probe: str, **args):
        return self._timed(lambda proc, budget, deadline: proc.call(probe, cpu_budget=budget,
                                                                    wall_deadline=deadline, **args))

    def guards_hold(self) -> bool:
        """Whether the probes' guards (e.g. ex1's switched-off kernels) still work after the student's code ran."""
        return self._timed(lambda proc, budget, deadline: proc.guards_hold(budget, deadline))

    def evidence(self) -> dict[str, int]:
        """What the worker's tamper-evident audit channel reported so far: {"kernel": n, "tamper <event>": n}."""
        proc = self._reference.process if self._reference else self._plugin.process_for(self._exercise)
        return dict(proc.evidence)

    def _timed(self, run):
        if self._reference is not None:
            return self._reference.run(run)
        plugin = self._plugin
        budget = plugin.check_budget - plugin.check_cpu
        if budget <= 0:
            raise StudentTimeout("the CPU time for this check ran out")
        proc = plugin.process_for(self._exercise)
        before = proc.cpu_spent
        try:
            return run(proc, budget, plugin.wall_deadline)
        finally:
            used = proc.cpu_spent - before
            plugin.check_cpu += used
            plugin.spent[self._exercise.id] += used

    @property
    def source(self) -> str | None:
        """The student's main file as text, read by the grader (for static checks)."""
        return self._plugin.submission.source(self._exercise)


class GradingPlugin:
    def __init__(self, course: Course, exercises: list[Exercise], submission: Submission,
                 visibility: str | None, check_names: list[str] | None, hide: list[str], spares: dict | None = None):
        self.course, self.submission = course, submission
        self.spares = spares if spares is not None else {}   # exercise id -> a started StudentProcess, no files yet
        self.exercises = {e.id: e for e in exercises}
        self._by_suite = {e.suite_dir.resolve(): e for e in exercises}
        self.visibility, self.check_names, self.hide = visibility, check_names, hide
        self.results: dict[tuple[str, str], CheckResult] = {}
        self.spent = {e.id: 0.0 for e in exercises}      # student CPU seconds per exercise
        self.started: dict[str, float] = {}              # when each exercise's first check began (monotonic)
        self.processes: dict[str, StudentProcess] = {}
        self.check_budget = self.check_cpu = self.wall_deadline = 0.0
        # Results one check may reuse in another (e.g. a trained model's score),
        # per exercise, for this submission only.
        self.memos: dict[str, dict] = {e.id: {} for e in exercises}
        self.check_notes: dict[str, list[str]] = {}   # StudentHandle.note: exercise id -> lines
        self.answers: dict[str, tuple] = {}   # question_result: exercise id -> its questions and the student's answers
        self.images: dict[tuple[str, str], list[str]] = {}  # (exercise, check) -> PNG data URIs
        self.image_texts: dict[tuple[str, str], list[str]] = {}  # (exercise, check) -> their text alternatives
        self.peak_rss_mb: dict[str, float] = {}
        self.attribution = Attribution(self)   # who a failure that is not plainly the student's belongs to

    # -- which checks run

    def selected(self, exercise: Exercise) -> list:
        return [c for c in exercise.checks_with(self.visibility)
                if not self.check_names or c.name in self.check_names]

    def code_selected(self, exercise: Exercise) -> list:
        """The selected checks of the student's code (a suite's test functions, run in the sandbox): not the
        lesson questions, which the grader reads from the answers file (``question_result``)."""
        return [c for c in self.selected(exercise) if not c.question]

    def exercise_at(self, path) -> Exercise | None:
        """The exercise whose suite holds the test file at ``path``."""
        return self._by_suite.get(Path(path).resolve().parent)

    def _locate(self, item) -> tuple[Exercise, object] | None:
        exercise = self.exercise_at(item.path)
        name = item.originalname[len("test_"):] if item.originalname.startswith("test_") else None
        if exercise is None or name is None:
            return None
        check = next((c for c in self.code_selected(exercise) if c.name == name), None)
        return (exercise, check) if check else None

    def pytest_collection_modifyitems(self, session, config, items):
        keep, drop = [], []
        for item in items:
            (keep if self._locate(item) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep
        for item in keep:
            # A check's words come from classify(call.excinfo); pytest's own failure report, which
            # parses the source of every frame, would cost seconds per failed check and say nothing.
            item.repr_failure = lambda excinfo, style=None: str(excinfo.value)

    # -- the suites' fixtures

    def _fixture_exercise(self, request) -> Exercise:
        exercise = self.exercise_at(request.node.path)
        if exercise is None:
            pytest.fail(f"{request.node.path} is in no exercise's suite folder (course.yaml's registry)")
        return exercise

    @pytest.fixture
    def exercise(self, request) -> Exercise:
        """The exercise this check belongs to (its params, its given files)."""
        return self._fixture_exercise(request)

    @pytest.fixture
    def student(self, request) -> "StudentHandle":
        """The exercise's student code, running in its sandboxed process."""
        return StudentHandle(self, self._fixture_exercise(request), request.node.originalname[len("test_"):])

    @pytest.fixture
    def params(self, request) -> dict:
        """The exercise's ``params`` from course.yaml (budgets, calibrated thresholds)."""
        return self._fixture_exercise(request).params

    @pytest.fixture
    def memo(self, request) -> dict:
        """A dict shared by the checks of one exercise while grading one submission: for results a
        later check may reuse (a trained model's score) instead of recomputing them."""
        return self.memos[self._fixture_exercise(request).id]

    # -- one check

    def process_for(self, exercise: Exercise) -> StudentProcess:
        if exercise.id not in self.processes:
            files = self.submission.files_for(exercise)
            spare = self.spares.pop(exercise.id, None)   # a warm worker (commands/warm.py): no start to wait for
            if spare is not None:
                spare.adopt(files)
                spare.hide = self.hide
                self.processes[exercise.id] = spare
            else:
                self.processes[exercise.id] = student_process(exercise, files, self.hide)
        return self.processes[exercise.id]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        exercise, check = self._locate(item)
        left = exercise.time_limit - self.spent[exercise.id]
        self.check_budget, self.check_cpu = min(check.timeout, max(left, 0.0)), 0.0
        # Budgets are CPU seconds; code that sleeps or waits uses none, so real time has a
        # generous backstop too (a loaded machine gives the worker a fraction of a core), and so
        # has the exercise as a whole: its CPU budget's backstop, not the sum of its checks'
        # (17 checks that each sleep to their own would hold a grading slot for 40 minutes).
        now = time.monotonic()
        self.wall_deadline = min(now + self.course.wall_backstop(self.check_budget), self._exercise_deadline(exercise))
        yield

    def _exercise_deadline(self, exercise: Exercise) -> float:
        """The real-time bound of the exercise as a whole; the sandbox's own starts are not the student's time."""
        first = self.started.setdefault(exercise.id, time.monotonic())
        starts = self.processes[exercise.id].start_wall if exercise.id in self.processes else 0.0
        return first + self.course.wall_backstop(exercise.time_limit) + starts

    def pytest_runtest_setup(self, item):
        exercise, _ = self._locate(item)
        problem = self.submission.problem(exercise)
        if problem:  # a notebook that cannot be read: the same words on every check of its exercise
            raise MissingSubmission(problem)
        if self.spent[exercise.id] >= exercise.time_limit:
            raise StudentTimeout(f"the exercise's budget of {exercise.time_limit:g} s of CPU time was used up "
                                 "by earlier checks, so this one could not run")
        if time.monotonic() >= self._exercise_deadline(exercise):
            raise StudentTimeout(f"the exercise's {self.course.wall_backstop(exercise.time_limit):.0f} s of real time "
                                 "were used up by earlier checks whose code waited (sleeping or blocked), so this one "
                                 "could not run")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        yield
        if call.when == "teardown" or (call.when == "setup" and call.excinfo is None):
            return
        exercise, check = self._locate(item)
        status, output = classify(call.excinfo)
        raised = call.excinfo.value if call.excinfo is not None else None
        if status == GRADER_ERROR and not isinstance(raised, GraderError) or isinstance(raised, ClaimedGraderError):
            status, output = self.attribution.decide(item, exercise, check, raised, output)
        self.results[(exercise.id, check.name)] = CheckResult(
            name=check.name, score=check.points if status == "passed" else 0.0,
            max_score=check.points, status=status, output=output, visibility=check.visibility,
            images=self.images.get((exercise.id, check.name), []),
            image_texts=self.image_texts.get((exercise.id, check.name), []), cpu_seconds=round(self.check_cpu, 3))

    def refuse(self, refused: dict) -> None:
        """Exercises decided before pytest (engine's fast path): every selected check fails with
        the exercise's one reason (a StudentFailure), as it would had the check called the student."""
        for exercise_id, failure in refused.items():
            for check in self.code_selected(self.exercises[exercise_id]):   # the answers are read all the same
                self.results[(exercise_id, check.name)] = CheckResult(
                    name=check.name, score=0.0, max_score=check.points, status=failure.status,
                    output=failure.message, visibility=check.visibility)

    def pytest_sessionfinish(self, session):
        for exercise_id, proc in self.processes.items():
            self.peak_rss_mb[exercise_id] = proc.peak_rss_mb
            proc.cleanup()
        self.attribution.cleanup()

    # -- the whole result

    def result(self) -> SubmissionResult:
        out = SubmissionResult(str(self.submission.path), peak_rss_mb=dict(self.peak_rss_mb))
        for exercise in self.exercises.values():
            er = ExerciseResult(exercise.id, exercise.title,
                                notes=[*self.submission.notes(exercise), *self.check_notes.get(exercise.id, [])],
                                budget={"time_limit_cpu_s": exercise.time_limit, "memory_mb": exercise.memory_mb,
                                        "check_timeouts_cpu_s": {c.name: c.timeout for c in self.selected(exercise)}})
            for check in self.selected(exercise):
                if check.question:
                    er.tests.append(self.question_result(exercise, check))
                    continue
                er.tests.append(self.results.get((exercise.id, check.name)) or CheckResult(
                    name=check.name, score=0.0, max_score=check.points, status=GRADER_ERROR,
                    output=f"{INTERNAL_ERROR}: test_{check.name} is missing from the grader suite",
                    visibility=check.visibility))
            proc = self.processes.get(exercise.id)
            if proc is not None:
                flag(er, proc.evidence)
            out.exercises.append(er)
        return out

    def question_result(self, exercise: Exercise, check) -> CheckResult:
        """A lesson question's result, read from the student's answers (grading/questions.py): a choice
        question passes or fails with the lesson's explanation; a written one awaits a person (``pending``),
        or scores 0 where nothing was written. No code of the student's runs for it."""
        from autograder.grading.course import CourseError
        from autograder.grading.marks import ANSWER_HEAD, ANSWER_SHOWN
        from autograder.grading.questions import ANSWERS_FILE, choice_verdict, load_questions, read_answers

        def result(status: str, output: str) -> CheckResult:
            return CheckResult(name=check.name, score=check.points if status == "passed" else 0.0,
                               max_score=check.points, status=status, output=output, visibility=check.visibility,
                               by_person=check.by_person)
        if exercise.id not in self.answers:   # read once per exercise, whatever the number of its questions
            try:
                questions = load_questions(exercise)
            except CourseError as exc:   # the course's own file: never the student's point
                questions = exc
            text, where = self.submission.answers(exercise)
            self.answers[exercise.id] = (questions, text, where, read_answers(text) if text is not None else {})
        questions, text, where, answers = self.answers[exercise.id]
        if isinstance(questions, CourseError):
            return result(GRADER_ERROR, f"{INTERNAL_ERROR}: {questions}")
        question = questions[check.name]
        answer = answers.get(check.name) if text is not None else None   # None: no answer found
        if question.kind == "choice":
            why = choice_verdict(question, answer)
            if why and text is None:
                why = f"{(where or ANSWERS_FILE + ' was not handed in').rstrip('.')}.\n{why}"
            return result("passed", "passed") if why is None else result("failed", why)
        if text is None:
            return result("failed", f"{where}\n{check.name}: so no answer was found, and there is nothing for a "
                                    "person to grade" if where else
                          f"{check.name}: no answer was handed in ({ANSWERS_FILE} was not found), so there is "
                          "nothing for a person to grade")
        if answer == "":
            return result("failed", f"{check.name}: not answered in {where} (the answer under ## {check.name} "
                                    "is empty), so there is nothing for a person to grade")
        if answer is None:   # the heading was changed or lost: a person reads the whole file
            return result(PENDING, f"{check.name}: awaiting a person ({check.points:g} points). The grader "
                                   f"found no `## {check.name}` heading in {where}, so the whole file is read by "
                                   f"hand.\n\n{ANSWER_HEAD}{text.strip()[:ANSWER_SHOWN]}")
        return result(PENDING, f"{check.name}: awaiting a person ({check.points:g} points): your answer "
                               f"({len(answer.split())} words, in {where}) is graded by hand.\n\n"
                               f"{ANSWER_HEAD}{answer[:ANSWER_SHOWN]}")


def flag(er: ExerciseResult, evidence) -> None:
    """Tampering is a verdict of its own: every check of an exercise whose code interfered with the grader
    fails, with the evidence named. The evidence reached the grader from outside the student's process
    (the audit channel, the kernel's seccomp kill), so nothing the code does afterwards can take it back."""
    seen = sorted(e.split(" ", 1)[1] for e in evidence if e.startswith("tamper "))
    if not seen:
        return
    er.tampering = seen
    why = (f"your code interfered with the grader ({'; '.join(seen)[:400]}), so no check of this exercise can be "
           "trusted: every one scores 0. A correct solution needs none of that; your instructor reviews this "
           "submission.")
    for i, t in enumerate(er.tests):
        if t.status == PENDING:   # a written answer: a person grades it, whatever the code did
            continue
        er.tests[i] = CheckResult(name=t.name, score=0.0, max_score=t.max_score, status="failed",
                                  output=why if t.status == "passed" else f"{why}\n{t.output}",
                                  visibility=t.visibility, images=[], cpu_seconds=t.cpu_seconds,
                                  by_person=t.by_person)


def classify(excinfo) -> tuple[str, str]:
    """(status, message) for a check's outcome."""
    return ("passed", "passed") if excinfo is None else outcome(excinfo.value)


def outcome(exc: BaseException) -> tuple[str, str]:
    """(status, message) for a check that raised ``exc``."""
    if isinstance(exc, (StudentFailure, GraderError)):
        return exc.status, exc.message
    if isinstance(exc, (CheckFailed, AssertionError)):
        return "failed", str(exc) or "the check's condition did not hold"
    return GRADER_ERROR, f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}"
