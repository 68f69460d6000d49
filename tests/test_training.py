"""Grading tests that train the student's models with the provided Solver.

The Solver (solver.py, the grader's own copy) runs in the student's process
and uses the student's layers, models and update rules. Nothing it reports
is trusted: after training, the grader asks the model for its scores and
computes accuracies and losses itself. The data (synthetic, or the Iris
file in tests/data) and the starting parameters are made here, from fixed
seeds, so every run of the same submission trains the same way.
"""
from pathlib import Path

import numpy as np
import pytest

from autograder.errors import GradingFailure
from model_checks import accuracy, as_number, grad_of, load_params, loss_and_grads, softmax_cross_entropy

IRIS_CSV = Path(__file__).resolve().parent / "data" / "iris.csv"


# -- data and parameters, made in the grader ------------------------------------------
def random_labelled_data(seed, num_examples, shape, num_classes):
    """Standard normal inputs with random labels: fitting them all means memorising them."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((num_examples, *shape)), rng.integers(num_classes, size=num_examples)


def he_initialisation(seed, shapes):
    """Weights N(0, 2 / fan_in), biases zero: starting points from which plain SGD trains quickly."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in shapes.items():
        if name.startswith("W"):
            fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
            params[name] = np.sqrt(2.0 / fan_in) * rng.standard_normal(shape)
        else:
            params[name] = np.zeros(shape)
    return params


def fc_shapes(dims):
    shapes = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
        shapes[f"W{i}"], shapes[f"b{i}"] = (fan_in, fan_out), (fan_out,)
    return shapes


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


def train(student, model, X_train, y_train, X_val, y_val, what="the model", **solver_args):
    """Train ``model`` with the provided Solver, in the student's process, once its loss gives a number and a
    gradient for every parameter (else the Solver's own KeyError would hide what is missing)."""
    loss, grads = loss_and_grads(model, X_train[:2], y_train[:2], what)
    as_number(loss, what)
    for name in sorted(model.params):
        grad_of(grads, name, what)
    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    solver = student.call("solver.Solver", model, data, verbose=False, **solver_args)
    solver.train()


def describe(solver_args):
    config = ", ".join(f"{k} {v}" for k, v in solver_args["optim_config"].items())
    return (f"the provided Solver ({solver_args['update_rule']}, {config}, batch_size {solver_args['batch_size']}, "
            f"{solver_args['num_epochs']} epochs)")


# -- overfitting ------------------------------------------------------------------------
# Hyperparameters chosen with the reference: on these data and starting points it
# fits every training example after 6 to 10 epochs of the 20 (measured over 5 other
# data and minibatch seeds too), so a correct submission passes with a wide margin.
FC_SOLVER = dict(update_rule="sgd", optim_config={"learning_rate": 0.1}, batch_size=10, num_epochs=20, seed=0)
CONV_SOLVER = dict(update_rule="sgd", optim_config={"learning_rate": 0.05}, batch_size=10, num_epochs=20, seed=0)


def expect_fits_training_set(student, model, X, y, what, solver_args, hint):
    train(student, model, X, y, X, y, what=what, **solver_args)
    got = accuracy(model.loss(X), y, what=f"{what}.loss(X_train) after training")
    if got < 1.0:
        raise GradingFailure(
            f"{what}, trained by {describe(solver_args)} on {len(y)} examples, classifies {got:.0%} of them "
            f"correctly; expected 100%. {hint}"
        )


@pytest.mark.overfit
@pytest.mark.parametrize("hidden_dims", [[50, 50], [50, 50, 50, 50]], ids=["3_layers", "5_layers"])
def test_fc_net_overfits_50_examples(student, hidden_dims):
    X, y = random_labelled_data(510, 50, (3, 8, 8), 10)
    dims = [3 * 8 * 8, *hidden_dims, 10]
    model = student.call("fc_net.FullyConnectedNet", hidden_dims=hidden_dims, input_dim=dims[0], num_classes=10,
                         weight_scale=0.1, dtype="float64", seed=0)
    load_params(student, model, he_initialisation(511, fc_shapes(dims)))
    expect_fits_training_set(
        student, model, X, y, f"FullyConnectedNet(hidden_dims={hidden_dims})", FC_SOLVER,
        "Check the gradients of FullyConnectedNet (question 4.2), the layers it uses and optim.sgd.")


@pytest.mark.overfit
def test_three_layer_convnet_overfits_20_images(student):
    X, y = random_labelled_data(520, 20, (3, 8, 8), 4)
    model = student.call("cnn.ThreeLayerConvNet", input_dim=(3, 8, 8), num_filters=8, filter_size=3, hidden_dim=50,
                         num_classes=4, weight_scale=0.1, dtype="float64")
    shapes = {"W1": (8, 3, 3, 3), "b1": (8,), "W2": (8 * 4 * 4, 50), "b2": (50,), "W3": (50, 4), "b3": (4,)}
    load_params(student, model, he_initialisation(521, shapes))
    expect_fits_training_set(
        student, model, X, y, "ThreeLayerConvNet(num_filters=8, filter_size=3, hidden_dim=50)", CONV_SOLVER,
        "Check the gradients of ThreeLayerConvNet (question 4.4), the convolution and pooling layers and optim.sgd.")


# -- Iris -----------------------------------------------------------------------------------
# 100 flowers for training, 50 held out (stratified, seed 0), features standardised
# with the training set's statistics, model selection on training accuracy. With
# these starting parameters and minibatch seed the reference reaches a held-out
# accuracy of 0.96 and a training cross-entropy of 0.084 (over 10 other starting
# points and minibatch seeds: 0.92 to 0.96, and 0.066 to 0.107). The thresholds
# leave a margin of 4 held-out flowers and more than twice the loss.
IRIS_SOLVER = dict(update_rule="sgd", optim_config={"learning_rate": 0.1}, batch_size=20, num_epochs=100, seed=0)
IRIS_MIN_TEST_ACCURACY = 0.88  # reference 0.96, margin 0.08 (4 of the 50 held-out flowers)
IRIS_MAX_TRAIN_LOSS = 0.2  # reference 0.084; chance is log(3) = 1.099


@pytest.fixture(scope="module")
def iris_scores(student):
    """(training scores, test scores, labels) of a TwoLayerNet trained on Iris, or the failure that stopped it."""
    X, y = load_iris_csv(IRIS_CSV)
    X_train, y_train, X_test, y_test = stratified_split(X, y, 50, seed=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    try:
        model = student.call("fc_net.TwoLayerNet", input_dim=4, hidden_dim=16, num_classes=3)
        load_params(student, model, he_initialisation(530, fc_shapes([4, 16, 3])))
        train(student, model, X_train, y_train, X_train, y_train, what="TwoLayerNet", **IRIS_SOLVER)
        return model.loss(X_train), y_train, model.loss(X_test), y_test
    except Exception as exc:  # each test reports it as its own failure
        return exc


def iris_result(iris_scores):
    if isinstance(iris_scores, Exception):
        raise iris_scores
    return iris_scores


@pytest.mark.iris
def test_two_layer_net_on_iris_held_out_accuracy(iris_scores):
    _, _, test_scores, y_test = iris_result(iris_scores)
    got = accuracy(test_scores, y_test, what="TwoLayerNet.loss(X_test) after training on Iris")
    if got < IRIS_MIN_TEST_ACCURACY:
        raise GradingFailure(
            f"TwoLayerNet(hidden_dim=16) trained on 100 Iris flowers by {describe(IRIS_SOLVER)} classifies "
            f"{got:.0%} of the 50 held-out flowers correctly; expected at least {IRIS_MIN_TEST_ACCURACY:.0%}. "
            "Check TwoLayerNet's gradients (question 4.1) and optim.sgd."
        )


@pytest.mark.iris
def test_two_layer_net_on_iris_training_loss(iris_scores):
    train_scores, y_train, _, _ = iris_result(iris_scores)
    accuracy(train_scores, y_train, what="TwoLayerNet.loss(X_train) after training on Iris")  # shape and NaN checks
    got = softmax_cross_entropy(train_scores, y_train)
    if not got <= IRIS_MAX_TRAIN_LOSS:
        raise GradingFailure(
            f"TwoLayerNet(hidden_dim=16) trained on 100 Iris flowers by {describe(IRIS_SOLVER)}: the softmax "
            f"cross-entropy of its training scores (computed by the grader) is {got:.3f}; expected at most "
            f"{IRIS_MAX_TRAIN_LOSS} (log(3) = 1.099 is chance). Check TwoLayerNet's gradients (question 4.1) and "
            "optim.sgd."
        )
