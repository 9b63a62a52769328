"""Copies disguised the ways students disguise them, for the similarity tests (tests/test_similarity.py).

Each level adds one disguise to the one before, in the order issue 29 lists them:
rename -> comments -> reformat -> reorder -> dead code -> swapped operands. The code still runs: names
the exercise asks for (the stub's top-level functions and classes, and their methods) keep their names.

The moves (issue 42) each rename, then move code to another place: ``methods_out`` pulls every method's body
out to a module function that takes the instance first (the method calls it); ``static_methods`` wraps the
module's functions in a class as static methods (module names kept as aliases, calls go through the class);
``nested`` moves each function's body into a helper defined inside it; ``split`` moves the first half of
each longer function into a module helper that returns what it assigned.
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


def _passed_on(args: ast.arguments) -> tuple[list, list]:
    """The call that passes a function's own parameters on, as they came (positional, *args, keywords, **kw)."""
    positional = [ast.Name(a.arg, ast.Load()) for a in args.posonlyargs + args.args]
    if args.vararg:
        positional.append(ast.Starred(ast.Name(args.vararg.arg, ast.Load()), ast.Load()))
    keywords = [ast.keyword(a.arg, ast.Name(a.arg, ast.Load())) for a in args.kwonlyargs]
    if args.kwarg:
        keywords.append(ast.keyword(None, ast.Name(args.kwarg.arg, ast.Load())))
    return positional, keywords


def _helper(name: str, args: ast.arguments, body: list) -> ast.FunctionDef:
    """A function taking ``args`` without their defaults (its caller passes every one)."""
    plain = ast.arguments(posonlyargs=list(args.posonlyargs), args=list(args.args), vararg=args.vararg,
                          kwonlyargs=list(args.kwonlyargs), kw_defaults=[None] * len(args.kwonlyargs),
                          kwarg=args.kwarg, defaults=[])
    return ast.FunctionDef(name=name, args=plain, body=body, decorator_list=[], returns=None, type_comment=None,
                           type_params=[])


def _code(body: list) -> list:
    """A body without its docstring (and other bare constants)."""
    return [st for st in body if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]


def _calls_super(node) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "super"
               for n in ast.walk(node))


def methods_out(code: str) -> str:
    """Every method's body moved out to a module function taking the instance first; the method calls it
    (``super().__init__()`` stays in the method, where it works)."""
    tree = ast.parse(code)
    moved = []
    for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
        for method in cls.body:
            if not isinstance(method, ast.FunctionDef) or method.decorator_list or not method.args.args:
                continue
            kept = [st for st in method.body if _calls_super(st)]
            rest = [st for st in _code(method.body) if not _calls_super(st)]
            if not rest:
                continue
            name = f"{cls.name.lower()}_{method.name.strip('_')}"
            moved.append(_helper(name, method.args, rest))
            positional, keywords = _passed_on(method.args)
            method.body = kept + [ast.Return(ast.Call(ast.Name(name, ast.Load()), positional, keywords))]
    tree.body += moved
    return ast.unparse(ast.fix_missing_locations(tree))


class _ThroughClass(ast.NodeTransformer):
    def __init__(self, holder: str, names: set[str]):
        self.holder, self.names = holder, names

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.names:
            return ast.copy_location(ast.Attribute(ast.Name(self.holder, ast.Load()), node.id, ast.Load()), node)
        return node


def static_methods(code: str) -> str:
    """The module's functions wrapped in one class as static methods, called through it; each module name
    kept as an alias, so the names the exercise asks for still work."""
    tree = ast.parse(code)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if not functions:
        return code
    holder = "Impl"
    names = {f.name for f in functions}
    through = _ThroughClass(holder, names)
    through.visit(tree)   # the functions, classes and module code all call them through the class
    for f in functions:
        f.decorator_list = [ast.Name("staticmethod", ast.Load())] + f.decorator_list
    others = [n for n in tree.body if not isinstance(n, ast.FunctionDef)]
    wrapper = ast.ClassDef(name=holder, bases=[], keywords=[], body=functions, decorator_list=[], type_params=[])
    aliases = [ast.Assign([ast.Name(f.name, ast.Store())], ast.Attribute(ast.Name(holder, ast.Load()), f.name,
                                                                        ast.Load())) for f in functions]
    imports = [n for n in others if isinstance(n, (ast.Import, ast.ImportFrom))]
    rest = [n for n in others if not isinstance(n, (ast.Import, ast.ImportFrom))]
    tree.body = imports + [wrapper] + aliases + rest
    return ast.unparse(ast.fix_missing_locations(tree))


def nested(code: str) -> str:
    """Each function's (and method's) body moved into a helper defined inside it, which it calls."""
    tree = ast.parse(code)
    for f in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        body = _code(f.body)
        if len(body) < 2 or any(_calls_super(st) for st in body) or any(
                isinstance(n, (ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal)) for st in body for n in ast.walk(st)):
            continue
        positional, keywords = _passed_on(f.args)
        helper = _helper(f"_{f.name.strip('_')}_body", f.args, body)
        f.body = [helper, ast.Return(ast.Call(ast.Name(helper.name, ast.Load()), positional, keywords))]
    return ast.unparse(ast.fix_missing_locations(tree))


def _assigned(statements: list) -> list[str]:
    """The plain names the statements bind, in order."""
    names = []
    for st in statements:
        for node in ast.walk(st):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names:
                names.append(node.id)
    return names


def split(code: str) -> str:
    """The first half of each function of four or more statements moved out to a module helper that takes the
    function's parameters and returns the names it assigned; the function calls it and goes on."""
    tree = ast.parse(code)
    helpers = []
    for f in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        body = _code(f.body)
        half = len(body) // 2
        first = body[:half]
        if len(body) < 4 or any(_calls_super(st) for st in first) or any(
                isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal, ast.FunctionDef,
                               ast.ClassDef, ast.Lambda, ast.Break, ast.Continue)) for st in first for n in ast.walk(st)):
            continue
        names = _assigned(first)
        if not names:
            continue
        helper = f"_{f.name.strip('_')}_start"
        out = ast.Tuple([ast.Name(n, ast.Load()) for n in names], ast.Load())
        helpers.append(_helper(helper, f.args, first + [ast.Return(out)]))
        positional, keywords = _passed_on(f.args)
        call = ast.Call(ast.Name(helper, ast.Load()), positional, keywords)
        target = ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
        f.body = [ast.Assign([target], call)] + body[half:]
    tree.body += helpers
    return ast.unparse(ast.fix_missing_locations(tree))


_MOVED = {"methods_out": methods_out, "static_methods": static_methods, "nested": nested, "split": split}
MOVES = tuple(_MOVED)
ALL_LEVELS = LEVELS + MOVES


def disguised(code: str, stub: str, level: str, seed: int = 0) -> str:
    """``code`` disguised up to ``level``: one of LEVELS, each adding to the one before; or one of MOVES,
    renamed and then moved."""
    if level in _MOVED:
        return _MOVED[level](renamed(code, stub, seed))
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
