"""The similarity report (issue 29): who handed in whose code, on a class built from the kit's zoo.

The planted class (tests/similarity_class.py): every independent implementation of every exercise
(the solution and the zoo's whole files) as a student, copies of them at each disguise level of
tests/disguise.py, a notebook copy of a .py student and three blank-stub students. Precision and
recall are measured on it; README "Similarity" quotes them.
"""
from __future__ import annotations

import collections
import csv
import itertools
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder.commands.similarity import similarity_report
from autograder.grading.course import load_course
from autograder.similarity import compare
from autograder.similarity.canonical import canonical
from autograder.similarity import page as page_module
from autograder.similarity.page import CSV_COLUMNS
from autograder.publish.report import PRINT_OPEN
from tests.disguise import ALL_LEVELS, LEVELS, disguised
from tests.similarity_class import independent, planted_class, stub, write_student

KIT = Path(__file__).resolve().parents[1]
COURSE = load_course(None)
EXERCISES = list(COURSE.exercises.values())


def _key(row: dict) -> tuple[str, str, str]:
    return (row["exercise"], *sorted((row["student_a"], row["student_b"])))


def _rows(out: Path) -> list[dict]:
    with open(out / "similarity.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted")
    info = planted_class(root / "class", COURSE, EXERCISES)
    line = similarity_report(COURSE, root / "class", root / "out")
    return info, root / "out", line


def test_every_planted_copy_flagged_and_nothing_else(planted):
    info, out, _ = planted
    rows = [r for r in _rows(out) if r["kind"] == "pair"]
    flagged = {_key(r) for r in rows if r["flagged"] == "1"}
    similarity = {_key(r): float(r["similarity"]) for r in rows}
    missed = sorted(info["copies"] - flagged)
    assert not missed, "copies not flagged: " + "; ".join(f"{k} at {similarity.get(k)}" for k in missed)
    wrong = sorted(flagged - info["copies"])
    assert not wrong, "flagged pairs that are not copies: " + "; ".join(f"{k} at {similarity[k]}" for k in wrong)
    # Each disguise level, and the notebook copy, is among them (precision and recall 1 over all of them).
    assert {level for level in info["levels"].values()} >= set(ALL_LEVELS[1:]) | {"renamed, in a notebook"}
    # Independent implementations and blank stubs: well below the floor, not just below the threshold.
    others = [s for k, s in similarity.items() if k not in info["copies"]]
    assert max(others) < compare.FLOOR - 0.1
    blank = [s for (ex, a, b), s in similarity.items() if a.startswith("blank_") and b.startswith("blank_")]
    assert len(blank) == 3 * len(EXERCISES) and max(blank) < 0.3


def test_csv_is_one_row_per_pair_in_range(planted):
    info, out, line = planted
    rows = _rows(out)
    assert list(rows[0]) == CSV_COLUMNS
    for exercise in EXERCISES:
        students = {r["student_a"] for r in rows if r["exercise"] == exercise.id} | \
                   {r["student_b"] for r in rows if r["exercise"] == exercise.id}
        pairs = [_key(r) for r in rows if r["exercise"] == exercise.id and r["kind"] == "pair"]
        assert len(pairs) == len(set(pairs)) == len(students) * (len(students) - 1) // 2
    assert all(0.0 <= float(r["similarity"]) <= 1.0 and r["flagged"] in ("0", "1") for r in rows)
    umask = os.umask(0)
    os.umask(umask)
    for name in ("similarity.csv", "similarity.html"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o666 & ~umask
    assert f"{sum(r['flagged'] == '1' for r in rows)} flagged pair(s)" in line


def test_page_shows_ranked_pairs_clusters_histogram_and_side_by_side(planted):
    info, out, _ = planted
    page = (out / "similarity.html").read_text()
    assert page.count("<svg") == len(EXERCISES) and "threshold 0.65" in page
    assert page.count("<h3>Clusters") == len(EXERCISES) and page.count("<details>") >= len(info["copies"]) // 2
    assert "<mark>" in page and "longest shared fragment" in page
    # self-contained and inert: the one script is the kit's (print opens the side-by-side views), no other
    assert page.count("<script") == 1 and PRINT_OPEN in page
    # ex1's clusters, largest first, are its originals each with all its copies (and nobody else).
    ex1 = page[page.index("<h2>ex1_myrnn"):page.index("<h2>ex2_adding")]
    listed = ex1[ex1.index("<h3>Clusters"):ex1.index("</ol>")].split("<li>")[1:]
    sizes = [int(item.split(" ")[0]) for item in listed]
    rings = collections.Counter(original for (ex, original, _) in info["levels"] if ex == "ex1_myrnn")
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 1 + max(rings.values())   # an original and its copies
    for item in listed:
        names = re.findall(r">([^<>]+)</a>", item) or item.split(": ")[1].split("</li>")[0].split(", ")
        assert len(names) == int(item.split(" ")[0])
        assert all(("ex1_myrnn", *sorted(p)) in info["copies"] for p in itertools.combinations(names, 2))


@pytest.mark.parametrize("one, other", [
    ("def f(x, y):\n    return x * 2 + y\n", "def g(a, b):\n    '''doc'''\n    return b + 2 * a  # sum\n"),
    ("def a():\n    return 1\n\ndef b():\n    return 2\n", "def b():\n    return 2\n\n\ndef a():\n    return 1\n"),
    ("import numpy as np\ndef f(x):\n    return np.tanh(x)\n", "import numpy\ndef f(z):\n    unused = 3\n"
     "    if False:\n        print(z)\n    print('debug')\n    return numpy.tanh(z)\n    z = 0\n"),
    # issue 42: where code sits. A method's body pulled out to a module function the method calls
    ("class A:\n    def f(self, x):\n        y = self.w * x\n        return y + 1\n",
     "class A:\n    def f(self, x):\n        return a_f(self, x)\n\n\ndef a_f(obj, x):\n    y = obj.w * x\n"
     "    return y + 1\n"),
    # functions wrapped in a class as static methods, called through it, the module names kept as aliases
    ("def f(x):\n    return g(x) * 2\n\ndef g(x):\n    return x + 1\n",
     "class H:\n    @staticmethod\n    def f(x):\n        return H.g(x) * 2\n\n    @staticmethod\n    def g(x):\n"
     "        return x + 1\n\nf = H.f\ng = H.g\n"),
    # a body moved into a helper defined inside its function; a module's boilerplate super().__init__()
    ("import torch\nclass M(torch.nn.Module):\n    def __init__(self, n):\n        super().__init__()\n"
     "        self.w = torch.zeros(n)\n        self.n = n\n",
     "import torch\nclass M(torch.nn.Module):\n    def __init__(self, n):\n        super(M, self).__init__()\n"
     "        def _body(n):\n            self.w = torch.zeros(n)\n            self.n = n\n        return _body(n)\n"),
])
def test_canonical_form_undoes_a_disguise(one, other):
    assert canonical(one) == canonical(other)


def test_canonical_form_keeps_what_was_called():
    """Names the student did not choose stay: tanh and sigmoid programs are not one program."""
    assert canonical("import torch\ndef f(x):\n    return torch.tanh(x)\n") != \
        canonical("import torch\ndef f(x):\n    return torch.sigmoid(x)\n")
    assert canonical("def broken(:\n    x = 1\n") == canonical("def other(:\n  # note\n  y   = 1\n")  # filtered tokens


def test_copy_ring_cannot_hide_as_common_code(tmp_path):
    """Nine students with one program in a class of twelve: still flagged (groups, not students, are counted)."""
    ex = COURSE.exercises["ex1_myrnn"]
    codes = independent(ex)
    ring = codes["solution"]
    for i in range(9):
        write_student(tmp_path / "class", f"ring_{i}", ex, disguised(ring, stub(ex), LEVELS[i % len(LEVELS)], seed=i))
    for name in ("d2l_scratch", "karpathy_one_bias", "class_named_rnn"):
        write_student(tmp_path / "class", name, ex, codes[name])
    similarity_report(COURSE, tmp_path / "class", tmp_path / "out", ["ex1_myrnn"])
    flagged = {_key(r) for r in _rows(tmp_path / "out") if r["flagged"] == "1"}
    assert flagged == {("ex1_myrnn", *sorted(p)) for p in itertools.combinations([f"ring_{i}" for i in range(9)], 2)}


def test_code_the_class_shares_is_not_evidence(tmp_path):
    """A helper most of the class pasted from the README makes no pair similar; a real copy still is."""
    ex = COURSE.exercises["ex1_myrnn"]
    helper = ("\n\ndef readme_helper(tensor, steps):\n    out = []\n    for t in range(steps):\n"
              "        out.append(tensor[t].detach().cpu().numpy().round(4).tolist())\n"
              "    return {'steps': steps, 'values': out, 'mean': float(tensor.mean())}\n") * 1
    helper += "".join(f"\ndef readme_util_{i}(a, b):\n    return [x * {i} - y for x, y in zip(a, b) if x > y]\n"
                      for i in range(12))
    codes = independent(ex)
    for name, code in codes.items():
        write_student(tmp_path / "class", name, ex, code + helper)
    write_student(tmp_path / "class", "copier", ex, disguised(codes["d2l_scratch"], stub(ex), "reordered") + helper)
    similarity_report(COURSE, tmp_path / "class", tmp_path / "out", ["ex1_myrnn"])
    flagged = {_key(r) for r in _rows(tmp_path / "out") if r["flagged"] == "1"}
    assert flagged == {("ex1_myrnn", "copier", "d2l_scratch")}


def test_known_source_is_named_not_paired(tmp_path):
    """Two students who adapted the same tutorial each 'match' it; they are not a pair of students."""
    ex = COURSE.exercises["ex3_names"]
    codes = independent(ex)
    tutorial = codes["pytorch_tutorial"]
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "char_rnn_tutorial.py").write_text(tutorial)
    write_student(tmp_path / "class", "ann", ex, disguised(tutorial, stub(ex), "renamed", seed=1))
    write_student(tmp_path / "class", "bob", ex, disguised(tutorial, stub(ex), "reordered", seed=2))
    for name in ("solution", "lstm_bucketed", "padded_fixed_length"):
        write_student(tmp_path / "class", name, ex, codes[name])
    similarity_report(COURSE, tmp_path / "class", tmp_path / "out", ["ex3_names"], reference=tmp_path / "refs")
    rows = _rows(tmp_path / "out")
    assert not [r for r in rows if r["kind"] == "pair" and r["flagged"] == "1"]
    matched = {r["student_a"] for r in rows if r["kind"] == "source" and r["flagged"] == "1"}
    assert matched == {"ann", "bob"}
    assert all(r["student_b"] == "char_rnn_tutorial.py" for r in rows if r["kind"] == "source")
    assert "ann</a> matches char_rnn_tutorial.py" in (tmp_path / "out" / "similarity.html").read_text() or \
        "ann matches char_rnn_tutorial.py" in (tmp_path / "out" / "similarity.html").read_text()


def test_bad_input_is_a_line_never_a_crash(tmp_path):
    ex1, ex5 = COURSE.exercises["ex1_myrnn"], COURSE.exercises["ex5_hidden_pca"]
    root = tmp_path / "class"
    sol = (ex1.solution_dir / "myrnn.py").read_text()
    write_student(root, "ann", ex1, sol)
    write_student(root, "bob", ex1, disguised(sol, stub(ex1), "renamed"))  # a copy, still found among the rest
    (root / "bob" / ex5.folder).mkdir()                                       # nothing of ex5
    (root / "cat" / ex1.folder).mkdir(parents=True)
    (root / "cat" / ex1.folder / "myrnn.py").write_bytes(b"\x7fELF\x00\x01binary" * 100)
    (root / "dan" / ex1.folder).mkdir(parents=True)
    (root / "dan" / ex1.folder / "myrnn.py").write_text("x = 1\n" * ((5 << 20) // 6 + 1))
    (root / "eve").mkdir()
    (root / "eve" / ex1.notebook).write_text("{ this is not a notebook")
    (root / "fay.zip").write_bytes(b"PK\x03\x04 broken")
    with zipfile.ZipFile(root / "gus.zip", "w") as z:                          # a good zip: compared
        z.writestr(f"gus/{ex1.folder}/myrnn.py", (ex1.solution_dir / "myrnn.py").read_text())
    run = subprocess.run([sys.executable, "-m", "autograder", "similarity", str(root), "--out", str(tmp_path / "out"),
                          "--exercise", "ex1_myrnn", "--exercise", "ex5_hidden_pca"],
                         cwd=KIT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    page = (tmp_path / "out" / "similarity.html").read_text()
    for words in ("cat</a>: myrnn.py is a binary file", "dan</a>: myrnn.py is 5.0 MB", "eve</a>: the notebook cannot be read",
                  "fay</a>: fay.zip is not a readable zip file", "bob</a>: nothing handed in for this exercise"):
        assert words.replace("</a>", "") in page.replace("</a>", ""), words
    flagged = {_key(r) for r in _rows(tmp_path / "out") if r["flagged"] == "1"}
    assert flagged == {("ex1_myrnn", "ann", "bob"), ("ex1_myrnn", "ann", "gus"), ("ex1_myrnn", "bob", "gus")}


@pytest.mark.parametrize("students", [0, 1])
def test_empty_class_and_one_student(tmp_path, students):
    (tmp_path / "class").mkdir()
    if students:
        ex = COURSE.exercises["ex1_myrnn"]
        write_student(tmp_path / "class", "solo", ex, (ex.solution_dir / "myrnn.py").read_text())
    line = similarity_report(COURSE, tmp_path / "class", tmp_path / "out")
    assert f"no flagged pair among {students} students" in line
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert ("holds no students" in page) == (students == 0)
    assert "nothing to compare (it takes two)" in page
    assert _rows(tmp_path / "out") == []


def test_what_a_student_wrote_is_inert_on_the_page(tmp_path):
    """Markup and script in two copied files, and in a known source's file name, are shown, never run."""
    ex = COURSE.exercises["ex1_myrnn"]
    hostile = ((ex.solution_dir / "myrnn.py").read_text()
               + "\nBANNER = '</pre><script>alert(1)</script><img src=x onerror=alert(2)>'\n"
               + "# </details><iframe src=javascript:alert(3)>\n")
    write_student(tmp_path / "class", "ann", ex, hostile)
    write_student(tmp_path / "class", "bob", ex, hostile)
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "<img src=y onerror=alert(4)>.py").write_text(hostile)
    similarity_report(COURSE, tmp_path / "class", tmp_path / "out", ["ex1_myrnn"], reference=tmp_path / "refs")
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert "<mark>" in page and "&lt;script&gt;alert(1)" in page and "matches &lt;img src=y" in page
    tags, handlers = _markup(page)
    assert tags <= PAGE_TAGS | {"script"}, tags - PAGE_TAGS
    assert page.count("<script") == 1 and PRINT_OPEN in page   # the kit's own script, and none of theirs
    assert not handlers


PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "strong", "span", "table",
             "caption", "thead", "tbody", "tr", "td", "th", "svg", "rect", "text", "line", "pre", "mark", "details",
             "summary", "div", "ul", "ol", "li", "a"}


def _markup(page: str) -> tuple[set[str], list]:
    """Every element on the page, and every attribute that would run code (on..., javascript:)."""
    from html.parser import HTMLParser

    tags, handlers = set(), []

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.add(tag)
            handlers.extend((tag, k, v) for k, v in attrs if k.startswith("on") or "javascript:" in (v or ""))

    Reader().feed(page)
    return tags, handlers


def test_bad_arguments_exit_2(tmp_path):
    (tmp_path / "class").mkdir()
    for extra in (["--threshold", "1.5"], ["--common-share", "0"], ["--reference", str(tmp_path / "none")]):
        run = subprocess.run([sys.executable, "-m", "autograder", "similarity", str(tmp_path / "class"),
                              "--out", str(tmp_path / "out"), *extra], cwd=KIT, capture_output=True, text=True)
        assert run.returncode == 2 and run.stderr.startswith("error:"), (extra, run.stderr)


def test_blank_notebooks_as_nbgrader_releases_them_are_no_pair(tmp_path):
    """Two students who hand in nbgrader's released notebooks untouched ('# YOUR CODE HERE' stubs),
    and one who changed a line of each, are not flagged with each other or with a blank .py student."""
    from autograder.publish.authoring import find_regions, render
    from autograder.similarity.sources import NBGRADER_STUB
    from tests.similarity_class import notebook_student

    root = tmp_path / "class"
    for exercise in EXERCISES:
        solution = (exercise.solution_dir / exercise.files[0]).read_text()
        released = render(solution, {r.qualname: NBGRADER_STUB for r in find_regions(solution)})
        for student, text in (("nb_blank_1", released), ("nb_blank_2", released),
                              ("nb_one_line", released.replace("raise NotImplementedError()", "return 0", 1))):
            notebook_student(root, student, COURSE, exercise, text)
        write_student(root, "py_blank", exercise, stub(exercise))
    similarity_report(COURSE, root, tmp_path / "out")
    rows = _rows(tmp_path / "out")
    assert len(rows) == 6 * len(EXERCISES)  # every pair of the four, every exercise: all compared
    assert not [r for r in rows if r["flagged"] == "1"], [r for r in rows if r["flagged"] == "1"]
    assert max(float(r["similarity"]) for r in rows) < 0.3


def test_the_threshold_and_the_floor_are_said_in_the_page_s_own_terms():
    """The fence is Q3 + 3 IQR; a widely spread class puts it above 1, which must not read as a similarity
    (a "3.05" for a score in [0, 1]); the floor on own code says why it is more than README's least (50)."""
    spread = np.concatenate([np.full(30, 0.05), np.full(30, 0.8)])       # Q1 0.05, Q3 0.8: fence 3.05
    chosen, rule = compare.threshold_for(spread)
    assert chosen == compare.CEILING and "3.05" not in rule and "above 1" in rule and "Q3 0.80" in rule
    tight = np.linspace(0.1, 0.2, 40)                                     # fence about 0.38: the floor
    chosen, rule = compare.threshold_for(tight)
    assert chosen == compare.FLOOR and rule.startswith(f"the floor {compare.FLOOR:g}") and "below it" in rule
    assert f"{compare.MIN_PRINTS}" in page_module._floor_words(112) and "a fifth of the class's median" in \
        page_module._floor_words(112)
    assert "the least the kit counts" in page_module._floor_words(compare.MIN_PRINTS)
