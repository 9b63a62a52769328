"""Stubs and test variants are derived from the solutions' BEGIN/END SOLUTION regions."""
import ast
import subprocess
import sys

import pytest

from autograder.publish.authoring import AuthoringError, find_regions, make_stub, mutate, render

from .conftest import KIT, run_cli

SAMPLE = '''"""Module docstring."""
import torch

### BEGIN SOLUTION
LETTERS = "abc"
N: int = 3
### END SOLUTION


def f(x):
    """Docstring stays."""
    # A hint stays.
    ### BEGIN SOLUTION
    return x + 1
    ### END SOLUTION


class C:
    def g(self):
        ### BEGIN SOLUTION
        y = 2
        return y
        ### END SOLUTION
'''


def test_regions_are_named_by_their_enclosing_function():
    assert [r.qualname for r in find_regions(SAMPLE)] == ["<module>", "f", "C.g"]


def test_stub_keeps_docstrings_and_hints_and_raises_not_implemented():
    stub = make_stub(SAMPLE)
    assert "return x + 1" not in stub and "y = 2" not in stub
    assert '"""Docstring stays."""' in stub and "# A hint stays." in stub
    assert 'raise NotImplementedError("f is not implemented yet")' in stub
    assert 'raise NotImplementedError("C.g is not implemented yet")' in stub
    assert "LETTERS = None" in stub and "N = None" in stub  # the stub still imports
    assert "BEGIN SOLUTION" not in stub
    namespace = {}
    exec(compile(stub.replace("import torch\n", ""), "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


def test_render_replaces_named_regions_and_keeps_the_rest():
    text = render(SAMPLE, regions={"f": "    return x - 1\n"})
    assert "return x - 1" in text and "y = 2" in text
    ast.parse(text)
    with pytest.raises(AuthoringError, match="no solution region in nope"):
        render(SAMPLE, regions={"nope": "pass"})


def test_mutations_must_apply_exactly_once():
    assert "return x + 2" in mutate(SAMPLE, replace=[("return x + 1", "return x + 2")])
    with pytest.raises(AuthoringError, match="occurs 0 times"):
        mutate(SAMPLE, replace=[("not in the text", "x")])


@pytest.mark.parametrize("bad, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without BEGIN"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n", "inside another region"),
])
def test_broken_markers_are_reported(bad, message):
    with pytest.raises(AuthoringError, match=message):
        find_regions(bad)


def test_committed_exercises_are_up_to_date_with_solutions():
    proc = run_cli("stubs", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_stubs_import_cleanly():
    for path in sorted((KIT / "exercises").glob("*/*.py")):
        # As a student runs it: from the exercise's folder, next to its given files.
        proc = subprocess.run([sys.executable, "-c", f"import {path.stem}"], cwd=path.parent,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{path}: {proc.stderr}"
