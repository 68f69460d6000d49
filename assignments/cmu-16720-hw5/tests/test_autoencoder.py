"""Grading tests for nn.py, section 5: the autoencoder (5.1.1), momentum (5.1.2) and PSNR (5.3.2).

The autoencoder is 1024-32-32-32-1024 in the handout (ReLU, ReLU, ReLU, sigmoid; the loss is the
total squared error); its layers are named as in the starter's run_q5.py (nn.AUTOENCODER_LAYERS).
Its forward and backward passes are compared with the reference's on small sizes, from parameters
and caches the grader makes (with the trusted-only cmu16720_trusted, when the fixtures are made), and
its gradients with central differences of the total squared error of the submission's own
autoencoder_forward. The trained autoencoder's PSNR is graded in tests/test_training.py.
"""
import math

import numpy as np
import pytest

from autograder.compare import expect_close
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.gradcheck import check_gradient
from autograder.student import expect_inputs_unchanged
from autograder.tolerances import BACKWARD_FLOAT64, EXACT_FLOAT64, FORWARD_FLOAT64, NUMERICAL_GRADIENT, STANDARD_ERRORS
from cmu16720_checks import (
    AUTOENCODER_LAYERS, NOTHING_STORED, call_writing, entry, expect_array, expect_cache, total_squared_error,
)

# == Q5.1.1 the autoencoder ===========================================================================
IN_SIZE, HIDDEN_SIZE = 1024, 32  # the handout's


def layer_sizes(in_size, hidden_size):
    """(fan_in, fan_out) of each layer of AUTOENCODER_LAYERS."""
    return dict(zip(AUTOENCODER_LAYERS, [(in_size, hidden_size), (hidden_size, hidden_size),
                                         (hidden_size, hidden_size), (hidden_size, in_size)]))


def initialised_autoencoder(student):
    """{name: (W, b)} after initialize_autoencoder(1024, 32, params), every shape checked."""
    where = f"initialize_autoencoder({IN_SIZE}, {HIDDEN_SIZE}, params)"
    _, params = call_writing(student, "nn.initialize_autoencoder", IN_SIZE, HIDDEN_SIZE, {})
    layers = {}
    for name, (fan_in, fan_out) in layer_sizes(IN_SIZE, HIDDEN_SIZE).items():
        hint = f"Layer {name!r} maps {fan_in} to {fan_out} units (nn.AUTOENCODER_LAYERS, in order)."
        W = expect_array(entry(params, "W" + name, where, hint), (fan_in, fan_out), f"{where}: params['W{name}']")
        b = expect_array(entry(params, "b" + name, where, hint), (fan_out,), f"{where}: params['b{name}']")
        layers[name] = (W, b)
    return layers, where


@pytest.mark.autoencoder
def test_initialize_autoencoder_layer_shapes_and_zero_biases(student):
    layers, where = initialised_autoencoder(student)
    for name, (_, b) in layers.items():
        expect_close(b, np.zeros_like(b), what=f"{where}: params['b{name}']", tol=EXACT_FLOAT64)


@pytest.mark.autoencoder
def test_initialize_autoencoder_xavier_weights(student):
    layers, where = initialised_autoencoder(student)
    for name, (W, _) in layers.items():
        a = math.sqrt(6.0 / sum(W.shape))
        if np.abs(W).max() > a * (1 + 1e-12):
            raise GradingFailure(f"{where}: params['W{name}'] has weights outside [-a, a], a = sqrt(6 / (in + out)) "
                                 f"= {a:.4g} (largest {np.abs(W).max():.4g}); expected Xavier initialisation "
                                 "(initialize_weights).")
        expected = a**2 / 3
        allowed = STANDARD_ERRORS * math.sqrt((a**4 / 5 - a**4 / 9) / W.size)
        if abs(W.var() - expected) > allowed:
            raise GradingFailure(f"{where}: the variance of params['W{name}'] is {W.var():.4g}; expected "
                                 f"2 / (in + out) = {expected:.4g} within {allowed:.2g} (Xavier initialisation, "
                                 "initialize_weights).")
    hidden, hidden2 = layers["hidden"][0], layers["hidden2"][0]
    if np.array_equal(hidden, hidden2):
        raise GradingFailure(f"{where}: params['Whidden'] and params['Whidden2'] are identical; expected two "
                             "independent draws, one per layer.")


def autoencoder_inputs(rng, n, d, h, caches=False):
    """Images X in [0, 1] and the parameters of a d-h-h-h-d autoencoder; with ``caches``, also each layer's
    cache as the grader's forward makes it, its ReLU inputs clear of the kink."""
    import cmu16720_trusted as trusted

    sizes = layer_sizes(d, h)
    while True:
        X = rng.uniform(0, 1, (n, d))
        params = {}
        for name, (fan_in, fan_out) in sizes.items():
            params["W" + name] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
            params["b" + name] = 0.1 + 0.2 * rng.standard_normal(fan_out)
        layers = trusted.autoencoder_layers(params, X)
        if not caches or all(trusted.clear_of_the_kink(pre) for pre, _ in layers[:-1]):
            break
    inputs = {"X": X, **{f"{k[0]}.{k[1:]}": v for k, v in params.items()}}
    if caches:
        for name, (pre, post) in zip(AUTOENCODER_LAYERS, layers):
            inputs[f"pre.{name}"], inputs[f"post.{name}"] = pre, post
    return inputs


def params_of(inputs, caches=False):
    """The params dictionary of fixture inputs: 'W' + name and 'b' + name, and the caches if asked."""
    params = {}
    for name in AUTOENCODER_LAYERS:
        params["W" + name], params["b" + name] = inputs[f"W.{name}"], inputs[f"b.{name}"]
    if caches:
        below = inputs["X"]
        for name in AUTOENCODER_LAYERS:
            params["cache_" + name] = (below, inputs[f"pre.{name}"], inputs[f"post.{name}"])
            below = inputs[f"post.{name}"]
    return params


def run_autoencoder_forward(student, inputs):
    return call_writing(student, "nn.autoencoder_forward", inputs["X"], params_of(inputs))


def autoencoder_forward_compute(student, **inputs):
    out, params = run_autoencoder_forward(student, inputs)
    found = {"out": out}
    for name in AUTOENCODER_LAYERS:
        _, pre, post = params["cache_" + name]
        found[f"pre.{name}"], found[f"post.{name}"] = pre, post
    return found


AUTOENCODER_FORWARD = FixtureSet(
    "cmu16720_autoencoder_forward",
    make_inputs=autoencoder_inputs,
    compute=autoencoder_forward_compute,
    cases=[Case("N4_D12_H5", seed=5511, n=4, d=12, h=5), Case("N2_D7_H3", seed=5512, n=2, d=7, h=3)],
)


@pytest.mark.autoencoder
@pytest.mark.parametrize("case", AUTOENCODER_FORWARD.cases, ids=str)
def test_autoencoder_forward_output(student, case):
    data = AUTOENCODER_FORWARD.load(case)
    out, _ = run_autoencoder_forward(student, data.inputs)
    expect_close(out, data.expected["out"], what="autoencoder_forward(X, params): the reconstruction (layer1, "
                 "hidden, hidden2 with relu, output with sigmoid)", case=case.name, tol=FORWARD_FLOAT64)
    expect_inputs_unchanged(student)


@pytest.mark.autoencoder
@pytest.mark.parametrize("case", AUTOENCODER_FORWARD.cases, ids=str)
def test_autoencoder_forward_stores_every_layers_cache(student, case):
    data = AUTOENCODER_FORWARD.load(case)
    _, params = run_autoencoder_forward(student, data.inputs)
    where = "autoencoder_forward(X, params)"
    for name in AUTOENCODER_LAYERS:
        _, pre, post = expect_cache(params, name, where)
        for item, key in ((pre, "pre"), (post, "post")):
            expect_close(item, data.expected[f"{key}.{name}"], what=f"{where}: params['cache_{name}'] item "
                         f"{key}_act", case=case.name, tol=FORWARD_FLOAT64)


def run_autoencoder_backwards(student, inputs):
    out = inputs["post.output"]
    return call_writing(student, "nn.autoencoder_backwards", inputs["X"], out, params_of(inputs, caches=True))


def autoencoder_backwards_compute(student, **inputs):
    _, params = run_autoencoder_backwards(student, inputs)
    return {f"grad.{k}": params["grad_" + k] for name in AUTOENCODER_LAYERS for k in ("W" + name, "b" + name)}


AUTOENCODER_BACKWARDS = FixtureSet(
    "cmu16720_autoencoder_backwards",
    make_inputs=lambda rng, **p: autoencoder_inputs(rng, **p, caches=True),
    compute=autoencoder_backwards_compute,
    cases=[Case("N4_D6_H3", seed=5521, n=4, d=6, h=3), Case("N3_D8_H4", seed=5522, n=3, d=8, h=4)],
)
AUTOENCODER_KEYS = [k for name in AUTOENCODER_LAYERS for k in ("W" + name, "b" + name)]


def autoencoder_gradients(student, inputs):
    """{key: the student's params['grad_' + key]} after autoencoder_backwards, each shape checked."""
    _, params = run_autoencoder_backwards(student, inputs)
    expect_inputs_unchanged(student)
    where = "autoencoder_backwards(X, out, params)"
    grads = {}
    for key in AUTOENCODER_KEYS:
        shape = inputs[f"{key[0]}.{key[1:]}"].shape
        grads[key] = expect_array(entry(params, "grad_" + key, where, "backwards stores each layer's gradients."),
                                  shape, f"{where}: params['grad_{key}']")
    return grads, where


@pytest.mark.autoencoder
@pytest.mark.parametrize("case", AUTOENCODER_BACKWARDS.cases, ids=str)
def test_autoencoder_backwards_gradients(student, case):
    data = AUTOENCODER_BACKWARDS.load(case)
    grads, where = autoencoder_gradients(student, data.inputs)
    for key in AUTOENCODER_KEYS:
        expect_close(grads[key], data.expected[f"grad.{key}"], what=f"{where}: params['grad_{key}'], the gradient of "
                     "the total squared error", case=case.name, tol=BACKWARD_FLOAT64)


@pytest.mark.autoencoder
@pytest.mark.parametrize("case", AUTOENCODER_BACKWARDS.cases, ids=str)
def test_autoencoder_backwards_matches_the_numerical_gradient(student, case):
    data = AUTOENCODER_BACKWARDS.load(case)
    grads, where = autoencoder_gradients(student, data.inputs)
    X = data.inputs["X"]
    weights = {key: data.inputs[f"{key[0]}.{key[1:]}"] for key in AUTOENCODER_KEYS}

    def losses(batch):
        """The total squared error of the student's autoencoder_forward for each set of weights of ``batch``."""
        outs = student.call_many("nn.autoencoder_forward", [{"X": X, "params": dict(kwargs)} for kwargs in batch])
        return [total_squared_error(X, expect_array(out, X.shape, "autoencoder_forward(X, params)")) for out in outs]

    for key in AUTOENCODER_KEYS:
        check_gradient(grads[key], losses, weights, key, what=f"{where}: params['grad_{key}'], against central "
                       "differences of the total squared error of your autoencoder_forward", case=case.name,
                       tol=NUMERICAL_GRADIENT)


# == Q5.1.2 momentum ================================================================================
STEPS = 3  # consecutive updates: each continues from the accumulators the previous one left
MOMENTUM_SHAPES = {"Wlayer1": (3, 4), "blayer1": (4,), "Woutput": (4, 2), "boutput": (2,)}


def momentum_inputs(rng, learning_rate, momentum=None, resume=False):
    inputs = {"learning_rate": np.float64(learning_rate)}
    if momentum is not None:
        inputs["momentum"] = np.float64(momentum)
    for key, shape in MOMENTUM_SHAPES.items():
        inputs[f"param.{key}"] = rng.standard_normal(shape)
        inputs[f"grads.{key}"] = rng.standard_normal((STEPS, *shape))
        if resume:
            inputs[f"m.{key}"] = 0.3 * rng.standard_normal(shape)
    return inputs


def run_momentum(student, inputs, steps):
    """params after each of ``steps`` consecutive momentum_update calls, a new gradient before each."""
    params = {key: inputs[f"param.{key}"] for key in MOMENTUM_SHAPES}
    params.update({"m_" + key: inputs[f"m.{key}"] for key in MOMENTUM_SHAPES if f"m.{key}" in inputs})
    # what training leaves in params beside the parameters: momentum_update must leave it be
    params["cache_layer1"] = (np.ones((2, 3)), np.zeros((2, 4)), np.full((2, 4), 0.5))
    kwargs = {"momentum": float(inputs["momentum"])} if "momentum" in inputs else {}
    found = []
    for step in range(steps):
        params.update({"grad_" + key: inputs[f"grads.{key}"][step] for key in MOMENTUM_SHAPES})
        _, params = call_writing(student, "nn.momentum_update", params, float(inputs["learning_rate"]), **kwargs)
        found.append(params)
    return found


def momentum_compute(student, **inputs):
    found = {}
    for step, params in enumerate(run_momentum(student, inputs, STEPS), start=1):
        found.update({f"step{step}.{key}": params[key] for key in MOMENTUM_SHAPES})
        found.update({f"step{step}.m_{key}": params["m_" + key] for key in MOMENTUM_SHAPES})
    return found


MOMENTUM = FixtureSet(
    "cmu16720_momentum",
    make_inputs=momentum_inputs,
    compute=momentum_compute,
    cases=[Case("fresh_lr_0.1_default_momentum", seed=5531, learning_rate=0.1),
           Case("resume_lr_0.05_momentum_0.9", seed=5532, learning_rate=0.05, momentum=0.9, resume=True),
           Case("fresh_lr_0.2_momentum_0.5", seed=5533, learning_rate=0.2, momentum=0.5)],
)


def momentum_call(data):
    lr = float(data.inputs["learning_rate"])
    if "momentum" in data.inputs:
        return f"momentum_update(params, {lr:g}, momentum={float(data.inputs['momentum']):g})"
    return f"momentum_update(params, {lr:g})"


def per_step(cases):
    return [pytest.param(case, step, id=f"{case}-step{step}") for case in cases for step in range(1, STEPS + 1)]


@pytest.mark.momentum
@pytest.mark.parametrize("case, step", per_step(MOMENTUM.cases))
def test_momentum_updates_the_parameters(student, case, step):
    data = MOMENTUM.load(case)
    found = run_momentum(student, data.inputs, step)
    params = found[-1]
    where = f"{momentum_call(data)}, step {step} of {STEPS}"
    for key, shape in MOMENTUM_SHAPES.items():
        got = expect_array(entry(params, key, where), shape, f"{where}: params[{key!r}]")
        before = data.inputs[f"param.{key}"] if step == 1 else found[-2][key]
        if np.array_equal(got, before):
            raise GradingFailure(f"{where}: params[{key!r}] is left as it was; expected params[{key!r}] + "
                                 f"params['m_{key}'] {NOTHING_STORED}")
        expect_close(got, data.expected[f"step{step}.{key}"], what=f"{where}: params[{key!r}]", case=case.name,
                     tol=FORWARD_FLOAT64)


@pytest.mark.momentum
@pytest.mark.parametrize("case, step", per_step(MOMENTUM.cases))
def test_momentum_keeps_its_accumulators(student, case, step):
    data = MOMENTUM.load(case)
    params = run_momentum(student, data.inputs, step)[-1]
    where = f"{momentum_call(data)}, step {step} of {STEPS}"
    for key, shape in MOMENTUM_SHAPES.items():
        hint = ("Keep each accumulator in params['m_' + k], created as zeros when absent, so that the next step "
                "continues from it.")
        got = expect_array(entry(params, "m_" + key, where, hint), shape, f"{where}: params['m_{key}']")
        expect_close(got, data.expected[f"step{step}.m_{key}"], what=f"{where}: params['m_{key}']", case=case.name,
                     tol=FORWARD_FLOAT64)


# == Q5.3.2 PSNR ================================================================================
def psnr_inputs(rng, shape, noise, max_value=None):
    scale = 1.0 if max_value is None else max_value
    original = rng.uniform(0, 1, shape)
    reconstructed = np.clip(original + noise * rng.standard_normal(shape), 0, 1)
    inputs = {"original": scale * original, "reconstructed": scale * reconstructed}
    if max_value is not None:
        inputs["max_value"] = np.float64(max_value)
    return inputs


def call_psnr(student, original, reconstructed, max_value=None):
    kwargs = {} if max_value is None else {"max_value": float(max_value)}
    return student.call("nn.psnr", original, reconstructed, **kwargs)


PSNR = FixtureSet(
    "cmu16720_psnr",
    make_inputs=psnr_inputs,
    compute=lambda student, **inputs: {"value": call_psnr(student, **inputs)},
    cases=[Case("32x32_noise_0.1", seed=5541, shape=(32, 32), noise=0.1),
           Case("vector_1024_noise_0.3", seed=5542, shape=(1024,), noise=0.3),
           Case("3x8x8_max_255", seed=5543, shape=(3, 8, 8), noise=0.05, max_value=255.0),
           Case("16x16_noise_1e-3", seed=5544, shape=(16, 16), noise=1e-3)],
)


@pytest.mark.psnr
@pytest.mark.parametrize("case", PSNR.cases, ids=str)
def test_psnr(student, case):
    data = PSNR.load(case)
    value = call_psnr(student, **data.inputs)
    shown = f", max_value={float(data.inputs['max_value']):g}" if "max_value" in data.inputs else ""
    expect_close(value, data.expected["value"], what=f"psnr(original, reconstructed{shown}) in dB", case=case.name,
                 tol=FORWARD_FLOAT64)
    expect_inputs_unchanged(student)
