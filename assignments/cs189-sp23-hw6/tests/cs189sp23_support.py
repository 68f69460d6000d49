"""Helpers shared by the tests of CS189 SP23 HW6: building the student's layers, numerical gradients
through its objects, reading the dictionaries the layers hold, and the no-batch-loop rubric.

The layers keep their state in themselves: a test builds one through the
``student`` fixture, writes its parameters (``set_attr``/``set_item``), calls
its methods through handles, and reads back its ``cache`` and ``gradients``
with the probe ``cs189sp23_objects.as_dict`` (an OrderedDict is not plain
data). Numerical gradients perturb an input, or a parameter held in the layer,
on the student's side (the framework's probes ``batched.outputs`` and
``outputs_with_item``) and take the differences here.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from autograder import definitions
from autograder.compare import describe_value
from autograder.errors import GradingFailure
from autograder.gradcheck import BatchEvaluator, check_gradient
from autograder.probes import register_assignment_probes
from autograder.rubric import Loop
from autograder.student import Handle
from autograder.tolerances import KINK_MARGIN

# The grading plugin registers this folder's probes (tests/probes) before the first test; `fixtures regen`
# runs the reference in-process without doing so. Registering them here too (once; a second call skips
# them) lets the fixtures' compute() reach them on both paths.
register_assignment_probes(Path(__file__).resolve().parent / "probes")

# -- data -------------------------------------------------------------------------------------
def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def relu_safe(Z: np.ndarray) -> bool:
    """Whether every pre-activation is at least KINK_MARGIN from ReLU's kink at 0."""
    return bool(np.all(np.abs(Z) >= KINK_MARGIN))


def cross_entropy(Y: np.ndarray, Y_hat: np.ndarray) -> float:
    """The mean cross-entropy of the handout's definition, computed by the grader (never by the student's code)."""
    return float(-np.einsum("mk,mk->", Y, np.log(Y_hat)) / len(Y))


# -- the student's objects ----------------------------------------------------------------------
def read_dict(student: Any, obj: Handle, attribute: str, what: str, case: str | None = None) -> dict:
    """``obj.<attribute>`` (an OrderedDict or a dict on the student's side) as a plain dict."""
    found = student.run_probe("cs189sp23_objects.as_dict", student.ref(obj, attribute))
    if not isinstance(found, dict):
        where = f"{what}, case '{case}'" if case else what
        raise GradingFailure(f"{where}: self.{attribute} should be a dictionary (an OrderedDict), but it is "
                             f"{describe_value(found)}")
    return found


def expect_entry(mapping: Mapping, key: str, what: str, case: str | None = None) -> Any:
    if key not in mapping:
        where = f"{what}, case '{case}'" if case else what
        raise GradingFailure(f"{where}: has no entry '{key}' (it has {sorted(map(str, mapping))}); "
                             f"the keys are case-sensitive.")
    return mapping[key]


def load_fully_connected(student: Any, layer: Handle, W: np.ndarray, b: np.ndarray) -> None:
    """Give a FullyConnected layer its parameters (as _init_parameters would), zeroed gradients and an
    empty cache, without calling the student's _init_parameters (graded on its own)."""
    student.set_attr(layer, "n_in", int(W.shape[0]))
    student.set_attr(layer, "parameters", {"W": W, "b": b})
    student.set_attr(layer, "gradients", {"W": np.zeros_like(W), "b": np.zeros_like(b)})
    student.set_attr(layer, "cache", {})


def fully_connected(student: Any, activation: str, W: np.ndarray, b: np.ndarray) -> Handle:
    """A FullyConnected layer of the submission holding W and b."""
    layer = student.call("layers.FullyConnected", n_out=int(W.shape[1]), activation=activation,
                         weight_init="xavier_uniform")
    load_fully_connected(student, layer, W, b)
    return layer


def conv2d(student: Any, X_shape: Sequence[int], W: np.ndarray, b: np.ndarray, stride: int, pad: Any,
           activation: str) -> Handle:
    """A Conv2D layer of the submission, initialised by its (provided) _init_parameters, then given W and b."""
    layer = student.call("layers.Conv2D", n_out=int(W.shape[3]), kernel_shape=tuple(int(k) for k in W.shape[:2]),
                         activation=activation, stride=int(stride), pad=pad, weight_init="xavier_uniform")
    layer._init_parameters(tuple(int(s) for s in X_shape))
    parameters = student.ref(layer, "parameters")
    student.set_item(parameters, "W", W)
    student.set_item(parameters, "b", b)
    return layer


# -- numerical gradients through the objects ---------------------------------------------------------
def input_evaluator(student: Any, method: Handle, args: Sequence[Any], position: int, name: str) -> BatchEvaluator:
    """Evaluates ``method(*args)`` with argument ``position`` replaced by each value of the batch's ``name``."""
    def evaluate(batch: Sequence[Mapping[str, Any]]) -> list:
        calls = [tuple(kwargs[name] if i == position else arg for i, arg in enumerate(args)) for kwargs in batch]
        return student.run_probe("batched.outputs", method, calls)
    return evaluate


def item_evaluator(student: Any, method: Handle, args: Sequence[Any], holder: Handle, key: str,
                   then: Any = None) -> BatchEvaluator:
    """Evaluates ``method(*args)`` with ``holder[key]`` set to each value of the batch's ``key``
    (restored afterwards); ``then`` maps each output on this side (e.g. to a loss)."""
    def evaluate(batch: Sequence[Mapping[str, Any]]) -> list:
        found = student.run_probe("batched.outputs_with_item", method, tuple(args), holder, key,
                                  [kwargs[key] for kwargs in batch])
        return [then(out) for out in found] if then else found
    return evaluate


def check_input_gradient(student: Any, method: Handle, args: Sequence[Any], position: int, analytic: Any,
                         dout: Any, *, what: str, case: str) -> None:
    """``analytic`` against the numerical gradient of sum(method(*args) * dout) with respect to args[position]."""
    name = "input"
    check_gradient(analytic, input_evaluator(student, method, args, position, name),
                   {name: np.asarray(args[position], dtype=np.float64)}, name, dout, what=what, case=case)


def check_item_gradient(student: Any, method: Handle, args: Sequence[Any], holder: Handle, key: str,
                        value: np.ndarray, analytic: Any, dout: Any = 1.0, *, what: str, case: str,
                        then: Any = None) -> None:
    """``analytic`` against the numerical gradient of sum(method(*args) * dout) with respect to holder[key]."""
    check_gradient(analytic, item_evaluator(student, method, args, holder, key, then),
                   {key: np.asarray(value, dtype=np.float64)}, key, dout, what=what, case=case)


def expect_number(value: Any, what: str, case: str | None = None) -> float:
    """A cost as a float: a Python or numpy number, or a 0-d array."""
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        return float(value)
    if type(value) is np.ndarray and value.ndim == 0 and value.dtype.kind in "fiu":
        return float(value)
    where = f"{what}, case '{case}'" if case else what
    shown = f"an array of shape {value.shape}." if type(value) is np.ndarray else describe_value(value)
    raise GradingFailure(f"{where}: expected the cost as one number, got {shown}")


# -- rubric: no Python loop over the examples of a minibatch ---------------------------------------------
_METADATA = ("shape", "size", "ndim", "dtype")


class _Batches(ast.NodeVisitor):
    """Names holding minibatch arrays and names holding the minibatch size, in a layer's method.

    Minibatch arrays: every parameter but self (a layer's, activation's or loss's methods take
    nothing else), whatever is read from ``self.cache`` (where forward keeps X and Z for backward),
    and anything computed from those. Minibatch sizes: ``a.shape[0]``, the first name of
    ``m, ... = a.shape`` and ``len(a)`` for a minibatch array ``a``.
    """

    def __init__(self, parameters: Sequence[str]):
        self.arrays: set[str] = set(parameters)
        self.sizes: dict[str, str] = {}

    def is_batch(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.arrays
        if isinstance(node, ast.Attribute):
            if node.attr == "cache" and isinstance(node.value, ast.Name) and node.value.id == "self":
                return True
            return node.attr not in _METADATA and self.is_batch(node.value)
        if isinstance(node, ast.Subscript):
            return self.is_batch(node.value)
        if isinstance(node, ast.Call):
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            return (receiver is not None and self.is_batch(receiver)) or any(self.is_batch(a) for a in node.args)
        if isinstance(node, ast.BinOp):
            return self.is_batch(node.left) or self.is_batch(node.right)
        if isinstance(node, ast.UnaryOp):
            return self.is_batch(node.operand)
        return False

    def size_of(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name) and node.id in self.sizes:
            return self.sizes[node.id]
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape"
                and self.is_batch(node.value.value) and isinstance(node.slice, ast.Constant)
                and node.slice.value == 0):
            return f"{ast.unparse(node)} is the minibatch size"
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" and node.args
                and self.is_batch(node.args[0])):
            return f"{ast.unparse(node)} is the minibatch size"
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                why = self.size_of(node.value)
                if why:
                    self.sizes[target.id] = f"{target.id} = {ast.unparse(node.value)}, the minibatch size"
                elif self.is_batch(node.value):
                    self.arrays.add(target.id)
            elif isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
                value = node.value
                if isinstance(value, ast.Attribute) and value.attr == "shape" and self.is_batch(value.value):
                    first = target.elts[0].id
                    self.sizes[first] = f"{first} = {ast.unparse(value)}[0], the minibatch size"
                elif isinstance(value, ast.Tuple) and len(value.elts) == len(target.elts):  # X, Z = a, b
                    for name, item in zip(target.elts, value.elts):
                        if isinstance(name, ast.Name) and self.is_batch(item):
                            self.arrays.add(name.id)
        self.generic_visit(node)


def _loop_reason(iterable: ast.AST, batches: _Batches) -> str | None:
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name):
        name, args = iterable.func.id, iterable.args
        if name == "range" and args:
            return batches.size_of(args[1] if len(args) > 1 else args[0])
        if name in ("enumerate", "zip", "reversed"):
            return next((r for r in (_loop_reason(a, batches) for a in args) if r), None)
    if isinstance(iterable, ast.Name) and iterable.id in batches.arrays:
        return f"it iterates over the examples of {iterable.id}"
    return None


def batch_loops(source: str, qualified: str) -> list[Loop] | None:
    """The loops of ``qualified`` ("Class.method") over the examples of a minibatch; None if not defined."""
    node = definitions.find_definition(source, qualified)
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    batches = _Batches([a.arg for a in node.args.args if a.arg != "self"])
    for statement in node.body:  # in order, so that names are known before the loops that use them
        batches.visit(statement)
    lines = source.splitlines()
    loops = []
    for child in ast.walk(node):
        if isinstance(child, (ast.For, ast.AsyncFor, ast.comprehension)):
            why = _loop_reason(child.iter, batches)
            line = getattr(child, "lineno", getattr(child.iter, "lineno", node.lineno))
        elif isinstance(child, ast.While):
            bounds = [n for n in ast.walk(child.test) if isinstance(n, (ast.Name, ast.Subscript, ast.Call))]
            why = next((w for w in map(batches.size_of, bounds) if w), None)
            line = child.lineno
        else:
            continue
        if why:
            text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            loops.append(Loop(line, text.rstrip(":"), why))
    return sorted(loops, key=lambda loop: loop.line)


def expect_no_batch_loop(student: Any, function: str) -> None:
    """Fail if ``function`` ("layers.Conv2D.forward") loops in Python over the examples of its minibatch."""
    module, qualified = function.split(".", 1)
    loops = batch_loops(student.source(module) or "", qualified)
    if loops is None:
        raise GradingFailure(f"{qualified}: not found in {module}.py.")
    if loops:
        found = "; ".join(loop.describe() for loop in loops)
        raise GradingFailure(
            f"{qualified} loops in Python over the examples of the minibatch ({found}). Compute on the whole "
            "minibatch at once with array operations (matrix products, np.einsum, broadcasting); loops over "
            "kernel offsets, output positions or channels are fine.")
