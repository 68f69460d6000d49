"""Rubric checks read from a submission's source, never by running it.

``find_batch_loops`` finds the Python loops of a function that walk over the
examples of a batch: ``for i in range(N)`` where N comes from
``x.shape[0]`` or ``len(x)`` of an argument, and ``for row in x`` (or
``enumerate(x)``, ``zip(x, ...)``) over an argument. Loops over other
dimensions (classes, kernel positions, layers) are allowed.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Loop:
    line: int
    text: str  # the loop's header, e.g. "for i in range(N)"
    why: str  # e.g. "N is x.shape[0], the batch size"

    def describe(self) -> str:
        return f"line {self.line}: `{self.text}` ({self.why})"


def _find_function(tree: ast.Module, qualified: str) -> ast.FunctionDef | None:
    *owners, name = qualified.split(".")
    body = tree.body
    for owner in owners:
        cls = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == owner), None)
        if cls is None:
            return None
        body = cls.body
    return next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name), None)


class _BatchSizes(ast.NodeVisitor):
    """Names bound to an argument's batch size: N = x.shape[0]; N, D = x.shape; N = len(x)."""

    def __init__(self, arguments: set[str]):
        self.arguments = arguments
        self.sizes: dict[str, str] = {}

    def batch_size_of(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name) and node.id in self.sizes:
            return self.sizes[node.id]
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "shape" and _root_name(node.value.value) in self.arguments
                and isinstance(node.slice, ast.Constant) and node.slice.value == 0):
            return f"{ast.unparse(node)}, the batch size"
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"
                and node.args and _root_name(node.args[0]) in self.arguments):
            return f"{ast.unparse(node)}, the batch size"
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                why = self.batch_size_of(node.value)
                if why:
                    self.sizes[target.id] = f"{target.id} is {why.split(',')[0]}, the batch size"
            elif isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
                value = node.value
                if (isinstance(value, ast.Attribute) and value.attr == "shape"
                        and _root_name(value.value) in self.arguments):
                    first = target.elts[0].id
                    self.sizes[first] = f"{first} is {ast.unparse(value)}[0], the batch size"
        self.generic_visit(node)


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _loop_reason(iterable: ast.AST, sizes: _BatchSizes) -> str | None:
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name):
        name, args = iterable.func.id, iterable.args
        if name == "range" and args:
            bound = args[1] if len(args) > 1 else args[0]
            return sizes.batch_size_of(bound)
        if name in ("enumerate", "zip", "reversed"):
            return next((r for r in (_loop_reason(a, sizes) for a in args) if r), None)
    if isinstance(iterable, ast.Name) and iterable.id in sizes.arguments:
        return f"iterates over the rows of {iterable.id}"
    return None


def find_batch_loops(source: str, function: str) -> list[Loop] | None:
    """Loops over a batch's examples in ``function`` (a name or "Class.method").

    Returns None when the function is not defined in ``source``.
    """
    tree = ast.parse(source)
    node = _find_function(tree, function)
    if node is None:
        return None
    arguments = {a.arg for a in node.args.args + node.args.kwonlyargs} - {"self"}
    sizes = _BatchSizes(arguments)
    sizes.visit(node)
    loops = []
    for child in ast.walk(node):
        if isinstance(child, (ast.For, ast.AsyncFor)):
            header, iterable = f"for {ast.unparse(child.target)} in {ast.unparse(child.iter)}", child.iter
        elif isinstance(child, ast.comprehension):
            header, iterable = f"for {ast.unparse(child.target)} in {ast.unparse(child.iter)}", child.iter
        else:
            continue
        why = _loop_reason(iterable, sizes)
        if why:
            loops.append(Loop(getattr(child, "lineno", getattr(iterable, "lineno", node.lineno)), header, why))
    return sorted(loops, key=lambda loop: loop.line)
