"""Grading tests for models.py: NeuralNetwork's forward, backward and predict, and training on Iris.

The network is built by the submission from layer arguments, then each of its
layers is given fixed parameters, so outputs, costs and gradients can be
compared with the reference's. Its gradients are also compared with the
numerical gradient of the cross-entropy (computed here) of the student's own
forward, perturbing each parameter inside its layer on the student's side.

Iris: the grader drives the training (the data, the split, the starting
parameters, the order of the minibatches are made here, from fixed seeds) by
calling forward, backward and update, and computes the accuracy and the cost
of the trained network itself from its raw outputs.
"""
from pathlib import Path

import numpy as np
import pytest

from autograder.compare import describe_value, expect_all_close, expect_close, expect_items
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.student import expect_inputs_unchanged
from autograder.tolerances import BACKWARD_FLOAT64, FORWARD_FLOAT64
from cs189sp23_support import (
    check_item_gradient, cross_entropy, expect_entry, expect_number, load_fully_connected, one_hot,
    read_dict, relu_safe,
)

IRIS_CSV = Path(__file__).resolve().parent / "data" / "iris.csv"
OPTIMIZER = {"name": "SGD", "lr": 0.1}


def layer_args(sizes):
    """fully_connected layers: ReLU between, softmax last."""
    last = len(sizes) - 2
    return [{"name": "fully_connected", "activation": "softmax" if i == last else "relu", "n_out": int(n_out),
             "weight_init": "xavier_uniform"} for i, n_out in enumerate(sizes[1:])]


def build_network(student, params, sizes, optimizer=OPTIMIZER):
    """A NeuralNetwork of the submission with every layer holding params["W<i>"], params["b<i>"]."""
    args = layer_args(sizes)
    model = student.call("models.NeuralNetwork", "cross_entropy", args, optimizer)
    layers = model.layers
    if isinstance(layers, list) and len(layers) == len(args) - 1:
        # The SP23 starter's __init__ builds every layer but the output one, which its train() adds from
        # the last entry of layer_args: do what train() did.
        student.call(student.ref(student.ref(model, "layers"), "append"), student.call("layers.initialize_layer",
                                                                                        **args[-1]))
        layers = model.layers
    if not isinstance(layers, list) or len(layers) != len(sizes) - 1:
        shown = f"a list of {len(layers)}" if isinstance(layers, list) else type(layers).__name__
        raise GradingFailure(f"NeuralNetwork.__init__ should make self.layers a list of {len(sizes) - 1} layers "
                             f"(one per entry of layer_args), got {shown}.")
    for i, layer in enumerate(layers, start=1):
        load_fully_connected(student, layer, params[f"W{i}"], params[f"b{i}"])
    return model, layers


def network_inputs(rng, sizes, m):
    import cs189sp23_trusted  # trusted-only (not in the handout): cases are made where it is at hand

    while True:  # redrawn until no ReLU input is near its kink
        X = rng.standard_normal((m, sizes[0]))
        params = {}
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            params[f"W{i}"] = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
            params[f"b{i}"] = 0.3 * rng.standard_normal((1, fan_out))
        if all(map(relu_safe, cs189sp23_trusted.hidden_preactivations(X, params, len(sizes) - 1))):
            break
    return {"X": X, "Y": one_hot(rng.integers(sizes[-1], size=m), sizes[-1]), "sizes": np.array(sizes), **params}


def parameters_of(inputs):
    return {k: v for k, v in inputs.items() if k[0] in "Wb"}


def network_compute(student, X, Y, sizes, **params):
    model, layers = build_network(student, params, [int(s) for s in sizes])
    out = model.forward(X)
    found = {"out": out, "L": expect_number(model.backward(Y, out), "NeuralNetwork.backward")}
    for i, layer in enumerate(layers, start=1):
        gradients = read_dict(student, layer, "gradients", f"NeuralNetwork.backward: layer {i}")
        for key in ("W", "b"):
            found[f"d{key}{i}"] = expect_entry(gradients, key, f"NeuralNetwork.backward: layer {i}'s self.gradients")
    return found


NETWORK = FixtureSet("cs189sp23_network", make_inputs=network_inputs, compute=network_compute, cases=[
    Case("2_layers_8x4_6_3", seed=601, sizes=(4, 6, 3), m=8),
    Case("3_layers_5x3_7_5_4", seed=602, sizes=(3, 7, 5, 4), m=5),
    Case("batch1_2_layers_1x5_4_2", seed=603, sizes=(5, 4, 2), m=1),
])


def network_for(student, inputs):
    return build_network(student, parameters_of(inputs), [int(s) for s in inputs["sizes"]])


@pytest.mark.model
@pytest.mark.parametrize("case", NETWORK.cases, ids=str)
def test_network_forward(student, case):
    data = NETWORK.load(case)
    model, _ = network_for(student, data.inputs)
    expect_close(model.forward(data.inputs["X"]), data.expected["out"], what="NeuralNetwork.forward", case=case.name,
                 tol=FORWARD_FLOAT64)


@pytest.mark.model
@pytest.mark.parametrize("case", NETWORK.cases, ids=str)
def test_network_backward_returns_the_cost(student, case):
    data = NETWORK.load(case)
    got = NETWORK.compute(student, **data.inputs)
    expect_close(got["L"], data.expected["L"], what="NeuralNetwork.backward: the cost it returns", case=case.name,
                 tol=FORWARD_FLOAT64)


@pytest.mark.model
@pytest.mark.parametrize("case", NETWORK.cases, ids=str)
def test_network_backward_fills_every_layers_gradients(student, case):
    data = NETWORK.load(case)
    got = NETWORK.compute(student, **data.inputs)
    for name in sorted(k for k in data.expected if k.startswith("d")):
        layer, key = name[2:], name[1]
        expect_close(got[name], data.expected[name], what=f"NeuralNetwork.backward: layer {layer}'s "
                     f"self.gradients['{key}']", case=case.name, tol=BACKWARD_FLOAT64)


@pytest.mark.model
@pytest.mark.parametrize("case", NETWORK.cases[:2], ids=str)
def test_network_backward_matches_numerical_gradient(student, case):
    """Each parameter's gradient against d cross_entropy(Y, forward(X)) / d parameter, the cost computed here."""
    inputs = NETWORK.load(case).inputs
    model, layers = network_for(student, inputs)
    model.backward(inputs["Y"], model.forward(inputs["X"]))
    forward = student.ref(model, "forward")
    for i, layer in enumerate(layers, start=1):
        gradients = read_dict(student, layer, "gradients", f"NeuralNetwork.backward: layer {i}", case.name)
        for key in ("W", "b"):
            analytic = expect_entry(gradients, key, f"NeuralNetwork.backward: layer {i}'s self.gradients", case.name)
            check_item_gradient(student, forward, (inputs["X"],), student.ref(layer, "parameters"), key,
                                inputs[f"{key}{i}"], analytic, what=f"NeuralNetwork.backward: layer {i}'s "
                                f"self.gradients['{key}']", case=case.name,
                                then=lambda out: cross_entropy(inputs["Y"], np.asarray(out, dtype=np.float64)))


@pytest.mark.model
@pytest.mark.parametrize("case", NETWORK.cases[:2], ids=str)
def test_network_predict(student, case):
    data = NETWORK.load(case)
    model, _ = network_for(student, data.inputs)
    Y_hat, L = expect_items(model.predict(data.inputs["X"], data.inputs["Y"]), 2, what="NeuralNetwork.predict",
                            case=case.name)
    expect_close(Y_hat, data.expected["out"], what="NeuralNetwork.predict: Y_hat", case=case.name, tol=FORWARD_FLOAT64)
    expect_close(expect_number(L, "NeuralNetwork.predict: L", case.name), data.expected["L"],
                 what="NeuralNetwork.predict: L, the cost of Y_hat against Y", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.model
def test_network_does_not_modify_its_inputs(student):
    data = NETWORK.load(NETWORK.cases[1])
    model, _ = network_for(student, data.inputs)
    student.reset_log()
    out = model.forward(data.inputs["X"])
    L = model.backward(data.inputs["Y"], out)
    expect_all_close({"out": out, "L": expect_number(L, "NeuralNetwork.backward")},
                     {"out": data.expected["out"], "L": data.expected["L"]}, what="NeuralNetwork",
                     case=data.case.name, tol=BACKWARD_FLOAT64)
    expect_inputs_unchanged(student)


# -- Iris --------------------------------------------------------------------------------------------
def load_iris_csv(path):
    """scikit-learn's iris.csv: a header "150,4,setosa,versicolor,virginica", then 4 features and a label per row."""
    with open(path, encoding="utf-8") as f:
        num_examples, num_features = (int(v) for v in f.readline().split(",")[:2])
        rows = np.loadtxt(f, delimiter=",", dtype=np.float64, ndmin=2)
    assert rows.shape == (num_examples, num_features + 1), f"{path} is damaged: {rows.shape}"
    return rows[:, :num_features], rows[:, num_features].astype(np.int64)


def stratified_split(X, y, num_test, seed):
    """The same share of each class in the test set, chosen with a seeded generator."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    per_class = np.full(len(classes), num_test // len(classes))
    per_class[: num_test - per_class.sum()] += 1
    test = np.zeros(len(y), dtype=bool)
    for label, count in zip(classes, per_class):
        test[rng.permutation(np.flatnonzero(y == label))[:count]] = True
    return X[~test], y[~test], X[test], y[test]


def he_parameters(rng, sizes):
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = np.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))
        params[f"b{i}"] = np.zeros((1, fan_out))
    return params


# 100 flowers for training, 50 held out (stratified, seed 0), features standardised with the training
# set's statistics. Measured with the reference: held-out accuracy 0.94 and training cost 0.068 after 40
# epochs (with 10 other starting points and minibatch orders: 0.92 to 0.94, and 0.053 to 0.069); chance is
# 1/3 and log(3) = 1.10.
IRIS_SIZES = [4, 16, 3]
IRIS_EPOCHS = 40
IRIS_BATCH = 20
IRIS_OPTIMIZER = {"name": "SGD", "lr": 0.1, "momentum": 0.5}
IRIS_MIN_TEST_ACCURACY = 0.86  # 4 of the 50 held-out flowers below the reference
IRIS_MAX_TRAIN_COST = 0.25  # 3.6 times the reference's
IRIS_RECIPE = (f"{IRIS_EPOCHS} epochs of minibatches of {IRIS_BATCH}, SGD (lr {IRIS_OPTIMIZER['lr']}, momentum "
               f"{IRIS_OPTIMIZER['momentum']}), driven by the grader through forward, backward and update")


@pytest.fixture(scope="module")
def iris_outputs(student):
    """(training outputs, training labels, test outputs, test labels) of a network trained on Iris, or the
    failure that stopped it (each test reports it)."""
    X, y = load_iris_csv(IRIS_CSV)
    X_train, y_train, X_test, y_test = stratified_split(X, y, 50, seed=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    Y_train = one_hot(y_train, 3)
    rng = np.random.default_rng(189)
    try:
        model, _ = build_network(student, he_parameters(rng, IRIS_SIZES), IRIS_SIZES, IRIS_OPTIMIZER)
        forward, backward, update = (student.ref(model, name) for name in ("forward", "backward", "update"))
        for epoch in range(IRIS_EPOCHS):
            order = rng.permutation(len(X_train))
            for start in range(0, len(order), IRIS_BATCH):
                batch = order[start: start + IRIS_BATCH]
                backward(Y_train[batch], forward(X_train[batch]))
                update(epoch)
        return forward(X_train), y_train, forward(X_test), y_test
    except Exception as exc:  # noqa: BLE001 - the student's failure, reported by each test
        return exc


def iris_result(outputs, which):
    if isinstance(outputs, Exception):
        raise outputs
    Y_hat, y = (outputs[0], outputs[1]) if which == "train" else (outputs[2], outputs[3])
    if type(Y_hat) is not np.ndarray or Y_hat.shape != (len(y), 3) or not np.all(np.isfinite(Y_hat)):
        shown = (f"an array of shape {Y_hat.shape}" + ("" if Y_hat.shape != (len(y), 3) else " with NaN or inf")
                 + "." if type(Y_hat) is np.ndarray else describe_value(Y_hat))
        raise GradingFailure(f"NeuralNetwork.forward after training on Iris ({IRIS_RECIPE}): expected finite "
                             f"probabilities of shape {(len(y), 3)}, got {shown}")
    return Y_hat, y


@pytest.mark.iris
def test_iris_held_out_accuracy(iris_outputs):
    Y_hat, y = iris_result(iris_outputs, "test")
    accuracy = float(np.mean(Y_hat.argmax(axis=1) == y))
    if accuracy < IRIS_MIN_TEST_ACCURACY:
        raise GradingFailure(f"NeuralNetwork (4-16-3, ReLU then softmax) trained on 100 Iris flowers ({IRIS_RECIPE}) "
                             f"classifies {accuracy:.0%} of the 50 held-out flowers correctly; expected at least "
                             f"{IRIS_MIN_TEST_ACCURACY:.0%}. Check the gradients of question 5.1 and of the layers.")


@pytest.mark.iris
def test_iris_training_cost(iris_outputs):
    Y_hat, y = iris_result(iris_outputs, "train")
    cost = cross_entropy(one_hot(y, 3), np.clip(Y_hat, 1e-300, None))
    if not cost <= IRIS_MAX_TRAIN_COST:
        raise GradingFailure(f"NeuralNetwork (4-16-3) trained on 100 Iris flowers ({IRIS_RECIPE}): the cross-entropy "
                             f"of its training outputs (computed by the grader) is {cost:.3f}; expected at most "
                             f"{IRIS_MAX_TRAIN_COST} (log(3) = 1.10 is chance). Check the gradients of question 5.1.")
