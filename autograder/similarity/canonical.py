"""One text per program that disguise does not change: what the fingerprints are taken of.

A copy is disguised by renaming, rewriting comments and docstrings, reformatting,
reordering functions and methods, inserting dead statements and swapping the operands
of ``+`` and ``*``. Each is undone here on Python's own syntax tree (``ast``: the parser
the grader itself runs the code with), and ``ast.unparse`` writes the result in one
layout:

- names the student chose (variables, parameters, functions, classes, attributes they
  assign or define as methods) all become ``v``; names they did not choose stay (``tanh``, ``nn.RNN``,
  ``.shape``), so two independent programs that happen to be shaped alike still differ
  in what they call. An import alias reads as its module (``np`` is ``numpy``);
- docstrings, bare constants, ``pass`` beside other statements, ``print`` calls and
  imports are dropped (they say nothing about who wrote the code), and so are dead
  statements: ``if False:`` blocks, loops over ``range(0)``, ``assert`` of literals,
  code after ``return``/``raise``/``break``/``continue``,
  and assignments in a function to a name that nothing reads;
- the operands of a chain of ``+``, ``*``, ``&``, ``|`` are sorted, and so are the
  functions and classes of a module or class body (after the other statements).

Code that does not parse (a student's syntax error) is read by copydetect's own token
filter instead (names read as ``V``, comments and layout dropped): two broken copies are
still compared with each other, though not with a copy that parses.
"""
from __future__ import annotations

import ast
import builtins

PLACEHOLDER = "v"
_COMMUTATIVE = (ast.Add, ast.Mult, ast.BitAnd, ast.BitOr)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ENDS_BLOCK = (ast.Return, ast.Raise, ast.Break, ast.Continue)


def canonical(code: str) -> str:
    """The program's canonical text (see the module's docstring)."""
    try:
        tree = ast.parse(code)
        names = _Names()
        names.visit(tree)
        tree = _Canonical(names).visit(tree)
        tree = _Sorted().visit(tree)
        return ast.unparse(ast.fix_missing_locations(tree))
    except (SyntaxError, ValueError, RecursionError, MemoryError, TypeError):
        from copydetect.utils import filter_code

        return "#!unparsed\n" + filter_code(code, "code.py", "python")[0]


class _Names(ast.NodeVisitor):
    """What the program binds (its own names), what it reads, and its import aliases."""

    def __init__(self):
        self.bound: set[str] = set()
        self.read: set[str] = set()
        self.attributes: set[str] = set()  # attributes assigned somewhere (self.W_xh = ...)
        self.aliases: dict[str, str] = {}

    def visit_Name(self, node):
        (self.bound if isinstance(node.ctx, (ast.Store, ast.Del)) else self.read).add(node.id)

    def visit_Attribute(self, node):
        if isinstance(node.ctx, ast.Store):
            self.attributes.add(node.attr)
        else:
            self.read.add(node.attr)
        self.generic_visit(node)

    def _define(self, node):
        self.bound.add(node.name)
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _define

    def visit_arg(self, node):
        self.bound.add(node.arg)
        self.generic_visit(node)

    def visit_Import(self, node):
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name

    def own(self, name: str) -> bool:
        return name in self.bound and name not in self.aliases and not hasattr(builtins, name)


def _is_print(node) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "print")


def _always_false(test) -> bool:
    return isinstance(test, ast.Constant) and not test.value


def _constant(node) -> bool:
    """An expression of literals only (its value never depends on the program)."""
    return all(isinstance(n, (ast.Constant, ast.Compare, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.cmpop, ast.boolop,
                              ast.operator, ast.unaryop, ast.Load)) for n in ast.walk(node))


def _empty(node) -> bool:
    """``range(0)``, ``[]``, ``()``: a loop over it never runs."""
    if isinstance(node, (ast.List, ast.Tuple)) and not node.elts:
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and node.args[0].value == 0)


class _Canonical(ast.NodeTransformer):
    def __init__(self, names: _Names):
        self.names = names
        self.functions = 0  # how deep in function bodies: only a local that nothing reads is dead

    def _dead_store(self, node) -> bool:
        if not self.functions:
            return False  # a module's or class's name may be read by whoever imports it
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        else:
            return False
        return all(isinstance(t, ast.Name) and t.id not in self.names.read for t in targets)

    def _body(self, body: list) -> list:
        return self._statements(body) or [ast.Pass()]

    def _statements(self, body: list) -> list:
        out = []
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass)) or _is_print(node) or self._dead_store(node):
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.Name)):
                continue  # docstrings, bare constants and names
            if isinstance(node, ast.Assert) and _constant(node.test):
                continue  # assert 1 == 1: checks nothing
            if isinstance(node, ast.For) and _empty(node.iter):
                out.extend(self._statements(node.orelse))
                continue
            if isinstance(node, (ast.If, ast.While)) and _always_false(node.test):
                out.extend(self._statements(node.orelse) if isinstance(node, ast.If) else [])
                continue
            node = self.visit(node)
            out.extend(node if isinstance(node, list) else [node])
            if isinstance(node, _ENDS_BLOCK):
                break  # what follows never runs
        return out

    def generic_visit(self, node):
        for field in ("body", "orelse", "finalbody"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, field, self._body(value))
        for field, value in ast.iter_fields(node):
            if field in ("body", "orelse", "finalbody") and isinstance(value, list) and value \
                    and isinstance(value[0], ast.stmt):
                continue
            if isinstance(value, list):
                setattr(node, field, [self.visit(v) if isinstance(v, ast.AST) else v for v in value])
            elif isinstance(value, ast.AST):
                setattr(node, field, self.visit(value))
        return node

    def visit_Name(self, node):
        if node.id in self.names.aliases:
            node.id = self.names.aliases[node.id]
        elif self.names.own(node.id):
            node.id = PLACEHOLDER
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        # An attribute the program assigns, or names like something it defines (a method, a
        # property, a class attribute): the student's name, whoever reads it.
        if node.attr in self.names.attributes or self.names.own(node.attr):
            node.attr = PLACEHOLDER
        return node

    def visit_ClassDef(self, node):
        node.name = PLACEHOLDER
        return self.generic_visit(node)

    def visit_FunctionDef(self, node):
        node.name = PLACEHOLDER
        self.functions += 1
        try:
            return self.generic_visit(node)
        finally:
            self.functions -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_arg(self, node):
        node.arg, node.annotation = PLACEHOLDER, None  # annotations are style, not substance
        return node

    def visit_keyword(self, node):
        self.generic_visit(node)
        if node.arg is not None and self.names.own(node.arg):
            node.arg = PLACEHOLDER
        return node

    def visit_Global(self, node):
        return ast.Global(names=[PLACEHOLDER])

    def visit_Nonlocal(self, node):
        return ast.Nonlocal(names=[PLACEHOLDER])


class _Sorted(ast.NodeTransformer):
    """Commutative operands and definitions in one order (run after renaming, so names cannot steer it)."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if not isinstance(node.op, _COMMUTATIVE):
            return node
        op, operands, stack = type(node.op), [], [node]
        while stack:  # flatten a + (b + c) and (a + b) + c alike
            item = stack.pop()
            if isinstance(item, ast.BinOp) and isinstance(item.op, op):
                stack += [item.right, item.left]
            else:
                operands.append(item)
        operands.sort(key=ast.unparse)
        tree = operands[0]
        for right in operands[1:]:
            tree = ast.BinOp(left=tree, op=op(), right=right)
        return tree

    def _sorted_body(self, node):
        self.generic_visit(node)
        defs = [n for n in node.body if isinstance(n, _DEFS)]
        if defs:
            rest = [n for n in node.body if not isinstance(n, _DEFS)]
            node.body = rest + sorted(defs, key=ast.unparse)
        return node

    visit_Module = visit_ClassDef = _sorted_body
