"""The activations and layers of CMU 16-720 HW5 in numpy, for making fixture inputs: the caches a forward pass
would store, probabilities from scores, ReLU inputs kept clear of the kink. Trusted-only: they are the formulas
students write (softmax's stable form among them), so the handout leaves this file out (autograder.yml's
handout.exclude); it is imported only when the fixtures are made.
"""
import numpy as np

from autograder.tolerances import KINK_MARGIN
from cmu16720_checks import ACTIVATIONS, AUTOENCODER_LAYERS


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + exp(-x)), without overflow


def relu(x):
    return np.maximum(x, 0.0)


def softmax(x):
    shifted = x - x.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=1, keepdims=True)


_FUNCTIONS = {"nn.sigmoid": sigmoid, "util.relu": relu, "util.tanh": np.tanh, "util.linear": lambda x: x}


def activation(index):
    """The activation ACTIVATIONS[index] of the tests, in numpy."""
    return _FUNCTIONS[ACTIVATIONS[int(index)][0]]


def clear_of_the_kink(pre_act):
    """Whether no ReLU input lies within 10 KINK_MARGIN of 0 (a central difference there would straddle it)."""
    return bool(np.abs(pre_act).min() > 10 * KINK_MARGIN)


def classifier_caches(params, x):
    """The caches forward leaves in params for run_q2.py's classifier: sigmoid hidden layer, softmax output."""
    pre1 = x @ params["Wlayer1"] + params["blayer1"]
    hidden = sigmoid(pre1)
    pre2 = hidden @ params["Woutput"] + params["boutput"]
    return {"cache_layer1": (x, pre1, hidden), "cache_output": (hidden, pre2, softmax(pre2))}


def autoencoder_layers(params, x):
    """Each layer's (pre_act, post_act) of the autoencoder: relu, relu, relu, sigmoid."""
    found, h = [], x
    for name in AUTOENCODER_LAYERS:
        pre = h @ params["W" + name] + params["b" + name]
        h = sigmoid(pre) if name == "output" else relu(pre)
        found.append((pre, h))
    return found
