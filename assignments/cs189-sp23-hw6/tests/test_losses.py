"""Grading tests for losses.py: the cross-entropy cost and the optional L2 cost.

The cost must come back as one number; backward is compared with the
reference's fixture and with the numerical gradient of the student's own
forward with respect to Y_hat. The predicted probabilities stay above 0.04,
so that a cost computed with a small epsilon inside the logarithm (1e-10, as
many starters do) still matches.
"""
import pytest

from autograder.compare import expect_all_close, expect_close
from autograder.fixtures import Case, FixtureSet
from autograder.run import current_assignment
from autograder.student import expect_inputs_unchanged
from autograder.tolerances import BACKWARD_FLOAT64, FORWARD_FLOAT64
from cs189sp23_support import check_input_gradient, expect_no_batch_loop, expect_number, one_hot

VECTORIZED = current_assignment(__file__).options.get("vectorized_functions", [])


def cross_entropy_inputs(rng, m, k):
    weights = rng.uniform(0.5, 2.0, (m, k))
    return {"Y": one_hot(rng.integers(k, size=m), k), "Y_hat": weights / weights.sum(axis=1, keepdims=True)}


def l2_inputs(rng, m):
    return {"Y": rng.standard_normal((m, 1)), "Y_hat": rng.standard_normal((m, 1))}


def make_loss(student, name):
    """A loss object of the submission; the starter's constructors take the loss's name."""
    return student.call(f"losses.{name}", "cross_entropy" if name == "CrossEntropy" else "l2")


def loss_compute(name):
    def compute(student, Y, Y_hat):
        loss = make_loss(student, name)
        return {"L": expect_number(loss.forward(Y, Y_hat), f"{name}.forward"), "dY_hat": loss.backward(Y, Y_hat)}
    return compute


CROSS_ENTROPY = FixtureSet("cs189sp23_cross_entropy", make_inputs=cross_entropy_inputs,
                           compute=loss_compute("CrossEntropy"), cases=[
    Case("5x3", seed=501, m=5, k=3),
    Case("batch1_1x4", seed=502, m=1, k=4),
    Case("8x5", seed=503, m=8, k=5),
])
L2 = FixtureSet("cs189sp23_l2", make_inputs=l2_inputs, compute=loss_compute("L2"), cases=[
    Case("6x1", seed=511, m=6),
    Case("batch1_1x1", seed=512, m=1),
])
LOSSES = [(CROSS_ENTROPY, "CrossEntropy", "cross_entropy"), (L2, "L2", "l2")]


def per_case(count=None):
    return [pytest.param(fixtures, name, case, marks=getattr(pytest.mark, question), id=f"{name}-{case}")
            for fixtures, name, question in LOSSES for case in fixtures.cases[:count]]


@pytest.mark.parametrize("fixtures, name, case", per_case())
def test_forward(student, fixtures, name, case):
    data = fixtures.load(case)
    got = make_loss(student, name).forward(data.inputs["Y"], data.inputs["Y_hat"])
    expect_close(expect_number(got, f"{name}.forward", case.name), data.expected["L"], what=f"{name}.forward",
                 case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, name, case", per_case())
def test_backward(student, fixtures, name, case):
    data = fixtures.load(case)
    got = make_loss(student, name).backward(data.inputs["Y"], data.inputs["Y_hat"])
    expect_close(got, data.expected["dY_hat"], what=f"{name}.backward: dL/dY_hat", case=case.name,
                 tol=BACKWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, name, case", per_case(count=2))
def test_backward_matches_numerical_gradient(student, fixtures, name, case):
    inputs = fixtures.load(case).inputs
    loss = make_loss(student, name)
    analytic = loss.backward(inputs["Y"], inputs["Y_hat"])
    check_input_gradient(student, student.ref(loss, "forward"), (inputs["Y"], inputs["Y_hat"]), 1, analytic, 1.0,
                         what=f"{name}.backward: dL/dY_hat", case=case.name)


@pytest.mark.parametrize("fixtures, name", [pytest.param(f, n, marks=getattr(pytest.mark, q), id=n) for f, n, q in LOSSES])
def test_does_not_modify_its_inputs(student, fixtures, name):
    data = fixtures.load(fixtures.cases[0])
    student.reset_log()
    got = fixtures.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what=name, case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


@pytest.mark.parametrize("function", [f for f in VECTORIZED if f.startswith("losses.CrossEntropy.")])
@pytest.mark.vectorized
def test_cross_entropy_does_not_loop_over_the_batch(student, function):
    data = CROSS_ENTROPY.load(CROSS_ENTROPY.cases[2])
    got = CROSS_ENTROPY.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="CrossEntropy (before its loops are checked)", case=data.case.name,
                     tol=BACKWARD_FLOAT64)
    expect_no_batch_loop(student, function)
