"""Grading tests for layers.py: values against fixtures, gradients two ways, inputs untouched.

Every test reaches the submission through the ``student`` fixture. Backward
passes are checked against the reference's fixture and against the
numerical gradient of the student's own forward, so a student with a wrong
forward but a consistent backward loses only the forward's points.
"""
import warnings
from math import prod

import numpy as np
import pytest

from autograder.compare import expect_all_close, expect_array, expect_close, expect_items
from autograder.run import current_assignment
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.gradcheck import check_gradient, evaluator
from autograder.inputs import away_from
from autograder.student import expect_inputs_unchanged
from autograder.tolerances import BACKWARD_FLOAT64, EXACT_FLOAT64, FORWARD_FLOAT64, STANDARD_ERRORS


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
    data = AFFINE.load(AFFINE.cases[2])
    student.reset_log()
    got = AFFINE.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="affine", case=data.case.name, tol=BACKWARD_FLOAT64)
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
    data = RELU.load(RELU.cases[0])
    student.reset_log()
    got = RELU.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="relu", case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


# -- shared by the sections below ---------------------------------------------
def per_case(sets, count=None):
    """One pytest parameter per (fixture set, case), marked with the set's question.

    The sets of the table-driven sections below are named after their question.
    """
    return [pytest.param(fixture_set, case, marks=getattr(pytest.mark, fixture_set.name),
                         id=f"{fixture_set.name}-{case}")
            for fixture_set in sets for case in fixture_set.cases[:count]]


def per_set(sets):
    return [pytest.param(fixture_set, marks=getattr(pytest.mark, fixture_set.name), id=fixture_set.name)
            for fixture_set in sets]


def large_scores(rng, shape):
    """Scores of both signs with magnitudes spread from 1 to 1e4; +1e4 and -1e4 both occur."""
    x = rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(0, 4, size=shape)
    x.flat[0], x.flat[-1] = 1e4, -1e4
    return x


def call_without_warnings(student, target, *args, case, hint):
    """Call a student function and fail if numpy warned (overflow, invalid value, division by zero).

    The stable and the naive formulas often return the same finite values (1 / (1 + inf) is 0);
    only numpy's RuntimeWarning tells that an intermediate overflowed.
    """
    with np.errstate(over="warn", invalid="warn", divide="warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = student.call(target, *args)
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        raise GradingFailure(
            f"{target.removeprefix('layers.')}, case '{case}': expected no warning for scores as large as 1e4 in "
            f"absolute value, but numpy warned \"{numeric[0].message}\". {hint}"
        )
    return result


# -- activations: leaky ReLU, sigmoid, tanh, softmax --------------------------
def activation_inputs(rng, shape, scale=1.0, **params):
    # Values stay clear of 0, the leaky ReLU's kink; harmless for the smooth activations.
    return {"x": away_from(scale * rng.standard_normal(shape)), "dout": rng.standard_normal(shape), **params}


def large_activation_inputs(rng, shape):
    x = large_scores(rng, shape)
    x[-1, :2] = 1e4 - 0.7, 1e4  # a near tie at the top: softmax probabilities that are neither 0 nor 1
    return {"x": x, "dout": rng.standard_normal(shape)}


def activation_compute(name):
    """compute() of an activation's fixture set: its output and the gradient of sum(out * dout)."""
    def compute(student, x, dout, **params):
        result = student.call(f"layers.{name}_forward", x, *params.values())
        out, cache = expect_items(result, 2, what=f"{name}_forward")
        return {"out": out, "dx": student.call(f"layers.{name}_backward", dout, cache)}
    return compute


def activation_fixtures(name, cases, make_inputs=activation_inputs):
    return FixtureSet(name, make_inputs=make_inputs, compute=activation_compute(name), cases=cases)


LEAKY_RELU = activation_fixtures("leaky_relu", [
    Case("3x4_default_alpha", seed=31, shape=(3, 4)),
    Case("batch1_4d_1x2x3x5_alpha_0.2", seed=32, shape=(1, 2, 3, 5), alpha=0.2),
    Case("6x5_alpha_0.05", seed=33, shape=(6, 5), alpha=0.05),
])
SIGMOID = activation_fixtures("sigmoid", [
    Case("3x4", seed=41, shape=(3, 4), scale=3.0),
    Case("batch1_1x6", seed=42, shape=(1, 6), scale=3.0),
    Case("4d_2x3x4x5", seed=43, shape=(2, 3, 4, 5), scale=5.0),
])
TANH = activation_fixtures("tanh", [
    Case("3x4", seed=51, shape=(3, 4), scale=1.5),
    Case("batch1_1x6", seed=52, shape=(1, 6), scale=1.5),
    Case("3d_2x3x4", seed=53, shape=(2, 3, 4), scale=3.0),
])
SOFTMAX = activation_fixtures("softmax", [
    Case("4x7", seed=61, shape=(4, 7), scale=2.0),
    Case("batch1_1x5", seed=62, shape=(1, 5), scale=2.0),
    Case("6x3", seed=63, shape=(6, 3), scale=2.0),
])
ACTIVATIONS = [LEAKY_RELU, SIGMOID, TANH, SOFTMAX]

SIGMOID_LARGE = FixtureSet("sigmoid_large", make_inputs=large_activation_inputs, compute=activation_compute("sigmoid"),
                           cases=[Case("large_3x8", seed=44, shape=(3, 8)),
                                  Case("batch1_large_1x5", seed=45, shape=(1, 5))])
SOFTMAX_LARGE = FixtureSet("softmax_large", make_inputs=large_activation_inputs, compute=activation_compute("softmax"),
                           cases=[Case("large_4x6", seed=64, shape=(4, 6)),
                                  Case("batch1_large_1x5", seed=65, shape=(1, 5))])
OVERFLOW_HINTS = {
    "sigmoid": "exp(-x) overflows for x below about -709: take exp only of -abs(x), or compute positive and negative "
               "x separately on their own elements (np.where evaluates both of its branches on every element).",
    "softmax": "exp overflows for scores above about 709: subtract each row's maximum before taking exp; "
               "the softmax does not change.",
}


def forward_params(data):
    """The forward's arguments after x, in order (the leaky ReLU's alpha), as stored in the fixture."""
    return [value for key, value in data.inputs.items() if key not in ("x", "dout")]


@pytest.mark.parametrize("fixtures, case", per_case(ACTIVATIONS))
def test_activation_forward(student, fixtures, case):
    data = fixtures.load(case)
    result = student.call(f"layers.{fixtures.name}_forward", data.inputs["x"], *forward_params(data))
    out, _ = expect_items(result, 2, what=f"{fixtures.name}_forward", case=case.name)
    expect_close(out, data.expected["out"], what=f"{fixtures.name}_forward: out", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, case", per_case(ACTIVATIONS))
def test_activation_backward(student, fixtures, case):
    data = fixtures.load(case)
    got = fixtures.compute(student, **data.inputs)
    expect_close(got["dx"], data.expected["dx"], what=f"{fixtures.name}_backward: dx", case=case.name,
                 tol=BACKWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, case", per_case(ACTIVATIONS, count=2))
def test_activation_backward_matches_numerical_gradient(student, fixtures, case):
    inputs = fixtures.load(case).inputs
    forward_inputs = {key: value for key, value in inputs.items() if key != "dout"}
    dx = fixtures.compute(student, **inputs)["dx"]
    check_gradient(dx, evaluator(student, f"layers.{fixtures.name}_forward", select=0), forward_inputs, "x",
                   inputs["dout"], what=f"{fixtures.name}_backward: dx", case=case.name)


@pytest.mark.parametrize("fixtures", per_set(ACTIVATIONS))
def test_activation_does_not_modify_its_inputs(student, fixtures):
    data = fixtures.load(fixtures.cases[-1])
    student.reset_log()
    got = fixtures.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what=fixtures.name, case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


def large_cases(count=None):
    return [pytest.param(s, c, marks=getattr(pytest.mark, s.name.removesuffix("_large")), id=f"{s.name}-{c}")
            for s in (SIGMOID_LARGE, SOFTMAX_LARGE) for c in s.cases[:count]]


@pytest.mark.parametrize("fixtures, case", large_cases())
def test_activation_forward_is_stable_for_large_scores(student, fixtures, case):
    name = fixtures.name.removesuffix("_large")
    data = fixtures.load(case)
    result = call_without_warnings(student, f"layers.{name}_forward", data.inputs["x"], case=case.name,
                                   hint=OVERFLOW_HINTS[name])
    out, _ = expect_items(result, 2, what=f"{name}_forward", case=case.name)
    expect_close(out, data.expected["out"], what=f"{name}_forward: out", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, case", large_cases(count=1))
def test_activation_backward_is_stable_for_large_scores(student, fixtures, case):
    name = fixtures.name.removesuffix("_large")
    data = fixtures.load(case)
    with warnings.catch_warnings():  # the forward's warnings cost the forward's test, not this one
        warnings.simplefilter("ignore")
        _, cache = expect_items(student.call(f"layers.{name}_forward", data.inputs["x"]), 2,
                                what=f"{name}_forward", case=case.name)
    dx = call_without_warnings(student, f"layers.{name}_backward", data.inputs["dout"], cache, case=case.name,
                               hint=OVERFLOW_HINTS[name])
    expect_close(dx, data.expected["dx"], what=f"{name}_backward: dx", case=case.name, tol=BACKWARD_FLOAT64)


# -- softmax: properties and the Jacobian -------------------------------------
@pytest.mark.softmax
@pytest.mark.parametrize("case", SOFTMAX.cases, ids=str)
def test_softmax_rows_are_probabilities(student, case):
    x = SOFTMAX.load(case).inputs["x"]
    out, _ = expect_items(student.call("layers.softmax_forward", x), 2, what="softmax_forward", case=case.name)
    out = expect_array(out, x.shape, what="softmax_forward: out", case=case.name)
    expect_close(out.sum(axis=1), np.ones(len(x)), what="softmax_forward: the sum of each row of out",
                 case=case.name, tol=FORWARD_FLOAT64)
    if not (out > 0).all():
        raise GradingFailure(f"softmax_forward, case '{case.name}': expected only positive probabilities for "
                             f"moderate scores, got a minimum of {out.min():.6g}.")


@pytest.mark.softmax
@pytest.mark.parametrize("case", SOFTMAX.cases, ids=str)
def test_softmax_is_invariant_to_adding_a_constant_to_a_row(student, case):
    x = SOFTMAX.load(case).inputs["x"]
    shift = np.random.default_rng(case.seed).uniform(-50, 50, size=(len(x), 1))  # one constant per row
    out, _ = expect_items(student.call("layers.softmax_forward", x), 2, what="softmax_forward", case=case.name)
    shifted, _ = expect_items(student.call("layers.softmax_forward", x + shift), 2, what="softmax_forward",
                              case=case.name)
    expect_close(shifted, out, what="softmax_forward: out for x + c (one constant c per row) against out for x",
                 case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.softmax
@pytest.mark.parametrize("case", SOFTMAX.cases, ids=str)
def test_softmax_backward_is_the_jacobian_transpose_times_dout(student, case):
    data = SOFTMAX.load(case)
    expected = np.stack([(np.diag(p) - np.outer(p, p)).T @ d  # J_i^T dout_i, row by row
                         for p, d in zip(data.expected["out"], data.inputs["dout"])])
    got = SOFTMAX.compute(student, **data.inputs)["dx"]
    expect_close(got, expected, what="softmax_backward: dx against J^T dout for each row, J = diag(p) - p p^T",
                 case=case.name, tol=BACKWARD_FLOAT64)


def jacobian_inputs(rng, c, large=False):
    return {"s": large_scores(rng, (c,)) if large else 2.0 * rng.standard_normal(c)}


def jacobian_compute(student, s):
    probs, _ = expect_items(student.call("layers.softmax_forward", s[np.newaxis, :]), 2, what="softmax_forward")
    return {"J": student.call("layers.softmax_jacobian", s), "p": probs[0]}


SOFTMAX_JACOBIAN = FixtureSet(
    "softmax_jacobian",
    make_inputs=jacobian_inputs,
    compute=jacobian_compute,
    cases=[
        Case("5_classes", seed=71, c=5),
        Case("3_classes", seed=72, c=3),
        Case("8_classes", seed=73, c=8),
        Case("large_scores_6_classes", seed=74, c=6, large=True),
    ],
)


@pytest.mark.softmax_jacobian
@pytest.mark.parametrize("case", SOFTMAX_JACOBIAN.cases, ids=str)
def test_softmax_jacobian(student, case):
    data = SOFTMAX_JACOBIAN.load(case)
    got = student.call("layers.softmax_jacobian", data.inputs["s"])
    expect_close(got, data.expected["J"], what="softmax_jacobian: J", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.softmax_jacobian
@pytest.mark.parametrize("case", SOFTMAX_JACOBIAN.cases[:3], ids=str)
def test_softmax_jacobian_is_diag_p_minus_p_p_transpose(student, case):
    data = SOFTMAX_JACOBIAN.load(case)
    p = data.expected["p"]  # softmax(s), from the reference
    got = student.call("layers.softmax_jacobian", data.inputs["s"])
    expect_close(got, np.diag(p) - np.outer(p, p), what="softmax_jacobian: J against diag(p) - p p^T, p = softmax(s)",
                 case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.softmax_jacobian
@pytest.mark.parametrize("axis", [0, 1], ids=["columns", "rows"])
@pytest.mark.parametrize("case", SOFTMAX_JACOBIAN.cases[:2], ids=str)
def test_softmax_jacobian_sums_to_zero(student, case, axis):
    # The probabilities always sum to 1, so the derivative of that sum is 0 (rows);
    # J is symmetric, so its columns sum to 0 as well.
    s = SOFTMAX_JACOBIAN.load(case).inputs["s"]
    got = expect_array(student.call("layers.softmax_jacobian", s), (len(s), len(s)), what="softmax_jacobian: J",
                       case=case.name)
    expect_close(got.sum(axis=1 - axis), np.zeros(len(s)),
                 what=f"softmax_jacobian: the sum of each {'column' if axis == 0 else 'row'} of J", case=case.name,
                 tol=FORWARD_FLOAT64)


@pytest.mark.softmax_jacobian
def test_softmax_jacobian_does_not_modify_its_inputs(student):
    data = SOFTMAX_JACOBIAN.load(SOFTMAX_JACOBIAN.cases[0])
    student.reset_log()
    got = SOFTMAX_JACOBIAN.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="softmax_jacobian", case=data.case.name, tol=FORWARD_FLOAT64)
    expect_inputs_unchanged(student)


# -- dropout --------------------------------------------------------------------
# The mask depends on how a student draws it (rng.random, np.random.rand, binomial...),
# so train mode is checked through properties of the student's own output, never
# against the reference's mask.
DROP_RATES = [0.9, 0.25]  # drop probabilities; not 0.5, which reads the same as a keep probability


def p_means():
    """"drop" or "keep": what dropout_param["p"] is the probability of (options.dropout_p_means, read when a
    check runs, so that the run's own configuration decides)."""
    meaning = current_assignment(__file__).options.get("dropout_p_means", "drop")
    if meaning not in ("drop", "keep"):
        raise ValueError(f"options.dropout_p_means in autograder.yml must be 'drop' or 'keep', not {meaning!r}")
    return meaning


def dropout_param(mode, drop, seed=None):
    """dropout_param for a drop probability, with p read as autograder.yml's options.dropout_p_means says."""
    return {"mode": mode, "p": drop if p_means() == "drop" else 1 - drop, "seed": seed}


def dropout_case(mode, drop, seed=None):
    p = dropout_param(mode, drop)["p"]
    meaning = "dropping" if p_means() == "drop" else "keeping"
    return f"{mode}, p={p:g} (the probability of {meaning} a unit), seed={seed}"


def dropout_x(shape, seed):
    return away_from(np.random.default_rng(seed).standard_normal(shape))  # no zeros: out == 0 means dropped


def dropout_forward(student, x, param, case):
    result = student.call("layers.dropout_forward", x, param)
    out, cache = expect_items(result, 2, what="dropout_forward", case=case)
    out = expect_array(out, x.shape, what="dropout_forward: out", case=case)
    if not np.isfinite(out).all():
        raise GradingFailure(f"dropout_forward, case '{case}': expected finite values, got NaN or inf.")
    return out, cache


@pytest.mark.dropout
@pytest.mark.parametrize("drop", DROP_RATES)
def test_dropout_test_mode_forward_is_the_identity(student, drop):
    x, case = dropout_x((4, 3, 5), seed=81), dropout_case("test", drop, seed=1)
    out, _ = dropout_forward(student, x, dropout_param("test", drop, seed=1), case)
    expect_close(out, x, what="dropout_forward: out (test mode)", case=case, tol=EXACT_FLOAT64)


@pytest.mark.dropout
@pytest.mark.parametrize("drop", DROP_RATES)
def test_dropout_test_mode_backward_passes_dout_through(student, drop):
    rng = np.random.default_rng(82)
    x, dout, case = dropout_x((4, 3, 5), seed=82), rng.standard_normal((4, 3, 5)), dropout_case("test", drop)
    _, cache = dropout_forward(student, x, dropout_param("test", drop), case)
    dx = student.call("layers.dropout_backward", dout, cache)
    expect_close(dx, dout, what="dropout_backward: dx (test mode)", case=case, tol=EXACT_FLOAT64)


@pytest.mark.dropout
@pytest.mark.parametrize("drop", DROP_RATES)
def test_dropout_train_drops_the_fraction_p_says(student, drop):
    x, case = dropout_x((200, 250), seed=83), dropout_case("train", drop, seed=84)
    out, _ = dropout_forward(student, x, dropout_param("train", drop, seed=84), case)
    dropped = float(np.mean(out == 0))
    margin = STANDARD_ERRORS * np.sqrt(drop * (1 - drop) / x.size)
    if abs(dropped - drop) > margin:
        hint = ""
        if abs(dropped - (1 - drop)) <= margin:
            hint = (f" This is the fraction of units kept: in this assignment p is the probability of "
                    f"{'dropping' if p_means() == 'drop' else 'keeping'} a unit.")
        raise GradingFailure(f"dropout_forward, case '{case}': expected a fraction {drop:g} ± {margin:.2g} of the "
                             f"{x.size} units to be zeroed, got {dropped:.4f}.{hint}")


@pytest.mark.dropout
@pytest.mark.parametrize("drop", DROP_RATES)
def test_dropout_train_keeps_the_expectation(student, drop):
    x, case = dropout_x((200, 250), seed=85), dropout_case("train", drop, seed=86)
    out, _ = dropout_forward(student, x, dropout_param("train", drop, seed=86), case)
    gain = float(np.mean(out / x))  # each element is 0 (dropped) or 1 / (1 - drop) (kept): expectation 1
    margin = STANDARD_ERRORS * np.sqrt((1 / (1 - drop) - 1) / x.size)
    if abs(gain - 1) > margin:
        raise GradingFailure(
            f"dropout_forward, case '{case}': expected the mean of out / x to be 1 ± {margin:.2g} (inverted dropout "
            f"keeps each unit's expectation), got {gain:.4f}. The kept units must be divided by the probability of "
            f"keeping a unit."
        )


@pytest.mark.dropout
@pytest.mark.parametrize("drop", DROP_RATES)
def test_dropout_train_scales_the_kept_units(student, drop):
    x, case = dropout_x((10, 3, 5, 7), seed=87), dropout_case("train", drop, seed=88)
    out, _ = dropout_forward(student, x, dropout_param("train", drop, seed=88), case)
    kept = out != 0
    if kept.all() or not kept.any():
        raise GradingFailure(f"dropout_forward, case '{case}': expected some of the {x.size} units dropped and "
                             f"some kept, got {int(kept.sum())} kept.")
    expect_close(out[kept], x[kept] / (1 - drop), what="dropout_forward: the kept units of out, against x / (1 - drop)",
                 case=case, tol=EXACT_FLOAT64)


@pytest.mark.dropout
def test_dropout_draws_one_mask_element_per_unit(student):
    x, case = dropout_x((200, 250), seed=89), dropout_case("train", 0.25, seed=90)
    out, _ = dropout_forward(student, x, dropout_param("train", 0.25, seed=90), case)
    dropped = out == 0
    # 200 rows (or 250 columns) drawn independently coincide with probability below 1e-36.
    for axis, unit in ((0, "example (row)"), (1, "feature (column)")):
        distinct = np.unique(dropped, axis=axis).shape[axis]
        if distinct < dropped.shape[axis]:
            raise GradingFailure(
                f"dropout_forward, case '{case}': expected each {unit} to get its own random mask, but only "
                f"{distinct} of {dropped.shape[axis]} are different. Draw the mask with the full shape of x."
            )


@pytest.mark.dropout
@pytest.mark.parametrize("seed", [None, 7])
@pytest.mark.parametrize("drop", DROP_RATES)
def test_dropout_backward_uses_the_forward_mask(student, drop, seed):
    x, case = dropout_x((10, 3, 5, 7), seed=91), dropout_case("train", drop, seed=seed)
    dout = np.random.default_rng(92).standard_normal(x.shape)
    out, cache = dropout_forward(student, x, dropout_param("train", drop, seed=seed), case)
    dx = student.call("layers.dropout_backward", dout, cache)
    expected = np.where(out != 0, dout / (1 - drop), 0.0)  # the units the forward kept, scaled as it scaled them
    expect_close(dx, expected, what="dropout_backward: dx, against dout / (1 - drop) where the forward kept a unit "
                 "and 0 where it dropped one", case=case, tol=EXACT_FLOAT64)


@pytest.mark.dropout
@pytest.mark.parametrize("seed", [0, 12345])
def test_dropout_same_seed_gives_the_same_mask(student, seed):
    x, case = dropout_x((20, 30), seed=93), dropout_case("train", 0.25, seed=seed)
    first, _ = dropout_forward(student, x, dropout_param("train", 0.25, seed=seed), case)
    second, _ = dropout_forward(student, x, dropout_param("train", 0.25, seed=seed), case)
    expect_close(second, first, what="dropout_forward: out of a second call with the same seed, against the first",
                 case=case, tol=EXACT_FLOAT64)


@pytest.mark.dropout
def test_dropout_different_seeds_give_different_masks(student):
    x = dropout_x((20, 30), seed=94)
    first, _ = dropout_forward(student, x, dropout_param("train", 0.25, seed=1), dropout_case("train", 0.25, seed=1))
    second, _ = dropout_forward(student, x, dropout_param("train", 0.25, seed=2), dropout_case("train", 0.25, seed=2))
    if np.array_equal(first == 0, second == 0):  # 600 units: a chance coincidence has probability 1e-122
        raise GradingFailure("dropout_forward, cases with seeds 1 and 2: expected different masks for different "
                             "seeds, got the same units dropped. Is the mask drawn from the seed given in "
                             "dropout_param?")


@pytest.mark.dropout
@pytest.mark.parametrize("mode", ["train", "test"])
def test_dropout_does_not_modify_its_inputs(student, mode):
    x, case = dropout_x((4, 6), seed=95), dropout_case(mode, 0.25, seed=3)
    student.reset_log()
    _, cache = dropout_forward(student, x, dropout_param(mode, 0.25, seed=3), case)
    student.call("layers.dropout_backward", np.ones_like(x), cache)
    expect_inputs_unchanged(student)


# -- losses: softmax, SVM, cross-entropy, mean squared error -------------------
def classification_inputs(rng, n, c):
    return {"x": 2.0 * rng.standard_normal((n, c)), "y": rng.integers(c, size=n)}


def svm_inputs(rng, n, c):
    inputs = classification_inputs(rng, n, c)
    x, y, rows = inputs["x"], inputs["y"], np.arange(n)
    correct = x[rows, y][:, np.newaxis]
    x = correct + away_from(x - correct + 1) - 1  # every margin clear of the hinge at 0
    x[rows, y] = correct[:, 0]
    return {"x": x, "y": y}


def cross_entropy_inputs(rng, n, c):
    scores = rng.standard_normal((n, c))
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)  # rows sum to 1, entries well above 0
    return {"probs": probs, "y": rng.integers(c, size=n)}


def mse_inputs(rng, shape):
    return {"pred": rng.standard_normal(shape), "target": rng.standard_normal(shape)}


def large_classification_inputs(rng, n, c, label):
    x = large_scores(rng, (n, c))
    y = {"row_max": x.argmax(axis=1), "row_min": x.argmin(axis=1)}[label]
    return {"x": x, "y": y}


LOSS_ARGS = {  # each loss's arguments in order; the first is the one it differentiates with respect to
    "softmax_loss": ("x", "y"),
    "svm_loss": ("x", "y"),
    "cross_entropy_loss": ("probs", "y"),
    "mse_loss": ("pred", "target"),
}


def loss_compute(name):
    """compute() of a loss's fixture set: the loss and its gradient."""
    def compute(student, **inputs):
        result = student.call(f"layers.{name}", *(inputs[arg] for arg in LOSS_ARGS[name]))
        loss, grad = expect_items(result, 2, what=name)
        return {"loss": loss, "grad": grad}
    return compute


def loss_fixtures(name, make_inputs, cases, set_name=None):
    return FixtureSet(set_name or name, make_inputs=make_inputs, compute=loss_compute(name), cases=cases)


SOFTMAX_LOSS = loss_fixtures("softmax_loss", classification_inputs, [
    Case("5x4", seed=101, n=5, c=4),
    Case("batch1_1x3", seed=102, n=1, c=3),
    Case("8x10", seed=103, n=8, c=10),
])
SVM_LOSS = loss_fixtures("svm_loss", svm_inputs, [
    Case("5x4", seed=111, n=5, c=4),
    Case("batch1_1x3", seed=112, n=1, c=3),
    Case("7x6", seed=113, n=7, c=6),
])
CROSS_ENTROPY_LOSS = loss_fixtures("cross_entropy_loss", cross_entropy_inputs, [
    Case("4x3", seed=121, n=4, c=3),
    Case("batch1_1x5", seed=122, n=1, c=5),
    Case("7x2", seed=123, n=7, c=2),
])
MSE_LOSS = loss_fixtures("mse_loss", mse_inputs, [
    Case("4x3", seed=131, shape=(4, 3)),
    Case("batch1_1x5", seed=132, shape=(1, 5)),
    Case("3d_2x3x4", seed=133, shape=(2, 3, 4)),
    Case("1d_6", seed=134, shape=(6,)),
])
LOSSES = [SOFTMAX_LOSS, SVM_LOSS, CROSS_ENTROPY_LOSS, MSE_LOSS]
SOFTMAX_LOSS_LARGE = loss_fixtures("softmax_loss", large_classification_inputs, set_name="softmax_loss_large", cases=[
    Case("large_4x5_label_is_row_max", seed=104, n=4, c=5, label="row_max"),
    Case("large_4x5_label_is_row_min", seed=105, n=4, c=5, label="row_min"),
])


@pytest.mark.parametrize("fixtures, case", per_case(LOSSES))
def test_loss_value(student, fixtures, case):
    data = fixtures.load(case)
    got = fixtures.compute(student, **data.inputs)
    expect_close(got["loss"], data.expected["loss"], what=f"{fixtures.name}: loss", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, case", per_case(LOSSES))
def test_loss_gradient(student, fixtures, case):
    data = fixtures.load(case)
    got = fixtures.compute(student, **data.inputs)
    wrt = LOSS_ARGS[fixtures.name][0]
    expect_close(got["grad"], data.expected["grad"], what=f"{fixtures.name}: d{wrt}", case=case.name,
                 tol=BACKWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, case", per_case(LOSSES, count=2))
def test_loss_gradient_matches_numerical_gradient(student, fixtures, case):
    inputs = fixtures.load(case).inputs
    wrt = LOSS_ARGS[fixtures.name][0]
    grad = fixtures.compute(student, **inputs)["grad"]
    check_gradient(grad, evaluator(student, f"layers.{fixtures.name}", select=0), inputs, wrt,
                   what=f"{fixtures.name}: d{wrt}", case=case.name)


@pytest.mark.parametrize("fixtures", per_set(LOSSES))
def test_loss_does_not_modify_its_inputs(student, fixtures):
    data = fixtures.load(fixtures.cases[0])
    student.reset_log()
    got = fixtures.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what=fixtures.name, case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


# Whether softmax_loss must survive scores of 1e4 is the assignment's policy (options.stable_softmax_loss): a
# course whose provided softmax_loss never subtracted the maximum does not grade it.
if current_assignment(__file__).options.get("stable_softmax_loss", True):
    @pytest.mark.softmax_loss
    @pytest.mark.parametrize("case", SOFTMAX_LOSS_LARGE.cases, ids=str)
    def test_softmax_loss_is_stable_for_large_scores(student, case):
        data = SOFTMAX_LOSS_LARGE.load(case)
        result = call_without_warnings(
            student, "layers.softmax_loss", data.inputs["x"], data.inputs["y"], case=case.name,
            hint="Subtract each row's maximum before exp, and take the log-probability of the correct class as its "
                 "shifted score minus log(sum(exp(shifted scores))): its probability can underflow to 0, and "
                 "log(0) is -inf.",
        )
        loss, dx = expect_items(result, 2, what="softmax_loss", case=case.name)
        expect_close(loss, data.expected["loss"], what="softmax_loss: loss", case=case.name, tol=FORWARD_FLOAT64)
        expect_close(dx, data.expected["grad"], what="softmax_loss: dx", case=case.name, tol=BACKWARD_FLOAT64)
