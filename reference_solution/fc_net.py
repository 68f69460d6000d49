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
        # BEGIN SOLUTION: initialise self.params: W1 (D, H) and W2 (H, C) drawn from a normal distribution with mean 0 and standard deviation weight_scale, b1 (H,) and b2 (C,) zeros
        self.params["W1"] = np.random.normal(0.0, weight_scale, (input_dim, hidden_dim))
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = np.random.normal(0.0, weight_scale, (hidden_dim, num_classes))
        self.params["b2"] = np.zeros(num_classes)
        # END SOLUTION

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
        # BEGIN SOLUTION: forward pass affine - relu - affine, putting the class scores (N, C) in `scores` (keep the caches for the backward pass)
        hidden, hidden_cache = affine_relu_forward(X, self.params["W1"], self.params["b1"])
        scores, scores_cache = affine_forward(hidden, self.params["W2"], self.params["b2"])
        # END SOLUTION
        if y is None:
            return scores

        loss, grads = 0.0, {}
        # BEGIN SOLUTION: compute the loss (softmax loss + 0.5 * reg * sum of the squared weights W1 and W2) and the gradient of every parameter into grads['W1'], ... (the regularisation adds reg * W to the weights' gradients only)
        data_loss, dscores = softmax_loss(scores, y)
        W1, W2 = self.params["W1"], self.params["W2"]
        loss = data_loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dhidden, grads["W2"], grads["b2"] = affine_backward(dscores, scores_cache)
        _, grads["W1"], grads["b1"] = affine_relu_backward(dhidden, hidden_cache)
        grads["W1"] += self.reg * W1
        grads["W2"] += self.reg * W2
        # END SOLUTION
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
        # BEGIN SOLUTION: initialise self.params: for layer i = 1 ... L, weights 'Wi' (fan in, fan out) drawn from a normal distribution with mean 0 and standard deviation weight_scale (use a generator made from `seed`, e.g. np.random.default_rng(seed)) and biases 'bi' (fan out,) zeros
        rng = np.random.default_rng(seed)
        dims = [input_dim, *hidden_dims, num_classes]
        for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
            self.params[f"W{i}"] = weight_scale * rng.standard_normal((fan_in, fan_out))
            self.params[f"b{i}"] = np.zeros(fan_out)
        # END SOLUTION

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
        # BEGIN SOLUTION: forward pass through the L - 1 blocks affine - relu - [dropout] and the last affine layer, putting the class scores (N, C) in `scores` (keep each layer's cache for the backward pass)
        caches = {}
        out = X
        for i in range(1, self.num_layers):
            out, caches[f"affine_relu{i}"] = affine_relu_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            if self.use_dropout:
                out, caches[f"dropout{i}"] = dropout_forward(out, self.dropout_param)
        last = self.num_layers
        scores, caches[f"affine{last}"] = affine_forward(out, self.params[f"W{last}"], self.params[f"b{last}"])
        # END SOLUTION
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # BEGIN SOLUTION: compute the loss (softmax loss + 0.5 * reg * sum of the squared weights of every layer) and the gradient of every parameter into grads (the regularisation adds reg * W to the weights' gradients only)
        loss, dout = softmax_loss(scores, y)
        dout, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dout, caches[f"affine{last}"])
        for i in range(last - 1, 0, -1):
            if self.use_dropout:
                dout = dropout_backward(dout, caches[f"dropout{i}"])
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dout, caches[f"affine_relu{i}"])
        for i in range(1, last + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W
        # END SOLUTION
        return loss, grads
