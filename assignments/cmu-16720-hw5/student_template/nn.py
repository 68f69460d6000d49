"""A fully connected network in numpy (CMU 16-720 HW5, neural networks for recognition).

The course's conventions, which every function below follows:
- a batch X has shape (N, D), one example per row; a layer computes X W + b;
- the layer called ``name`` keeps its parameters in the dictionary ``params``: the weights
  params['W' + name] of shape (D, M) and the biases params['b' + name] of shape (M,);
- forward stores params['cache_' + name] = (X, pre_act, post_act); backwards reads it and stores
  params['grad_W' + name] and params['grad_b' + name];
- an activation function is passed as an argument; its derivative takes the post-activation
  values (sigmoid_deriv below; linear_deriv, tanh_deriv and relu_deriv in util.py).

Only the functions documented as storing results in params may change params; no function
changes any other argument (X, delta, x, y, probs, ...) in place.
"""
import numpy as np
from util import *

# The layers of the autoencoder of question 5, from input to output (the names of run_q5.py).
AUTOENCODER_LAYERS = ("layer1", "hidden", "hidden2", "output")


# -- Q2.1.2 -----------------------------------------------------------------------------------
def initialize_weights(in_size, out_size, params, name=''):
    """Xavier initialisation of the layer ``name``; returns nothing.

    Stores in params:
    - 'W' + name: weights of shape (in_size, out_size), each drawn independently from the
      uniform distribution U(-a, a), a = sqrt(6 / (in_size + out_size)), so that their
      variance is 2 / (in_size + out_size);
    - 'b' + name: biases of shape (out_size,), all zero (a 1-d array).
    Draw with numpy's random functions (for example np.random.uniform); do not reseed.
    """
    # TODO: initialize_weights: store params['W' + name], drawn from U(-a, a) with a = sqrt(6 / (in_size + out_size)), and params['b' + name], zeros of shape (out_size,).
    raise NotImplementedError("initialize_weights: store params['W' + name], drawn from U(-a, a) with a = sqrt(6 / (in_size + out_size)), and params['b' + name], zeros of shape (out_size,).")


# -- Q2.2.1 -----------------------------------------------------------------------------------
def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), elementwise, for an array x of any shape."""
    # TODO: sigmoid: compute res = 1 / (1 + exp(-x)), elementwise.
    raise NotImplementedError('sigmoid: compute res = 1 / (1 + exp(-x)), elementwise.')
    return res


def forward(X, params, name='', activation=sigmoid):
    """Forward pass of the layer ``name``.

    - X: inputs of shape (N, D)
    - params: holds 'W' + name, (D, M), and 'b' + name, (M,)
    - activation: the function applied elementwise to X W + b

    Stores params['cache_' + name] = (X, pre_act, post_act), with pre_act = X W + b and
    post_act = activation(pre_act), both of shape (N, M); returns post_act.
    """
    W = params['W' + name]
    b = params['b' + name]
    # TODO: forward: compute pre_act = X W + b and post_act = activation(pre_act).
    raise NotImplementedError('forward: compute pre_act = X W + b and post_act = activation(pre_act).')
    params['cache_' + name] = (X, pre_act, post_act)
    return post_act


# -- Q2.2.2 -----------------------------------------------------------------------------------
def softmax(x):
    """Softmax of each row of the scores x, of shape (N, C): every row becomes probabilities.

    Numerically stable: since softmax(x) = softmax(x + c) for any constant c, subtract each
    row's maximum before exponentiating, so that no exp overflows whatever the scores.
    """
    # TODO: softmax: subtract each row's maximum, exponentiate, and divide each row by its sum.
    raise NotImplementedError("softmax: subtract each row's maximum, exponentiate, and divide each row by its sum.")
    return res


# -- Q2.2.3 -----------------------------------------------------------------------------------
def compute_loss_and_acc(y, probs):
    """Cross-entropy loss and accuracy of predicted class probabilities.

    - y: one-hot labels of shape (N, C)
    - probs: probabilities of shape (N, C), each row summing to 1

    Returns (loss, acc): loss = -sum over the examples of y . log(probs), the total over the
    batch (not its mean); acc = the fraction of examples (between 0 and 1) whose most probable
    class is their label.
    """
    # TODO: compute_loss_and_acc: compute loss, the total cross-entropy, and acc, the fraction of rows whose argmax of probs is the label.
    raise NotImplementedError('compute_loss_and_acc: compute loss, the total cross-entropy, and acc, the fraction of rows whose argmax of probs is the label.')
    return loss, acc


# -- Q2.3.1 -----------------------------------------------------------------------------------
def sigmoid_deriv(post_act):
    """Provided: the sigmoid's derivative written with its output s = sigmoid(x): s (1 - s)."""
    res = post_act * (1.0 - post_act)
    return res


def backwards(delta, params, name='', activation_deriv=sigmoid_deriv):
    """Backward pass of the layer ``name``, after forward has stored its cache.

    - delta: the gradient of the loss J with respect to the layer's post_act, shape (N, M)
    - activation_deriv: the derivative of the layer's activation, a function of post_act

    Stores params['grad_W' + name] = dJ/dW, shape (D, M), and params['grad_b' + name] = dJ/db,
    shape (M,), each summed over the batch; returns grad_X = dJ/dX, shape (N, D).
    """
    W = params['W' + name]
    b = params['b' + name]
    X, pre_act, post_act = params['cache_' + name]
    # TODO: backwards: go through the activation first (delta * activation_deriv(post_act)), then compute grad_W, grad_b and grad_X.
    raise NotImplementedError('backwards: go through the activation first (delta * activation_deriv(post_act)), then compute grad_W, grad_b and grad_X.')
    params['grad_W' + name] = grad_W
    params['grad_b' + name] = grad_b
    return grad_X


# -- Q2.4 -------------------------------------------------------------------------------------
def get_random_batches(x, y, batch_size):
    """Split a dataset into random batches.

    - x: examples of shape (N, D); y: their labels, shape (N, C)

    Returns a list [(batch_x, batch_y), ...] in which every example appears exactly once,
    next to its own label, in a random (shuffled) order. Every batch holds batch_size
    examples except possibly one, which holds fewer: ceil(N / batch_size) batches in all.
    """
    # TODO: get_random_batches: shuffle the indices of the examples, then cut them into batches of batch_size.
    raise NotImplementedError('get_random_batches: shuffle the indices of the examples, then cut them into batches of batch_size.')
    return batches


# -- Q2.5 -------------------------------------------------------------------------------------
def numerical_gradients(x, y, params, eps=1e-6):
    """The numerical gradient checker of run_q2.py, for its two-layer classifier.

    The loss is that of the network h = forward(x, params, 'layer1') (sigmoid),
    probs = forward(h, params, 'output', softmax), loss = compute_loss_and_acc(y, probs)[0].
    For every parameter k of params (the entries whose key has no '_': 'Wlayer1', 'blayer1',
    'Woutput', 'boutput'; not the 'cache_', 'grad_' or 'm_' entries), stores
    params['grad_' + k], shaped like params[k]: the derivative of the loss with respect to each
    element, by central differences (loss(p + eps) - loss(p - eps)) / (2 eps), one element at a
    time, each element put back to its value once it has been measured. Returns nothing.
    """
    # TODO: numerical_gradients: for each element of each parameter, measure the loss with the element raised and lowered by eps, restore it, and store the central difference in params['grad_' + k].
    raise NotImplementedError("numerical_gradients: for each element of each parameter, measure the loss with the element raised and lowered by eps, restore it, and store the central difference in params['grad_' + k].")


# -- Q5.1.1 -----------------------------------------------------------------------------------
def initialize_autoencoder(in_size, hidden_size, params):
    """Xavier-initialise the four layers of the autoencoder (AUTOENCODER_LAYERS) into params.

    'layer1': in_size -> hidden_size; 'hidden' and 'hidden2': hidden_size -> hidden_size;
    'output': hidden_size -> in_size. Each with initialize_weights. Returns nothing.
    """
    # TODO: initialize_autoencoder: call initialize_weights for layer1 (in_size -> hidden_size), hidden and hidden2 (hidden_size -> hidden_size) and output (hidden_size -> in_size).
    raise NotImplementedError('initialize_autoencoder: call initialize_weights for layer1 (in_size -> hidden_size), hidden and hidden2 (hidden_size -> hidden_size) and output (hidden_size -> in_size).')


def autoencoder_forward(X, params):
    """The autoencoder's reconstruction of X, shape (N, D), through forward:
    'layer1' (relu), 'hidden' (relu), 'hidden2' (relu), then 'output' (sigmoid).

    Each layer's cache is stored in params, as forward does; returns the output, shape (N, D).
    """
    # TODO: autoencoder_forward: apply forward four times: layer1, hidden and hidden2 with relu, output with sigmoid.
    raise NotImplementedError('autoencoder_forward: apply forward four times: layer1, hidden and hidden2 with relu, output with sigmoid.')
    return out


def autoencoder_backwards(X, out, params):
    """Backpropagate the autoencoder's loss, the total squared error sum((X - out) ** 2).

    - X: the inputs, shape (N, D); out: autoencoder_forward(X, params), whose caches are in params

    Starts from the loss's gradient with respect to out and goes through the four layers with
    backwards, from 'output' (sigmoid) to 'layer1' (relu), storing each layer's 'grad_W' and
    'grad_b' entries in params. Returns nothing.
    """
    # TODO: autoencoder_backwards: start from delta = dloss/dout = 2 (out - X) and call backwards for output (sigmoid_deriv), then hidden2, hidden and layer1 (relu_deriv).
    raise NotImplementedError('autoencoder_backwards: start from delta = dloss/dout = 2 (out - X) and call backwards for output (sigmoid_deriv), then hidden2, hidden and layer1 (relu_deriv).')


# -- Q5.1.2 -----------------------------------------------------------------------------------
def momentum_update(params, learning_rate, momentum=0.9):
    """One step of gradient descent with momentum, for every parameter k that has a gradient
    params['grad_' + k]:

        params['m_' + k] = momentum * params['m_' + k] - learning_rate * params['grad_' + k]
        params[k] = params[k] + params['m_' + k]

    The accumulators 'm_' + k start at zero: one that params does not hold yet is created as
    zeros shaped like params[k]. Returns nothing.
    """
    # TODO: momentum_update: for each parameter k with a gradient, update the accumulator params['m_' + k] (zeros if absent), then params[k].
    raise NotImplementedError("momentum_update: for each parameter k with a gradient, update the accumulator params['m_' + k] (zeros if absent), then params[k].")


# -- Q5.3.2 -----------------------------------------------------------------------------------
def psnr(original, reconstructed, max_value=1.0):
    """Peak signal-to-noise ratio, in dB, of a reconstructed image against its original.

    - original, reconstructed: arrays of the same shape (one image, any shape)
    - max_value: the largest value a pixel can take (1.0 for images in [0, 1])

    Returns 20 log10(max_value) - 10 log10(MSE), MSE the mean over all pixels of the squared
    difference, as a number.
    """
    # TODO: psnr: compute the mean squared error over all pixels, then 20 log10(max_value) - 10 log10(mse).
    raise NotImplementedError('psnr: compute the mean squared error over all pixels, then 20 log10(max_value) - 10 log10(mse).')
    return value
