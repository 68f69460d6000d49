"""Activation functions: each an object with forward(Z) and backward(Z, dY).

Z holds a minibatch of pre-activations, one example per row: shape (m, k)
for a fully connected layer, (m, H, W, C) after a convolution. backward(Z, dY)
receives the forward's input Z and dY, the derivative of the loss with respect
to the activation's output (shaped like Z), and returns the derivative of the
loss with respect to Z. Neither method may modify its arguments.
"""
from abc import ABC, abstractmethod

import numpy as np


class Activation(ABC):
    """The interface every activation shares: ``activation(Z)`` is ``activation.forward(Z)``."""

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.forward(Z)

    @abstractmethod
    def forward(self, Z: np.ndarray) -> np.ndarray:
        """The activation of Z (any shape)."""

    @abstractmethod
    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """dL/dZ from the forward's input Z and dY = dL/d(output)."""


def initialize_activation(name: str) -> Activation:
    """The activation called ``name``: linear, sigmoid, tanh, relu or softmax."""
    activations = {"linear": Linear, "sigmoid": Sigmoid, "tanh": TanH, "relu": ReLU, "softmax": SoftMax}
    if name not in activations:
        raise NotImplementedError(f"{name} activation is not implemented")
    return activations[name]()


class Linear(Activation):
    """f(z) = z (provided)."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        return Z

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        return dY


class TanH(Activation):
    """f(z) = tanh(z) (provided)."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        return np.tanh(Z)

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        return dY * (1.0 - np.tanh(Z) ** 2)


class Sigmoid(Activation):
    """f(z) = 1 / (1 + exp(-z)), elementwise (optional)."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """The logistic function of every element of Z.

        Parameters
        ----------
        Z  pre-activations, any shape

        Returns
        -------
        an array shaped like Z, each element in (0, 1)
        """
        # TODO: Sigmoid.forward: return 1 / (1 + exp(-Z)), elementwise.
        raise NotImplementedError('Sigmoid.forward: return 1 / (1 + exp(-Z)), elementwise.')

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """dL/dZ = dY * sigma(Z) * (1 - sigma(Z)).

        Parameters
        ----------
        Z   the forward's input, any shape
        dY  dL/d(output), shaped like Z

        Returns
        -------
        dL/dZ, shaped like Z
        """
        # TODO: Sigmoid.backward: return dY times the derivative of the sigmoid at Z.
        raise NotImplementedError('Sigmoid.backward: return dY times the derivative of the sigmoid at Z.')


class ReLU(Activation):
    """f(z) = z where z >= 0, 0 elsewhere (elementwise)."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """The rectified linear unit of every element of Z.

        Parameters
        ----------
        Z  pre-activations, any shape (a whole minibatch: no loop over its examples)

        Returns
        -------
        an array shaped like Z: max(0, z) elementwise
        """
        # TODO: ReLU.forward: return max(0, Z) elementwise, without modifying Z.
        raise NotImplementedError('ReLU.forward: return max(0, Z) elementwise, without modifying Z.')

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """dL/dZ: dY where Z > 0, 0 elsewhere.

        Parameters
        ----------
        Z   the forward's input, any shape
        dY  dL/d(output), shaped like Z

        Returns
        -------
        dL/dZ, shaped like Z (without modifying dY)
        """
        # TODO: ReLU.backward: return dY where Z > 0 and 0 elsewhere, without modifying dY.
        raise NotImplementedError('ReLU.backward: return dY where Z > 0 and 0 elsewhere, without modifying dY.')


class SoftMax(Activation):
    """sigma(z)_i = exp(z_i) / sum_j exp(z_j), over the last axis (the classes) of each example."""

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """The softmax of each row of Z, computed stably.

        Parameters
        ----------
        Z  scores of shape (m, k): m examples, k classes

        Returns
        -------
        probabilities of shape (m, k), each row summing to 1; no overflow however large the scores
        """
        # TODO: SoftMax.forward: subtract each row's maximum, exponentiate, and divide by the row's sum.
        raise NotImplementedError("SoftMax.forward: subtract each row's maximum, exponentiate, and divide by the row's sum.")

    def jacobian(self, Z: np.ndarray) -> np.ndarray:
        """The Jacobian of the softmax at each example of the minibatch.

        Parameters
        ----------
        Z  scores of shape (m, k)

        Returns
        -------
        J of shape (m, k, k) with J[n, i, j] = d sigma(Z[n])_i / d Z[n, j]
        """
        # TODO: SoftMax.jacobian: build J[n] = diag(s) - s s^T from s = softmax(Z[n]), for every n at once.
        raise NotImplementedError('SoftMax.jacobian: build J[n] = diag(s) - s s^T from s = softmax(Z[n]), for every n at once.')

    def backward(self, Z: np.ndarray, dY: np.ndarray) -> np.ndarray:
        """dL/dZ through each example's Jacobian: dL/dZ[n, j] = sum_i dY[n, i] J[n, i, j].

        Parameters
        ----------
        Z   scores of shape (m, k), the forward's input
        dY  dL/d(probabilities), shape (m, k)

        Returns
        -------
        dL/dZ of shape (m, k)
        """
        # TODO: SoftMax.backward: multiply each example's row of dY by that example's Jacobian.
        raise NotImplementedError("SoftMax.backward: multiply each example's row of dY by that example's Jacobian.")
