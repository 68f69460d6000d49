"""Grading tests for fc_net.py: TwoLayerNet and FullyConnectedNet, with and without dropout.

The fixture cases load fixed parameters into the student's model (through
its ``params`` dictionary), so scores, losses and gradients can be compared
with the reference's whatever initialisation the student wrote. Gradients
are also checked against the numerical gradient of the student's own loss,
and the regularisation is checked by difference: loss(reg) - loss(0) and
grads(reg) - grads(0).
"""

import numpy as np
import pytest

from autograder.compare import expect_close
from autograder.run import current_assignment
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.tolerances import BACKWARD_FLOAT64, FORWARD_FLOAT64, INITIAL_LOSS
from model_checks import (
    ModelKind, as_number, check_gradients, check_initial_loss, check_loss, check_numerical_gradients,
    check_regularised_gradients, check_regularised_loss, check_scores, expect_dtypes, expect_initialisation,
    expect_param_shapes, grad_of, load_params, loss_and_grads, model_params, relu_clear_of_kinks,
)


DROP_PROBABILITY = 0.4  # of each hidden unit, when dropout is on


def dropout_policy():
    """(FullyConnectedNet's dropout keyword, "drop" or "keep": what its value is the probability of), from the
    assignment's options (dropout_keyword, dropout_p_means), read when a check runs."""
    options = current_assignment(__file__).options
    return options.get("dropout_keyword", "dropout"), options.get("dropout_p_means", "drop")


def dropout_value(on):
    """The keyword's value that turns dropout on (dropping DROP_PROBABILITY of the units) or off."""
    drop = DROP_PROBABILITY if on else 0.0
    return drop if dropout_policy()[1] == "drop" else 1.0 - drop


def dropout_label(on=True):
    """How the keyword reads in messages: "dropout=0.4" or "dropout_keep_ratio=0.6"."""
    return f"{dropout_policy()[0]}={dropout_value(on):g}"


# -- building the models on the student's side -------------------------------------
def build_two_layer_net(student, params, reg):
    input_dim, hidden_dim = params["W1"].shape
    model = student.call("fc_net.TwoLayerNet", input_dim=input_dim, hidden_dim=hidden_dim,
                         num_classes=params["W2"].shape[1], weight_scale=1e-2, reg=reg)
    load_params(student, model, params)
    return model


def build_fc_net(student, params, reg, dropout=False, seed=0):
    """The student's FullyConnectedNet with ``params``; ``dropout`` on or off, in the assignment's keyword."""
    layers = len(params) // 2
    dims = [params["W1"].shape[0]] + [params[f"W{i}"].shape[1] for i in range(1, layers + 1)]
    model = student.call("fc_net.FullyConnectedNet", hidden_dims=dims[1:-1], input_dim=dims[0],
                         num_classes=dims[-1], reg=reg, weight_scale=1e-2, dtype="float64", seed=seed,
                         **{dropout_policy()[0]: dropout_value(dropout)})
    load_params(student, model, params)
    return model


def fc_param_shapes(dims):
    """The parameters of a fully connected net of layer sizes ``dims`` (input, hidden..., classes)."""
    shapes = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
        shapes[f"W{i}"], shapes[f"b{i}"] = (fan_in, fan_out), (fan_out,)
    return shapes


TWO_LAYER_NET = ModelKind("TwoLayerNet", build_two_layer_net)
FC_NET = ModelKind("FullyConnectedNet", build_fc_net)


# -- fixture cases ------------------------------------------------------------------
def fc_inputs(rng, x_shape, dims, reg):
    """Inputs X, labels y and the parameters of a net of layer sizes ``dims``.

    Redrawn until no ReLU input lies near its kink, so that numerical
    gradients are well defined.
    """
    import trusted_math  # only when the fixtures are made: it computes the forward pass

    while True:
        X = rng.standard_normal(x_shape)
        params = {}
        for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
            params[f"W{i}"] = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
            params[f"b{i}"] = 0.5 * rng.standard_normal(fan_out)
        if relu_clear_of_kinks(*trusted_math.fc_preactivations(X, params)):
            break
    y = rng.integers(dims[-1], size=x_shape[0])
    return {"X": X, "y": y, "reg": np.float64(reg), **params}


TWO_LAYER = FixtureSet(
    "two_layer_net",
    make_inputs=fc_inputs,
    compute=TWO_LAYER_NET.compute,
    cases=[
        Case("N3_D5_H4_C3_reg0", seed=401, x_shape=(3, 5), dims=(5, 4, 3), reg=0.0),
        Case("N4_D6_H7_C4_reg0.3", seed=402, x_shape=(4, 6), dims=(6, 7, 4), reg=0.3),
    ],
)

FC = FixtureSet(
    "fc_net",
    make_inputs=fc_inputs,
    compute=FC_NET.compute,
    cases=[
        Case("2layer_N4_D5_H6_C3_reg0", seed=411, x_shape=(4, 5), dims=(5, 6, 3), reg=0.0),
        Case("3layer_N3_D5_H4x5_C3_reg0.3", seed=412, x_shape=(3, 5), dims=(5, 4, 5, 3), reg=0.3),
        Case("5layer_N3_2x3_H5x4x3x4_C3_reg0.2", seed=413, x_shape=(3, 2, 3), dims=(6, 5, 4, 3, 4, 3), reg=0.2),
    ],
)
FC_DEEP = FC.cases[2]


# == TwoLayerNet =====================================================================
@pytest.mark.two_layer_net
def test_two_layer_net_params_have_the_right_names_and_shapes(student):
    model = student.call("fc_net.TwoLayerNet", input_dim=5, hidden_dim=4, num_classes=3)
    expect_param_shapes(model.params, {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}, what="TwoLayerNet")


@pytest.mark.two_layer_net
def test_two_layer_net_initialisation(student):
    weight_scale = 0.05
    model = student.call("fc_net.TwoLayerNet", input_dim=100, hidden_dim=200, num_classes=20,
                         weight_scale=weight_scale)
    expect_initialisation(model.params, weight_scale, what="TwoLayerNet(weight_scale=0.05)",
                          shapes={"W1": (100, 200), "b1": (200,), "W2": (200, 20), "b2": (20,)})


@pytest.mark.two_layer_net
@pytest.mark.parametrize("case", TWO_LAYER.cases, ids=str)
def test_two_layer_net_scores(student, case):
    check_scores(student, TWO_LAYER_NET, TWO_LAYER.load(case), tol=FORWARD_FLOAT64)


@pytest.mark.two_layer_net
@pytest.mark.parametrize("case", TWO_LAYER.cases, ids=str)
def test_two_layer_net_loss(student, case):
    check_loss(student, TWO_LAYER_NET, TWO_LAYER.load(case), tol=FORWARD_FLOAT64)


@pytest.mark.two_layer_net
@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
@pytest.mark.parametrize("case", TWO_LAYER.cases, ids=str)
def test_two_layer_net_gradients(student, case, name):
    check_gradients(student, TWO_LAYER_NET, TWO_LAYER.load(case), [name], tol=BACKWARD_FLOAT64)


@pytest.mark.two_layer_net
@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_two_layer_net_gradients_match_numerical_gradient(student, name):
    case = TWO_LAYER.cases[1]
    check_numerical_gradients(student, TWO_LAYER_NET, TWO_LAYER.load(case).inputs, [name], case.name)


@pytest.mark.two_layer_net
def test_two_layer_net_initial_loss_is_log_of_the_number_of_classes(student):
    rng = np.random.default_rng(420)
    X, y = rng.standard_normal((8, 20)), rng.integers(7, size=8)
    model = student.call("fc_net.TwoLayerNet", input_dim=20, hidden_dim=30, num_classes=7, weight_scale=1e-3)
    loss, _ = loss_and_grads(model, X, y, "TwoLayerNet")
    check_initial_loss(as_number(loss, "TwoLayerNet"), 7, "TwoLayerNet", tol=INITIAL_LOSS)


@pytest.mark.two_layer_net
def test_two_layer_net_regularisation_adds_half_reg_times_squared_weights(student):
    case = TWO_LAYER.cases[0]
    check_regularised_loss(student, TWO_LAYER_NET, TWO_LAYER.load(case).inputs, 0.7, case.name, tol=FORWARD_FLOAT64)


@pytest.mark.two_layer_net
@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_two_layer_net_regularisation_of_the_gradients(student, name):
    case = TWO_LAYER.cases[0]
    check_regularised_gradients(student, TWO_LAYER_NET, TWO_LAYER.load(case).inputs, 0.7, [name], case.name,
                                tol=BACKWARD_FLOAT64)


# == FullyConnectedNet ===============================================================
@pytest.mark.fc_net
@pytest.mark.parametrize("hidden_dims", [[4], [6, 5, 4]], ids=["1_hidden_layer", "3_hidden_layers"])
def test_fc_net_params_have_the_right_names_and_shapes(student, hidden_dims):
    model = student.call("fc_net.FullyConnectedNet", hidden_dims=hidden_dims, input_dim=7, num_classes=3)
    dims = [7, *hidden_dims, 3]
    expected = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
        expected[f"W{i}"], expected[f"b{i}"] = (fan_in, fan_out), (fan_out,)
    expect_param_shapes(model.params, expected, what=f"FullyConnectedNet(hidden_dims={hidden_dims})")


@pytest.mark.fc_net
def test_fc_net_initialisation(student):
    weight_scale = 0.05
    model = student.call("fc_net.FullyConnectedNet", hidden_dims=[100, 80], input_dim=60, num_classes=50,
                         weight_scale=weight_scale, dtype="float64", seed=3)
    expect_initialisation(model.params, weight_scale, what="FullyConnectedNet(weight_scale=0.05)",
                          shapes=fc_param_shapes([60, 100, 80, 50]))


@pytest.mark.fc_net
def test_fc_net_params_have_the_requested_dtype(student):
    float32 = student.call("fc_net.FullyConnectedNet", hidden_dims=[4, 4], input_dim=5, num_classes=3, seed=0)
    shapes = fc_param_shapes([5, 4, 4, 3])
    expect_dtypes(float32.params, "float32", what="FullyConnectedNet() with the default dtype=np.float32", shapes=shapes)
    float64 = student.call("fc_net.FullyConnectedNet", hidden_dims=[4, 4], input_dim=5, num_classes=3,
                           dtype="float64", seed=0)
    expect_dtypes(float64.params, "float64", what="FullyConnectedNet(dtype='float64')", shapes=shapes)


@pytest.mark.fc_net
@pytest.mark.parametrize("case", FC.cases, ids=str)
def test_fc_net_scores(student, case):
    check_scores(student, FC_NET, FC.load(case), tol=FORWARD_FLOAT64)


@pytest.mark.fc_net
@pytest.mark.parametrize("case", FC.cases, ids=str)
def test_fc_net_loss(student, case):
    check_loss(student, FC_NET, FC.load(case), tol=FORWARD_FLOAT64)


@pytest.mark.fc_net
@pytest.mark.parametrize("case", FC.cases, ids=str)
def test_fc_net_gradients(student, case):
    data = FC.load(case)
    check_gradients(student, FC_NET, data, sorted(model_params(data.inputs)), tol=BACKWARD_FLOAT64)


@pytest.mark.fc_net
@pytest.mark.parametrize("name", [f"{kind}{i}" for i in range(1, 6) for kind in "Wb"])
def test_fc_net_gradients_match_numerical_gradient(student, name):
    check_numerical_gradients(student, FC_NET, FC.load(FC_DEEP).inputs, [name], FC_DEEP.name)


@pytest.mark.fc_net
def test_fc_net_initial_loss_is_log_of_the_number_of_classes(student):
    rng = np.random.default_rng(421)
    X, y = rng.standard_normal((8, 20)), rng.integers(7, size=8)
    model = student.call("fc_net.FullyConnectedNet", hidden_dims=[30, 30], input_dim=20, num_classes=7,
                         weight_scale=1e-3, dtype="float64", seed=0)
    loss, _ = loss_and_grads(model, X, y, "FullyConnectedNet")
    check_initial_loss(as_number(loss, "FullyConnectedNet"), 7, "FullyConnectedNet", tol=INITIAL_LOSS)


@pytest.mark.fc_net
def test_fc_net_regularisation_adds_half_reg_times_squared_weights(student):
    check_regularised_loss(student, FC_NET, FC.load(FC_DEEP).inputs, 0.7, FC_DEEP.name, tol=FORWARD_FLOAT64)


@pytest.mark.fc_net
def test_fc_net_regularisation_of_the_gradients(student):
    inputs = FC.load(FC_DEEP).inputs
    check_regularised_gradients(student, FC_NET, inputs, 0.7, sorted(model_params(inputs)), FC_DEEP.name,
                                tol=BACKWARD_FLOAT64)


# == FullyConnectedNet with dropout ==================================================
# The nets below use the parameters of a fixture case. Their scores in test mode
# are compared with the same net without dropout (both the student's), and in
# train mode the dropout mask is fixed by the seed, so the loss is a deterministic
# function of the parameters whose gradient can be checked numerically.
DROPOUT_CASE = FC.cases[1]


def dropout_net(student, inputs, dropout=True, seed=7):
    return FC_NET.model(student, inputs, reg=0.0, dropout=dropout, seed=seed)


@pytest.mark.fc_net_dropout
def test_fc_net_dropout_is_the_identity_in_test_mode(student):
    inputs = FC.load(DROPOUT_CASE).inputs
    expected = dropout_net(student, inputs, dropout=False).loss(inputs["X"])
    model = dropout_net(student, inputs)
    for attempt in ("first", "second"):
        expect_close(model.loss(inputs["X"]), expected, tol=FORWARD_FLOAT64, case=DROPOUT_CASE.name,
                     what=f"FullyConnectedNet({dropout_label()}).loss(X) ({attempt} call), the scores in test "
                          "mode, expected equal to the scores of the same net without dropout")


@pytest.mark.fc_net_dropout
def test_fc_net_dropout_changes_the_loss_in_train_mode(student):
    inputs = FC.load(DROPOUT_CASE).inputs
    X, y = inputs["X"], inputs["y"]
    without, _ = loss_and_grads(dropout_net(student, inputs, dropout=False), X, y, "FullyConnectedNet")
    with_dropout, _ = loss_and_grads(dropout_net(student, inputs), X, y, "FullyConnectedNet")
    without = as_number(without, "FullyConnectedNet", DROPOUT_CASE.name)
    with_dropout = as_number(with_dropout, "FullyConnectedNet", DROPOUT_CASE.name)
    if abs(with_dropout - without) <= 1e-6 * max(1.0, abs(without)):
        raise GradingFailure(
            f"FullyConnectedNet({dropout_label()}, seed=7).loss(X, y), case '{DROPOUT_CASE.name}': the loss in "
            f"train mode ({with_dropout:.6g}) equals the loss without dropout ({without:.6g}); with labels, the "
            "dropout layers should run in train mode and drop units."
        )


@pytest.mark.fc_net_dropout
def test_fc_net_dropout_drops_the_requested_share_of_units(student):
    # One example, one input feature equal to 1 and all-ones first-layer weights: every one
    # of the 2,000 hidden units is active, so a column of grads['W1'] is exactly zero if and
    # only if dropout dropped that unit. The share of zero columns estimates the drop
    # probability with a standard deviation of about 0.011; the tolerance is 0.1.
    hidden = 2000
    rng = np.random.default_rng(430)
    params = {"W1": np.ones((1, hidden)), "b1": np.zeros(hidden),
              "W2": rng.standard_normal((hidden, 2)), "b2": np.zeros(2)}
    model = FC_NET.build(student, params, 0.0, dropout=True, seed=7)
    _, grads = loss_and_grads(model, np.ones((1, 1)), np.array([0]), "FullyConnectedNet")
    dW1 = np.asarray(grad_of(grads, "W1", "FullyConnectedNet"), dtype=np.float64)
    if dW1.shape != (1, hidden):
        raise GradingFailure(f"FullyConnectedNet(hidden_dims=[{hidden}]).loss(X, y): grads['W1'] should have shape "
                             f"(1, {hidden}), got {dW1.shape}.")
    dropped = float(np.mean(dW1 == 0))
    if abs(dropped - DROP_PROBABILITY) > 0.1:
        raise GradingFailure(
            f"FullyConnectedNet({dropout_label()}, seed=7) in train mode dropped {dropped:.0%} of the "
            f"{hidden} units of its hidden layer (those whose grads['W1'] column is zero); expected about "
            f"{DROP_PROBABILITY:.0%}. The `{dropout_policy()[0]}` argument is the probability of "
            f"{'dropping' if dropout_policy()[1] == 'drop' else 'keeping'} a unit, passed on as dropout_param['p']."
        )


@pytest.mark.fc_net_dropout
def test_fc_net_dropout_with_a_seed_is_repeatable(student):
    inputs = FC.load(DROPOUT_CASE).inputs
    X, y = inputs["X"], inputs["y"]
    model = dropout_net(student, inputs)
    first, first_grads = loss_and_grads(model, X, y, "FullyConnectedNet")
    second, second_grads = loss_and_grads(model, X, y, "FullyConnectedNet")
    what = f"FullyConnectedNet({dropout_label()}, seed=7).loss(X, y) called twice"
    hint = " (the seed should reach every dropout layer through dropout_param['seed'])"
    expect_close(as_number(second, "FullyConnectedNet"), as_number(first, "FullyConnectedNet"), tol=FORWARD_FLOAT64,
                 what=f"{what}: the second loss{hint}", case=DROPOUT_CASE.name)
    for name in sorted(model_params(inputs)):
        expect_close(grad_of(second_grads, name, "FullyConnectedNet"), grad_of(first_grads, name, "FullyConnectedNet"),
                     tol=BACKWARD_FLOAT64,
                     what=f"{what}: the second grads['{name}']{hint}", case=DROPOUT_CASE.name)


@pytest.mark.fc_net_dropout
@pytest.mark.parametrize("layer", [1, 2, 3])
def test_fc_net_dropout_gradients_match_numerical_gradient(student, layer):
    inputs = FC.load(DROPOUT_CASE).inputs
    check_numerical_gradients(student, FC_NET, inputs, [f"W{layer}", f"b{layer}"], f"{DROPOUT_CASE.name}_dropout",
                              reg=0.0, dropout=True, seed=7)
