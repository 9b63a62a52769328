"""Copies disguised the ways students disguise them, for the similarity tests (tests/test_similarity.py).

Each level adds one disguise to the one before, in the order issue 29 lists them:
rename -> comments -> reformat -> reorder -> dead code -> swapped operands. The code still runs: names
the exercise asks for (the stub's top-level functions and classes, and their methods) keep their names.
"""
from __future__ import annotations

import ast
import builtins
import random
import re

LEVELS = ("exact", "renamed", "comments", "reformatted", "reordered", "dead_code", "swapped")


def _public_names(stub: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(stub)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
    return names | {"self", "cls", "forward", "__init__", "__main__", "__name__"}


class _Rename(ast.NodeTransformer):
    def __init__(self, keep: set[str], rng: random.Random):
        self.keep, self.rng, self.map = keep, rng, {}
        self.builtins = set(dir(builtins))

    def _new(self, name: str) -> str:
        if name in self.keep or name.startswith("__") or name in self.builtins:
            return name
        if name not in self.map:
            self.map[name] = f"{self.rng.choice(['tmp', 'val', 'my', 'q', 'z'])}_{len(self.map)}"
        return self.map[name]

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store) or node.id in self.map:
            node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Store) or node.attr in self.map:
            node.attr = self._new(node.attr)
        return node

    def visit_keyword(self, node):
        self.generic_visit(node)
        if node.arg in self.map:
            node.arg = self.map[node.arg]
        return node

    def visit_FunctionDef(self, node):
        node.name = self._new(node.name)
        self.generic_visit(node)
        return node

    visit_ClassDef = visit_FunctionDef


def renamed(code: str, stub: str, seed: int = 0) -> str:
    """Every name the student chose renamed (two passes: a name read before its binding is seen)."""
    keep = _public_names(stub)
    tree = ast.parse(code)
    renamer = _Rename(keep, random.Random(seed))
    # First pass collects the bindings; the second renames every use.
    renamer.visit(ast.parse(code))
    tree = renamer.visit(tree)
    return ast.unparse(tree)


def comments(code: str) -> str:
    """Docstrings removed and comments of the copier's own added."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    lines = ast.unparse(tree).splitlines()
    return "\n".join(line + ("  # my own work" if i % 5 == 0 and line.strip() else "") for i, line in enumerate(lines))


def reformatted(code: str) -> str:
    """Two-space indents, no blank lines, spaces around every comma and paren."""
    out = []
    for line in code.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        if "#" not in body and "'" not in body and '"' not in body:
            body = re.sub(r",\s*", " , ", body)
            body = body.replace("(", "( ").replace(")", " )")
        out.append("  " * (indent // 4) + body)
    return "\n".join(out) + "\n"


def reordered(code: str, seed: int = 0) -> str:
    """Functions, classes and methods in another order."""
    tree = ast.parse(code)
    rng = random.Random(seed)
    for node in [tree, *[n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]]:
        defs = [i for i, n in enumerate(node.body) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        moved = [node.body[i] for i in defs]
        rng.shuffle(moved)
        moved.reverse() if [node.body[i] for i in defs] == moved else None
        for i, n in zip(defs, moved):
            node.body[i] = n
    return ast.unparse(tree)


_DEAD = ["unused_{i} = len(str({i})) * 0", "if False:\n    print('debug {i}')", "_trace_{i} = []\n_trace_{i}.append({i})",
         "assert {i} == {i}", "pass", "for _ in range(0):\n    pass"]


def dead_code(code: str, seed: int = 0) -> str:
    """A dead statement at the top of every function (and a few at module level)."""
    tree = ast.parse(code)
    rng = random.Random(seed)
    for i, node in enumerate(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        node.body[:0] = ast.parse(rng.choice(_DEAD).format(i=i)).body
    tree.body += ast.parse("_scratch = [0]\n_scratch.append(1)\n").body
    return ast.unparse(tree)


class _Swap(ast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.Add, ast.Mult)):
            node.left, node.right = node.right, node.left
        return node


def swapped(code: str) -> str:
    """Operands of every + and * swapped."""
    return ast.unparse(_Swap().visit(ast.parse(code)))


def disguised(code: str, stub: str, level: str, seed: int = 0) -> str:
    """``code`` disguised up to ``level`` (one of LEVELS, each adding to the one before)."""
    steps = LEVELS[1:LEVELS.index(level) + 1]
    for step in steps:
        if step == "renamed":
            code = renamed(code, stub, seed)
        elif step == "comments":
            code = comments(code)
        elif step == "reformatted":
            code = reformatted(code)
        elif step == "reordered":
            code = reordered(ast.unparse(ast.parse(code)), seed)
        elif step == "dead_code":
            code = dead_code(code, seed)
        elif step == "swapped":
            code = swapped(code)
    return code
