"""Grading tests for the convolution and pooling layers of layers.py.

Every test reaches the submission through the ``student`` fixture. The
convolution's forward and backward are separate questions: its backward is
checked against the reference's gradients and against the numerical
gradient of the student's own forward, the latter only where that forward
is right (a wrong forward costs the forward's points, not the backward's).
Pooling inputs are distinct values far apart, so that no window has a tie
and every numerical gradient of a max is well defined.
"""
import numpy as np
import pytest

from autograder.compare import expect_all_close, expect_close, expect_items
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.gradcheck import check_gradient, evaluator
from autograder.student import expect_inputs_unchanged
from autograder.tolerances import BACKWARD_FLOAT64, FORWARD_FLOAT64, KINK_MARGIN

GRADS = ("dx", "dw", "db")


def expect_out_shape(out, expected_shape, *, what, case, formula):
    """Fail with the output-size formula worked out on this case when ``out`` has the wrong shape."""
    if type(out) is np.ndarray and out.shape != expected_shape:
        raise GradingFailure(
            f"{what}, case '{case}': wrong shape: expected {expected_shape}, got {out.shape}. {formula}"
        )


# -- convolution --------------------------------------------------------------------
def conv_inputs(rng, x_shape, w_shape, stride, pad):
    N, C, H, W = x_shape
    F, _, HH, WW = w_shape
    out_shape = (N, F, 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride)
    return {
        "x": rng.standard_normal(x_shape),
        "w": rng.standard_normal(w_shape),
        "b": rng.standard_normal(F),
        "stride": stride,
        "pad": pad,
        "dout": rng.standard_normal(out_shape),
    }


def conv_param_of(inputs):
    return {"stride": int(inputs["stride"]), "pad": int(inputs["pad"])}


def conv_forward_args(inputs):
    """conv_forward_naive's keyword arguments for a case's inputs."""
    return {"x": inputs["x"], "w": inputs["w"], "b": inputs["b"], "conv_param": conv_param_of(inputs)}


def conv_forward(student, inputs, case=None):
    result = student.call("layers.conv_forward_naive", **conv_forward_args(inputs))
    return expect_items(result, 2, what="conv_forward_naive", case=case)


def conv_backward(student, inputs, case=None):
    """(dx, dw, db) of the student's backward, from the cache of the student's forward."""
    _, cache = conv_forward(student, inputs, case)
    result = student.call("layers.conv_backward_naive", inputs["dout"], cache)
    return dict(zip(GRADS, expect_items(result, 3, what="conv_backward_naive", case=case)))


def conv_compute(student, **inputs):
    out, _ = conv_forward(student, inputs)
    return {"out": out, **conv_backward(student, inputs)}


def conv_shape_formula(inputs):
    (_, _, H, W), (_, _, HH, WW) = inputs["x"].shape, inputs["w"].shape
    s, p = int(inputs["stride"]), int(inputs["pad"])
    return (
        f"With H={H}, W={W}, HH={HH}, WW={WW}, stride={s}, pad={p}: "
        f"H' = 1 + (H + 2 * pad - HH) // stride = 1 + ({H} + {2 * p} - {HH}) // {s} = {1 + (H + 2 * p - HH) // s} and "
        f"W' = 1 + (W + 2 * pad - WW) // stride = 1 + ({W} + {2 * p} - {WW}) // {s} = {1 + (W + 2 * p - WW) // s}."
    )


CONV = FixtureSet(
    "conv",
    make_inputs=conv_inputs,
    compute=conv_compute,
    cases=[
        Case("2x3x7x5_f4_3x3_stride2_pad1", seed=201, x_shape=(2, 3, 7, 5), w_shape=(4, 3, 3, 3), stride=2, pad=1),
        Case("batch1_1x2x6x8_f3_2x4_stride1_pad0", seed=202, x_shape=(1, 2, 6, 8), w_shape=(3, 2, 2, 4), stride=1,
             pad=0),
        # (10 + 4 - 4) / 3 and (7 + 4 - 3) / 3 are not whole: the last rows and columns are never covered.
        Case("3x2x10x7_f2_4x3_stride3_pad2", seed=203, x_shape=(3, 2, 10, 7), w_shape=(2, 2, 4, 3), stride=3, pad=2),
        Case("2x1x5x6_f1_3x3_stride1_pad1", seed=204, x_shape=(2, 1, 5, 6), w_shape=(1, 1, 3, 3), stride=1, pad=1),
        # The two small cases below are also checked against numerical gradients.
        Case("2x2x5x7_f3_3x2_stride2_pad1", seed=205, x_shape=(2, 2, 5, 7), w_shape=(3, 2, 3, 2), stride=2, pad=1),
        # pad 2 with a 2x3 kernel: the outputs of the outer rows see only padding and the bias.
        Case("batch1_1x3x4x5_f2_2x3_stride1_pad2", seed=206, x_shape=(1, 3, 4, 5), w_shape=(2, 3, 2, 3), stride=1,
             pad=2),
    ],
)
CONV_GRADIENT_CASES = CONV.cases[4:]


@pytest.mark.conv_forward
@pytest.mark.parametrize("case", CONV.cases, ids=str)
def test_conv_forward(student, case):
    data = CONV.load(case)
    out, _ = conv_forward(student, data.inputs, case.name)
    expect_out_shape(out, data.expected["out"].shape, what="conv_forward_naive: out", case=case.name,
                     formula=conv_shape_formula(data.inputs))
    expect_close(out, data.expected["out"], what="conv_forward_naive: out", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.conv_forward
def test_conv_forward_does_not_modify_its_inputs(student):
    data = CONV.load(CONV.cases[0])
    student.reset_log()
    out, _ = conv_forward(student, data.inputs)
    expect_close(out, data.expected["out"], what="conv_forward_naive: out", case=data.case.name, tol=FORWARD_FLOAT64)
    expect_inputs_unchanged(student)


# Each gradient is its own check, so one wrong gradient costs only its share.
@pytest.mark.conv_backward
@pytest.mark.parametrize("grad", GRADS)
@pytest.mark.parametrize("case", CONV.cases, ids=str)
def test_conv_backward(student, case, grad):
    data = CONV.load(case)
    got = conv_backward(student, data.inputs, case.name)[grad]
    expect_close(got, data.expected[grad], what=f"conv_backward_naive: {grad}", case=case.name, tol=BACKWARD_FLOAT64)


def forward_is_right(out, expected):
    try:
        expect_close(out, expected, what="conv_forward_naive: out", tol=FORWARD_FLOAT64)
    except GradingFailure:
        return False
    return True


@pytest.mark.conv_backward
@pytest.mark.parametrize("wrt", ["x", "w", "b"])
@pytest.mark.parametrize("case", CONV_GRADIENT_CASES, ids=str)
def test_conv_backward_matches_numerical_gradient(student, case, wrt):
    """The backward against the numerical gradient of the student's own forward.

    Where that forward is wrong (graded in conv_forward), the numerical
    gradient of a right forward is the reference's gradient, which is used instead.
    """
    data = CONV.load(case)
    out, _ = conv_forward(student, data.inputs, case.name)
    analytic = conv_backward(student, data.inputs, case.name)[f"d{wrt}"]
    what = f"conv_backward_naive: d{wrt}"
    if not forward_is_right(out, data.expected["out"]):
        expect_close(analytic, data.expected[f"d{wrt}"], case=case.name, tol=BACKWARD_FLOAT64,
                     what=f"{what} (against the reference's gradient: your conv_forward_naive is wrong on this case)")
        return
    check_gradient(analytic, evaluator(student, "layers.conv_forward_naive", select=0), conv_forward_args(data.inputs),
                   wrt, data.inputs["dout"], what=what, case=case.name)


@pytest.mark.conv_backward
def test_conv_backward_does_not_modify_its_inputs(student):
    data = CONV.load(CONV.cases[0])
    _, cache = conv_forward(student, data.inputs)
    student.reset_log()  # the forward's own mutations are graded in conv_forward
    grads = expect_items(student.call("layers.conv_backward_naive", data.inputs["dout"], cache), 3,
                         what="conv_backward_naive", case=data.case.name)
    expect_all_close(dict(zip(GRADS, grads)), {g: data.expected[g] for g in GRADS}, what="conv_backward_naive",
                     case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


# -- pooling ------------------------------------------------------------------------
def pool_inputs(rng, x_shape, pool_height, pool_width, stride):
    """Distinct values at least 5 * KINK_MARGIN apart, in random order: no window has a tie."""
    N, C, H, W = x_shape
    size = N * C * H * W
    values = (np.arange(size) + rng.uniform(0.0, 0.5, size)) * 10 * KINK_MARGIN  # increasing, gaps >= 5 * KINK_MARGIN
    x = rng.permutation(values - values.mean()).reshape(x_shape)
    out_shape = (N, C, 1 + (H - pool_height) // stride, 1 + (W - pool_width) // stride)
    return {"x": x, "pool_height": pool_height, "pool_width": pool_width, "stride": stride,
            "dout": rng.standard_normal(out_shape)}


def pool_param_of(inputs):
    return {key: int(inputs[key]) for key in ("pool_height", "pool_width", "stride")}


def pool_compute(kind):
    """compute() of a pooling layer's fixture set: its output and dx."""
    def compute(student, **inputs):
        result = student.call(f"layers.{kind}_pool_forward_naive", inputs["x"], pool_param_of(inputs))
        out, cache = expect_items(result, 2, what=f"{kind}_pool_forward_naive")
        return {"out": out, "dx": student.call(f"layers.{kind}_pool_backward_naive", inputs["dout"], cache)}
    return compute


def pool_shape_formula(inputs):
    H, W = inputs["x"].shape[2:]
    ph, pw, s = (int(inputs[key]) for key in ("pool_height", "pool_width", "stride"))
    return (
        f"With H={H}, W={W}, pool_height={ph}, pool_width={pw}, stride={s}: "
        f"H' = 1 + (H - pool_height) // stride = {1 + (H - ph) // s} and "
        f"W' = 1 + (W - pool_width) // stride = {1 + (W - pw) // s}."
    )


def pool_cases(seed):
    return [
        Case("2x2x4x6_2x2_stride2", seed=seed, x_shape=(2, 2, 4, 6), pool_height=2, pool_width=2, stride=2),
        # Overlapping windows (stride < window): an element can be in, and the maximum of, several windows.
        Case("batch1_1x2x7x5_3x2_stride1", seed=seed + 1, x_shape=(1, 2, 7, 5), pool_height=3, pool_width=2,
             stride=1),
        Case("3x2x8x7_3x3_stride2", seed=seed + 2, x_shape=(3, 2, 8, 7), pool_height=3, pool_width=3, stride=2),
        # Stride larger than the window's height: rows between windows belong to none.
        Case("2x1x6x9_2x3_stride3", seed=seed + 3, x_shape=(2, 1, 6, 9), pool_height=2, pool_width=3, stride=3),
    ]


MAX_POOL = FixtureSet("max_pool", make_inputs=pool_inputs, compute=pool_compute("max"), cases=pool_cases(211))
AVG_POOL = FixtureSet("avg_pool", make_inputs=pool_inputs, compute=pool_compute("avg"), cases=pool_cases(221))
POOLS = [MAX_POOL, AVG_POOL]


def per_case(count=None):
    """One pytest parameter per (pooling layer, case), marked with the layer's question."""
    return [pytest.param(s, c, marks=getattr(pytest.mark, s.name), id=f"{s.name}-{c}")
            for s in POOLS for c in s.cases[:count]]


def kind_of(fixtures):
    return fixtures.name.removesuffix("_pool")


@pytest.mark.parametrize("fixtures, case", per_case())
def test_pool_forward(student, fixtures, case):
    data = fixtures.load(case)
    name = f"{kind_of(fixtures)}_pool_forward_naive"
    out, _ = expect_items(student.call(f"layers.{name}", data.inputs["x"], pool_param_of(data.inputs)), 2,
                          what=name, case=case.name)
    expect_out_shape(out, data.expected["out"].shape, what=f"{name}: out", case=case.name,
                     formula=pool_shape_formula(data.inputs))
    expect_close(out, data.expected["out"], what=f"{name}: out", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, case", per_case())
def test_pool_backward(student, fixtures, case):
    data = fixtures.load(case)
    dx = fixtures.compute(student, **data.inputs)["dx"]
    expect_close(dx, data.expected["dx"], what=f"{kind_of(fixtures)}_pool_backward_naive: dx", case=case.name,
                 tol=BACKWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, case", per_case(count=2))
def test_pool_backward_matches_numerical_gradient(student, fixtures, case):
    inputs = fixtures.load(case).inputs
    kind = kind_of(fixtures)
    dx = fixtures.compute(student, **inputs)["dx"]
    check_gradient(dx, evaluator(student, f"layers.{kind}_pool_forward_naive", select=0),
                   {"x": inputs["x"], "pool_param": pool_param_of(inputs)}, "x", inputs["dout"],
                   what=f"{kind}_pool_backward_naive: dx", case=case.name)


@pytest.mark.parametrize("fixtures", [pytest.param(s, marks=getattr(pytest.mark, s.name), id=s.name) for s in POOLS])
def test_pool_does_not_modify_its_inputs(student, fixtures):
    data = fixtures.load(fixtures.cases[1])
    student.reset_log()
    got = fixtures.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what=fixtures.name, case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)
