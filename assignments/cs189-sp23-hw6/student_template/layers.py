"""Layers: objects that keep their own parameters, gradients and cache.

Every layer has
- ``parameters``: an OrderedDict of its weights ("W") and biases ("b");
- ``gradients``: an OrderedDict with the same keys, filled by ``backward``;
- ``cache``: an OrderedDict of what ``forward`` keeps for ``backward``;
- ``activation``: the Activation it applies (activations.py);
- ``n_in`` and ``n_out``: input and output units (channels for Conv2D).

``forward(X)`` computes the layer's output for a whole minibatch and caches
what the backward pass needs; ``backward(dLdY)`` takes dL/d(output), stores
dL/dW and dL/db in ``gradients`` and returns dL/dX. Images are channels-last:
(m, rows, cols, channels). No method may loop in Python over the examples of
the minibatch, nor modify its argument.
"""
from abc import ABC, abstractmethod
from collections import OrderedDict
from typing import Tuple, Union

import numpy as np

from activations import initialize_activation
from weights import initialize_weights


class Layer(ABC):
    """The interface every layer shares."""

    def __init__(self):
        self.activation = None
        self.n_in = None
        self.n_out = None
        self.parameters = OrderedDict()
        self.cache = OrderedDict()
        self.gradients = OrderedDict()

    @abstractmethod
    def forward(self, X: np.ndarray) -> np.ndarray:
        """The layer's output for the minibatch X."""

    @abstractmethod
    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        """dL/dX from dL/d(output); fills ``gradients``."""

    def clear_gradients(self) -> None:
        """Empty the cache and zero the gradients (after an update)."""
        self.cache = OrderedDict((key, []) for key in self.cache)
        self.gradients = OrderedDict((key, np.zeros_like(value)) for key, value in self.gradients.items())


def initialize_layer(
    name: str,
    activation: str = None,
    weight_init: str = None,
    n_out: int = None,
    kernel_shape: Tuple[int, int] = None,
    stride: int = None,
    pad: int = None,
    mode: str = None,
    keep_dim: str = "first",
) -> Layer:
    """The layer called ``name`` (fully_connected, conv2d, pool2d or flatten), built from keyword arguments."""
    weight_init = weight_init or "xavier_uniform"
    if name == "fully_connected":
        return FullyConnected(n_out=n_out, activation=activation, weight_init=weight_init)
    if name == "conv2d":
        return Conv2D(n_out=n_out, activation=activation, kernel_shape=kernel_shape, stride=stride or 1,
                      pad="same" if pad is None else pad, weight_init=weight_init)
    if name == "pool2d":
        return Pool2D(kernel_shape=kernel_shape, mode=mode or "max", stride=stride or 1, pad=pad or 0)
    if name == "flatten":
        return Flatten(keep_dim=keep_dim)
    raise NotImplementedError(f"Layer type {name} is not implemented")


class FullyConnected(Layer):
    """Z = X W + b, then the activation: (m, n_in) -> (m, n_out)."""

    def __init__(self, n_out: int, activation: str, weight_init: str = "xavier_uniform") -> None:
        super().__init__()
        self.n_in = None
        self.n_out = n_out
        self.activation = initialize_activation(activation)
        self.init_weights = initialize_weights(weight_init, activation=activation)

    def _init_parameters(self, X_shape: Tuple[int, int]) -> None:
        """Create the parameters, the cache and the zeroed gradients for inputs of shape X_shape (m, n_in).

        W (n_in, n_out) comes from ``self.init_weights``; b (1, n_out) starts at zero;
        ``gradients`` has the same keys and shapes as ``parameters``, all zeros.
        """
        self.n_in = X_shape[1]
        # TODO: FullyConnected._init_parameters: set self.parameters (W from self.init_weights, b zeros of shape (1, n_out)), self.cache and self.gradients (zeros, same keys and shapes as the parameters), each an OrderedDict.
        raise NotImplementedError('FullyConnected._init_parameters: set self.parameters (W from self.init_weights, b zeros of shape (1, n_out)), self.cache and self.gradients (zeros, same keys and shapes as the parameters), each an OrderedDict.')

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Multiply by W, add b, apply the activation; keep what backward needs (Z among it) in self.cache.

        Parameters
        ----------
        X  input of shape (m, n_in)

        Returns
        -------
        the activations, shape (m, n_out)
        """
        if self.n_in is None:  # the parameters are made at the first forward pass
            self._init_parameters(X.shape)
        # TODO: FullyConnected.forward: compute Z = X W + b and out = activation(Z); store X and Z in self.cache.
        raise NotImplementedError('FullyConnected.forward: compute Z = X W + b and out = activation(Z); store X and Z in self.cache.')
        return out

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        """Store dL/dW and dL/db in self.gradients; return dL/dX.

        Parameters
        ----------
        dLdY  dL/d(output), shape (m, n_out)

        Returns
        -------
        dL/dX, shape (m, n_in)
        """
        # TODO: FullyConnected.backward: from the cache, compute dZ through the activation's backward, then dW and db (store them in self.gradients) and dX.
        raise NotImplementedError("FullyConnected.backward: from the cache, compute dZ through the activation's backward, then dW and db (store them in self.gradients) and dX.")
        return dX


def _pad(X: np.ndarray, pad: Tuple[int, int]) -> np.ndarray:
    """X (m, rows, cols, channels) with pad[0] zero rows above and below and pad[1] zero columns on each side."""
    return np.pad(X, ((0, 0), (pad[0], pad[0]), (pad[1], pad[1]), (0, 0)))


class Conv2D(Layer):
    """A 2-D convolution (cross-correlation) of channels-last images, then the activation."""

    def __init__(
        self,
        n_out: int,
        kernel_shape: Tuple[int, int],
        activation: str,
        stride: int = 1,
        pad: Union[int, str] = "same",
        weight_init: str = "xavier_uniform",
    ) -> None:
        super().__init__()
        self.n_in = None
        self.n_out = n_out
        self.kernel_shape = tuple(kernel_shape)
        self.stride = stride
        self.pad = pad
        self.activation = initialize_activation(activation)
        self.init_weights = initialize_weights(weight_init, activation=activation)

    def _init_parameters(self, X_shape: Tuple[int, int, int, int]) -> None:
        """Create W (k1, k2, n_in, n_out), b (1, n_out), the cache and the gradients; turn self.pad into a pair.

        pad "same" keeps the size at stride 1 for odd kernels ((k - 1) // 2 on each side),
        "valid" adds nothing, an integer p adds p rows and p columns on each side.
        """
        self.n_in = X_shape[3]
        W_shape = self.kernel_shape + (self.n_in, self.n_out)
        W = self.init_weights(W_shape)
        b = np.zeros((1, self.n_out))
        self.parameters = OrderedDict({"W": W, "b": b})
        self.cache = OrderedDict({"Z": [], "X": []})
        self.gradients = OrderedDict({"W": np.zeros_like(W), "b": np.zeros_like(b)})
        if self.pad == "same":
            self.pad = ((W_shape[0] - 1) // 2, (W_shape[1] - 1) // 2)
        elif self.pad == "valid":
            self.pad = (0, 0)
        elif isinstance(self.pad, int):
            self.pad = (self.pad, self.pad)
        else:
            raise ValueError(f"Invalid pad {self.pad!r}: use 'same', 'valid' or an integer")

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Z[n, r, c, o] = sum_{i, j, k} X_pad[n, r*s + i, c*s + j, k] W[i, j, k, o] + b[0, o]; out = activation(Z).

        Parameters
        ----------
        X  input of shape (m, in_rows, in_cols, n_in)

        Returns
        -------
        the feature maps, shape (m, out_rows, out_cols, n_out), where
        out_rows = (in_rows + 2 pad[0] - k1) // stride + 1 (and likewise for the columns)
        """
        if self.n_in is None:
            self._init_parameters(X.shape)
        W = self.parameters["W"]
        b = self.parameters["b"]
        kernel_height, kernel_width, in_channels, out_channels = W.shape
        n_examples, in_rows, in_cols, in_channels = X.shape
        # TODO: Conv2D.forward: pad X, compute Z (every example at once; loops over kernel or output positions are fine) and out = activation(Z); cache X and Z.
        raise NotImplementedError('Conv2D.forward: pad X, compute Z (every example at once; loops over kernel or output positions are fine) and out = activation(Z); cache X and Z.')
        return out

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        """Store dL/dW (k1, k2, n_in, n_out) and dL/db (1, n_out) in self.gradients; return dL/dX.

        Parameters
        ----------
        dLdY  dL/d(output), shape (m, out_rows, out_cols, n_out)

        Returns
        -------
        dL/dX, shape (m, in_rows, in_cols, n_in)
        """
        # TODO: Conv2D.backward: compute dZ through the activation's backward, then dW, db (store them in self.gradients) and dX (what the padding received is dropped).
        raise NotImplementedError("Conv2D.backward: compute dZ through the activation's backward, then dW, db (store them in self.gradients) and dX (what the padding received is dropped).")
        return dX


class Pool2D(Layer):
    """Max or average pooling of each channel of channels-last images, over k1 x k2 windows."""

    def __init__(
        self,
        kernel_shape: Union[int, Tuple[int, int]],
        mode: str = "max",
        stride: int = 1,
        pad: Union[int, str] = 0,
    ) -> None:
        super().__init__()
        if isinstance(kernel_shape, int):
            kernel_shape = (kernel_shape, kernel_shape)
        self.kernel_shape = tuple(kernel_shape)
        self.stride = stride
        if pad == "same":
            self.pad = ((self.kernel_shape[0] - 1) // 2, (self.kernel_shape[1] - 1) // 2)
        elif pad == "valid":
            self.pad = (0, 0)
        elif isinstance(pad, int):
            self.pad = (pad, pad)
        else:
            raise ValueError(f"Invalid pad {pad!r}: use 'same', 'valid' or an integer")
        if mode not in ("max", "average"):
            raise ValueError(f"Invalid mode {mode!r}: use 'max' or 'average'")
        self.mode = mode
        self.pool_fn = np.max if mode == "max" else np.mean
        self.cache = OrderedDict({"X": []})

    def forward(self, X: np.ndarray) -> np.ndarray:
        """The max (or mean) of each k1 x k2 window, the windows stride apart, of each channel.

        The input is first padded with pad[0] rows and pad[1] columns of zeros on
        each side; an average is taken over the whole window, padding included.

        Parameters
        ----------
        X  input of shape (m, in_rows, in_cols, channels)

        Returns
        -------
        the pooled array, shape (m, out_rows, out_cols, channels), where
        out_rows = (in_rows + 2 pad[0] - k1) // stride + 1 (and likewise for the columns)
        """
        # TODO: Pool2D.forward: pad X, pool every window of every example at once (loops over kernel or output positions are fine); cache what backward needs.
        raise NotImplementedError('Pool2D.forward: pad X, pool every window of every example at once (loops over kernel or output positions are fine); cache what backward needs.')
        return X_pool

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        """dL/dX: max pooling sends each window's gradient to the element that was its max,
        average pooling shares it equally among the window's k1 * k2 elements.

        Parameters
        ----------
        dLdY  dL/d(output), shape (m, out_rows, out_cols, channels)

        Returns
        -------
        dL/dX, shape (m, in_rows, in_cols, channels)
        """
        # TODO: Pool2D.backward: route each window's gradient back to its input elements (windows may overlap: accumulate), then drop the padding.
        raise NotImplementedError("Pool2D.backward: route each window's gradient back to its input elements (windows may overlap: accumulate), then drop the padding.")
        return gradX


class Flatten(Layer):
    """(m, d1, d2, ...) -> (m, d1 * d2 * ...) (provided)."""

    def __init__(self, keep_dim: str = "first") -> None:
        super().__init__()
        self.keep_dim = keep_dim
        self.in_dims = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        self.in_dims = X.shape
        if self.keep_dim == "first":
            return X.reshape(X.shape[0], -1)
        return X.reshape(-1, X.shape[-1])

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        return dLdY.reshape(self.in_dims)
