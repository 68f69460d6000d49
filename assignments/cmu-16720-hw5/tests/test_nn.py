"""Grading tests for nn.py, section 2: initialisation, forward, softmax, loss, backwards, batches,
the numerical gradient checker.

The starter's API stores results in the dictionary ``params`` (forward its cache, backwards its
gradients): the tests read ``params`` back as the call left it (``call_writing``), and pass the
activation functions as the submission's own (``student.function("nn.sigmoid")``, the provided
``util.relu`` ...). Values are compared with the reference's (fixtures) in float64, gradients also
with numerical gradients, by central differences of the submission's own forward. Random draws are
judged by their distribution, never by the reference's numbers. The fixtures' inputs (caches,
probabilities) are made with the trusted-only module cmu16720_trusted, which the handout leaves out.
"""
import math

import numpy as np
import pytest

from autograder.compare import describe_value, expect_close, expect_items
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.gradcheck import check_gradient
from autograder.student import expect_inputs_unchanged
from autograder.tolerances import (
    BACKWARD_FLOAT64, EXACT_FLOAT64, FORWARD_FLOAT64, KS_FALSE_FAILURE_RATE, NUMERICAL_GRADIENT, STANDARD_ERRORS,
)
from cmu16720_checks import (
    ACTIVATIONS, LAYER_NAMES, call_writing, entry, expect_array, expect_cache, expect_params_kept,
)

# == Q2.1.2 Xavier initialisation ===================================================================
XAVIER_SIZES = [(3, 7, "layer1"), (20, 5, "output"), (1, 9, "")]  # not square, so that swapped axes show
LARGE = (400, 500, "layer1")  # 200,000 weights: the statistics below resolve ~1% of the variance
BOUND_SLACK = 1e-12  # relative: a * (2u - 1) may round a hair past a
OTHER_LAYER = {"Wother": np.full((2, 2), 0.5), "bother": np.ones(2)}  # already in params: must be left alone


def xavier_bound(in_size, out_size):
    return math.sqrt(6.0 / (in_size + out_size))


def initialise(student, in_size, out_size, name, random_weights=True):
    """(W, b, params, where) after initialize_weights(in_size, out_size, params, name); with ``random_weights``,
    a failure unless the weights vary (a constant W would pass the bounds and the mean)."""
    where = f"initialize_weights({in_size}, {out_size}, params, {name!r})"
    _, params = call_writing(student, "nn.initialize_weights", in_size, out_size, dict(OTHER_LAYER), name)
    hint = "Store the weights in the dictionary given as params, under 'W' + name and 'b' + name."
    W = expect_array(entry(params, "W" + name, where, hint), (in_size, out_size), f"{where}: params['W{name}']")
    b = expect_array(entry(params, "b" + name, where, hint), (out_size,), f"{where}: params['b{name}']")
    if random_weights and W.size > 1 and np.ptp(W) == 0:  # zeros, or one value: every property of a random draw must fail
        raise GradingFailure(f"{where}: every weight of params['W{name}'] is {W.flat[0]:.6g}; expected independent "
                             "random draws from U(-a, a), a = sqrt(6 / (in_size + out_size)).")
    return W, b, params, where


def size_id(size):
    return f"{size[0]}x{size[1]}_{size[2] or 'unnamed'}"


@pytest.mark.xavier
@pytest.mark.parametrize("size", XAVIER_SIZES, ids=size_id)
def test_xavier_stores_W_and_b_under_the_layer_name(student, size):
    _, _, params, where = initialise(student, *size)
    expect_params_kept(params, OTHER_LAYER, OTHER_LAYER, where, EXACT_FLOAT64)


@pytest.mark.xavier
@pytest.mark.parametrize("size", XAVIER_SIZES, ids=size_id)
def test_xavier_biases_are_zero(student, size):
    _, b, _, where = initialise(student, *size, random_weights=False)
    expect_close(b, np.zeros(size[1]), what=f"{where}: params['b{size[2]}']", tol=EXACT_FLOAT64)


@pytest.mark.xavier
@pytest.mark.parametrize("size", [*XAVIER_SIZES, LARGE], ids=size_id)
def test_xavier_weights_lie_within_the_bound(student, size):
    W, _, _, where = initialise(student, *size)
    a = xavier_bound(size[0], size[1])
    outside = np.abs(W) > a * (1 + BOUND_SLACK)
    if outside.any():
        raise GradingFailure(
            f"{where}: {int(outside.sum())} of {W.size} weights lie outside [-a, a], a = sqrt(6 / (in_size + "
            f"out_size)) = {a:.6g}; the largest in absolute value is {np.abs(W).max():.6g}. Expected every weight "
            "drawn from U(-a, a).")


@pytest.mark.xavier
def test_xavier_mean_is_zero(student):
    W, _, _, where = initialise(student, *LARGE)
    a = xavier_bound(*LARGE[:2])
    allowed = STANDARD_ERRORS * a / math.sqrt(3 * W.size)  # the standard error of the mean of U(-a, a)
    if abs(W.mean()) > allowed:
        raise GradingFailure(f"{where}: the mean of the {W.size} weights is {W.mean():.4g}; expected 0 within "
                             f"{allowed:.2g} ({STANDARD_ERRORS:g} standard errors): draw from U(-a, a), centred on 0.")


@pytest.mark.xavier
def test_xavier_variance_is_2_over_in_plus_out(student):
    W, _, _, where = initialise(student, *LARGE)
    a = xavier_bound(*LARGE[:2])
    expected = a**2 / 3  # = 2 / (in_size + out_size)
    # Var(w^2) = a^4 / 5 - a^4 / 9 for w ~ U(-a, a): the standard error of the variance estimate
    allowed = STANDARD_ERRORS * math.sqrt((a**4 / 5 - a**4 / 9) / W.size)
    if abs(W.var() - expected) > allowed:
        raise GradingFailure(
            f"{where}: the variance of the {W.size} weights is {W.var():.6g}; expected 2 / (in_size + out_size) = "
            f"{expected:.6g} within {allowed:.2g} ({STANDARD_ERRORS:g} standard errors), {W.var() / expected:.3g} "
            "times that. Check a = sqrt(6 / (in_size + out_size)).")


@pytest.mark.xavier
def test_xavier_weights_are_uniformly_distributed(student):
    W, _, _, where = initialise(student, *LARGE)
    a = xavier_bound(*LARGE[:2])
    n = W.size
    x = np.sort(W.ravel())
    cdf = np.clip((x + a) / (2 * a), 0.0, 1.0)  # the CDF of U(-a, a)
    ranks = np.arange(1, n + 1) / n
    distance = max(float(np.max(ranks - cdf)), float(np.max(cdf - (ranks - 1 / n))))
    critical = math.sqrt(math.log(2 / KS_FALSE_FAILURE_RATE) / 2) / math.sqrt(n)
    if distance > critical:
        raise GradingFailure(
            f"{where}: the weights do not follow U(-a, a): their empirical CDF is {distance:.3g} from the uniform "
            f"CDF at its farthest (Kolmogorov-Smirnov distance; expected at most {critical:.2g} for {n} uniform "
            "draws). Draw from a uniform distribution (np.random.uniform(-a, a, size)), not a normal one.")


@pytest.mark.xavier
def test_xavier_draws_fresh_weights_at_every_call(student):
    first, _, _, where = initialise(student, 6, 6, "hidden")
    second, _, _, _ = initialise(student, 6, 6, "hidden2")
    if np.array_equal(first, second):
        raise GradingFailure(f"{where} and the same call for layer 'hidden2' stored identical weights; expected a "
                             "fresh random draw at every call (do not reseed the random generator inside).")


# == Q2.2.1 sigmoid and forward =======================================================================
SIGMOID = FixtureSet(
    "cmu16720_sigmoid",
    make_inputs=lambda rng, shape, scale: {"x": scale * rng.standard_normal(shape)},
    compute=lambda student, x: {"res": student.call("nn.sigmoid", x)},
    cases=[Case("3x4", seed=5101, shape=(3, 4), scale=3.0),
           Case("vector_of_9_up_to_30", seed=5102, shape=(9,), scale=12.0),
           Case("2x3x4", seed=5103, shape=(2, 3, 4), scale=2.0)],
)


def layer_inputs(rng, n, d, m, layer, activation, delta=False):
    """X, W, b of one layer (and an upstream delta, with the cache forward would store); pre-activations clear
    of the ReLU's kink. Made when the fixtures are made, with the trusted-only module."""
    import cmu16720_trusted as trusted

    while True:
        X = rng.standard_normal((n, d))
        W = rng.standard_normal((d, m)) / np.sqrt(d)
        b = 0.5 * rng.standard_normal(m)
        pre = X @ W + b
        if trusted.clear_of_the_kink(pre):
            break
    inputs = {"X": X, "W": W, "b": b, "layer": np.int64(layer), "activation": np.int64(activation)}
    if delta:
        inputs.update(delta=rng.standard_normal((n, m)), pre_act=pre, post_act=trusted.activation(activation)(pre))
    return inputs


def run_forward(student, X, W, b, layer, activation, default_activation=False):
    """(post_act, params) of the student's forward on one layer."""
    name = LAYER_NAMES[int(layer)]
    kwargs = {} if default_activation else {"activation": student.function(ACTIVATIONS[int(activation)][0])}
    return call_writing(student, "nn.forward", X, {"W" + name: W, "b" + name: b}, name, **kwargs)


def forward_compute(student, X, W, b, layer, activation):
    post_act, params = run_forward(student, X, W, b, layer, activation)
    cache = params["cache_" + LAYER_NAMES[int(layer)]]
    return {"post_act": post_act, "cache.X": cache[0], "cache.pre_act": cache[1], "cache.post_act": cache[2]}


LAYER_CASES = [
    Case("sigmoid_N3_D4_M5_layer1", seed=5111, n=3, d=4, m=5, layer=0, activation=0),
    Case("relu_N4_D3_M6_output", seed=5112, n=4, d=3, m=6, layer=1, activation=1),
    Case("tanh_N2_D5_M3_unnamed", seed=5113, n=2, d=5, m=3, layer=2, activation=2),
    Case("linear_N5_D2_M4_hidden2", seed=5114, n=5, d=2, m=4, layer=3, activation=3),
]
FORWARD = FixtureSet("cmu16720_forward", make_inputs=layer_inputs, compute=forward_compute, cases=LAYER_CASES)


def layer_call(case, activation_index, function="forward"):
    """How the test called ``function``, for its messages: forward(X, params, 'layer1', activation=nn.sigmoid)."""
    name = LAYER_NAMES[int(case.params["layer"])]
    if function == "forward":
        return f"forward(X, params, {name!r}, activation={ACTIVATIONS[int(activation_index)][0]})"
    return f"backwards(delta, params, {name!r}, activation_deriv={ACTIVATIONS[int(activation_index)][1]})"


@pytest.mark.forward
@pytest.mark.parametrize("case", SIGMOID.cases, ids=str)
def test_sigmoid(student, case):
    data = SIGMOID.load(case)
    res = student.call("nn.sigmoid", data.inputs["x"])
    expect_close(res, data.expected["res"], what="sigmoid(x)", case=case.name, tol=FORWARD_FLOAT64)
    expect_inputs_unchanged(student)


@pytest.mark.forward
@pytest.mark.parametrize("case", FORWARD.cases, ids=str)
def test_forward_returns_post_act(student, case):
    data = FORWARD.load(case)
    post_act, _ = run_forward(student, **data.inputs)
    expect_close(post_act, data.expected["post_act"], what=f"{layer_call(case, data.inputs['activation'])}: "
                 "its return value post_act", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.forward
@pytest.mark.parametrize("case", FORWARD.cases, ids=str)
def test_forward_stores_its_cache_and_leaves_its_inputs_alone(student, case):
    data = FORWARD.load(case)
    inputs = data.inputs
    name = LAYER_NAMES[int(inputs["layer"])]
    _, params = run_forward(student, **inputs)
    where = layer_call(case, inputs["activation"])
    cache = expect_cache(params, name, where)
    for item, key in zip(cache, ("X", "pre_act", "post_act")):
        expect_close(item, data.expected[f"cache.{key}"], what=f"{where}: params['cache_{name}'] item {key}",
                     case=case.name, tol=FORWARD_FLOAT64)
    expect_params_kept(params, {"W" + name: inputs["W"], "b" + name: inputs["b"]}, ["W" + name, "b" + name],
                       where, EXACT_FLOAT64)
    expect_inputs_unchanged(student)


@pytest.mark.forward
def test_forward_default_activation_is_sigmoid(student):
    case = FORWARD.cases[0]
    data = FORWARD.load(case)
    post_act, _ = run_forward(student, **data.inputs, default_activation=True)
    expect_close(post_act, data.expected["post_act"], what="forward(X, params, 'layer1') without an activation "
                 "(the default, sigmoid)", case=case.name, tol=FORWARD_FLOAT64)


# == Q2.2.2 softmax ===============================================================================
def softmax_inputs(rng, shape, scale=1.0, row_offsets=None):
    x = scale * rng.standard_normal(shape)
    if row_offsets is not None:
        x = x + np.asarray(row_offsets, dtype=np.float64)[:, None]
    return {"x": x}


SOFTMAX = FixtureSet(
    "cmu16720_softmax",
    make_inputs=softmax_inputs,
    compute=lambda student, x: {"res": student.call("nn.softmax", x)},
    cases=[Case("4x5", seed=5201, shape=(4, 5), scale=2.0),
           Case("one_row_1x7", seed=5202, shape=(1, 7)),
           # Each row needs its own maximum: one maximum for the whole batch empties the low rows.
           Case("rows_offset_by_thousands_3x6", seed=5203, shape=(3, 6), row_offsets=(1000.0, -1000.0, 0.0)),
           Case("scores_up_to_1e4_2x4", seed=5204, shape=(2, 4), scale=5e3)],
)


@pytest.mark.softmax
@pytest.mark.parametrize("case", SOFTMAX.cases, ids=str)
def test_softmax(student, case):
    data = SOFTMAX.load(case)
    res = student.call("nn.softmax", data.inputs["x"])
    expect_close(res, data.expected["res"], what="softmax(x)", case=case.name, tol=FORWARD_FLOAT64)
    expect_inputs_unchanged(student)


# == Q2.2.3 loss and accuracy ===================================================================
def loss_inputs(rng, n, c, correct):
    """One-hot labels and probabilities whose argmax is the label in exactly ``correct`` rows."""
    from cmu16720_trusted import softmax

    labels = rng.integers(c, size=n)
    scores = rng.standard_normal((n, c))
    for i in range(n):
        winner = labels[i] if i < correct else (labels[i] + 1 + rng.integers(c - 1)) % c
        scores[i, winner] = scores[i].max() + 1.0 + rng.uniform()
    return {"y": np.eye(c)[labels], "probs": softmax(scores)}


def loss_compute(student, y, probs):
    loss, acc = student.call("nn.compute_loss_and_acc", y, probs)
    return {"loss": loss, "acc": acc}


LOSS = FixtureSet(
    "cmu16720_loss_and_acc",
    make_inputs=loss_inputs,
    compute=loss_compute,
    cases=[Case("N5_C4_3_right", seed=5301, n=5, c=4, correct=3),
           Case("N8_C36_5_right", seed=5302, n=8, c=36, correct=5),
           Case("N6_C3_none_right", seed=5303, n=6, c=3, correct=0)],
)


def loss_and_acc(student, data, case):
    result = student.call("nn.compute_loss_and_acc", data.inputs["y"], data.inputs["probs"])
    expect_inputs_unchanged(student)
    return expect_items(result, 2, what="compute_loss_and_acc(y, probs) should return (loss, acc) and",
                        case=case.name)


@pytest.mark.loss_and_accuracy
@pytest.mark.parametrize("case", LOSS.cases, ids=str)
def test_loss(student, case):
    data = LOSS.load(case)
    loss, _ = loss_and_acc(student, data, case)
    expect_close(loss, data.expected["loss"], what="compute_loss_and_acc(y, probs): loss, the total cross-entropy "
                 "of the batch", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.loss_and_accuracy
@pytest.mark.parametrize("case", LOSS.cases, ids=str)
def test_accuracy(student, case):
    data = LOSS.load(case)
    _, acc = loss_and_acc(student, data, case)
    expect_close(acc, data.expected["acc"], what="compute_loss_and_acc(y, probs): acc, the fraction of examples "
                 "classified right", case=case.name, tol=EXACT_FLOAT64)


# == Q2.3.1 backwards ============================================================================
def backwards_compute(student, X, W, b, layer, activation, delta, pre_act, post_act):
    grad_X, params = run_backwards(student, X, W, b, layer, activation, delta, pre_act, post_act)
    name = LAYER_NAMES[int(layer)]
    return {"grad_X": grad_X, "grad_W": params["grad_W" + name], "grad_b": params["grad_b" + name]}


def run_backwards(student, X, W, b, layer, activation, delta, pre_act, post_act, default_derivative=False):
    """(grad_X, params) of the student's backwards, from a cache the grader made."""
    name = LAYER_NAMES[int(layer)]
    params = {"W" + name: W, "b" + name: b, "cache_" + name: (X, pre_act, post_act)}
    kwargs = {} if default_derivative else {"activation_deriv": student.function(ACTIVATIONS[int(activation)][1])}
    return call_writing(student, "nn.backwards", delta, params, name, **kwargs)


BACKWARDS = FixtureSet("cmu16720_backwards", make_inputs=lambda rng, **p: layer_inputs(rng, **p, delta=True),
                       compute=backwards_compute, cases=LAYER_CASES)


def stored_gradients(params, name, W, b, where):
    grad_W = expect_array(entry(params, "grad_W" + name, where, "backwards stores dJ/dW there."), W.shape,
                          f"{where}: params['grad_W{name}']")
    grad_b = expect_array(entry(params, "grad_b" + name, where, "backwards stores dJ/db there."), b.shape,
                          f"{where}: params['grad_b{name}']")
    return grad_W, grad_b


@pytest.mark.backwards
@pytest.mark.parametrize("case", BACKWARDS.cases, ids=str)
def test_backwards_returns_grad_X(student, case):
    data = BACKWARDS.load(case)
    grad_X, _ = run_backwards(student, **data.inputs)
    where = layer_call(case, data.inputs["activation"], "backwards")
    expect_close(grad_X, data.expected["grad_X"], what=f"{where}: its return value grad_X", case=case.name,
                 tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


@pytest.mark.backwards
@pytest.mark.parametrize("case", BACKWARDS.cases, ids=str)
def test_backwards_stores_grad_W_and_grad_b(student, case):
    data = BACKWARDS.load(case)
    inputs = data.inputs
    name = LAYER_NAMES[int(inputs["layer"])]
    _, params = run_backwards(student, **inputs)
    where = layer_call(case, inputs["activation"], "backwards")
    grad_W, grad_b = stored_gradients(params, name, inputs["W"], inputs["b"], where)
    expect_close(grad_W, data.expected["grad_W"], what=f"{where}: params['grad_W{name}']", case=case.name,
                 tol=BACKWARD_FLOAT64)
    expect_close(grad_b, data.expected["grad_b"], what=f"{where}: params['grad_b{name}']", case=case.name,
                 tol=BACKWARD_FLOAT64)


def forward_evaluator(student, name, activation):
    """Runs the student's forward on batches of {X, W, b} (for central differences), in one round trip each."""
    handle = student.function(ACTIVATIONS[int(activation)][0])

    def evaluate(batch):
        calls = [{"X": kw["X"], "params": {"W" + name: kw["W"], "b" + name: kw["b"]}, "name": name,
                  "activation": handle} for kw in batch]
        return student.call_many("nn.forward", calls)

    return evaluate


@pytest.mark.backwards
@pytest.mark.parametrize("case", BACKWARDS.cases, ids=str)
def test_backwards_matches_the_numerical_gradient(student, case):
    """Against central differences of the student's own forward: post_act = activation(X W + b), upstream delta."""
    data = BACKWARDS.load(case)
    inputs = data.inputs
    name = LAYER_NAMES[int(inputs["layer"])]
    grad_X, params = run_backwards(student, **inputs)
    where = layer_call(case, inputs["activation"], "backwards")
    grad_W, grad_b = stored_gradients(params, name, inputs["W"], inputs["b"], where)
    evaluate = forward_evaluator(student, name, inputs["activation"])
    layer = {"X": inputs["X"], "W": inputs["W"], "b": inputs["b"]}
    for analytic, wrt, label in ((grad_X, "X", "grad_X"), (grad_W, "W", f"params['grad_W{name}']"),
                                 (grad_b, "b", f"params['grad_b{name}']")):
        check_gradient(analytic, evaluate, layer, wrt, inputs["delta"],
                       what=f"{where}: {label}, against central differences of your forward", case=case.name,
                       tol=NUMERICAL_GRADIENT)


@pytest.mark.backwards
def test_backwards_default_derivative_is_sigmoid_deriv(student):
    case = BACKWARDS.cases[0]
    data = BACKWARDS.load(case)
    grad_X, _ = run_backwards(student, **data.inputs, default_derivative=True)
    expect_close(grad_X, data.expected["grad_X"], what="backwards(delta, params, 'layer1') without an "
                 "activation_deriv (the default, sigmoid_deriv): grad_X", case=case.name, tol=BACKWARD_FLOAT64)


# == Q2.4 random batches ===========================================================================
# (examples, batch_size): with remainders, one batch exactly, batch_size above the number of examples. Each of
# the four properties (every example once, sizes, labels kept, shuffled) is checked on three cases: equal shares.
PARTITION_CASES = [(10, 3), (7, 7), (100, 32)]
SIZE_CASES = [(12, 4), (5, 8), (10, 3)]
LABEL_CASES = [(20, 6), (13, 13), (50, 16)]
SHUFFLE_CASES = [(200, 20), (300, 32), (150, 7)]


def batch_ids(cases):
    return [f"{n}_examples_batches_of_{b}" for n, b in cases]


def tagged_dataset(n):
    """x (n, 3) and y (n, 2) whose rows name their example: x[i, 0] = y[i, 0] = i."""
    i = np.arange(n, dtype=np.float64)
    return np.stack([i, i + 0.25, -i], axis=1), np.stack([i, -2 * i], axis=1)


def random_batches(student, n, batch_size):
    """(order of the examples, batch sizes, batches) of get_random_batches, checked to be a partition of the
    dataset's rows: every example in exactly one batch, its row intact."""
    x, y = tagged_dataset(n)
    where = f"get_random_batches(x, y, {batch_size}) with {n} examples"
    result = student.call("nn.get_random_batches", x, y, batch_size)
    expect_inputs_unchanged(student)
    if not isinstance(result, (list, tuple)):
        raise GradingFailure(f"{where}: expected a list of (batch_x, batch_y) pairs, got {describe_value(result)}.")
    order, sizes = [], []
    for number, batch in enumerate(result):
        if not isinstance(batch, (list, tuple)) or len(batch) != 2:
            raise GradingFailure(f"{where}: batch {number} should be a pair (batch_x, batch_y); got a "
                                 f"{type(batch).__name__}.")
        batch_x = batch[0]
        if type(batch_x) is not np.ndarray or batch_x.ndim != 2 or batch_x.shape[1] != x.shape[1]:
            shape = batch_x.shape if isinstance(batch_x, np.ndarray) else type(batch_x).__name__
            raise GradingFailure(f"{where}: batch_x of batch {number} should be an array of rows of x, shape "
                                 f"(batch size, {x.shape[1]}); got {shape}.")
        ids = batch_x[:, 0]
        valid = (ids == np.round(ids)) & (ids >= 0) & (ids < n)
        if not valid.all() or not np.array_equal(batch_x, x[ids.astype(int)]):
            raise GradingFailure(f"{where}: batch_x of batch {number} holds rows that are not rows of x; expected "
                                 "whole examples (rows) of x.")
        order += [int(i) for i in ids]
        sizes.append(len(ids))
    counts = np.bincount(np.asarray(order, dtype=int), minlength=n) if order else np.zeros(n, int)
    if (counts != 1).any():
        missing, repeated = int((counts == 0).sum()), int((counts > 1).sum())
        raise GradingFailure(
            f"{where}: expected every example in exactly one batch; {missing} of the {n} examples are in no batch "
            f"and {repeated} in more than one. Shuffle the indices once (np.random.permutation) and cut them into "
            "batches, keeping the last, smaller batch.")
    return order, sizes, result


@pytest.mark.random_batches
@pytest.mark.parametrize("n, batch_size", PARTITION_CASES, ids=batch_ids(PARTITION_CASES))
def test_batches_hold_every_example_once(student, n, batch_size):
    random_batches(student, n, batch_size)


@pytest.mark.random_batches
@pytest.mark.parametrize("n, batch_size", SIZE_CASES, ids=batch_ids(SIZE_CASES))
def test_batch_sizes(student, n, batch_size):
    _, sizes, _ = random_batches(student, n, batch_size)
    expected = math.ceil(n / batch_size)
    if len(sizes) != expected or max(sizes) > batch_size or min(sizes) < 1:
        raise GradingFailure(
            f"get_random_batches(x, y, {batch_size}) with {n} examples: expected {expected} batches of at most "
            f"{batch_size} examples (the last may hold fewer); got {len(sizes)} batches of sizes {sizes[:12]}"
            f"{' ...' if len(sizes) > 12 else ''}.")


@pytest.mark.random_batches
@pytest.mark.parametrize("n, batch_size", LABEL_CASES, ids=batch_ids(LABEL_CASES))
def test_examples_keep_their_labels(student, n, batch_size):
    x, y = tagged_dataset(n)
    _, _, batches = random_batches(student, n, batch_size)
    for number, (batch_x, batch_y) in enumerate(batches):
        expected = y[batch_x[:, 0].astype(int)]
        if type(batch_y) is not np.ndarray or batch_y.shape != expected.shape or not np.array_equal(batch_y, expected):
            raise GradingFailure(
                f"get_random_batches(x, y, {batch_size}) with {n} examples: batch {number}'s batch_y should hold the "
                "labels of batch_x's examples, row for row (index x and y with the same shuffled indices); "
                f"expected {expected[:, 0].tolist()} in its first column, got "
                f"{batch_y[:, 0].tolist() if isinstance(batch_y, np.ndarray) and batch_y.ndim == 2 else batch_y}.")


@pytest.mark.random_batches
@pytest.mark.parametrize("n, batch_size", SHUFFLE_CASES, ids=batch_ids(SHUFFLE_CASES))
def test_batches_are_shuffled(student, n, batch_size):
    order, _, _ = random_batches(student, n, batch_size)
    # In a shuffled order, about 1 of the n - 1 neighbours are consecutive examples; in batches cut from the
    # unshuffled data (whatever the order of the batches), nearly all.
    consecutive = sum(1 for a, b in zip(order, order[1:]) if b == a + 1)
    if consecutive > (n - 1) // 4:
        raise GradingFailure(
            f"get_random_batches(x, y, {batch_size}) with {n} examples: the examples should be shuffled, but "
            f"{consecutive} of the {n - 1} neighbours in the batches are consecutive examples of x (expected about "
            "1 for a random order). Shuffle the examples' indices, not only the order of the batches.")


# == Q2.5 numerical gradient checker ======================================================================
CLASSIFIER_KEYS = ("Wlayer1", "blayer1", "Woutput", "boutput")


def checker_inputs(rng, n, d, h, c):
    """Data and parameters of run_q2.py's classifier, with the caches a training run leaves in params."""
    import cmu16720_trusted as trusted

    x = rng.standard_normal((n, d))
    y = np.eye(c)[rng.integers(c, size=n)]
    params = {"Wlayer1": rng.standard_normal((d, h)) / np.sqrt(d), "blayer1": 0.5 * rng.standard_normal(h),
              "Woutput": rng.standard_normal((h, c)), "boutput": 0.5 * rng.standard_normal(c)}
    caches = trusted.classifier_caches(params, x)
    inputs = {"x": x, "y": y, **params}
    for name in ("layer1", "output"):
        _, inputs[f"pre.{name}"], inputs[f"post.{name}"] = caches["cache_" + name]
    return inputs


def checker_params(inputs):
    """params as run_q2.py leaves it before its checker runs: the parameters and each layer's cache."""
    params = {key: inputs[key] for key in CLASSIFIER_KEYS}
    params["cache_layer1"] = (inputs["x"], inputs["pre.layer1"], inputs["post.layer1"])
    params["cache_output"] = (inputs["post.layer1"], inputs["pre.output"], inputs["post.output"])
    return params


def exact_gradients(student, x, y, **inputs):
    """The exact gradients of the total cross-entropy, by the reference's forward and backwards."""
    params = {key: inputs[key] for key in CLASSIFIER_KEYS}
    hidden, params = call_writing(student, "nn.forward", x, params, "layer1", activation=student.function("nn.sigmoid"))
    probs, params = call_writing(student, "nn.forward", hidden, params, "output",
                                 activation=student.function("nn.softmax"))
    delta, params = call_writing(student, "nn.backwards", probs - y, params, "output",
                                 activation_deriv=student.function("util.linear_deriv"))
    _, params = call_writing(student, "nn.backwards", delta, params, "layer1",
                             activation_deriv=student.function("nn.sigmoid_deriv"))
    return {f"grad.{key}": params["grad_" + key] for key in CLASSIFIER_KEYS}


CHECKER = FixtureSet(
    "cmu16720_gradient_checker",
    make_inputs=checker_inputs,
    compute=exact_gradients,
    cases=[Case("N5_D4_H5_C3", seed=5401, n=5, d=4, h=5, c=3), Case("N3_D6_H2_C4", seed=5402, n=3, d=6, h=2, c=4)],
)


def numerical_gradients(student, data):
    _, params = call_writing(student, "nn.numerical_gradients", data.inputs["x"], data.inputs["y"],
                             checker_params(data.inputs))
    return params


def expect_checker_gradient(params, data, key, case):
    expected = data.expected[f"grad.{key}"]
    where = "numerical_gradients(x, y, params)"
    got = expect_array(entry(params, "grad_" + key, where, "Store the numerical gradient of each parameter k in "
                             "params['grad_' + k]."), expected.shape, f"{where}: params['grad_{key}']")
    expect_close(got, expected, what=f"{where}: params['grad_{key}'] against the exact gradient of the total "
                 "cross-entropy", case=case.name, tol=NUMERICAL_GRADIENT)


@pytest.mark.gradient_checker
@pytest.mark.parametrize("key", CLASSIFIER_KEYS)
@pytest.mark.parametrize("case", CHECKER.cases, ids=str)
def test_numerical_gradients(student, case, key):
    data = CHECKER.load(case)
    expect_checker_gradient(numerical_gradients(student, data), data, key, case)


@pytest.mark.gradient_checker
@pytest.mark.parametrize("case", CHECKER.cases, ids=str)
def test_numerical_gradients_put_every_parameter_back(student, case):
    data = CHECKER.load(case)
    params = numerical_gradients(student, data)
    for key in CLASSIFIER_KEYS:
        expect_checker_gradient(params, data, key, case)
    expect_params_kept(params, data.inputs, CLASSIFIER_KEYS, "numerical_gradients(x, y, params)", FORWARD_FLOAT64)
    expect_inputs_unchanged(student)
