"""A feed-forward neural network made of the layers of layers.py, trained with a loss of losses.py.

    model = NeuralNetwork(
        loss="cross_entropy",
        layer_args=[{"name": "fully_connected", "activation": "relu", "n_out": 16},
                    {"name": "fully_connected", "activation": "softmax", "n_out": 3}],
        optimizer_args={"name": "SGD", "lr": 0.1},
    )
    Y_hat = model.forward(X)          # (m, 3) probabilities
    L = model.backward(Y, Y_hat)      # the cost; every layer's gradients filled
    model.update(epoch)               # one step of the optimizer, then the gradients are cleared
"""
from typing import List, Mapping, Sequence, Tuple

import numpy as np

from layers import initialize_layer
from losses import initialize_loss
from optimizers import initialize_optimizer


class NeuralNetwork:
    """A stack of layers (``self.layers``, first to last), a loss (``self.loss``) and an optimizer."""

    def __init__(
        self,
        loss: str,
        layer_args: Sequence[Mapping],
        optimizer_args: Mapping,
        logger=None,
        seed: int = None,
    ) -> None:
        """Build one layer per entry of ``layer_args`` (keyword arguments of layers.initialize_layer).

        ``logger`` and ``seed`` are accepted for the starter's callers and unused here.
        """
        self.n_layers = len(layer_args)
        self.layer_args = layer_args
        self.logger = logger
        self.loss = initialize_loss(loss)
        self.optimizer = initialize_optimizer(**optimizer_args)
        self.layers = [initialize_layer(**dict(args)) for args in layer_args]

    def forward(self, X: np.ndarray) -> np.ndarray:
        """One forward pass through every layer, first to last.

        Parameters
        ----------
        X  a minibatch shaped as the first layer expects, e.g. (m, d)

        Returns
        -------
        the last layer's output, e.g. (m, k) class probabilities
        """
        # TODO: NeuralNetwork.forward: pass X through each layer in order and return the last layer's output.
        raise NotImplementedError("NeuralNetwork.forward: pass X through each layer in order and return the last layer's output.")

    def backward(self, target: np.ndarray, out: np.ndarray) -> float:
        """One backward pass: the cost of ``out`` against ``target``, and every layer's gradients.

        Parameters
        ----------
        target  the targets, e.g. one-hot labels (m, k)
        out     the network's output for the same examples (from forward), same shape

        Returns
        -------
        the cost (a number); each layer's ``gradients`` are filled on the way, last layer first
        """
        # TODO: NeuralNetwork.backward: compute the loss and its derivative with respect to out, then backpropagate through the layers in reverse order; return the loss.
        raise NotImplementedError('NeuralNetwork.backward: compute the loss and its derivative with respect to out, then backpropagate through the layers in reverse order; return the loss.')

    def update(self, epoch: int) -> None:
        """One optimizer step on every parameter, from the gradients ``backward`` left (provided)."""
        for i, layer in enumerate(self.layers):
            for name, param in layer.parameters.items():
                layer.parameters[name] = param - self.optimizer.update(f"{name}{i}", param, layer.gradients[name], epoch)
            layer.clear_gradients()

    def error(self, target: np.ndarray, out: np.ndarray) -> float:
        """1 - accuracy for cross-entropy, the mean squared error for l2 (provided)."""
        if self.loss.name == "cross_entropy":
            return float(np.mean(np.argmax(out, axis=1) != np.argmax(target, axis=1)))
        return float(np.mean((target - out) ** 2))

    def predict(self, X: np.ndarray, Y: np.ndarray) -> Tuple[np.ndarray, float]:
        """The network's predictions for X and their cost against Y.

        Parameters
        ----------
        X  input features
        Y  the targets of the same examples

        Returns
        -------
        (Y_hat, L): the output of a forward pass and its cost against Y
        """
        # TODO: NeuralNetwork.predict: do a forward pass and compute the cost of its output against Y.
        raise NotImplementedError('NeuralNetwork.predict: do a forward pass and compute the cost of its output against Y.')

    def fit(self, X: np.ndarray, Y: np.ndarray, epochs: int, batch_size: int, seed: int = 0) -> List[float]:
        """Minibatch training on (X, Y): forward, backward and update per minibatch, the examples
        shuffled every epoch (provided). Returns each epoch's mean training cost."""
        rng = np.random.default_rng(seed)
        history = []
        for epoch in range(epochs):
            order = rng.permutation(len(X))
            costs = []
            for start in range(0, len(X), batch_size):
                batch = order[start : start + batch_size]
                costs.append(self.backward(Y[batch], self.forward(X[batch])))
                self.update(epoch)
            history.append(float(np.mean(costs)))
        return history
