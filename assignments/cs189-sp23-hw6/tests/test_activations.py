"""Grading tests for activations.py: ReLU, SoftMax (and its Jacobian), the optional Sigmoid.

Each activation is an object of the submission; its forward and backward are
compared with the reference's fixtures, and backward also with the numerical
gradient of the student's own forward (computed by perturbing Z on the
student's side), so a wrong forward with a consistent backward loses the
forward's checks only.
"""
import warnings

import numpy as np
import pytest

from autograder.compare import expect_all_close, expect_close
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.inputs import away_from
from autograder.run import current_assignment
from autograder.student import expect_inputs_unchanged
from autograder.tolerances import BACKWARD_FLOAT64, EXACT_FLOAT64, FORWARD_FLOAT64, NUMERICAL_GRADIENT
from cs189sp23_support import check_input_gradient, expect_no_batch_loop, input_evaluator

VECTORIZED = current_assignment(__file__).options.get("vectorized_functions", [])


def activation_inputs(rng, shape, scale=1.0):
    # Clear of 0, ReLU's kink, so that central differences are meaningful; harmless for the smooth ones.
    return {"Z": away_from(scale * rng.standard_normal(shape)), "dY": rng.standard_normal(shape)}


def activation_compute(name):
    """compute() of an activation's fixture set: the output and dL/dZ of a fresh object."""
    def compute(student, Z, dY):
        activation = student.call(f"activations.{name}")
        return {"out": activation.forward(Z), "dZ": activation.backward(Z, dY)}
    return compute


RELU = FixtureSet("cs189sp23_relu", make_inputs=activation_inputs, compute=activation_compute("ReLU"), cases=[
    Case("4x6", seed=101, shape=(4, 6)),
    Case("batch1_1x5", seed=102, shape=(1, 5)),
    Case("images_2x3x4x5", seed=103, shape=(2, 3, 4, 5)),
    Case("8x3", seed=104, shape=(8, 3)),
])
SOFTMAX = FixtureSet("cs189sp23_softmax", make_inputs=activation_inputs, compute=activation_compute("SoftMax"), cases=[
    Case("4x7", seed=111, shape=(4, 7), scale=2.0),
    Case("batch1_1x5", seed=112, shape=(1, 5), scale=2.0),
    Case("6x3", seed=113, shape=(6, 3), scale=2.0),
])
SIGMOID = FixtureSet("cs189sp23_sigmoid", make_inputs=activation_inputs, compute=activation_compute("Sigmoid"), cases=[
    Case("4x5", seed=121, shape=(4, 5), scale=3.0),
    Case("images_2x3x3x2", seed=122, shape=(2, 3, 3, 2), scale=3.0),
])
# table: (fixture set, class name, question, forward tolerance)
ACTIVATIONS = [(RELU, "ReLU", "relu", EXACT_FLOAT64), (SOFTMAX, "SoftMax", "softmax", FORWARD_FLOAT64),
               (SIGMOID, "Sigmoid", "sigmoid", FORWARD_FLOAT64)]


def per_case(count=None):
    return [pytest.param(fixtures, name, case, tol, marks=getattr(pytest.mark, question), id=f"{name}-{case}")
            for fixtures, name, question, tol in ACTIVATIONS for case in fixtures.cases[:count]]


def per_class():
    return [pytest.param(fixtures, name, tol, marks=getattr(pytest.mark, question), id=name)
            for fixtures, name, question, tol in ACTIVATIONS]


@pytest.mark.parametrize("fixtures, name, case, tol", per_case())
def test_forward(student, fixtures, name, case, tol):
    data = fixtures.load(case)
    out = student.call(f"activations.{name}").forward(data.inputs["Z"])
    expect_close(out, data.expected["out"], what=f"{name}.forward", case=case.name, tol=tol)


@pytest.mark.parametrize("fixtures, name, case, tol", per_case())
def test_backward(student, fixtures, name, case, tol):
    data = fixtures.load(case)
    got = fixtures.compute(student, **data.inputs)
    expect_close(got["dZ"], data.expected["dZ"], what=f"{name}.backward: dL/dZ", case=case.name,
                 tol=EXACT_FLOAT64 if tol is EXACT_FLOAT64 else BACKWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, name, case, tol", per_case(count=2))
def test_backward_matches_numerical_gradient(student, fixtures, name, case, tol):
    inputs = fixtures.load(case).inputs
    activation = student.call(f"activations.{name}")
    dZ = activation.backward(inputs["Z"], inputs["dY"])
    check_input_gradient(student, student.ref(activation, "forward"), (inputs["Z"],), 0, dZ, inputs["dY"],
                         what=f"{name}.backward: dL/dZ", case=case.name)


@pytest.mark.parametrize("fixtures, name, tol", per_class())
def test_does_not_modify_its_inputs(student, fixtures, name, tol):
    data = fixtures.load(fixtures.cases[0])
    student.reset_log()
    got = fixtures.compute(student, **data.inputs)
    expect_all_close({"dZ": got["dZ"]}, {"dZ": data.expected["dZ"]}, what=f"{name}.backward", case=data.case.name,
                     tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


@pytest.mark.parametrize("function", [f for f in VECTORIZED if f.startswith("activations.ReLU.")])
@pytest.mark.vectorized
def test_relu_does_not_loop_over_the_batch(student, function):
    data = RELU.load(RELU.cases[0])
    got = RELU.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="ReLU (before its loops are checked)", case=data.case.name,
                     tol=EXACT_FLOAT64)
    expect_no_batch_loop(student, function)


# -- SoftMax: the properties and large scores -----------------------------------------------------
def large_inputs(rng, shape):
    """Scores of both signs with magnitudes up to 1e4, and a near tie at the top of the last row."""
    Z = rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(0, 4, size=shape)
    Z.flat[0], Z.flat[-1] = 1e4, -1e4
    Z[-1, :2] = 1e4 - 0.7, 1e4
    return {"Z": Z, "dY": rng.standard_normal(shape)}


SOFTMAX_LARGE = FixtureSet("cs189sp23_softmax_large", make_inputs=large_inputs, compute=activation_compute("SoftMax"),
                           cases=[Case("large_4x6", seed=114, shape=(4, 6)), Case("large_2x3", seed=115, shape=(2, 3))])
STABILITY_HINT = ("exp overflows for scores above about 709: subtract each row's maximum before taking exp; "
                  "the softmax does not change.")


def call_without_warnings(call, case, what):
    """Call, and fail if numpy warned (an overflow or an invalid value inside exp)."""
    with np.errstate(over="warn", invalid="warn", divide="warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        raise GradingFailure(f"{what}, case '{case}': expected no warning for scores as large as 1e4 in absolute "
                             f"value, but numpy warned \"{numeric[0].message}\". {STABILITY_HINT}")
    return result


@pytest.mark.softmax
@pytest.mark.parametrize("case", SOFTMAX_LARGE.cases, ids=str)
def test_softmax_forward_is_stable_for_large_scores(student, case):
    data = SOFTMAX_LARGE.load(case)
    softmax = student.call("activations.SoftMax")
    out = call_without_warnings(lambda: softmax.forward(data.inputs["Z"]), case.name, "SoftMax.forward")
    expect_close(out, data.expected["out"], what="SoftMax.forward", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.softmax
def test_softmax_backward_is_stable_for_large_scores(student):
    case = SOFTMAX_LARGE.cases[0]
    data = SOFTMAX_LARGE.load(case)
    softmax = student.call("activations.SoftMax")
    with warnings.catch_warnings():  # the forward's warnings cost the forward's check, not this one
        warnings.simplefilter("ignore")
        dZ = softmax.backward(data.inputs["Z"], data.inputs["dY"])
    expect_close(dZ, data.expected["dZ"], what="SoftMax.backward: dL/dZ", case=case.name, tol=BACKWARD_FLOAT64)


@pytest.mark.softmax
@pytest.mark.parametrize("case", SOFTMAX.cases[:2], ids=str)
def test_softmax_is_invariant_to_a_shift_of_each_row(student, case):
    data = SOFTMAX.load(case)
    Z = data.inputs["Z"]
    shift = 50.0 * np.arange(1, len(Z) + 1)[:, np.newaxis]
    out = student.call("activations.SoftMax").forward(Z + shift)
    expect_close(out, data.expected["out"], what="SoftMax.forward of Z + a constant per row (it should not change)",
                 case=case.name, tol=FORWARD_FLOAT64)


# -- the Jacobian ------------------------------------------------------------------------------------
def jacobian_inputs(rng, shape, large=False):
    return {"Z": large_inputs(rng, shape)["Z"] if large else 2.0 * rng.standard_normal(shape)}


def jacobian_compute(student, Z):
    return {"J": student.call("activations.SoftMax").jacobian(Z)}


JACOBIAN = FixtureSet("cs189sp23_softmax_jacobian", make_inputs=jacobian_inputs, compute=jacobian_compute, cases=[
    Case("3x5", seed=131, shape=(3, 5)),
    Case("batch1_1x4", seed=132, shape=(1, 4)),
    Case("2x8", seed=133, shape=(2, 8)),
    Case("large_2x6", seed=134, shape=(2, 6), large=True),
])


@pytest.mark.softmax_jacobian
@pytest.mark.parametrize("case", JACOBIAN.cases, ids=str)
def test_softmax_jacobian(student, case):
    data = JACOBIAN.load(case)
    got = student.call("activations.SoftMax").jacobian(data.inputs["Z"])
    expect_close(got, data.expected["J"], what="SoftMax.jacobian: J[n, i, j] = d softmax(Z[n])_i / d Z[n, j]",
                 case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.softmax_jacobian
@pytest.mark.parametrize("case", JACOBIAN.cases[:2], ids=str)
def test_softmax_jacobian_matches_the_numerical_jacobian_of_forward(student, case):
    """Each column j of J[n] is d softmax(Z[n]) / d Z[n, j]: forward perturbed, on the student's side."""
    Z = JACOBIAN.load(case).inputs["Z"]
    softmax = student.call("activations.SoftMax")
    got = softmax.jacobian(Z)
    h = 1e-6
    shifts = []
    for index in np.ndindex(Z.shape):
        for sign in (1.0, -1.0):
            shifted = Z.copy()
            shifted[index] += sign * h
            shifts.append({"Z": shifted})
    outputs = input_evaluator(student, student.ref(softmax, "forward"), (Z,), 0, "Z")(shifts)
    numeric = np.zeros((Z.shape[0], Z.shape[1], Z.shape[1]))
    for k, (n, j) in enumerate(np.ndindex(Z.shape)):
        plus, minus = (np.asarray(outputs[2 * k + s], dtype=np.float64) for s in (0, 1))
        if plus.shape != Z.shape or minus.shape != Z.shape:
            raise GradingFailure(f"SoftMax.forward, case '{case.name}': returned shape {plus.shape} for an input "
                                 f"of shape {Z.shape} while differentiating numerically.")
        numeric[n, :, j] = (plus[n] - minus[n]) / (2 * h)
    expect_close(got, numeric, what="SoftMax.jacobian (against the numerical Jacobian of SoftMax.forward)",
                 case=case.name, tol=NUMERICAL_GRADIENT)
