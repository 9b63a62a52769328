"""Fixtures for the grader suites. Run through ``autograder.engine``, not bare pytest."""
from pathlib import Path

import pytest

from autograder.engine import PLUGIN_KEY, StudentHandle


def _exercise(request):
    plugin = request.config.stash.get(PLUGIN_KEY, None)
    if plugin is None:
        pytest.fail("grader suites run through `python -m autograder grade`, not bare pytest")
    return plugin, plugin.exercises[Path(request.node.path).parent.name]


@pytest.fixture
def student(request):
    """The exercise's student code, running in its sandboxed process."""
    plugin, exercise = _exercise(request)
    return StudentHandle(plugin, exercise, request.node.originalname[len("test_"):])


@pytest.fixture
def params(request):
    """The exercise's ``params`` from course.yaml (budgets, calibrated thresholds)."""
    return _exercise(request)[1].params


@pytest.fixture
def memo(request):
    """A dict shared by the checks of one exercise while grading one submission.

    For results a later check may reuse (a trained model's score) instead of
    recomputing them; it never outlives the submission.
    """
    plugin, exercise = _exercise(request)
    return plugin.memo[exercise.id]
