"""Fully connected networks built from the layers of layers.py.

A model keeps its learnable parameters in the dictionary ``self.params``
(names 'W1', 'b1', 'W2', ...) and has one method, ``loss(X, y=None)``:
without labels it returns the class scores; with labels, the loss and the
gradient of the loss for every entry of ``self.params``. The provided
``solver.Solver`` trains any such model.
"""
import numpy as np

from layers import *
from layer_utils import *


class TwoLayerNet:
    """A two-layer fully connected network with a ReLU and a softmax loss.

    The architecture is affine - relu - affine - softmax, for inputs of
    dimension D, a hidden layer of dimension H, and C classes. There is no
    bias in the loss's regularisation.

    The learnable parameters are kept in ``self.params``:
    - W1: first layer weights, of shape (D, H)
    - b1: first layer biases, of shape (H,)
    - W2: second layer weights, of shape (H, C)
    - b2: second layer biases, of shape (C,)
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        """
        Inputs:
        - input_dim: the size D of an input
        - hidden_dim: the size H of the hidden layer
        - num_classes: the number C of classes
        - weight_scale: standard deviation of the normal distribution the weights are drawn from
        - reg: strength of the L2 regularisation of the weights
        """
        self.params = {}
        self.reg = reg
        # TODO: TwoLayerNet.__init__: initialise self.params: W1 (D, H) and W2 (H, C) drawn from a normal distribution with mean 0 and standard deviation weight_scale, b1 (H,) and b2 (C,) zeros.
        raise NotImplementedError('TwoLayerNet.__init__: initialise self.params: W1 (D, H) and W2 (H, C) drawn from a normal distribution with mean 0 and standard deviation weight_scale, b1 (H,) and b2 (C,) zeros.')

    def loss(self, X, y=None):
        """The scores of a minibatch, or its loss and gradients.

        Inputs:
        - X: input data of shape (N, d_1, ..., d_k), flattened to (N, D)
        - y: labels of shape (N,), y[i] in 0 ... C - 1, or None

        Returns:
        If y is None, the class scores of shape (N, C), scores[i, c] for X[i] and class c.
        Otherwise a tuple of:
        - loss: the softmax loss of the batch plus 0.5 * reg * the sum of the squared weights
        - grads: a dictionary with the same keys as self.params, the gradient of the loss
          with respect to each parameter
        """
        scores = None
        # TODO: TwoLayerNet.loss: forward pass affine - relu - affine, putting the class scores (N, C) in `scores` (keep the caches for the backward pass).
        raise NotImplementedError('TwoLayerNet.loss: forward pass affine - relu - affine, putting the class scores (N, C) in `scores` (keep the caches for the backward pass).')
        if y is None:
            return scores

        loss, grads = 0.0, {}
        # TODO: TwoLayerNet.loss: compute the loss (softmax loss + 0.5 * reg * sum of the squared weights W1 and W2) and the gradient of every parameter into grads['W1'], ... (the regularisation adds reg * W to the weights' gradients only).
        raise NotImplementedError("TwoLayerNet.loss: compute the loss (softmax loss + 0.5 * reg * sum of the squared weights W1 and W2) and the gradient of every parameter into grads['W1'], ... (the regularisation adds reg * W to the weights' gradients only).")
        return loss, grads


class FullyConnectedNet:
    """A fully connected network with any number of hidden layers.

    For a network of L layers the architecture is

        {affine - relu - [dropout]} x (L - 1) - affine - softmax

    where dropout is used only if the ``dropout`` argument turns it on.

    The learnable parameters are kept in ``self.params``: 'W1', 'b1' for the
    first layer, 'W2', 'b2' for the second, and so on up to 'WL', 'bL'.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32, seed=None):
        """
        Inputs:
        - hidden_dims: a list of the sizes of the hidden layers, one integer each
        - input_dim: the size D of an input
        - num_classes: the number C of classes
        - dropout: the probability p of dropping a unit in the dropout layers; 0 turns dropout off
        - reg: strength of the L2 regularisation of the weights
        - weight_scale: standard deviation of the normal distribution the weights are drawn from
        - dtype: the numpy dtype of every parameter; float32 is faster, float64 is needed for
          numerical gradient checks
        - seed: if not None, seeds the weights' initialisation and the dropout layers, which
          makes the model deterministic (for gradient checks)
        """
        self.use_dropout = dropout > 0  # dropout is the probability of dropping a unit
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        # TODO: FullyConnectedNet.__init__: initialise self.params: for layer i = 1 ... L, weights 'Wi' (fan in, fan out) drawn from a normal distribution with mean 0 and standard deviation weight_scale (use a generator made from `seed`, e.g. np.random.default_rng(seed)) and biases 'bi' (fan out,) zeros.
        raise NotImplementedError("FullyConnectedNet.__init__: initialise self.params: for layer i = 1 ... L, weights 'Wi' (fan in, fan out) drawn from a normal distribution with mean 0 and standard deviation weight_scale (use a generator made from `seed`, e.g. np.random.default_rng(seed)) and biases 'bi' (fan out,) zeros.")

        # Every dropout layer gets the same dropout_param; loss() sets its mode.
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout, "seed": seed}

        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None):
        """The scores of a minibatch, or its loss and gradients.

        Inputs and outputs as TwoLayerNet.loss. Dropout layers run in test
        mode (the identity) when y is None, in train mode otherwise.
        """
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode

        scores = None
        # TODO: FullyConnectedNet.loss: forward pass through the L - 1 blocks affine - relu - [dropout] and the last affine layer, putting the class scores (N, C) in `scores` (keep each layer's cache for the backward pass).
        raise NotImplementedError("FullyConnectedNet.loss: forward pass through the L - 1 blocks affine - relu - [dropout] and the last affine layer, putting the class scores (N, C) in `scores` (keep each layer's cache for the backward pass).")
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # TODO: FullyConnectedNet.loss: compute the loss (softmax loss + 0.5 * reg * sum of the squared weights of every layer) and the gradient of every parameter into grads (the regularisation adds reg * W to the weights' gradients only).
        raise NotImplementedError("FullyConnectedNet.loss: compute the loss (softmax loss + 0.5 * reg * sum of the squared weights of every layer) and the gradient of every parameter into grads (the regularisation adds reg * W to the weights' gradients only).")
        return loss, grads
