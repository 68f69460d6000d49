"""Update rules for the provided Solver, in numpy. This file is provided: the grader uses its own copy.

Every rule has the signature

    next_w, config = rule(w, dw, config=None)

- w: the current weights; dw: the gradient of the loss with respect to w (same shape);
- config: the rule's hyperparameters and its state between calls; None means all defaults,
  and a missing entry takes its default (config.setdefault).

Returns the updated weights and the config to pass back at the next call.
"""
import numpy as np


def sgd(w, dw, config=None):
    """Stochastic gradient descent: next_w = w - learning_rate * dw.

    config: learning_rate (default 1e-2).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum: v = momentum * v - learning_rate * dw, next_w = w + v.

    config: learning_rate (default 1e-2), momentum (default 0.9), velocity (default zeros).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def adam(w, dw, config=None):
    """Adam, with bias-corrected moving averages of the gradient (m) and of its square (v).

    config: learning_rate (default 1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8), and the
    state m, v (default zeros) and t (the number of updates so far, default 0).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    beta1, beta2 = config["beta1"], config["beta2"]
    t = config.get("t", 0) + 1
    m = beta1 * config.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * config.get("v", np.zeros_like(w)) + (1 - beta2) * dw**2
    mhat, vhat = m / (1 - beta1**t), v / (1 - beta2**t)
    config["t"], config["m"], config["v"] = t, m, v
    return w - config["learning_rate"] * mhat / (np.sqrt(vhat) + config["epsilon"]), config
