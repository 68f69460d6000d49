"""A fully-connected network of any depth, built from the layers of layers.py (problems 2.2 and 2.3).

The architecture, for L - 1 hidden layers:

    input - fc - ReLU - fc - ReLU - ... - fc - softmax loss

The network does not train itself: the provided Solver (solver.py) does, through the
contract below.
- ``model.params``: a dictionary of numpy arrays, the learnable parameters; the weights
  and biases of layer i (counted from 1) are ``params['W%d' % i]``, of shape
  (size of layer i's input, size of its output), and ``params['b%d' % i]``.
- ``model.loss(X)`` returns the class scores, of shape (N, C);
- ``model.loss(X, y)`` returns ``(loss, grads)``: the softmax loss of the scores (no
  regularisation) and a dictionary of its gradients, keyed like ``params``.

Example (problem 2.2, a network with one hidden layer of 50 units):

    model = FullyConnectedNet(input_dim=75, hidden_dim=[50])
    solver = Solver(model, data, update_rule='sgd', optim_config={'learning_rate': 1e-2},
                    lr_decay=0.95, num_epochs=10, batch_size=20)
    solver.train()
"""
import numpy as np

from layers import *


class FullyConnectedNet(object):
    """A fully-connected network with ReLU nonlinearities and a softmax loss."""

    def __init__(self, input_dim, hidden_dim=[10, 5], num_classes=8, weight_scale=0.1):
        """Initialise a new network.

        Inputs:
        - input_dim: the size D of one input (a flattened example)
        - hidden_dim: a list with the size of each hidden layer, e.g. [50] for one hidden
          layer of 50 units, [100, 50] for two
        - num_classes: the number C of classes (8 movements in MDS189)
        - weight_scale: the standard deviation of the initial weights

        Weights are drawn from a Gaussian with mean 0 and standard deviation weight_scale,
        biases start at zero; store them in self.params as W1, b1, W2, b2, ...
        """
        self.params = {}
        self.num_layers = 1 + len(hidden_dim)
        # TODO: FullyConnectedNet.__init__: store W1, b1, ..., WL, bL in self.params (weights N(0, weight_scale^2), biases 0).
        raise NotImplementedError('FullyConnectedNet.__init__: store W1, b1, ..., WL, bL in self.params (weights N(0, weight_scale^2), biases 0).')

    def loss(self, X, y=None):
        """Compute the class scores, or the loss and its gradients, for a minibatch.

        Inputs:
        - X: input data of shape (N, d_1, ..., d_k), with d_1 * ... * d_k = input_dim
        - y: labels of shape (N,), or None; y[i] is the class of X[i]

        Returns:
        If y is None, the scores: an array of shape (N, C), scores[i, c] the score of class c for X[i].
        Otherwise a tuple of:
        - loss: the softmax loss of the scores, a number
        - grads: a dictionary with the same keys as self.params, the gradient of the loss with
          respect to each parameter
        """
        scores = None
        # TODO: FullyConnectedNet.loss: the forward pass: compute scores, keeping each layer's cache for the backward pass.
        raise NotImplementedError("FullyConnectedNet.loss: the forward pass: compute scores, keeping each layer's cache for the backward pass.")
        if y is None:
            return scores

        loss, grads = 0.0, {}
        # TODO: FullyConnectedNet.loss: the softmax loss of the scores, then the backward pass: grads[k] for every params[k].
        raise NotImplementedError('FullyConnectedNet.loss: the softmax loss of the scores, then the backward pass: grads[k] for every params[k].')
        return loss, grads
