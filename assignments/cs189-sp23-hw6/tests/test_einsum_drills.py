"""Grading tests for einsum_drills.py (question 6.1): each function's value, then that np.einsum does the work.

The source check reads the function's text (never runs it): it must call
np.einsum, and do without np.trace, np.dot, np.matmul, np.outer, np.inner,
np.tensordot, np.diag, the * and @ operators and loops. It earns its point
only for a function whose values are right.
"""
import ast

import pytest

from autograder import definitions
from autograder.compare import expect_close
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.tolerances import FORWARD_FLOAT64

FUNCTIONS = ("trace", "matrix_vector", "outer")
FORBIDDEN = ("trace", "dot", "vdot", "matmul", "outer", "inner", "tensordot", "diag", "diagonal", "multiply", "kron")


def drill_inputs(rng, n, d):
    return {"A_square": rng.standard_normal((n, n)), "A": rng.standard_normal((n, d)), "b": rng.standard_normal(d),
            "a": rng.standard_normal(n)}


def drill_compute(student, A_square, A, b, a):
    return {"trace": student.call("einsum_drills.trace", A_square),
            "matrix_vector": student.call("einsum_drills.matrix_vector", A, b),
            "outer": student.call("einsum_drills.outer", a, b)}


DRILLS = FixtureSet("cs189sp23_einsum", make_inputs=drill_inputs, compute=drill_compute, cases=[
    Case("5x5", seed=701, n=5, d=5),
    Case("3x4", seed=702, n=3, d=4),
    Case("1x2", seed=703, n=1, d=2),
])


def arguments(function, inputs):
    return {"trace": (inputs["A_square"],), "matrix_vector": (inputs["A"], inputs["b"]),
            "outer": (inputs["a"], inputs["b"])}[function]


@pytest.mark.einsum
@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("case", DRILLS.cases, ids=str)
def test_einsum_drill_value(student, case, function):
    data = DRILLS.load(case)
    got = student.call(f"einsum_drills.{function}", *arguments(function, data.inputs))
    expect_close(got, data.expected[function], what=f"einsum_drills.{function}", case=case.name, tol=FORWARD_FLOAT64)


def einsum_problems(source, function):
    """Why np.einsum does not do all the work of ``function``, as phrases (none: it does)."""
    node = definitions.find_definition(source, function)
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [f"{function} is not defined in einsum_drills.py"]
    calls_einsum, problems = False, []
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            func = child.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            calls_einsum |= name == "einsum"
            if name in FORBIDDEN:
                problems.append(f"it calls {ast.unparse(func)} (line {child.lineno})")
        elif isinstance(child, ast.BinOp) and isinstance(child.op, (ast.Mult, ast.MatMult)):
            problems.append(f"it uses the {'@' if isinstance(child.op, ast.MatMult) else '*'} operator "
                            f"(line {child.lineno})")
        elif isinstance(child, (ast.For, ast.While, ast.comprehension)):
            line = child.iter.lineno if isinstance(child, ast.comprehension) else child.lineno
            problems.append(f"it loops (line {line})")
    if not calls_einsum:
        problems.insert(0, "it never calls np.einsum")
    return list(dict.fromkeys(problems))


@pytest.mark.einsum
@pytest.mark.parametrize("function", FUNCTIONS)
def test_einsum_does_the_work(student, function):
    data = DRILLS.load(DRILLS.cases[0])
    got = student.call(f"einsum_drills.{function}", *arguments(function, data.inputs))
    expect_close(got, data.expected[function], what=f"einsum_drills.{function} (before its source is read)",
                 case=data.case.name, tol=FORWARD_FLOAT64)
    problems = einsum_problems(student.source("einsum_drills") or "", function)
    if problems:
        raise GradingFailure(f"einsum_drills.{function}: np.einsum should do the work, but " + "; ".join(problems)
                             + ". Write it as one np.einsum call (e.g. np.einsum('ij,jk->ik', A, B) is A @ B).")
