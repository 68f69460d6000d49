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
        # BEGIN SOLUTION: return 1 / (1 + exp(-Z)), elementwise
        return 1.0 / (1.0 + np.exp(-Z))
        # END SOLUTION

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
        # BEGIN SOLUTION: return dY times the derivative of the sigmoid at Z
        s = self.forward(Z)
        return dY * s * (1.0 - s)
        # END SOLUTION


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
        # BEGIN SOLUTION: return max(0, Z) elementwise, without modifying Z
        return np.maximum(Z, 0.0)
        # END SOLUTION

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
        # BEGIN SOLUTION: return dY where Z > 0 and 0 elsewhere, without modifying dY
        return np.where(Z > 0, dY, 0.0)
        # END SOLUTION


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
        # BEGIN SOLUTION: subtract each row's maximum, exponentiate, and divide by the row's sum
        shifted = np.exp(Z - Z.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
        # END SOLUTION

    def jacobian(self, Z: np.ndarray) -> np.ndarray:
        """The Jacobian of the softmax at each example of the minibatch.

        Parameters
        ----------
        Z  scores of shape (m, k)

        Returns
        -------
        J of shape (m, k, k) with J[n, i, j] = d sigma(Z[n])_i / d Z[n, j]
        """
        # BEGIN SOLUTION: build J[n] = diag(s) - s s^T from s = softmax(Z[n]), for every n at once
        s = self.forward(Z)  # (m, k)
        return np.einsum("ni,ij->nij", s, np.eye(Z.shape[-1])) - np.einsum("ni,nj->nij", s, s)
        # END SOLUTION

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
        # BEGIN SOLUTION: multiply each example's row of dY by that example's Jacobian
        return np.einsum("ni,nij->nj", dY, self.jacobian(Z))
        # END SOLUTION
