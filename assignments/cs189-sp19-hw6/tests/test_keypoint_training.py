"""Grading tests that train FullyConnectedNet with the provided Solver on keypoint features (2.2.2).

The Solver (solver.py, the grader's own copy) runs in the student's process with the student's
network; nothing it reports is trusted: after training, the grader asks the network for its
validation scores and computes the accuracy itself. The data (tests/cs189sp19_keypoints.py: synthetic
poses of 8 movements, 75 numbers per frame like MDS189's) and the starting parameters are made
here from fixed seeds, so every run of a submission trains the same way. The threshold is the
assignment's option ``keypoint_accuracy_threshold``.
"""
import numpy as np
import pytest

from autograder.errors import GradingFailure
import cs189sp19_keypoints as keypoints
from cs189sp19_checks import NET, accuracy, expected_shapes, grad_of, load_params, loss_and_grads

SOLVER = dict(update_rule="sgd", optim_config={"learning_rate": 0.05}, lr_decay=0.95, num_epochs=10, batch_size=25,
              seed=0)
NUM_TRAIN, NUM_VAL = 400, 200


def he_initialisation(seed, sizes):
    """Weights N(0, 2 / fan_in), biases zero: a starting point from which plain SGD trains quickly."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in expected_shapes(sizes).items():
        params[name] = np.sqrt(2.0 / shape[0]) * rng.standard_normal(shape) if name.startswith("W") else np.zeros(shape)
    return params


def describe_solver():
    config = ", ".join(f"{k} {v}" for k, v in SOLVER["optim_config"].items())
    return (f"the provided Solver ({SOLVER['update_rule']}, {config}, lr_decay {SOLVER['lr_decay']}, batch_size "
            f"{SOLVER['batch_size']}, {SOLVER['num_epochs']} epochs)")


@pytest.mark.keypoint_training
@pytest.mark.parametrize("hidden_dim", [[50], [50, 50]], ids=["1_hidden_layer", "2_hidden_layers"])
def test_solver_trains_the_network_on_keypoint_features(student, assignment, hidden_dim):
    threshold = float(assignment.options["keypoint_accuracy_threshold"])
    data = keypoints.train_and_validation(seed=0, num_train=NUM_TRAIN, num_val=NUM_VAL)
    sizes = [keypoints.FEATURES, *hidden_dim, len(keypoints.MOVEMENTS)]
    what = f"{NET}(input_dim={sizes[0]}, hidden_dim={hidden_dim}, num_classes={sizes[-1]})"
    model = student.call("fc_net.FullyConnectedNet", input_dim=sizes[0], hidden_dim=hidden_dim, num_classes=sizes[-1])
    params = he_initialisation(660 + len(hidden_dim), sizes)
    load_params(student, model, params)
    # The loss must give a number and every gradient first: else the Solver's own KeyError hides what is missing.
    _, grads = loss_and_grads(model, data["X_train"][:2], data["y_train"][:2], what)
    for name in sorted(params):
        grad_of(grads, name, what)
    solver = student.call("solver.Solver", model, data, verbose=False, **SOLVER)
    solver.train()
    got = accuracy(model.loss(data["X_val"]), data["y_val"], what=f"{what}.loss(X_val) after training")
    if got < threshold:
        raise GradingFailure(
            f"{what}, trained by {describe_solver()} on {NUM_TRAIN} frames of synthetic keypoint features, classifies "
            f"{got:.1%} of the {NUM_VAL} validation frames correctly; expected at least {threshold:.0%} (chance is "
            f"{1 / sizes[-1]:.1%}). Check FullyConnectedNet's gradients (2.2.1 and 2.3) and the layers it uses.")
