"""Grading tests for layers.py (problem 2.1): fc, ReLU and the softmax loss.

Values are compared with fixtures made by the reference; every backward pass is also
checked against the numerical gradient of the student's own forward pass, so a wrong
forward with a consistent backward loses only the forward's checks. The softmax loss
must stay finite and warning-free for scores as large as 1e4 (the handout's max-shifted
form).
"""
import warnings
from math import prod

import numpy as np
import pytest

from autograder.compare import expect_all_close, expect_close, expect_items
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.gradcheck import check_gradient, evaluator
from autograder.inputs import away_from
from autograder.student import expect_inputs_unchanged
from autograder.tolerances import BACKWARD_FLOAT64, EXACT_FLOAT64, FORWARD_FLOAT64
from cs189sp19_checks import pick


# -- fully-connected layer ---------------------------------------------------------------
def fc_inputs(rng, x_shape, m):
    d = prod(x_shape[1:])
    return {"x": rng.standard_normal(x_shape), "w": rng.standard_normal((d, m)), "b": rng.standard_normal(m),
            "dout": rng.standard_normal((x_shape[0], m))}


def fc_compute(student, x, w, b, dout):
    out, cache = expect_items(student.call("layers.fc_forward", x, w, b), 2, what="fc_forward")
    grads = expect_items(student.call("layers.fc_backward", dout, cache), 3, what="fc_backward")
    return {"out": out, **dict(zip(("dx", "dw", "db"), grads))}


FC = FixtureSet("hw6_fc", make_inputs=fc_inputs, compute=fc_compute, cases=[
    Case("2x3_to_4", seed=611, x_shape=(2, 3), m=4),
    Case("batch1_4d_1x2x3x5_to_3", seed=612, x_shape=(1, 2, 3, 5), m=3),
    Case("keypoints_6x25x3_to_8", seed=613, x_shape=(6, 25, 3), m=8),
    Case("3d_7x4x2_to_1", seed=614, x_shape=(7, 4, 2), m=1),
])


@pytest.mark.fc
@pytest.mark.parametrize("case", FC.cases, ids=str)
def test_fc_forward(student, case):
    data = FC.load(case)
    out, _ = expect_items(student.call("layers.fc_forward", **pick(data.inputs, "x", "w", "b")), 2,
                          what="fc_forward", case=case.name)
    expect_close(out, data.expected["out"], what="fc_forward: out", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.fc
@pytest.mark.parametrize("grad", ["dx", "dw", "db"])
@pytest.mark.parametrize("case", FC.cases, ids=str)
def test_fc_backward(student, case, grad):
    data = FC.load(case)
    got = FC.compute(student, **data.inputs)
    expect_close(got[grad], data.expected[grad], what=f"fc_backward: {grad}", case=case.name, tol=BACKWARD_FLOAT64)


@pytest.mark.fc
@pytest.mark.parametrize("wrt", ["x", "w", "b"])
@pytest.mark.parametrize("case", FC.cases[:3], ids=str)
def test_fc_backward_matches_numerical_gradient(student, case, wrt):
    inputs = FC.load(case).inputs
    _, cache = expect_items(student.call("layers.fc_forward", **pick(inputs, "x", "w", "b")), 2,
                            what="fc_forward", case=case.name)
    grads = expect_items(student.call("layers.fc_backward", inputs["dout"], cache), 3, what="fc_backward",
                         case=case.name)
    analytic = dict(zip(("x", "w", "b"), grads))[wrt]
    check_gradient(analytic, evaluator(student, "layers.fc_forward", select=0), pick(inputs, "x", "w", "b"), wrt,
                   inputs["dout"], what=f"fc_backward: d{wrt}", case=case.name)


@pytest.mark.fc
def test_fc_does_not_modify_its_inputs(student):
    data = FC.load(FC.cases[2])
    student.reset_log()
    got = FC.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="fc", case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


# -- ReLU ------------------------------------------------------------------------------------
def relu_inputs(rng, shape):
    # Values stay clear of the kink at 0, where the numerical gradient is undefined.
    return {"x": away_from(rng.standard_normal(shape)), "dout": rng.standard_normal(shape)}


def relu_compute(student, x, dout):
    out, cache = expect_items(student.call("layers.relu_forward", x), 2, what="relu_forward")
    return {"out": out, "dx": student.call("layers.relu_backward", dout, cache)}


RELU = FixtureSet("hw6_relu", make_inputs=relu_inputs, compute=relu_compute, cases=[
    Case("3x4", seed=621, shape=(3, 4)),
    Case("batch1_4d_1x2x3x5", seed=622, shape=(1, 2, 3, 5)),
    Case("8x50", seed=623, shape=(8, 50)),
])


@pytest.mark.relu
@pytest.mark.parametrize("case", RELU.cases, ids=str)
def test_relu_forward(student, case):
    data = RELU.load(case)
    out, _ = expect_items(student.call("layers.relu_forward", data.inputs["x"]), 2, what="relu_forward",
                          case=case.name)
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
    _, cache = expect_items(student.call("layers.relu_forward", inputs["x"]), 2, what="relu_forward", case=case.name)
    dx = student.call("layers.relu_backward", inputs["dout"], cache)
    check_gradient(dx, evaluator(student, "layers.relu_forward", select=0), pick(inputs, "x"), "x", inputs["dout"],
                   what="relu_backward: dx", case=case.name)


@pytest.mark.relu
def test_relu_does_not_modify_its_inputs(student):
    data = RELU.load(RELU.cases[0])
    student.reset_log()
    got = RELU.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="relu", case=data.case.name, tol=EXACT_FLOAT64)
    expect_inputs_unchanged(student)


# -- softmax loss ------------------------------------------------------------------------------
def scores_inputs(rng, n, c):
    return {"x": 2.0 * rng.standard_normal((n, c)), "y": rng.integers(c, size=n)}


def large_scores_inputs(rng, n, c, label):
    """Scores of both signs with magnitudes from 1 to 1e4 (+1e4 and -1e4 both occur); the label is each
    row's highest score (a loss near 0) or its lowest (a loss near 2e4, whose probability underflows)."""
    x = rng.choice([-1.0, 1.0], size=(n, c)) * 10.0 ** rng.uniform(0, 4, size=(n, c))
    x.flat[0], x.flat[-1] = 1e4, -1e4
    y = {"row_max": x.argmax(axis=1), "row_min": x.argmin(axis=1)}[label]
    return {"x": x, "y": y}


def softmax_loss_compute(student, x, y):
    loss, dx = expect_items(student.call("layers.softmax_loss", x, y), 2, what="softmax_loss")
    return {"loss": loss, "dx": dx}


SOFTMAX_LOSS = FixtureSet("hw6_softmax_loss", make_inputs=scores_inputs, compute=softmax_loss_compute, cases=[
    Case("5x4", seed=631, n=5, c=4),
    Case("batch1_1x3", seed=632, n=1, c=3),
    Case("10x8", seed=633, n=10, c=8),
])
SOFTMAX_LOSS_LARGE = FixtureSet("hw6_softmax_loss_large", make_inputs=large_scores_inputs,
                                compute=softmax_loss_compute, cases=[
    Case("large_4x8_label_is_row_max", seed=634, n=4, c=8, label="row_max"),
    Case("large_4x8_label_is_row_min", seed=635, n=4, c=8, label="row_min"),
])


@pytest.mark.softmax_loss
@pytest.mark.parametrize("case", SOFTMAX_LOSS.cases, ids=str)
def test_softmax_loss_value(student, case):
    data = SOFTMAX_LOSS.load(case)
    got = SOFTMAX_LOSS.compute(student, **data.inputs)
    expect_close(got["loss"], data.expected["loss"], what="softmax_loss: loss", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.softmax_loss
@pytest.mark.parametrize("case", SOFTMAX_LOSS.cases, ids=str)
def test_softmax_loss_gradient(student, case):
    data = SOFTMAX_LOSS.load(case)
    got = SOFTMAX_LOSS.compute(student, **data.inputs)
    expect_close(got["dx"], data.expected["dx"], what="softmax_loss: dx", case=case.name, tol=BACKWARD_FLOAT64)


@pytest.mark.softmax_loss
@pytest.mark.parametrize("case", SOFTMAX_LOSS.cases[:2], ids=str)
def test_softmax_loss_gradient_matches_numerical_gradient(student, case):
    inputs = SOFTMAX_LOSS.load(case).inputs
    dx = SOFTMAX_LOSS.compute(student, **inputs)["dx"]
    check_gradient(dx, evaluator(student, "layers.softmax_loss", select=0), inputs, "x", what="softmax_loss: dx",
                   case=case.name)


@pytest.mark.softmax_loss
@pytest.mark.parametrize("case", SOFTMAX_LOSS_LARGE.cases, ids=str)
def test_softmax_loss_is_stable_for_large_scores(student, case):
    data = SOFTMAX_LOSS_LARGE.load(case)
    # The stable and the naive formulas can return the same finite values (a probability of exactly 1);
    # only numpy's RuntimeWarning says that an intermediate overflowed.
    with np.errstate(over="warn", invalid="warn", divide="warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = SOFTMAX_LOSS_LARGE.compute(student, **data.inputs)
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        raise GradingFailure(
            f"softmax_loss, case '{case.name}': expected no warning for scores as large as 1e4 in absolute value, "
            f"but numpy warned \"{numeric[0].message}\". Subtract each row's maximum m before exp, and compute the "
            "loss as -(s_c - m) + log(sum_k exp(s_k - m)), the handout's right-hand form: the probability of the "
            "correct class can underflow to 0, and log(0) is -inf.")
    expect_close(got["loss"], data.expected["loss"], what="softmax_loss: loss", case=case.name, tol=FORWARD_FLOAT64)
    expect_close(got["dx"], data.expected["dx"], what="softmax_loss: dx", case=case.name, tol=BACKWARD_FLOAT64)


@pytest.mark.softmax_loss
def test_softmax_loss_does_not_modify_its_inputs(student):
    data = SOFTMAX_LOSS.load(SOFTMAX_LOSS.cases[2])
    student.reset_log()
    got = SOFTMAX_LOSS.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="softmax_loss", case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)
