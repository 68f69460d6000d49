"""The forward pass of FullyConnectedNet in numpy, to choose fixture inputs clear of the ReLU's kink (numerical
gradients are wrong there). Trusted-only: it is what students write, so the handout leaves this file out
(autograder.yml's handout.exclude); it runs only when the fixtures are made.
"""
from typing import Mapping

import numpy as np

from autograder.tolerances import KINK_MARGIN


def relu_clear_of_kinks(X: np.ndarray, params: Mapping[str, np.ndarray]) -> bool:
    """Whether no ReLU input of the network W1, b1, ..., WL, bL lies within KINK_MARGIN of 0."""
    out = X.reshape(X.shape[0], -1)
    layers = len(params) // 2
    for i in range(1, layers):
        a = out @ params[f"W{i}"] + params[f"b{i}"]
        if np.min(np.abs(a)) < KINK_MARGIN:
            return False
        out = np.maximum(a, 0)
    return True
