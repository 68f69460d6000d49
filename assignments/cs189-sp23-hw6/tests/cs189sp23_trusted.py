"""Trusted-only helpers of CS189 SP23 HW6: forward passes written plainly, used when the fixture cases are
made (to keep ReLU inputs clear of the kink). Students never get this module (handout.exclude in
autograder.yml): it computes what they write."""
import numpy as np


def conv_preactivation(X, W, b, stride, pads):
    """Z of a channels-last convolution: X (m, rows, cols, n_in), W (k1, k2, n_in, n_out), b (1, n_out)."""
    Xp = np.pad(X, ((0, 0), (pads[0], pads[0]), (pads[1], pads[1]), (0, 0)))
    k1, k2 = W.shape[:2]
    rows = (Xp.shape[1] - k1) // stride + 1
    cols = (Xp.shape[2] - k2) // stride + 1
    Z = np.zeros((X.shape[0], rows, cols, W.shape[3]))
    for r in range(rows):
        for c in range(cols):
            patch = Xp[:, r * stride: r * stride + k1, c * stride: c * stride + k2]
            Z[:, r, c] = np.tensordot(patch, W, axes=3)
    return Z + b


def hidden_preactivations(X, params, layers):
    """The pre-activations of the ReLU layers of a fully connected network (every layer but the last)."""
    found, h = [], X
    for i in range(1, layers):
        Z = h @ params[f"W{i}"] + params[f"b{i}"]
        found.append(Z)
        h = np.maximum(Z, 0)
    return found
