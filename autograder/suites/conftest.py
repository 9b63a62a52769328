"""Fixtures for the grader suites. Run through ``autograder.engine``, not bare pytest."""
from pathlib import Path

import pytest

from autograder.engine import PLUGIN_KEY, StudentHandle


@pytest.fixture
def student(request):
    """The exercise's student code, running in its sandboxed process."""
    plugin = request.config.stash.get(PLUGIN_KEY, None)
    if plugin is None:
        pytest.fail("grader suites run through `python -m autograder grade`, not bare pytest")
    return StudentHandle(plugin, plugin.exercises[Path(request.node.path).parent.name])
