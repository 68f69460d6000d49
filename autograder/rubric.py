"""Rubric checks read from a submission's source, never by running it.

``find_batch_loops`` finds the Python loops of a function that walk over the
examples of a batch: ``for i in range(N)`` where N comes from
``x.shape[0]`` or ``len(x)`` of an argument, and ``for row in x`` (or
``enumerate(x)``, ``zip(x, ...)``) over a batch array, and ``while`` loops
bounded by the batch size. Loops over other dimensions (classes, kernel
positions, layers) are allowed. It is a heuristic over the assignment's
conventions (the first parameter, or the first item of a cache, holds the
batch), so its message names the loop it found.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from autograder import definitions


@dataclass(frozen=True)
class Loop:
    line: int
    text: str  # the loop's header, e.g. "for i in range(N)"
    why: str  # e.g. "N is x.shape[0], the batch size"

    def describe(self) -> str:
        return f"line {self.line}: `{self.text}` ({self.why})"


_METADATA = ("shape", "size", "ndim", "dtype")  # attributes that describe an array, not hold its data


class _BatchSizes(ast.NodeVisitor):
    """Which names hold batch arrays, and which hold the batch size.

    Batch arrays: the first parameter (x, dout, scores by the assignment's
    convention), the first item unpacked from another parameter (``x, w, b =
    cache``), and anything computed from a batch array (``rows =
    x.reshape(N, -1)``). Batch sizes: ``N = a.shape[0]``, ``N, D = a.shape``
    and ``N = len(a)`` for a batch array ``a``.
    """

    def __init__(self, parameters: list[str]):
        self.parameters = set(parameters)
        self.arrays: set[str] = set(parameters[:1])
        self.sizes: dict[str, str] = {}

    def is_batch_array(self, node: ast.AST) -> bool:
        """Whether an expression is an array computed from a batch array (not its shape)."""
        if isinstance(node, ast.Name):
            return node.id in self.arrays
        if isinstance(node, ast.Attribute):
            return node.attr not in _METADATA and self.is_batch_array(node.value)
        if isinstance(node, ast.Subscript):
            return self.is_batch_array(node.value)
        if isinstance(node, ast.Call):  # x.reshape(...), np.exp(x), np.dot(x, w)
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            return (receiver is not None and self.is_batch_array(receiver)) or any(
                self.is_batch_array(arg) for arg in node.args)
        if isinstance(node, ast.BinOp):
            return self.is_batch_array(node.left) or self.is_batch_array(node.right)
        if isinstance(node, ast.UnaryOp):
            return self.is_batch_array(node.operand)
        return False

    def batch_size_of(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name) and node.id in self.sizes:
            return self.sizes[node.id]
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "shape" and self.is_batch_array(node.value.value)
                and isinstance(node.slice, ast.Constant) and node.slice.value == 0):
            return f"{ast.unparse(node)} is the batch size"
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"
                and node.args and self.is_batch_array(node.args[0])):
            return f"{ast.unparse(node)} is the batch size"
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        for target in node.targets:
            if isinstance(target, ast.Name):
                why = self.batch_size_of(value)
                if why:
                    self.sizes[target.id] = f"{target.id} = {ast.unparse(value)}, the batch size"
                elif self.is_batch_array(value):
                    self.arrays.add(target.id)
            elif isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
                first = target.elts[0].id
                if isinstance(value, ast.Attribute) and value.attr == "shape" and self.is_batch_array(value.value):
                    self.sizes[first] = f"{first} = {ast.unparse(value)}[0], the batch size"
                elif isinstance(value, ast.Name) and value.id in self.parameters:
                    self.arrays.add(first)  # x, w, b = cache: a cache starts with the batch input
        self.generic_visit(node)


def _loop_reason(iterable: ast.AST, sizes: _BatchSizes) -> str | None:
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name):
        name, args = iterable.func.id, iterable.args
        if name == "range" and args:
            bound = args[1] if len(args) > 1 else args[0]
            return sizes.batch_size_of(bound)
        if name in ("enumerate", "zip", "reversed"):
            return next((r for r in (_loop_reason(a, sizes) for a in args) if r), None)
    if isinstance(iterable, ast.Name) and iterable.id in sizes.arrays:
        return f"it iterates over the examples of {iterable.id}"
    return None


def find_batch_loops(source: str, function: str) -> list[Loop] | None:
    """Loops over a batch's examples in ``function`` (a name or "Class.method").

    Returns None when the function is not defined in ``source``.
    """
    node = definitions.find_definition(source, function)
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    parameters = [a.arg for a in node.args.args if a.arg != "self"]
    sizes = _BatchSizes(parameters)
    for statement in node.body:  # in order, so that names are known before the loops that use them
        sizes.visit(statement)
    loops = []
    for child in ast.walk(node):
        if isinstance(child, (ast.For, ast.AsyncFor)):
            header, iterable = f"for {ast.unparse(child.target)} in {ast.unparse(child.iter)}", child.iter
        elif isinstance(child, ast.comprehension):
            header, iterable = f"for {ast.unparse(child.target)} in {ast.unparse(child.iter)}", child.iter
        elif isinstance(child, ast.While):
            header = f"while {ast.unparse(child.test)}"
            bounds = [n for n in ast.walk(child.test) if isinstance(n, (ast.Name, ast.Subscript, ast.Call))]
            why = next((w for w in map(sizes.batch_size_of, bounds) if w), None)
            if why:
                loops.append(Loop(child.lineno, header, why))
            continue
        else:
            continue
        why = _loop_reason(iterable, sizes)
        if why:
            loops.append(Loop(getattr(child, "lineno", getattr(iterable, "lineno", node.lineno)), header, why))
    return sorted(loops, key=lambda loop: loop.line)
