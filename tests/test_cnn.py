"""Grading tests for cnn.py: ThreeLayerConvNet.

As for the fully connected nets, fixed parameters are loaded into the
student's model, so scores, losses and gradients can be compared with the
reference's; gradients are also checked against the numerical gradient of
the student's own loss, and the regularisation by difference.
"""
import numpy as np
import pytest

from autograder.fixtures import Case, FixtureSet
from autograder.tolerances import BACKWARD_FLOAT64, FORWARD_FLOAT64, INITIAL_LOSS, KINK_MARGIN
from model_checks import (
    ModelKind, as_number, check_gradients, check_initial_loss, check_loss, check_numerical_gradients,
    check_regularised_gradients, check_regularised_loss, check_scores, expect_dtypes, expect_initialisation,
    expect_param_shapes, load_params, loss_and_grads, relu_clear_of_kinks,
)

PARAM_NAMES = ["W1", "b1", "W2", "b2", "W3", "b3"]


def build_convnet(student, params, reg):
    num_filters, channels, filter_size, _ = params["W1"].shape
    height, width = params["input_hw"]
    model = student.call("cnn.ThreeLayerConvNet", input_dim=(channels, height, width), num_filters=num_filters,
                         filter_size=filter_size, hidden_dim=params["W2"].shape[1],
                         num_classes=params["W3"].shape[1], weight_scale=1e-2, reg=reg, dtype="float64")
    load_params(student, model, {k: v for k, v in params.items() if k != "input_hw"})
    return model


class ConvNetKind(ModelKind):
    def model(self, student, inputs, reg=None, **extra):
        reg = float(inputs["reg"]) if reg is None else reg
        params = {k: inputs[k] for k in PARAM_NAMES}
        params["input_hw"] = inputs["X"].shape[2:]
        return self.build(student, params, reg, **extra)


CONVNET = ConvNetKind("ThreeLayerConvNet", build_convnet)


# -- fixture cases ------------------------------------------------------------------
def convnet_inputs(rng, x_shape, num_filters, filter_size, hidden_dim, num_classes, reg):
    """Inputs, labels and parameters of a ThreeLayerConvNet.

    Redrawn until every ReLU input is clear of the kink at 0 and no max-pool
    window has two positive values within KINK_MARGIN of each other.
    """
    import trusted_math  # only when the fixtures are made: it computes the forward pass

    channels = x_shape[1]
    while True:
        X = rng.standard_normal(x_shape)
        fan_in = channels * filter_size ** 2
        W1 = rng.standard_normal((num_filters, channels, filter_size, filter_size)) / np.sqrt(fan_in)
        b1 = 0.3 * rng.standard_normal(num_filters)
        a1, pools = trusted_math.conv_relu_pool(X, W1, b1)
        pooled = pools.max(axis=-1).reshape(x_shape[0], -1)
        W2 = rng.standard_normal((pooled.shape[1], hidden_dim)) / np.sqrt(pooled.shape[1])
        b2 = 0.3 * rng.standard_normal(hidden_dim)
        W3 = rng.standard_normal((hidden_dim, num_classes)) / np.sqrt(hidden_dim)
        b3 = 0.3 * rng.standard_normal(num_classes)
        top_two = np.sort(pools, axis=-1)[..., -2:]
        ties = (top_two[..., 1] > 0) & (top_two[..., 1] - top_two[..., 0] < KINK_MARGIN)
        if relu_clear_of_kinks(a1, pooled @ W2 + b2) and not ties.any():
            break
    y = rng.integers(num_classes, size=x_shape[0])
    return {"X": X, "y": y, "reg": np.float64(reg), "W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}


CONV = FixtureSet(
    "three_layer_convnet",
    make_inputs=convnet_inputs,
    compute=CONVNET.compute,
    cases=[
        Case("N2_2x4x4_F2_k3_H4_C3_reg0.3", seed=441, x_shape=(2, 2, 4, 4), num_filters=2, filter_size=3,
             hidden_dim=4, num_classes=3, reg=0.3),
        Case("N3_1x7x7_F3_k5_H5_C4_reg0", seed=442, x_shape=(3, 1, 7, 7), num_filters=3, filter_size=5,
             hidden_dim=5, num_classes=4, reg=0.0),
    ],
)
SMALL = CONV.cases[0]


def convnet_param_shapes(input_dim, num_filters, filter_size, hidden_dim, num_classes):
    """ThreeLayerConvNet's parameters: the convolution keeps H x W, the 2x2 pooling halves them (rounding down)."""
    channels, height, width = input_dim
    pooled = num_filters * (height // 2) * (width // 2)
    return {"W1": (num_filters, channels, filter_size, filter_size), "b1": (num_filters,),
            "W2": (pooled, hidden_dim), "b2": (hidden_dim,), "W3": (hidden_dim, num_classes), "b3": (num_classes,)}


@pytest.mark.three_layer_convnet
@pytest.mark.parametrize(
    "input_dim, num_filters, filter_size, pooled_size",
    [((3, 8, 8), 4, 5, 4 * 4 * 4), ((1, 7, 7), 3, 3, 3 * 3 * 3)],
    ids=["3x8x8_F4_k5", "1x7x7_F3_k3"],
)
def test_convnet_params_have_the_right_names_and_shapes(student, input_dim, num_filters, filter_size, pooled_size):
    model = student.call("cnn.ThreeLayerConvNet", input_dim=input_dim, num_filters=num_filters,
                         filter_size=filter_size, hidden_dim=6, num_classes=4)
    channels = input_dim[0]
    expected = {"W1": (num_filters, channels, filter_size, filter_size), "b1": (num_filters,),
                "W2": (pooled_size, 6), "b2": (6,), "W3": (6, 4), "b3": (4,)}
    expect_param_shapes(model.params, expected, what=(
        f"ThreeLayerConvNet(input_dim={input_dim}, num_filters={num_filters}, filter_size={filter_size}) "
        f"(the convolution keeps {input_dim[1]}x{input_dim[2]} with pad (filter_size - 1) // 2, the 2x2 "
        "pooling halves it, rounding down)"))


@pytest.mark.three_layer_convnet
def test_convnet_initialisation(student):
    weight_scale = 0.05
    model = student.call("cnn.ThreeLayerConvNet", input_dim=(4, 16, 16), num_filters=32, filter_size=5,
                         hidden_dim=40, num_classes=100, weight_scale=weight_scale, dtype="float64")
    expect_initialisation(model.params, weight_scale, what="ThreeLayerConvNet(weight_scale=0.05)",
                          shapes=convnet_param_shapes((4, 16, 16), 32, 5, 40, 100))


@pytest.mark.three_layer_convnet
def test_convnet_params_have_the_requested_dtype(student):
    kwargs = dict(input_dim=(1, 4, 4), num_filters=2, filter_size=3, hidden_dim=3, num_classes=2)
    shapes = convnet_param_shapes(kwargs["input_dim"], 2, 3, 3, 2)
    float32 = student.call("cnn.ThreeLayerConvNet", **kwargs)
    expect_dtypes(float32.params, "float32", what="ThreeLayerConvNet() with the default dtype=np.float32", shapes=shapes)
    float64 = student.call("cnn.ThreeLayerConvNet", dtype="float64", **kwargs)
    expect_dtypes(float64.params, "float64", what="ThreeLayerConvNet(dtype='float64')", shapes=shapes)


@pytest.mark.three_layer_convnet
@pytest.mark.parametrize("case", CONV.cases, ids=str)
def test_convnet_scores(student, case):
    check_scores(student, CONVNET, CONV.load(case), tol=FORWARD_FLOAT64)


@pytest.mark.three_layer_convnet
@pytest.mark.parametrize("case", CONV.cases, ids=str)
def test_convnet_loss(student, case):
    check_loss(student, CONVNET, CONV.load(case), tol=FORWARD_FLOAT64)


@pytest.mark.three_layer_convnet
@pytest.mark.parametrize("name", PARAM_NAMES)
def test_convnet_gradients(student, name):
    check_gradients(student, CONVNET, CONV.load(SMALL), [name], tol=BACKWARD_FLOAT64)


@pytest.mark.three_layer_convnet
def test_convnet_gradients_other_case(student):
    check_gradients(student, CONVNET, CONV.load(CONV.cases[1]), PARAM_NAMES, tol=BACKWARD_FLOAT64)


@pytest.mark.three_layer_convnet
@pytest.mark.parametrize("name", PARAM_NAMES)
def test_convnet_gradients_match_numerical_gradient(student, name):
    check_numerical_gradients(student, CONVNET, CONV.load(SMALL).inputs, [name], SMALL.name)


@pytest.mark.three_layer_convnet
def test_convnet_initial_loss_is_log_of_the_number_of_classes(student):
    rng = np.random.default_rng(443)
    X, y = rng.standard_normal((4, 2, 6, 6)), rng.integers(5, size=4)
    model = student.call("cnn.ThreeLayerConvNet", input_dim=(2, 6, 6), num_filters=3, filter_size=3, hidden_dim=8,
                         num_classes=5, weight_scale=1e-3, dtype="float64")
    loss, _ = loss_and_grads(model, X, y, "ThreeLayerConvNet")
    check_initial_loss(as_number(loss, "ThreeLayerConvNet"), 5, "ThreeLayerConvNet", tol=INITIAL_LOSS)


@pytest.mark.three_layer_convnet
def test_convnet_regularisation_adds_half_reg_times_squared_weights(student):
    check_regularised_loss(student, CONVNET, CONV.load(SMALL).inputs, 0.7, SMALL.name, tol=FORWARD_FLOAT64)


@pytest.mark.three_layer_convnet
def test_convnet_regularisation_of_the_gradients(student):
    check_regularised_gradients(student, CONVNET, CONV.load(SMALL).inputs, 0.7, PARAM_NAMES, SMALL.name,
                                tol=BACKWARD_FLOAT64)
