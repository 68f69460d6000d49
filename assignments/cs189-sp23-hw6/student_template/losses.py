"""Losses (costs) over a minibatch: forward(Y, Y_hat) -> a number, backward(Y, Y_hat) -> dL/dY_hat.

Y holds the targets and Y_hat the network's predictions, one example per row,
both of the same shape. The cost of a minibatch is the mean over its m examples.
"""
from abc import ABC, abstractmethod

import numpy as np


class Loss(ABC):
    """The interface every loss shares: ``loss(Y, Y_hat)`` is ``loss.forward(Y, Y_hat)``."""

    def __call__(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        return self.forward(Y, Y_hat)

    @abstractmethod
    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        """The cost of the minibatch."""

    @abstractmethod
    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        """dL/dY_hat, shaped like Y_hat."""


def initialize_loss(name: str) -> Loss:
    """The loss called ``name``: cross_entropy or l2."""
    if name == "cross_entropy":
        return CrossEntropy(name)
    if name == "l2":
        return L2(name)
    raise NotImplementedError(f"{name} loss is not implemented")


class CrossEntropy(Loss):
    """J = -(1/m) sum_n sum_i Y[n, i] ln Y_hat[n, i], for one-hot labels Y."""

    def __init__(self, name: str = "cross_entropy") -> None:
        self.name = name

    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        """The mean cross-entropy of the minibatch.

        Parameters
        ----------
        Y      one-hot labels, shape (m, k)
        Y_hat  predicted probabilities in (0, 1), shape (m, k)

        Returns
        -------
        one number, the cost (no loop over the examples)
        """
        # TODO: CrossEntropy.forward: return -(1/m) times the sum of Y * ln(Y_hat) over the whole minibatch.
        raise NotImplementedError('CrossEntropy.forward: return -(1/m) times the sum of Y * ln(Y_hat) over the whole minibatch.')

    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        """dJ/dY_hat.

        Parameters
        ----------
        Y      one-hot labels, shape (m, k)
        Y_hat  predicted probabilities in (0, 1), shape (m, k)

        Returns
        -------
        the derivative of the cost with respect to Y_hat, shape (m, k)
        """
        # TODO: CrossEntropy.backward: return -(1/m) Y / Y_hat, elementwise.
        raise NotImplementedError('CrossEntropy.backward: return -(1/m) Y / Y_hat, elementwise.')


class L2(Loss):
    """The mean squared error (optional): J = (1/m) sum_n ||Y[n] - Y_hat[n]||^2."""

    def __init__(self, name: str = "l2") -> None:
        self.name = name

    def forward(self, Y: np.ndarray, Y_hat: np.ndarray) -> float:
        """The mean over the minibatch of each example's squared error.

        Parameters
        ----------
        Y      regression targets, shape (m, 1)
        Y_hat  predictions, shape (m, 1)

        Returns
        -------
        one number, the cost
        """
        # TODO: L2.forward: return the sum of (Y - Y_hat)^2 divided by m.
        raise NotImplementedError('L2.forward: return the sum of (Y - Y_hat)^2 divided by m.')

    def backward(self, Y: np.ndarray, Y_hat: np.ndarray) -> np.ndarray:
        """dJ/dY_hat, shape (m, 1)."""
        # TODO: L2.backward: return 2 (Y_hat - Y) / m.
        raise NotImplementedError('L2.backward: return 2 (Y_hat - Y) / m.')
