"""One source for every version of an exercise file: the reference solution.

Solutions mark the student's part with nbgrader's delimiters::

    def mean(values):
        \"\"\"Docstring, kept in the stub.\"\"\"
        # Hints written as comments above the region are kept too.
        ### BEGIN SOLUTION
        return sum(values) / len(values)
        ### END SOLUTION

From that text this module derives

- the student stub: each region becomes a TODO that raises NotImplementedError
  naming the function (module-level regions become ``NAME = None`` so the stub
  still imports);
- other versions of the same file, for the kit's own tests: a region replaced
  by other code (a correct variant, or a known mistake), or a substring
  replaced (a one-token mutation).
"""
from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


class AuthoringError(Exception):
    pass


@dataclass(frozen=True)
class Region:
    qualname: str   # enclosing function, e.g. "MyRNN.forward"; "<module>" at top level
    begin: int      # 0-based line index of the BEGIN marker
    end: int        # 0-based line index of the END marker
    indent: str


def _scopes(tree: ast.AST):
    """(qualname, first line, last line) of every function, 1-based lines."""
    out = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    out.append((name, child.lineno, child.end_lineno))
                visit(child, name + ".")
    visit(tree, "")
    return out


def find_regions(text: str) -> list[Region]:
    lines = text.splitlines()
    scopes = _scopes(ast.parse(text))
    regions, open_at = [], None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == BEGIN:
            if open_at is not None:
                raise AuthoringError(f"line {i + 1}: BEGIN SOLUTION inside another region")
            open_at = i
        elif stripped == END:
            if open_at is None:
                raise AuthoringError(f"line {i + 1}: END SOLUTION without BEGIN")
            # The BEGIN line decides: the END marker is a comment that may lie
            # past the function's last statement.
            inner = [s for s in scopes if s[1] <= open_at + 1 <= s[2]]
            qualname = max(inner, key=lambda s: s[1])[0] if inner else "<module>"
            indent = lines[open_at][: len(lines[open_at]) - len(lines[open_at].lstrip())]
            regions.append(Region(qualname, open_at, i, indent))
            open_at = None
    if open_at is not None:
        raise AuthoringError(f"line {open_at + 1}: BEGIN SOLUTION is never closed")
    return regions


def _stub_body(region: Region, body: list[str]) -> list[str]:
    ind = region.indent
    if region.qualname == "<module>":
        names = []
        for node in ast.parse("\n".join(b[len(ind):] for b in body)).body:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) else []
            names += [t.id for t in targets if isinstance(t, ast.Name)]
        return [f"{ind}# TODO: define {', '.join(names) or 'this part'}."] + [f"{ind}{n} = None" for n in names]
    return [f"{ind}# TODO: your code here.",
            f'{ind}raise NotImplementedError("{region.qualname} is not implemented yet")']


def render(text: str, regions: dict[str, str] | None = None, stub: bool = False) -> str:
    """Rebuild the file with each region's body chosen.

    ``regions`` maps a qualname to replacement code (dedented; it is indented to
    the region). Unnamed regions keep the solution's body, or become TODO stubs
    when ``stub`` is true. The markers are dropped.
    """
    regions = dict(regions or {})
    lines = text.splitlines()
    found = find_regions(text)
    unknown = set(regions) - {r.qualname for r in found}
    if unknown:
        raise AuthoringError(f"no solution region in {', '.join(sorted(unknown))}")
    out, pos = [], 0
    for r in found:
        out += lines[pos:r.begin]
        body = lines[r.begin + 1:r.end]
        if r.qualname in regions:
            code = textwrap.dedent(regions[r.qualname]).strip("\n")
            body = [(r.indent + ln) if ln.strip() else "" for ln in code.splitlines()]
        elif stub:
            body = _stub_body(r, body)
        out += body
        pos = r.end + 1
    out += lines[pos:]
    return "\n".join(out) + "\n"


def make_stub(solution_text: str) -> str:
    return render(solution_text, stub=True)


def mutate(solution_text: str, replace: list[tuple[str, str]] = (), regions: dict[str, str] | None = None) -> str:
    """A version of the solution with substrings and/or regions replaced.

    Every substring must occur exactly once, so a mutation that no longer
    applies to a changed solution fails loudly instead of silently testing nothing.
    """
    text = solution_text
    for old, new in replace:
        count = text.count(old)
        if count != 1:
            raise AuthoringError(f"{old!r} occurs {count} times in the solution (need exactly 1)")
        text = text.replace(old, new)
    return render(text, regions=regions)



# -- the zoo: an exercise's own wrong and alternative implementations, as data (Exercise.zoo)

VERDICTS = ("correct", "wrong")
ZOO_KEYS = {"style", "verdict", "base", "replace", "regions", "append", "loses", "says", "says_not", "status",
            "exactly", "graded_on", "notes"}


@dataclass(frozen=True)
class ZooEntry:
    """One implementation in an exercise's zoo.yaml and the verdict it must get.

    Its source: ``<name>`` itself when the name is a file in zoo/, else ``base`` (a zoo file)
    or the exercise's solution, with ``replace`` pairs, ``regions`` and ``append`` applied.
    It is graded on ``graded_on`` (default: every check of the code when correct or ``exactly``, else
    ``loses``; the lesson questions are no zoo's: tests/test_questions.py grades answers); every
    graded check outside ``loses`` must pass, every one in it must score 0, and the first one's
    message must contain ``says`` (and not ``says_not``).
    """
    name: str
    spec: dict

    @property
    def verdict(self) -> str:
        return self.spec["verdict"]

    @property
    def loses(self) -> list[str]:
        return list(self.spec.get("loses", ()))

    def graded_on(self, all_checks) -> list[str]:
        if "graded_on" in self.spec:
            return list(self.spec["graded_on"])
        if self.verdict == "correct" or self.spec.get("exactly"):
            # every check of the code: the lesson questions are read from the answers, which a zoo entry has not
            return [name for name in all_checks if not getattr(all_checks[name], "question", None)] \
                if isinstance(all_checks, dict) else list(all_checks)
        return self.loses

    def source(self, zoo_dir, solution_text: str) -> str:
        own = zoo_dir / self.name
        if own.is_file():
            return own.read_text()
        text = (zoo_dir / self.spec["base"]).read_text() if "base" in self.spec else solution_text
        text = mutate(text, replace=[tuple(pair) for pair in self.spec.get("replace", ())],
                      regions=self.spec.get("regions"))
        return text + self.spec.get("append", "")


def read_zoo(path, checks) -> list[ZooEntry]:
    """The entries of a zoo.yaml, each checked against the exercise's ``checks`` (AuthoringError if wrong)."""
    import yaml

    entries = []
    for name, spec in (yaml.safe_load(path.read_text()) or {}).items():
        where = f"{path}: {name}"
        if set(spec) - ZOO_KEYS:
            raise AuthoringError(f"{where}: unknown keys {sorted(set(spec) - ZOO_KEYS)}")
        if spec.get("verdict") not in VERDICTS:
            raise AuthoringError(f"{where}: verdict must be one of {VERDICTS}")
        entry = ZooEntry(name, spec)
        unknown = (set(entry.loses) | set(spec.get("graded_on", ()))) - set(checks)
        if unknown:
            raise AuthoringError(f"{where}: no such checks {sorted(unknown)}")
        if entry.verdict == "wrong" and not entry.loses:
            raise AuthoringError(f"{where}: a wrong implementation must name the checks it loses")
        if entry.verdict == "correct" and entry.loses:
            raise AuthoringError(f"{where}: a correct implementation loses nothing")
        entries.append(entry)
    return entries
