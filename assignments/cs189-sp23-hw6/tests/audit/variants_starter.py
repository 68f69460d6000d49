"""A submission written against the SP23 starter itself, by hand, in another style than the reference.

Each file keeps the starter's own provided code where it differs from this folder's template: the
package imports (``from neural_networks.activations import ...``, which the workspace reads as the flat
``from activations import ...``), the abstract classes without an abstract ``backward``, ``CrossEntropy(name)``
without a default, ``Pool2D.__init__`` that never calls ``Layer.__init__``, and a NeuralNetwork that
builds every layer but the output one (the starter's ``train`` added it). The student parts are
written as students of that term wrote them: loops over output positions and channels in Conv2D and
Pool2D, a loop over the examples in SoftMax's backward (allowed there), an epsilon inside the
logarithm, ``predict`` through ``backward``. Every one must keep full marks.
"""
from autograder.audit import Variant

STARTER_ACTIVATIONS = '''
import numpy as np
from abc import ABC, abstractmethod


class Activation(ABC):
    """Abstract class defining the common interface for all activation methods."""

    def __call__(self, Z):
        return self.forward(Z)

    @abstractmethod
    def forward(self, Z):
        pass


def initialize_activation(name: str) -> Activation:
    """Factory method to return an Activation object of the specified type."""
    if name == "linear":
        return Linear()
    elif name == "sigmoid":
        return Sigmoid()
    elif name == "tanh":
        return TanH()
    elif name == "relu":
        return ReLU()
    elif name == "softmax":
        return SoftMax()
    else:
        raise NotImplementedError("{} activation is not implemented".format(name))


class Linear(Activation):
    def __init__(self):
        super().__init__()

    def forward(self, Z: np.ndarray) -> np.ndarray:
        return Z

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        return dY


class Sigmoid(Activation):
    def __init__(self):
        super().__init__()

    def forward(self, Z: np.ndarray) -> np.ndarray:
        ### OPTIONAL: YOUR CODE HERE ###
        return np.exp(-np.logaddexp(0.0, -Z))

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        ### OPTIONAL: YOUR CODE HERE ###
        fz = self.forward(Z)
        return dY * fz * (1 - fz)


class TanH(Activation):
    def __init__(self):
        super().__init__()

    def forward(self, Z: np.ndarray) -> np.ndarray:
        return 2 / (1 + np.exp(-2 * Z)) - 1

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        fn = self.forward(Z)
        return dY * (1 - fn ** 2)


class ReLU(Activation):
    def __init__(self):
        super().__init__()

    def forward(self, Z: np.ndarray) -> np.ndarray:
        ### YOUR CODE HERE ###
        return np.maximum(0, Z)

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        ### YOUR CODE HERE ###
        return dY * (Z > 0)


class SoftMax(Activation):
    def __init__(self):
        super().__init__()

    def forward(self, Z: np.ndarray) -> np.ndarray:
        ### YOUR CODE HERE ###
        m = np.max(Z, axis=1).reshape(-1, 1)
        exps = np.exp(Z - m)
        return exps / np.sum(exps, axis=1).reshape(-1, 1)

    def jacobian(self, Z: np.ndarray) -> np.ndarray:
        ### YOUR CODE HERE ###
        sigma = self.forward(Z)
        batch, k = Z.shape
        J = np.zeros((batch, k, k))
        for n in range(batch):
            for i in range(k):
                for j in range(k):
                    J[n, i, j] = sigma[n, i] * ((i == j) - sigma[n, j])
        return J

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        ### YOUR CODE HERE ###
        sigma = self.forward(Z)
        rows = []
        for i in range(Z.shape[0]):
            s = sigma[i].reshape(-1, 1)
            J = np.diagflat(s) - s @ s.T
            rows.append(dY[i] @ J)
        return np.array(rows)
'''

STARTER_LAYERS = '''
import numpy as np
from abc import ABC, abstractmethod

from neural_networks.activations import initialize_activation
from neural_networks.weights import initialize_weights
from collections import OrderedDict

from typing import Callable, List, Literal, Tuple, Union


class Layer(ABC):
    """Abstract class defining the `Layer` interface."""

    def __init__(self):
        self.activation = None

        self.n_in = None
        self.n_out = None

        self.parameters = {}
        self.cache = {}
        self.gradients = {}

        super().__init__()

    @abstractmethod
    def forward(self, z: np.ndarray) -> np.ndarray:
        pass

    def clear_gradients(self) -> None:
        self.cache = OrderedDict({a: [] for a, b in self.cache.items()})
        self.gradients = OrderedDict({a: np.zeros_like(b) for a, b in self.gradients.items()})

    def forward_with_param(self, param_name: str, X: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        def inner_forward(param_val: np.ndarray) -> np.ndarray:
            self.parameters[param_name] = param_val
            return self.forward(X)

        return inner_forward

    def _get_parameters(self) -> List[np.ndarray]:
        return [b for a, b in self.parameters.items()]

    def _get_cache(self) -> List[np.ndarray]:
        return [b for a, b in self.cache.items()]

    def _get_gradients(self) -> List[np.ndarray]:
        return [b for a, b in self.gradients.items()]


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
    """Factory function for layers."""
    if name == "fully_connected":
        return FullyConnected(n_out=n_out, activation=activation, weight_init=weight_init)
    elif name == "conv2d":
        return Conv2D(n_out=n_out, activation=activation, kernel_shape=kernel_shape, stride=stride, pad=pad,
                      weight_init=weight_init)
    elif name == "pool2d":
        return Pool2D(kernel_shape=kernel_shape, mode=mode, stride=stride, pad=pad)
    elif name == "flatten":
        return Flatten(keep_dim=keep_dim)
    else:
        raise NotImplementedError("Layer type {} is not implemented".format(name))


class FullyConnected(Layer):
    """A fully-connected layer multiplies its input by a weight matrix, adds
    a bias, and then applies an activation function.
    """

    def __init__(self, n_out: int, activation: str, weight_init="xavier_uniform") -> None:
        super().__init__()
        self.n_in = None
        self.n_out = n_out
        self.activation = initialize_activation(activation)

        # instantiate the weight initializer
        self.init_weights = initialize_weights(weight_init, activation=activation)

    def _init_parameters(self, X_shape: Tuple[int, int]) -> None:
        """Initialize all layer parameters (weights, biases)."""
        self.n_in = X_shape[1]

        ### BEGIN YOUR CODE ###
        W = self.init_weights((self.n_in, self.n_out))
        b = np.zeros(shape=(1, self.n_out))

        self.parameters = OrderedDict({"W": W, "b": b})
        self.cache: OrderedDict = OrderedDict({"X": [], "Z": []})
        self.gradients: OrderedDict = OrderedDict({"W": np.zeros(W.shape), "b": np.zeros(b.shape)})
        ### END YOUR CODE ###

    def forward(self, X: np.ndarray) -> np.ndarray:
        # initialize layer parameters if they have not been initialized
        if self.n_in is None:
            self._init_parameters(X.shape)

        ### BEGIN YOUR CODE ###
        Z = np.dot(X, self.parameters["W"]) + self.parameters["b"]
        out = self.activation.forward(Z)

        self.cache["X"] = X
        self.cache["Z"] = Z
        ### END YOUR CODE ###

        return out

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        ### BEGIN YOUR CODE ###
        X = self.cache["X"]
        Z = self.cache["Z"]

        dLdZ = self.activation.backward(Z, dLdY)
        dX = np.dot(dLdZ, self.parameters["W"].T)
        self.gradients["W"] = np.dot(X.T, dLdZ)
        self.gradients["b"] = np.sum(dLdZ, axis=0).reshape(1, -1)
        ### END YOUR CODE ###

        return dX


class Conv2D(Layer):
    """Convolutional layer for inputs with 2 spatial dimensions."""

    def __init__(
        self,
        n_out: int,
        kernel_shape: Tuple[int, int],
        activation: str,
        stride: int = 1,
        pad: str = "same",
        weight_init: str = "xavier_uniform",
    ) -> None:
        super().__init__()
        self.n_in = None
        self.n_out = n_out
        self.kernel_shape = kernel_shape
        self.stride = stride
        self.pad = pad

        self.activation = initialize_activation(activation)
        self.init_weights = initialize_weights(weight_init, activation=activation)

    def _init_parameters(self, X_shape: Tuple[int, int, int, int]) -> None:
        """Initialize all layer parameters and determine padding."""
        self.n_in = X_shape[3]

        W_shape = self.kernel_shape + (self.n_in,) + (self.n_out,)
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
            raise ValueError("Invalid Pad mode found in self.pad.")

    def forward(self, X: np.ndarray) -> np.ndarray:
        if self.n_in is None:
            self._init_parameters(X.shape)

        W = self.parameters["W"]
        b = self.parameters["b"]

        kernel_height, kernel_width, in_channels, out_channels = W.shape
        n_examples, in_rows, in_cols, in_channels = X.shape
        kernel_shape = (kernel_height, kernel_width)

        ### BEGIN YOUR CODE ###
        pad_h, pad_w = self.pad
        X_pad = np.pad(X, ((0, 0), (pad_h, pad_h), (pad_w, pad_w), (0, 0)), mode="constant")
        out_rows = int((in_rows + 2 * pad_h - kernel_height) / self.stride + 1)
        out_cols = int((in_cols + 2 * pad_w - kernel_width) / self.stride + 1)

        Z = np.zeros((n_examples, out_rows, out_cols, out_channels))
        for row in range(out_rows):
            for col in range(out_cols):
                for channel in range(out_channels):
                    r0 = row * self.stride
                    c0 = col * self.stride
                    window = X_pad[:, r0:r0 + kernel_height, c0:c0 + kernel_width, :]
                    Z[:, row, col, channel] = np.sum(window * W[:, :, :, channel], axis=(1, 2, 3)) + b[0, channel]

        self.cache["Z"] = Z
        self.cache["X"] = X
        out = self.activation(Z)
        ### END YOUR CODE ###

        return out

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        ### BEGIN YOUR CODE ###
        X = self.cache["X"]
        Z = self.cache["Z"]
        W = self.parameters["W"]

        kernel_height, kernel_width, in_channels, out_channels = W.shape
        n_examples, in_rows, in_cols, in_channels = X.shape
        pad_h, pad_w = self.pad

        dZ = self.activation.backward(Z, dLdY)
        X_pad = np.pad(X, ((0, 0), (pad_h, pad_h), (pad_w, pad_w), (0, 0)), mode="constant")
        dX_pad = np.zeros(X_pad.shape)
        dW = np.zeros(W.shape)

        for row in range(dZ.shape[1]):
            for col in range(dZ.shape[2]):
                for channel in range(out_channels):
                    r0 = row * self.stride
                    c0 = col * self.stride
                    window = X_pad[:, r0:r0 + kernel_height, c0:c0 + kernel_width, :]
                    grad = dZ[:, row:row + 1, col:col + 1, channel:channel + 1]
                    dW[:, :, :, channel] += np.sum(window * grad, axis=0)
                    dX_pad[:, r0:r0 + kernel_height, c0:c0 + kernel_width, :] += W[np.newaxis, :, :, :, channel] * grad

        self.gradients["W"] = dW
        self.gradients["b"] = np.sum(dZ, axis=(0, 1, 2)).reshape(1, -1)
        dX = dX_pad[:, pad_h:pad_h + in_rows, pad_w:pad_w + in_cols, :]
        ### END YOUR CODE ###

        return dX


class Pool2D(Layer):
    """Pooling layer, implements max and average pooling."""

    def __init__(
        self,
        kernel_shape: Tuple[int, int],
        mode: str = "max",
        stride: int = 1,
        pad: Union[int, Literal["same"], Literal["valid"]] = 0,
    ) -> None:

        if type(kernel_shape) == int:
            kernel_shape = (kernel_shape, kernel_shape)

        self.kernel_shape = kernel_shape
        self.stride = stride

        if pad == "same":
            self.pad = ((kernel_shape[0] - 1) // 2, (kernel_shape[1] - 1) // 2)
        elif pad == "valid":
            self.pad = (0, 0)
        elif isinstance(pad, int):
            self.pad = (pad, pad)
        else:
            raise ValueError("Invalid Pad mode found in self.pad.")

        self.mode = mode

        if mode == "max":
            self.pool_fn = np.max
            self.arg_pool_fn = np.argmax
        elif mode == "average":
            self.pool_fn = np.mean

        self.cache = {
            "out_rows": [],
            "out_cols": [],
            "X_pad": [],
            "p": [],
            "pool_shape": [],
        }
        self.parameters = {}
        self.gradients = {}

    def forward(self, X: np.ndarray) -> np.ndarray:
        ### BEGIN YOUR CODE ###
        n_examples, in_rows, in_cols, channels = X.shape
        kernel_height, kernel_width = self.kernel_shape
        pad_h, pad_w = self.pad
        X_pad = np.pad(X, ((0, 0), (pad_h, pad_h), (pad_w, pad_w), (0, 0)), mode="constant")
        out_rows = (in_rows + 2 * pad_h - kernel_height) // self.stride + 1
        out_cols = (in_cols + 2 * pad_w - kernel_width) // self.stride + 1

        X_pool = np.zeros((n_examples, out_rows, out_cols, channels))
        for row in range(out_rows):
            for col in range(out_cols):
                r0, c0 = row * self.stride, col * self.stride
                X_pool[:, row, col, :] = self.pool_fn(
                    X_pad[:, r0:r0 + kernel_height, c0:c0 + kernel_width, :], axis=(1, 2))

        self.cache["out_rows"] = out_rows
        self.cache["out_cols"] = out_cols
        self.cache["X_pad"] = X_pad
        self.cache["p"] = (pad_h, pad_w)
        self.cache["pool_shape"] = X.shape
        ### END YOUR CODE ###

        return X_pool

    def backward(self, dLdY: np.ndarray) -> np.ndarray:
        ### BEGIN YOUR CODE ###
        X_pad = self.cache["X_pad"]
        pad_h, pad_w = self.cache["p"]
        n_examples, in_rows, in_cols, channels = self.cache["pool_shape"]
        kernel_height, kernel_width = self.kernel_shape

        gradX_pad = np.zeros(X_pad.shape)
        for row in range(self.cache["out_rows"]):
            for col in range(self.cache["out_cols"]):
                r0, c0 = row * self.stride, col * self.stride
                window = X_pad[:, r0:r0 + kernel_height, c0:c0 + kernel_width, :]
                upstream = dLdY[:, row, col, :][:, np.newaxis, np.newaxis, :]
                if self.mode == "max":
                    flat = window.reshape(n_examples, -1, channels)
                    best = self.arg_pool_fn(flat, axis=1)
                    mask = np.zeros(flat.shape)
                    np.put_along_axis(mask, best[:, np.newaxis, :], 1.0, axis=1)
                    gradX_pad[:, r0:r0 + kernel_height, c0:c0 + kernel_width, :] += (
                        mask.reshape(window.shape) * upstream)
                else:
                    gradX_pad[:, r0:r0 + kernel_height, c0:c0 + kernel_width, :] += (
                        upstream / (kernel_height * kernel_width))

        gradX = gradX_pad[:, pad_h:pad_h + in_rows, pad_w:pad_w + in_cols, :]
        ### END YOUR CODE ###

        return gradX


class Flatten(Layer):
    """Flatten the input array."""

    def __init__(self, keep_dim: str = "first") -> None:
        super().__init__()

        self.keep_dim = keep_dim
        self._init_params()

    def _init_params(self):
        self.X = []
        self.gradients = {}
        self.parameters = {}
        self.cache = {"in_dims": []}

    def forward(self, X: np.ndarray, retain_derived: bool = True) -> np.ndarray:
        self.cache["in_dims"] = X.shape

        if self.keep_dim == -1:
            return X.flatten().reshape(1, -1)

        rs = (X.shape[0], -1) if self.keep_dim == "first" else (-1, X.shape[-1])
        return X.reshape(*rs)

    def backward(self, dLdy: np.ndarray) -> np.ndarray:
        in_dims = self.cache["in_dims"]
        dX = dLdy.reshape(in_dims)
        return dX
'''

STARTER_LOSSES = '''
import numpy as np
from abc import ABC, abstractmethod


class Loss(ABC):
    @abstractmethod
    def forward(self):
        pass

    @abstractmethod
    def backward(self):
        pass


def initialize_loss(name: str) -> Loss:
    if name == "cross_entropy":
        return CrossEntropy(name)
    elif name == "l2":
        return L2(name)
    else:
        raise NotImplementedError("{} loss is not implemented".format(name))


class CrossEntropy(Loss):
    """Cross entropy loss function."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        return self.forward(Y, Y_hat)

    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        ### YOUR CODE HERE ###
        m = Y.shape[0]
        log_likelihood = np.multiply(Y, np.log(Y_hat + 1e-10))
        return -np.sum(log_likelihood) / m

    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        ### YOUR CODE HERE ###
        m = Y.shape[0]
        return -np.divide(Y, Y_hat + 1e-10) / m


class L2(Loss):
    """Mean squared error loss."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        return self.forward(Y, Y_hat)

    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        ### YOUR CODE HERE ###
        return np.sum(np.square(Y - Y_hat)) / Y.shape[0]

    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        ### YOUR CODE HERE ###
        return -2 * (Y - Y_hat) / Y.shape[0]
'''

STARTER_MODELS = '''
from abc import ABC, abstractmethod
import numpy as np

from neural_networks.losses import initialize_loss
from neural_networks.optimizers import initialize_optimizer
from neural_networks.layers import initialize_layer
from collections import OrderedDict

from typing import Any, Dict, List, Sequence, Tuple


def initialize_model(name, loss, layer_args, optimizer_args, logger=None, seed=None):
    return NeuralNetwork(loss=loss, layer_args=layer_args, optimizer_args=optimizer_args, logger=logger, seed=seed)


class NeuralNetwork(ABC):
    def __init__(
        self,
        loss: str,
        layer_args: Sequence[Dict],
        optimizer_args: Dict,
        logger=None,
        seed: int = None,
    ) -> None:

        self.n_layers = len(layer_args)
        self.layer_args = layer_args
        self.logger = logger
        self.epoch_log = {"loss": {}, "error": {}}

        self.loss = initialize_loss(loss)
        self.optimizer = initialize_optimizer(**optimizer_args)
        self._initialize_layers(layer_args)

    def _initialize_layers(self, layer_args: Sequence[Dict]) -> None:
        # the output layer is added by `train`, once the dataset's output size is known
        self.layers = []
        for l_arg in layer_args[:-1]:
            l = initialize_layer(**l_arg)
            self.layers.append(l)

    def forward(self, X: np.ndarray) -> np.ndarray:
        ### YOUR CODE HERE ###
        # Iterate through the network's layers.
        Y = X
        for i in range(len(self.layers)):
            Y = self.layers[i].forward(Y)
        return Y

    def backward(self, target: np.ndarray, out: np.ndarray) -> float:
        ### YOUR CODE HERE ###
        # Compute the loss.
        # Backpropagate through the network's layers.
        loss = self.loss.forward(target, out)
        dLdY = self.loss.backward(target, out)
        for layer in self.layers[::-1]:
            dLdY = layer.backward(dLdY)
        return loss

    def update(self, epoch: int) -> None:
        param_log = {}
        for i, layer in enumerate(self.layers):
            for param_name, param in layer.parameters.items():
                if param_name != "null":
                    param_grad = layer.gradients[param_name]
                    # Optimizer needs to keep track of layers
                    delta = self.optimizer.update(param_name + str(i), param, param_grad, epoch)
                    layer.parameters[param_name] -= delta
            layer.clear_gradients()

    def error(self, target: np.ndarray, out: np.ndarray) -> float:
        if self.loss.name == "cross_entropy":
            predictions = np.argmax(out, axis=1)
            target_idxs = np.argmax(target, axis=1)
            error = np.mean(predictions != target_idxs)
        elif self.loss.name == "l2":
            error = np.mean((target - out) ** 2)
        else:
            raise NotImplementedError("Error for {} loss is not implemented".format(self.loss))
        return error

    def predict(self, X: np.ndarray, Y: np.ndarray) -> Tuple[np.ndarray, float]:
        ### YOUR CODE HERE ###
        # Do a forward pass. Maybe use a function you already wrote?
        Y_hat = self.forward(X)
        # Get the loss. Remember that the `backward` function returns the loss.
        L = self.backward(Y, Y_hat)
        return Y_hat, L
'''

VARIANTS = [
    Variant("starter_style_activations", "activations.py", new=STARTER_ACTIVATIONS),
    Variant("starter_style_layers", "layers.py", new=STARTER_LAYERS),
    Variant("starter_style_losses", "losses.py", new=STARTER_LOSSES),
    Variant("starter_style_models", "models.py", new=STARTER_MODELS),
]
