"""The layers of a fully-connected network, in numpy (problem 2.1).

Every layer is a pair of functions:

    out, cache = <layer>_forward(inputs...)   # cache: what the backward pass needs
    grads = <layer>_backward(dout, cache)     # dout: d loss / d out; one gradient per input

The loss layer merges the two steps: ``softmax_loss(x, y)`` returns the loss and its
gradient at once. Inputs must never be modified in place.
"""
import numpy as np


def fc_forward(x, w, b):
    """Forward pass of a fully-connected (fc) layer: out = x w + b.

    The input x holds a minibatch of N examples, each of shape (d_1, ..., d_k);
    each example is reshaped into a vector of dimension D = d_1 * ... * d_k.

    Inputs:
    - x: input data of shape (N, d_1, ..., d_k)
    - w: weights of shape (D, M)
    - b: biases of shape (M,)

    Returns a tuple of:
    - out: output of shape (N, M)
    - cache: (x, w, b)
    """
    # TODO: fc_forward: reshape each example of x into a row of D values and compute out = x w + b.
    raise NotImplementedError('fc_forward: reshape each example of x into a row of D values and compute out = x w + b.')
    cache = (x, w, b)
    return out, cache


def fc_backward(dout, cache):
    """Backward pass of a fully-connected layer.

    Inputs:
    - dout: upstream derivative of shape (N, M)
    - cache: (x, w, b) as returned by fc_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    x, w, b = cache
    # TODO: fc_backward: compute dx (shaped like x), dw and db.
    raise NotImplementedError('fc_backward: compute dx (shaped like x), dw and db.')
    return dx, dw, db


def relu_forward(x):
    """Forward pass of a layer of rectified linear units: out = max(0, x) elementwise.

    Input:
    - x: input of any shape

    Returns a tuple of:
    - out: output of the same shape as x
    - cache: x
    """
    # TODO: relu_forward: compute out, the elementwise max(0, x), without modifying x.
    raise NotImplementedError('relu_forward: compute out, the elementwise max(0, x), without modifying x.')
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of a layer of ReLUs.

    Inputs:
    - dout: upstream derivative, of any shape
    - cache: x, the input of relu_forward, of the same shape as dout

    Returns:
    - dx: gradient with respect to x (the derivative is taken as 0 where x <= 0)
    """
    x = cache
    # TODO: relu_backward: compute dx: dout where x > 0, else 0 (without modifying dout).
    raise NotImplementedError('relu_backward: compute dx: dout where x > 0, else 0 (without modifying dout).')
    return dx


def softmax_loss(x, y):
    """The softmax loss: the softmax of the scores followed by the cross-entropy, averaged over the batch.

    For one example with scores s_1, ..., s_C and correct class c, with m = max_i s_i:
        E = -log(e^{s_c} / sum_k e^{s_k}) = -(s_c - m) + log(sum_k e^{s_k - m}).
    Use the right-hand form: it never overflows, even for scores in the thousands.

    Inputs:
    - x: scores of shape (N, C); x[i, j] is the score of class j for example i
    - y: labels of shape (N,); y[i] is the correct class of x[i], 0 <= y[i] < C

    Returns a tuple of:
    - loss: the mean loss over the N examples, a number
    - dx: gradient of the loss with respect to x, of shape (N, C)
    """
    # TODO: softmax_loss: compute the mean loss with the max-shifted form above, and dx.
    raise NotImplementedError('softmax_loss: compute the mean loss with the max-shifted form above, and dx.')
    return loss, dx
