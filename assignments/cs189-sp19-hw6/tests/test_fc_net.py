"""Grading tests for fc_net.py: FullyConnectedNet with one hidden layer (2.2.1) and with any number (2.3).

The constructor follows the starter's: ``FullyConnectedNet(input_dim, hidden_dim=[10, 5],
num_classes=8, weight_scale=0.1)``, weights N(0, weight_scale^2), biases 0, no regularisation.
The fixture cases load fixed parameters into the student's network through its ``params``
dictionary, so scores, losses and gradients compare with the reference's whatever the student's
initialisation drew; every gradient is also checked against the numerical gradient of the
student's own loss.
"""
import numpy as np
import pytest

from autograder.compare import expect_close
from autograder.fixtures import Case, FixtureSet
from autograder.tolerances import BACKWARD_FLOAT64, FORWARD_FLOAT64, INITIAL_LOSS
from cs189sp19_checks import (
    NET, build_net, check_numerical_gradients, describe_net, expect_params, expect_weight_statistics,
    expect_zero_biases, expected_shapes, grad_of, loss_and_grads, model_params, net_compute, weight_names,
)


def net_inputs(rng, x_shape, sizes):
    """Inputs X, labels y and the parameters of a network of layer sizes ``sizes``, redrawn until no
    ReLU input lies near its kink (where the numerical gradient is not defined)."""
    from cs189sp19_trusted import relu_clear_of_kinks  # only when the fixtures are made: the forward pass

    while True:
        X = rng.standard_normal(x_shape)
        params = {}
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            params[f"W{i}"] = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
            params[f"b{i}"] = 0.5 * rng.standard_normal(fan_out)
        if relu_clear_of_kinks(X, params):
            return {"X": X, "y": rng.integers(sizes[-1], size=x_shape[0]), **params}


TWO_LAYER = FixtureSet("hw6_two_layer_net", make_inputs=net_inputs, compute=net_compute, cases=[
    Case("N4_D6_H5_C8", seed=641, x_shape=(4, 6), sizes=(6, 5, 8)),
    Case("N3_2x3_H7_C3", seed=642, x_shape=(3, 2, 3), sizes=(6, 7, 3)),
])
MULTI_LAYER = FixtureSet("hw6_multi_layer_net", make_inputs=net_inputs, compute=net_compute, cases=[
    Case("2hidden_N3_D5_H4x5_C3", seed=651, x_shape=(3, 5), sizes=(5, 4, 5, 3)),
    Case("4hidden_N3_D6_H5x4x3x4_C8", seed=652, x_shape=(3, 6), sizes=(6, 5, 4, 3, 4, 8)),
])
DEEP = MULTI_LAYER.cases[1]


def check_scores(student, fixtures, case):
    data = fixtures.load(case)
    params = model_params(data.inputs)
    scores = build_net(student, params).loss(data.inputs["X"])
    expect_close(scores, data.expected["scores"], what=f"{describe_net(params)}.loss(X): the scores", case=case.name,
                 tol=FORWARD_FLOAT64)


def check_loss(student, fixtures, case):
    data = fixtures.load(case)
    params = model_params(data.inputs)
    loss, _ = loss_and_grads(build_net(student, params), data.inputs["X"], data.inputs["y"], case=case.name)
    expect_close(loss, data.expected["loss"], what=f"{describe_net(params)}.loss(X, y): the loss", case=case.name,
                 tol=FORWARD_FLOAT64)


def check_gradient_of(student, fixtures, case, name):
    data = fixtures.load(case)
    params = model_params(data.inputs)
    _, grads = loss_and_grads(build_net(student, params), data.inputs["X"], data.inputs["y"], case=case.name)
    expect_close(grad_of(grads, name, case=case.name), data.expected[f"d{name}"],
                 what=f"{describe_net(params)}.loss(X, y): grads['{name}']", case=case.name, tol=BACKWARD_FLOAT64)


def check_initialisation(student, input_dim, hidden_dim, num_classes, weight_scale):
    model = student.call("fc_net.FullyConnectedNet", input_dim=input_dim, hidden_dim=hidden_dim,
                         num_classes=num_classes, weight_scale=weight_scale)
    what = f"{NET}(input_dim={input_dim}, hidden_dim={hidden_dim}, num_classes={num_classes}, weight_scale={weight_scale})"
    params = model.params
    expect_params(params, expected_shapes([input_dim, *hidden_dim, num_classes]), what)
    expect_zero_biases(params, what)
    for name in weight_names(params):
        expect_weight_statistics(params[name], weight_scale, f"{what}: params['{name}']")


def check_initial_loss(student, hidden_dim, seed):
    """With tiny weights every class is about equally likely: the loss is log(C)."""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((8, 20)), rng.integers(8, size=8)
    model = student.call("fc_net.FullyConnectedNet", input_dim=20, hidden_dim=hidden_dim, num_classes=8,
                         weight_scale=1e-3)
    loss, _ = loss_and_grads(model, X, y)
    expect_close(loss, float(np.log(8)), tol=INITIAL_LOSS,
                 what=f"{NET}(input_dim=20, hidden_dim={hidden_dim}, num_classes=8, weight_scale=1e-3).loss(X, y): "
                      "the initial loss with tiny weights, expected log(C) = log(8)")


# == one hidden layer (2.2.1) ===============================================================
@pytest.mark.two_layer_net
def test_one_hidden_layer_params_and_initialisation(student):
    check_initialisation(student, input_dim=100, hidden_dim=[200], num_classes=20, weight_scale=0.05)


@pytest.mark.two_layer_net
@pytest.mark.parametrize("case", TWO_LAYER.cases, ids=str)
def test_one_hidden_layer_scores(student, case):
    check_scores(student, TWO_LAYER, case)


@pytest.mark.two_layer_net
@pytest.mark.parametrize("case", TWO_LAYER.cases, ids=str)
def test_one_hidden_layer_loss(student, case):
    check_loss(student, TWO_LAYER, case)


@pytest.mark.two_layer_net
@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
@pytest.mark.parametrize("case", TWO_LAYER.cases, ids=str)
def test_one_hidden_layer_gradients(student, case, name):
    check_gradient_of(student, TWO_LAYER, case, name)


@pytest.mark.two_layer_net
@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_one_hidden_layer_gradients_match_numerical_gradient(student, name):
    case = TWO_LAYER.cases[0]
    check_numerical_gradients(student, TWO_LAYER.load(case).inputs, [name], case.name)


@pytest.mark.two_layer_net
def test_one_hidden_layer_initial_loss_is_log_of_the_number_of_classes(student):
    check_initial_loss(student, [30], seed=643)


# == any number of hidden layers (2.3) ======================================================
@pytest.mark.multi_layer_net
def test_three_hidden_layers_params_and_initialisation(student):
    check_initialisation(student, input_dim=100, hidden_dim=[80, 60, 50], num_classes=60, weight_scale=0.05)


@pytest.mark.multi_layer_net
def test_the_starters_defaults(student):
    """FullyConnectedNet(input_dim=75): two hidden layers of 10 and 5 units, 8 classes, weight_scale 0.1."""
    model = student.call("fc_net.FullyConnectedNet", input_dim=75)
    what = f"{NET}(input_dim=75) with the default hidden_dim=[10, 5], num_classes=8 and weight_scale=0.1"
    params = model.params
    expect_params(params, expected_shapes([75, 10, 5, 8]), what)
    expect_zero_biases(params, what)
    # 840 weights in all: their standard deviation is checked (to 6 standard errors), not their mean.
    pooled = np.concatenate([np.ravel(params[name]) for name in weight_names(params)])
    expect_weight_statistics(pooled, 0.1, f"{what}: all the weights", mean_too=False)


@pytest.mark.multi_layer_net
@pytest.mark.parametrize("case", MULTI_LAYER.cases, ids=str)
def test_multi_layer_scores(student, case):
    check_scores(student, MULTI_LAYER, case)


@pytest.mark.multi_layer_net
@pytest.mark.parametrize("case", MULTI_LAYER.cases, ids=str)
def test_multi_layer_loss(student, case):
    check_loss(student, MULTI_LAYER, case)


@pytest.mark.multi_layer_net
@pytest.mark.parametrize("case", MULTI_LAYER.cases, ids=str)
def test_multi_layer_gradients(student, case):
    params = model_params(MULTI_LAYER.load(case).inputs)
    for name in weight_names(params) + sorted(set(params) - set(weight_names(params))):
        check_gradient_of(student, MULTI_LAYER, case, name)


@pytest.mark.multi_layer_net
@pytest.mark.parametrize("name", [f"{kind}{i}" for i in range(1, 6) for kind in "Wb"])
def test_multi_layer_gradients_match_numerical_gradient(student, name):
    check_numerical_gradients(student, MULTI_LAYER.load(DEEP).inputs, [name], DEEP.name)


@pytest.mark.multi_layer_net
def test_multi_layer_initial_loss_is_log_of_the_number_of_classes(student):
    check_initial_loss(student, [30, 30, 30], seed=653)
