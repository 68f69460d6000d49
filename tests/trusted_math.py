"""Forward passes in numpy, for choosing fixture inputs clear of the ReLU's kink (numerical gradients are
wrong there). Trusted-only: they are the formulas students write, so the handout leaves this file out
(autograder.yml's handout.exclude); they run only when the fixtures are made.
"""
from typing import Mapping

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from model_checks import weight_names


def conv_relu_pool(X, W1, b1):
    """(pre-activations of the conv's ReLU, the max-pool windows), computed in the grader."""
    filter_size = W1.shape[2]
    pad = (filter_size - 1) // 2
    padded = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(padded, (filter_size, filter_size), axis=(2, 3))  # (N, C, H, W, k, k)
    a = np.einsum("nchwij,fcij->nfhw", windows, W1) + b1[None, :, None, None]
    N, F, H, W = a.shape
    relu = np.maximum(a, 0)[:, :, : H // 2 * 2, : W // 2 * 2]
    pools = relu.reshape(N, F, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(N, F, H // 2, W // 2, 4)
    return a, pools


def fc_preactivations(X: np.ndarray, params: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """The inputs of every ReLU of a fully connected net, computed in the grader."""
    out = X.reshape(X.shape[0], -1)
    found = []
    names = weight_names(params)
    for name in names[:-1]:
        a = out @ params[name] + params["b" + name[1:]]
        found.append(a)
        out = np.maximum(a, 0)
    return found
