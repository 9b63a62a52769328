"""Whose a check's failure is, when it is not plainly the student's: decided by the grader alone.

A check fails as the student's (``failed``, ``error``, ``timeout``: scored 0) or as the
grader's (``grader_error``: never scored, graded again). The grader's own facts make a grader
error without question: the sandbox could not start, before any student code ran
(``GraderError`` from ``sandbox.client``), or the suite lacks the check. Two other outcomes look
like the grader's but reach it through the student's code:

- the worker says a probe failed in its own code (``ClaimedGraderError``). The worker runs beside
  the student's module, which can compile its functions under the probe module's file name,
  replace the helpers the worker looks up, raise the kit's own exception types;
- the check's own code raised (an IndexError in a comparison), on data the student's code returned.

Neither decides. The grader runs the same check, with the same parameters, on the course's
reference solution (``solutions/<id>/``, which the course folder and the Gradescope zip hold) in a
sandbox of its own, with the check's CPU budget and nothing charged to the student: if the
reference passes, the failure is the student's (status ``error``, what happened in words); if the
reference fails it too, it is the grader's. Each check is run on the reference at most once per
grading. Where no reference ships (a student's bundle, where nothing is graded for the record)
the failure stays ``grader_error`` and says that it could not be confirmed.
"""
from __future__ import annotations

import inspect
import time

from autograder.sandbox.client import Budget, StudentProcess
from autograder.sandbox.failures import GRADER_ERROR, GraderError

STUDENTS = "error"   # the status a failure gets once the reference passes the same check


def detail_of(exc: BaseException) -> str:
    """What happened, without the words that put it on either side."""
    return exc.detail if isinstance(exc, GraderError) else f"{type(exc).__name__}: {str(exc)[:500]}"


class Attribution:
    """One grading's answers to "does the reference solution pass this check?" (per exercise and check)."""

    def __init__(self, plugin):
        self.plugin = plugin
        self._processes: dict[str, StudentProcess | None] = {}
        self._memos: dict[str, dict] = {}
        self._answers: dict[tuple[str, str], bool | None] = {}

    def decide(self, item, exercise, check, exc: BaseException, output: str) -> tuple[str, str]:
        """(status, output) of a check that ended in ``exc``, not plainly the student's nor the grader's."""
        passes = self._reference_passes(item, exercise, check)
        what = detail_of(exc)
        if passes:
            return STUDENTS, (f"your code made this check fail in a way that is not a wrong answer it can name "
                              f"({what}). The course's reference solution passes this same check, so the failure "
                              "is your code's: look at what it returns and at what it changes around it.")
        if passes is None:
            return GRADER_ERROR, output + " (No reference solution here to confirm that it is the grader's.)"
        return GRADER_ERROR, output + " (The reference solution fails this check too.)"

    def _reference_passes(self, item, exercise, check) -> bool | None:
        key = (exercise.id, check.name)
        if key not in self._answers:
            started = time.monotonic()
            self._answers[key] = self._run_on_reference(item, exercise, check)
            # The reference's time is the grader's: the exercise's real-time bound moves on by as much.
            if exercise.id in self.plugin.started:
                self.plugin.started[exercise.id] += time.monotonic() - started
        return self._answers[key]

    def _reference(self, exercise) -> StudentProcess | None:
        if exercise.id not in self._processes:
            from autograder.grading.submission import Submission

            folder = exercise.solution_dir
            process = None
            if (folder / exercise.files[0]).is_file():
                files = Submission(folder.parent, self.plugin.course).files_for(exercise)
                from autograder.grading.plugin import student_process

                process = student_process(exercise, files, self.plugin.hide)
            self._processes[exercise.id] = process
        return self._processes[exercise.id]

    def _run_on_reference(self, item, exercise, check) -> bool | None:
        from autograder.grading.plugin import StudentHandle, outcome

        process = self._reference(exercise)
        if process is None:
            return None
        run = Budget(process, check.timeout, self.plugin.course.wall_backstop(check.timeout))
        handle = StudentHandle(self.plugin, exercise, check.name, reference=run)
        fixtures = {"student": handle, "memo": self._memos.setdefault(exercise.id, {}),
                    "params": exercise.params, "exercise": exercise}
        wanted = inspect.signature(item.obj).parameters
        kwargs = {name: fixtures.get(name, item.funcargs.get(name)) for name in wanted}
        try:
            item.obj(**kwargs)
        except BaseException as exc:  # noqa: BLE001 - whatever the reference does, it is an answer
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            return outcome(exc)[0] == "passed"
        return True

    def cleanup(self) -> None:
        for process in self._processes.values():
            if process is not None:
                process.cleanup()
