"""Grading tests for layers.py: FullyConnected, Conv2D and Pool2D, objects that keep their own state.

A layer is built through the ``student`` fixture and given fixed parameters
(FullyConnected: written into it without its _init_parameters, graded on its
own; Conv2D: after its provided _init_parameters). forward and backward are
compared with the reference's fixtures, the gradients it leaves in
``gradients`` too; every gradient is also compared with the numerical
gradient of the student's own forward, made on the student's side by
perturbing the input or the parameter held in the layer.
"""
import numpy as np
import pytest

from autograder.compare import expect_all_close, expect_close
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.run import current_assignment
from autograder.student import expect_inputs_unchanged
from autograder.tolerances import BACKWARD_FLOAT64, EXACT_FLOAT64, FORWARD_FLOAT64, STANDARD_ERRORS
from cs189sp23_support import (
    check_input_gradient, check_item_gradient, conv2d, expect_entry, expect_no_batch_loop,
    fully_connected, read_dict, relu_safe,
)

VECTORIZED = current_assignment(__file__).options.get("vectorized_functions", [])
GRADIENTS = ("dX", "dW", "db")


def vectorized(prefix):
    return [f for f in VECTORIZED if f.startswith(prefix)]


# -- FullyConnected --------------------------------------------------------------------------------
def fc_inputs(rng, m, n_in, n_out, activation):
    while True:  # redrawn until every pre-activation is clear of ReLU's kink
        X = rng.standard_normal((m, n_in))
        W = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
        b = 0.5 * rng.standard_normal((1, n_out))
        if activation != "relu" or relu_safe(X @ W + b):
            break
    return {"X": X, "W": W, "b": b, "dLdY": rng.standard_normal((m, n_out)),
            "relu": np.int64(activation == "relu")}


def activation_of(inputs):
    return "relu" if int(inputs["relu"]) else "linear"


def fc_compute(student, X, W, b, dLdY, relu):
    layer = fully_connected(student, "relu" if int(relu) else "linear", W, b)
    out = layer.forward(X)
    dX = layer.backward(dLdY)
    gradients = read_dict(student, layer, "gradients", "FullyConnected.backward")
    return {"out": out, "dX": dX, "dW": expect_entry(gradients, "W", "FullyConnected.backward: self.gradients"),
            "db": expect_entry(gradients, "b", "FullyConnected.backward: self.gradients")}


FC = FixtureSet("cs189sp23_fully_connected", make_inputs=fc_inputs, compute=fc_compute, cases=[
    Case("4x3_to_5_linear", seed=201, m=4, n_in=3, n_out=5, activation="linear"),
    Case("batch1_1x6_to_2_linear", seed=202, m=1, n_in=6, n_out=2, activation="linear"),
    Case("8x5_to_4_relu", seed=203, m=8, n_in=5, n_out=4, activation="relu"),
    Case("6x7_to_3_linear", seed=204, m=6, n_in=7, n_out=3, activation="linear"),
])
FC_NUMERICAL = [FC.cases[0], FC.cases[2]]


@pytest.mark.fully_connected
@pytest.mark.parametrize("case", FC.cases, ids=str)
def test_fully_connected_forward(student, case):
    data = FC.load(case)
    layer = fully_connected(student, activation_of(data.inputs), data.inputs["W"], data.inputs["b"])
    out = layer.forward(data.inputs["X"])
    expect_close(out, data.expected["out"], what="FullyConnected.forward", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.fully_connected
@pytest.mark.parametrize("case", [FC.cases[0], FC.cases[2]], ids=str)
def test_fully_connected_forward_caches_z(student, case):
    """The handout: forward keeps the pre-activation Z = X W + b in self.cache (under any key; "Z" is usual)."""
    inputs = FC.load(case).inputs
    layer = fully_connected(student, activation_of(inputs), inputs["W"], inputs["b"])
    layer.forward(inputs["X"])
    cache = read_dict(student, layer, "cache", "FullyConnected.forward", case.name)
    Z = inputs["X"] @ inputs["W"] + inputs["b"]
    for value in cache.values():
        if type(value) is np.ndarray and value.shape == Z.shape and np.allclose(value, Z, rtol=FORWARD_FLOAT64.rtol,
                                                                                  atol=FORWARD_FLOAT64.atol):
            return
    raise GradingFailure(f"FullyConnected.forward, case '{case.name}': expected self.cache to hold the "
                         f"pre-activation Z = X W + b (shape {Z.shape}), for the backward pass; its entries "
                         f"{sorted(map(str, cache))} hold no such array.")


@pytest.mark.fully_connected
@pytest.mark.parametrize("grad", GRADIENTS)
@pytest.mark.parametrize("case", FC.cases, ids=str)
def test_fully_connected_backward(student, case, grad):
    data = FC.load(case)
    got = FC.compute(student, **data.inputs)
    where = "its return value" if grad == "dX" else f"self.gradients['{grad[1:]}']"
    expect_close(got[grad], data.expected[grad], what=f"FullyConnected.backward: {grad} ({where})", case=case.name,
                 tol=BACKWARD_FLOAT64)


@pytest.mark.fully_connected
@pytest.mark.parametrize("grad", GRADIENTS)
@pytest.mark.parametrize("case", FC_NUMERICAL, ids=str)
def test_fully_connected_backward_matches_numerical_gradient(student, case, grad):
    inputs = FC.load(case).inputs
    layer = fully_connected(student, activation_of(inputs), inputs["W"], inputs["b"])
    layer.forward(inputs["X"])
    dX = layer.backward(inputs["dLdY"])
    what = f"FullyConnected.backward: {grad}"
    forward = student.ref(layer, "forward")
    if grad == "dX":
        check_input_gradient(student, forward, (inputs["X"],), 0, dX, inputs["dLdY"], what=what, case=case.name)
        return
    key = grad[1:]
    analytic = expect_entry(read_dict(student, layer, "gradients", "FullyConnected.backward", case.name), key,
                            "FullyConnected.backward: self.gradients", case.name)
    check_item_gradient(student, forward, (inputs["X"],), student.ref(layer, "parameters"), key, inputs[key],
                        analytic, inputs["dLdY"], what=what, case=case.name)


@pytest.mark.fully_connected
def test_fully_connected_does_not_modify_its_inputs(student):
    data = FC.load(FC.cases[2])
    student.reset_log()
    got = FC.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="FullyConnected", case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


# _init_parameters: n_in 300, n_out 200, so that 60,000 weights test the distribution.
INIT_SHAPE = (5, 300)
INIT_OUT = 200


def initialised_layer(student):
    layer = student.call("layers.FullyConnected", n_out=INIT_OUT, activation="relu", weight_init="xavier_uniform")
    layer._init_parameters(INIT_SHAPE)
    return layer


@pytest.mark.fully_connected
def test_fully_connected_init_parameters_makes_w_and_b(student):
    layer = initialised_layer(student)
    what = f"FullyConnected._init_parameters({INIT_SHAPE}) with n_out={INIT_OUT}"
    if layer.n_in != INIT_SHAPE[1]:
        raise GradingFailure(f"{what}: expected self.n_in = {INIT_SHAPE[1]}, got {layer.n_in!r}.")
    parameters = read_dict(student, layer, "parameters", what)
    if sorted(map(str, parameters)) != ["W", "b"]:
        raise GradingFailure(f"{what}: expected self.parameters to have the keys 'W' and 'b', got "
                             f"{sorted(map(str, parameters))}.")
    W, b = parameters["W"], parameters["b"]
    expect_close(b, np.zeros((1, INIT_OUT)), what=f"{what}: self.parameters['b'] (zeros, shape (1, n_out))",
                 tol=EXACT_FLOAT64)
    if type(W) is not np.ndarray or W.shape != (INIT_SHAPE[1], INIT_OUT):
        shown = W.shape if type(W) is np.ndarray else type(W).__name__
        raise GradingFailure(f"{what}: expected self.parameters['W'] of shape (n_in, n_out) = "
                             f"{(INIT_SHAPE[1], INIT_OUT)}, got {shown}.")


@pytest.mark.fully_connected
def test_fully_connected_init_parameters_draws_w_from_the_initialiser(student):
    """W comes from self.init_weights (Xavier uniform here): U(-a, a) with a = sqrt(6 / (n_in + n_out))."""
    layer = initialised_layer(student)
    what = f"FullyConnected._init_parameters({INIT_SHAPE}) with weight_init='xavier_uniform'"
    W = expect_entry(read_dict(student, layer, "parameters", what), "W", f"{what}: self.parameters")
    if type(W) is not np.ndarray or W.shape != (INIT_SHAPE[1], INIT_OUT) or W.dtype.kind != "f":
        raise GradingFailure(f"{what}: expected a float array W of shape {(INIT_SHAPE[1], INIT_OUT)}.")
    limit = np.sqrt(6.0 / (INIT_SHAPE[1] + INIT_OUT))
    std = limit / np.sqrt(3.0)  # of U(-a, a)
    n = W.size
    # Standard errors of the sample mean and of the sample standard deviation of a uniform draw (kurtosis 1.8).
    mean_error, std_error = std / np.sqrt(n), std * np.sqrt(0.8 / (4 * n))
    problems = []
    if np.abs(W).max() > limit * (1 + 1e-12):
        problems.append(f"its largest |W| is {np.abs(W).max():.4g}, beyond a = {limit:.4g}")
    if abs(W.mean()) > STANDARD_ERRORS * mean_error:
        problems.append(f"its mean is {W.mean():.4g}, expected 0 (within {STANDARD_ERRORS * mean_error:.2g})")
    if abs(W.std() - std) > STANDARD_ERRORS * std_error:
        problems.append(f"its standard deviation is {W.std():.4g}, expected a / sqrt(3) = {std:.4g} "
                        f"(within {STANDARD_ERRORS * std_error:.2g})")
    if problems:
        raise GradingFailure(f"{what}: W does not look drawn by self.init_weights((n_in, n_out)): "
                             + "; ".join(problems) + ".")


@pytest.mark.fully_connected
def test_fully_connected_init_parameters_zeroes_the_gradients(student):
    layer = initialised_layer(student)
    what = f"FullyConnected._init_parameters({INIT_SHAPE})"
    gradients = read_dict(student, layer, "gradients", what)
    if sorted(map(str, gradients)) != ["W", "b"]:
        raise GradingFailure(f"{what}: expected self.gradients to have the keys of self.parameters, 'W' and 'b', "
                             f"got {sorted(map(str, gradients))}.")
    expect_close(gradients["W"], np.zeros((INIT_SHAPE[1], INIT_OUT)),
                 what=f"{what}: self.gradients['W'] (zeros shaped like W)", tol=EXACT_FLOAT64)
    expect_close(gradients["b"], np.zeros((1, INIT_OUT)), what=f"{what}: self.gradients['b'] (zeros shaped like b)",
                 tol=EXACT_FLOAT64)
    read_dict(student, layer, "cache", what)  # a dictionary, ready for forward


@pytest.mark.parametrize("function", vectorized("layers.FullyConnected."))
@pytest.mark.vectorized
def test_fully_connected_does_not_loop_over_the_batch(student, function):
    data = FC.load(FC.cases[3])
    got = FC.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="FullyConnected (before its loops are checked)", case=data.case.name,
                     tol=BACKWARD_FLOAT64)
    expect_no_batch_loop(student, function)


# -- Conv2D -----------------------------------------------------------------------------------------
def conv_out(size, kernel, stride, pad):
    return (size + 2 * pad - kernel) // stride + 1


def pad_pair(pad, kernel):
    if pad == "same":
        return tuple((k - 1) // 2 for k in kernel)
    return (0, 0) if pad == "valid" else (pad, pad)


def conv_inputs(rng, x_shape, kernel, n_out, stride, pad, activation):
    import cs189sp23_trusted  # trusted-only (not in the handout): cases are made where it is at hand

    m, rows, cols, n_in = x_shape
    pads = pad_pair(pad, kernel)
    out_shape = (m, conv_out(rows, kernel[0], stride, pads[0]), conv_out(cols, kernel[1], stride, pads[1]), n_out)
    while True:
        X = rng.standard_normal(x_shape)
        W = rng.standard_normal((*kernel, n_in, n_out)) / np.sqrt(kernel[0] * kernel[1] * n_in)
        b = 0.5 * rng.standard_normal((1, n_out))
        if activation != "relu" or relu_safe(cs189sp23_trusted.conv_preactivation(X, W, b, stride, pads)):
            break
    return {"X": X, "W": W, "b": b, "dLdY": rng.standard_normal(out_shape), "stride": np.int64(stride),
            "pad": np.array(pads, dtype=np.int64), "relu": np.int64(activation == "relu")}


def conv_layer(student, inputs):
    # The cases pad alike on both axes, so an integer says it ("same" for a 3x3 kernel is 1, "valid" 0).
    return conv2d(student, inputs["X"].shape, inputs["W"], inputs["b"], int(inputs["stride"]), int(inputs["pad"][0]),
                  "relu" if int(inputs["relu"]) else "linear")


def conv_compute(student, **inputs):
    layer = conv_layer(student, inputs)
    out = layer.forward(inputs["X"])
    dX = layer.backward(inputs["dLdY"])
    gradients = read_dict(student, layer, "gradients", "Conv2D.backward")
    return {"out": out, "dX": dX, "dW": expect_entry(gradients, "W", "Conv2D.backward: self.gradients"),
            "db": expect_entry(gradients, "b", "Conv2D.backward: self.gradients")}


CONV = FixtureSet("cs189sp23_conv2d", make_inputs=conv_inputs, compute=conv_compute, cases=[
    Case("2x5x5x3_k3_same_to_4", seed=301, x_shape=(2, 5, 5, 3), kernel=(3, 3), n_out=4, stride=1, pad="same",
         activation="linear"),
    Case("batch1_1x6x7x2_k2x3_valid_to_3", seed=302, x_shape=(1, 6, 7, 2), kernel=(2, 3), n_out=3, stride=1,
         pad="valid", activation="linear"),
    Case("2x7x7x2_k3_stride2_pad1_to_3", seed=303, x_shape=(2, 7, 7, 2), kernel=(3, 3), n_out=3, stride=2, pad=1,
         activation="linear"),
    Case("3x6x6x1_k3_stride2_valid_to_2", seed=304, x_shape=(3, 6, 6, 1), kernel=(3, 3), n_out=2, stride=2,
         pad="valid", activation="linear"),
    Case("2x5x4x2_k3_same_relu_to_3", seed=305, x_shape=(2, 5, 4, 2), kernel=(3, 3), n_out=3, stride=1, pad="same",
         activation="relu"),
])
CONV_NUMERICAL = [CONV.cases[1], CONV.cases[4]]  # one example, a rectangular kernel; ReLU and padding


@pytest.mark.conv2d_forward
@pytest.mark.parametrize("case", CONV.cases, ids=str)
def test_conv2d_forward(student, case):
    data = CONV.load(case)
    out = conv_layer(student, data.inputs).forward(data.inputs["X"])
    expect_close(out, data.expected["out"], what="Conv2D.forward", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.conv2d_forward
def test_conv2d_forward_does_not_modify_its_input(student):
    data = CONV.load(CONV.cases[2])
    student.reset_log()
    out = conv_layer(student, data.inputs).forward(data.inputs["X"])
    expect_close(out, data.expected["out"], what="Conv2D.forward", case=data.case.name, tol=FORWARD_FLOAT64)
    expect_inputs_unchanged(student)


@pytest.mark.conv2d_backward
@pytest.mark.parametrize("grad", GRADIENTS)
@pytest.mark.parametrize("case", CONV.cases, ids=str)
def test_conv2d_backward(student, case, grad):
    data = CONV.load(case)
    got = CONV.compute(student, **data.inputs)
    where = "its return value" if grad == "dX" else f"self.gradients['{grad[1:]}']"
    expect_close(got[grad], data.expected[grad], what=f"Conv2D.backward: {grad} ({where})", case=case.name,
                 tol=BACKWARD_FLOAT64)


@pytest.mark.conv2d_backward
@pytest.mark.parametrize("grad", GRADIENTS)
@pytest.mark.parametrize("case", CONV_NUMERICAL, ids=str)
def test_conv2d_backward_matches_numerical_gradient(student, case, grad):
    inputs = CONV.load(case).inputs
    layer = conv_layer(student, inputs)
    layer.forward(inputs["X"])
    dX = layer.backward(inputs["dLdY"])
    what = f"Conv2D.backward: {grad}"
    forward = student.ref(layer, "forward")
    if grad == "dX":
        check_input_gradient(student, forward, (inputs["X"],), 0, dX, inputs["dLdY"], what=what, case=case.name)
        return
    key = grad[1:]
    analytic = expect_entry(read_dict(student, layer, "gradients", "Conv2D.backward", case.name), key,
                            "Conv2D.backward: self.gradients", case.name)
    check_item_gradient(student, forward, (inputs["X"],), student.ref(layer, "parameters"), key, inputs[key],
                        analytic, inputs["dLdY"], what=what, case=case.name)


@pytest.mark.conv2d_backward
def test_conv2d_backward_does_not_modify_its_input(student):
    data = CONV.load(CONV.cases[2])
    layer = conv_layer(student, data.inputs)
    layer.forward(data.inputs["X"])
    student.reset_log()
    dX = layer.backward(data.inputs["dLdY"])
    expect_close(dX, data.expected["dX"], what="Conv2D.backward: dX", case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


@pytest.mark.parametrize("function", vectorized("layers.Conv2D."))
@pytest.mark.vectorized
def test_conv2d_does_not_loop_over_the_batch(student, function):
    data = CONV.load(CONV.cases[3])
    got = CONV.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what="Conv2D (before its loops are checked)", case=data.case.name,
                     tol=BACKWARD_FLOAT64)
    expect_no_batch_loop(student, function)


# -- Pool2D -------------------------------------------------------------------------------------------
def pool_inputs(rng, x_shape, kernel, stride, pad, mode):
    """Distinct values 0.013 apart (no ties in a window, none within a difference step of another), positive
    where there is padding, so that zero padding and padding that max pooling ignores agree."""
    count = int(np.prod(x_shape))
    values = rng.permutation(count).astype(np.float64)
    X = 0.013 * ((values + 1) if pad else (values - count / 2))
    pads = (pad, pad)
    out_shape = (x_shape[0], conv_out(x_shape[1], kernel[0], stride, pad), conv_out(x_shape[2], kernel[1], stride, pad),
                 x_shape[3])
    return {"X": X.reshape(x_shape), "dLdY": rng.standard_normal(out_shape), "kernel": np.array(kernel),
            "stride": np.int64(stride), "pad": np.array(pads, dtype=np.int64), "max": np.int64(mode == "max")}


def pool_layer(student, inputs):
    return student.call("layers.Pool2D", kernel_shape=tuple(int(k) for k in inputs["kernel"]),
                        mode="max" if int(inputs["max"]) else "average", stride=int(inputs["stride"]),
                        pad=int(inputs["pad"][0]))


def pool_compute(student, **inputs):
    layer = pool_layer(student, inputs)
    return {"out": layer.forward(inputs["X"]), "dX": layer.backward(inputs["dLdY"])}


def pool_cases(mode, seed):
    name = "max" if mode == "max" else "avg"
    return FixtureSet(f"cs189sp23_{name}_pool", make_inputs=pool_inputs, compute=pool_compute, cases=[
        Case("2x4x4x3_k2_stride2", seed=seed, x_shape=(2, 4, 4, 3), kernel=(2, 2), stride=2, pad=0, mode=mode),
        Case("batch1_1x5x5x2_k3_stride1_overlapping", seed=seed + 1, x_shape=(1, 5, 5, 2), kernel=(3, 3), stride=1,
             pad=0, mode=mode),
        Case("2x6x5x2_k2x3_stride2", seed=seed + 2, x_shape=(2, 6, 5, 2), kernel=(2, 3), stride=2, pad=0, mode=mode),
        Case("2x5x5x2_k3_stride2_pad1", seed=seed + 3, x_shape=(2, 5, 5, 2), kernel=(3, 3), stride=2, pad=1, mode=mode),
    ])


MAX_POOL = pool_cases("max", 401)
AVG_POOL = pool_cases("average", 411)
POOLS = [(MAX_POOL, "max", "max_pool", EXACT_FLOAT64), (AVG_POOL, "average", "avg_pool", FORWARD_FLOAT64)]


def pool_params(count=None):
    return [pytest.param(fixtures, mode, case, tol, marks=getattr(pytest.mark, question), id=f"{mode}-{case}")
            for fixtures, mode, question, tol in POOLS for case in fixtures.cases[:count]]


@pytest.mark.parametrize("fixtures, mode, case, tol", pool_params())
def test_pool2d_forward(student, fixtures, mode, case, tol):
    data = fixtures.load(case)
    out = pool_layer(student, data.inputs).forward(data.inputs["X"])
    expect_close(out, data.expected["out"], what=f"Pool2D.forward (mode '{mode}')", case=case.name, tol=tol)


@pytest.mark.parametrize("fixtures, mode, case, tol", pool_params())
def test_pool2d_backward(student, fixtures, mode, case, tol):
    data = fixtures.load(case)
    got = fixtures.compute(student, **data.inputs)
    expect_close(got["dX"], data.expected["dX"], what=f"Pool2D.backward (mode '{mode}'): dX", case=case.name,
                 tol=BACKWARD_FLOAT64)


@pytest.mark.parametrize("fixtures, mode, case, tol",
                         [p for p in pool_params() if p.values[2].name.endswith(("overlapping", "pad1"))])
def test_pool2d_backward_matches_numerical_gradient(student, fixtures, mode, case, tol):
    inputs = fixtures.load(case).inputs
    layer = pool_layer(student, inputs)
    layer.forward(inputs["X"])
    dX = layer.backward(inputs["dLdY"])
    check_input_gradient(student, student.ref(layer, "forward"), (inputs["X"],), 0, dX, inputs["dLdY"],
                         what=f"Pool2D.backward (mode '{mode}'): dX", case=case.name)


@pytest.mark.parametrize("fixtures, mode, case, tol", [p for p in pool_params() if p.values[2].name.endswith("pad1")])
def test_pool2d_does_not_modify_its_inputs(student, fixtures, mode, case, tol):
    data = fixtures.load(case)
    student.reset_log()
    got = fixtures.compute(student, **data.inputs)
    expect_all_close(got, data.expected, what=f"Pool2D (mode '{mode}')", case=case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


@pytest.mark.parametrize("function", vectorized("layers.Pool2D."))
@pytest.mark.vectorized
def test_pool2d_does_not_loop_over_the_batch(student, function):
    for fixtures in (MAX_POOL, AVG_POOL):
        data = fixtures.load(fixtures.cases[2])
        got = fixtures.compute(student, **data.inputs)
        expect_all_close(got, data.expected, what="Pool2D (before its loops are checked)", case=data.case.name,
                         tol=BACKWARD_FLOAT64)
    expect_no_batch_loop(student, function)
