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
  assignments in a function to a name that nothing reads, and containers that are only
  ever filled (``trace = []`` and its ``trace.append(...)``, read nowhere);
- the operands of a chain of ``+``, ``*``, ``&``, ``|`` are sorted;
- where code sits says nothing either (issue 42: methods pulled out to module functions,
  functions wrapped in a class as static methods, a body moved into a helper defined inside
  its function, a function split in two). Every function, wherever it is defined, becomes a
  unit of its own: its body (and decorators other than ``staticmethod``/``classmethod``)
  without its ``def`` line, so without its parameters (``self`` or not). A class with other
  statements (class attributes) keeps them under its header; a class of methods alone is gone.
  The module's other statements are one more unit. An attribute the program chose, read on a
  name it chose (``self.rnn``, ``Helpers.step``), reads as that name alone (``v``), so a
  method call and the call of the function it became read alike. Statements that only pass
  the program's own values between its own functions (``v = v``, ``v, v = v(v)``,
  ``return v(v, v)``: the method left behind when its code moved out, an alias like
  ``step = Helpers.step``, a helper split off handing back what it assigned) and
  ``super().__init__()`` are dropped, and so is a function left with nothing else. The units
  are sorted and written without indentation, so nesting changes no fingerprint.

Code that does not parse (a student's syntax error) is read by copydetect's own token
filter instead (names read as ``V``, comments and layout dropped): two broken copies are
still compared with each other, though not with a copy that parses.
"""
from __future__ import annotations

import ast
import builtins

PLACEHOLDER = "v"
_COMMUTATIVE = (ast.Add, ast.Mult, ast.BitAnd, ast.BitOr)
_ENDS_BLOCK = (ast.Return, ast.Raise, ast.Break, ast.Continue)


def canonical(code: str) -> str:
    """The program's canonical text (see the module's docstring)."""
    try:
        tree = ast.parse(code)
        names = _Names()
        names.visit(tree)
        tree = _Canonical(names, frozenset(names.write_only(tree))).visit(tree)
        tree = _Sorted().visit(tree)
        return "\n".join(line.strip() for unit in _units(tree) for line in unit.splitlines())
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

    def write_only(self, tree) -> set[str]:
        """Names read only to fill them (``trace.append(x)`` as a statement): a container nothing ever reads."""
        loads: dict[str, int] = {}
        fills: dict[str, int] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                loads[node.id] = loads.get(node.id, 0) + 1
            elif _fill(node):
                name = node.value.func.value.id
                fills[name] = fills.get(name, 0) + 1
        return {name for name, n in fills.items() if loads.get(name) == n and name in self.bound}

    def own(self, name: str) -> bool:
        """A name the program binds itself. An import alias it also assigns to (``import ... as tensor``, then
        ``tensor = x["tensor"]``) is one of its own names: a copy that renames the variable renames it too."""
        return name in self.bound and not hasattr(builtins, name)


def _is_print(node) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "print")


_FILLS = ("append", "extend", "add", "update", "insert", "appendleft")
_EMPTY_CONTAINERS = (ast.List, ast.Dict, ast.Set, ast.Tuple)


def _fill(node) -> bool:
    """``name.append(...)`` (or another way to fill a container) as a statement of its own."""
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr in _FILLS
            and isinstance(node.value.func.value, ast.Name))


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
    def __init__(self, names: _Names, write_only: frozenset = frozenset()):
        self.names = names
        self.write_only = write_only   # containers filled and never read: their statements are dead
        self.functions = 0  # how deep in function bodies: only a local that nothing reads is dead

    def _dead_store(self, node) -> bool:
        if _fill(node) and node.value.func.value.id in self.write_only:
            return True
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in self.write_only and isinstance(node.value, _EMPTY_CONTAINERS):
            return True   # at any level: nothing reads it, here or elsewhere (it is only ever filled)
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
        if self.names.own(node.id):
            node.id = PLACEHOLDER
        elif node.id in self.names.aliases:
            node.id = self.names.aliases[node.id]
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
    """Commutative operands in one order (run after renaming, so names cannot steer it; definitions are put in
    one order by ``_units``)."""

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


_PLACEMENT = ("staticmethod", "classmethod")


def _placement(decorator) -> bool:
    """A decorator that only says where a function sits (a static or class method)."""
    return isinstance(decorator, ast.Name) and decorator.id in _PLACEMENT


def _units(tree: ast.Module) -> list[str]:
    """The program as sorted units whose text does not depend on where each function was defined."""
    units: list[str] = []

    def lift(body: list) -> list:
        """``body`` without its function definitions, each written as a unit of its own (recursively)."""
        kept = []
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                node.decorator_list = [d for d in node.decorator_list if not _placement(d)]
                node.args = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                                          kwarg=None, defaults=[])
                node.returns = None
                node.body = [st for st in lift(node.body) if not _super_init(st)]
                if node.body:   # its decorators and body: "def v():" would be the same line for every function
                    units.append("\n".join([f"@{ast.unparse(d)}" for d in node.decorator_list] + [
                        ast.unparse(ast.fix_missing_locations(ast.Module(body=node.body, type_ignores=[])))]))
                continue
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(node, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    setattr(node, field, lift(inner) or [ast.Pass()])
            for handler in getattr(node, "handlers", []) or []:
                handler.body = lift(handler.body) or [ast.Pass()]
            if isinstance(node, ast.ClassDef):
                if not (len(node.body) == 1 and isinstance(node.body[0], ast.Pass)):
                    units.append(ast.unparse(ast.fix_missing_locations(node)))
                continue   # a class of methods alone is only where they sat: its header says nothing
            if _plumbing(node):
                continue
            kept.append(node)
        return kept

    rest = lift(_Flattened().visit(tree).body)
    if rest:
        units.append(ast.unparse(ast.fix_missing_locations(ast.Module(body=rest, type_ignores=[]))))
    return sorted(units)


def _plumbing_value(node) -> bool:
    """An expression of the program's own names only, passed around: ``v``, ``(v, v)``, ``v(v, *v, k=v)``."""
    if isinstance(node, ast.Name):
        return node.id == PLACEHOLDER
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_plumbing_value(e) for e in node.elts)
    if isinstance(node, ast.Starred):
        return _plumbing_value(node.value)
    if isinstance(node, ast.Call):
        return (_plumbing_value(node.func) and all(_plumbing_value(a) for a in node.args)
                and all(_plumbing_value(k.value) for k in node.keywords))
    return False


def _plumbing(node) -> bool:
    """A statement that only passes the program's own values between its own functions: ``v = v`` (an alias such
    as ``step = Helpers.step``), ``v, v = v(v, v)``, ``return v(v)`` (a method whose code moved out), ``return
    (v, v)`` (a helper handing back what it assigned). Where code was split or moved, these are what changed;
    they hold no library call, constant or operator, so they say nothing about who wrote the program."""
    if isinstance(node, ast.Assign):
        return all(_plumbing_value(t) and not isinstance(t, ast.Call) for t in node.targets) and \
            _plumbing_value(node.value)
    if isinstance(node, ast.Return):
        return node.value is None or _plumbing_value(node.value)
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Call) and _plumbing_value(node.value)
    return False


def _super_init(node) -> bool:
    """``super().__init__()`` (or ``super(Class, self).__init__()``): every torch module's first line."""
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and not node.value.args
            and not node.value.keywords and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "__init__" and isinstance(node.value.func.value, ast.Call)
            and isinstance(node.value.func.value.func, ast.Name) and node.value.func.value.func.id == "super")


class _Flattened(ast.NodeTransformer):
    """``v.v`` (an attribute the program chose, on a name it chose) read as ``v``: ``self.step(x)`` and the module
    function ``step(x)`` it was pulled out to, or ``Helpers.step(x)``, read alike."""

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if node.attr == PLACEHOLDER and isinstance(node.value, ast.Name) and node.value.id == PLACEHOLDER:
            return ast.copy_location(ast.Name(PLACEHOLDER, node.ctx), node)
        return node
