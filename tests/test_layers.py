"""Grading tests for layers.py: values against fixtures, gradients two ways, inputs untouched.

Every test reaches the submission through the ``student`` fixture. Backward
passes are checked against the reference's fixture and against the
numerical gradient of the student's own forward, so a student with a wrong
forward but a consistent backward loses only the forward's points.
"""
from math import prod

import pytest

from autograder.compare import expect_close, expect_items
from autograder.fixtures import Case, FixtureSet
from autograder.gradcheck import check_gradient, evaluator
from autograder.inputs import away_from
from autograder.student import expect_inputs_unchanged
from autograder.tolerances import BACKWARD_FLOAT64, EXACT_FLOAT64, FORWARD_FLOAT64


def pick(mapping, *names):
    return {name: mapping[name] for name in names}


# -- affine ------------------------------------------------------------------
def affine_inputs(rng, x_shape, m):
    d = prod(x_shape[1:])
    return {
        "x": rng.standard_normal(x_shape),
        "w": rng.standard_normal((d, m)),
        "b": rng.standard_normal(m),
        "dout": rng.standard_normal((x_shape[0], m)),
    }


def affine_compute(student, x, w, b, dout):
    out, cache = expect_items(student.call("layers.affine_forward", x, w, b), 2, what="affine_forward")
    grads = expect_items(student.call("layers.affine_backward", dout, cache), 3, what="affine_backward")
    return {"out": out, **dict(zip(("dx", "dw", "db"), grads))}


AFFINE = FixtureSet(
    "affine",
    make_inputs=affine_inputs,
    compute=affine_compute,
    cases=[
        Case("2x3_to_4", seed=11, x_shape=(2, 3), m=4),
        Case("batch1_4d_1x2x3x5_to_3", seed=12, x_shape=(1, 2, 3, 5), m=3),
        Case("4d_5x2x3x4_to_6", seed=13, x_shape=(5, 2, 3, 4), m=6),
        Case("3d_7x4x2_to_1", seed=14, x_shape=(7, 4, 2), m=1),
    ],
)


@pytest.mark.affine
@pytest.mark.parametrize("case", AFFINE.cases, ids=str)
def test_affine_forward(student, case):
    data = AFFINE.load(case)
    result = student.call("layers.affine_forward", **pick(data.inputs, "x", "w", "b"))
    out, _ = expect_items(result, 2, what="affine_forward", case=case.name)
    expect_close(out, data.expected["out"], what="affine_forward: out", case=case.name, tol=FORWARD_FLOAT64)


# Each gradient is its own check, so one wrong gradient costs only its share.
@pytest.mark.affine
@pytest.mark.parametrize("grad", ["dx", "dw", "db"])
@pytest.mark.parametrize("case", AFFINE.cases, ids=str)
def test_affine_backward(student, case, grad):
    data = AFFINE.load(case)
    got = AFFINE.compute(student, **data.inputs)
    expect_close(got[grad], data.expected[grad], what=f"affine_backward: {grad}", case=case.name,
                 tol=BACKWARD_FLOAT64)


@pytest.mark.affine
@pytest.mark.parametrize("wrt", ["x", "w", "b"])
@pytest.mark.parametrize("case", AFFINE.cases[:3], ids=str)
def test_affine_backward_matches_numerical_gradient(student, case, wrt):
    inputs = AFFINE.load(case).inputs
    _, cache = student.call("layers.affine_forward", **pick(inputs, "x", "w", "b"))
    grads = expect_items(student.call("layers.affine_backward", inputs["dout"], cache), 3,
                         what="affine_backward", case=case.name)
    analytic = dict(zip(("x", "w", "b"), grads))[wrt]
    check_gradient(analytic, evaluator(student, "layers.affine_forward", select=0), pick(inputs, "x", "w", "b"),
                   wrt, inputs["dout"], what=f"affine_backward: d{wrt}", case=case.name)


@pytest.mark.affine
def test_affine_does_not_modify_its_inputs(student):
    inputs = AFFINE.load(AFFINE.cases[2]).inputs
    student.reset_log()
    AFFINE.compute(student, **inputs)
    expect_inputs_unchanged(student)


# -- relu --------------------------------------------------------------------
def relu_inputs(rng, shape):
    # Values stay clear of the kink at 0, where the numerical gradient is undefined.
    return {"x": away_from(rng.standard_normal(shape)), "dout": rng.standard_normal(shape)}


def relu_compute(student, x, dout):
    out, cache = expect_items(student.call("layers.relu_forward", x), 2, what="relu_forward")
    return {"out": out, "dx": student.call("layers.relu_backward", dout, cache)}


RELU = FixtureSet(
    "relu",
    make_inputs=relu_inputs,
    compute=relu_compute,
    cases=[
        Case("3x4", seed=21, shape=(3, 4)),
        Case("batch1_4d_1x2x3x5", seed=22, shape=(1, 2, 3, 5)),
        Case("8x5", seed=23, shape=(8, 5)),
    ],
)


@pytest.mark.relu
@pytest.mark.parametrize("case", RELU.cases, ids=str)
def test_relu_forward(student, case):
    data = RELU.load(case)
    out, _ = expect_items(student.call("layers.relu_forward", data.inputs["x"]), 2,
                          what="relu_forward", case=case.name)
    expect_close(out, data.expected["out"], what="relu_forward: out", case=case.name, tol=EXACT_FLOAT64)


@pytest.mark.relu
@pytest.mark.parametrize("case", RELU.cases, ids=str)
def test_relu_backward(student, case):
    data = RELU.load(case)
    got = RELU.compute(student, **data.inputs)
    expect_close(got["dx"], data.expected["dx"], what="relu_backward: dx", case=case.name, tol=EXACT_FLOAT64)


@pytest.mark.relu
@pytest.mark.parametrize("case", RELU.cases[:2], ids=str)
def test_relu_backward_matches_numerical_gradient(student, case):
    inputs = RELU.load(case).inputs
    _, cache = student.call("layers.relu_forward", inputs["x"])
    dx = student.call("layers.relu_backward", inputs["dout"], cache)
    check_gradient(dx, evaluator(student, "layers.relu_forward", select=0), pick(inputs, "x"), "x",
                   inputs["dout"], what="relu_backward: dx", case=case.name)


@pytest.mark.relu
def test_relu_does_not_modify_its_inputs(student):
    inputs = RELU.load(RELU.cases[0]).inputs
    student.reset_log()
    RELU.compute(student, **inputs)
    expect_inputs_unchanged(student)
