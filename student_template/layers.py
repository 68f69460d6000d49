"""Forward and backward passes of the layers of a neural network, in numpy.

Each ``*_forward`` returns ``(out, cache)``; each ``*_backward(dout, cache)``
returns the gradient(s) of the loss with respect to the forward's inputs.
"""
import numpy as np


def affine_forward(x, w, b):
    """Forward pass of a fully connected (affine) layer.

    The input x has shape (N, d_1, ..., d_k): a minibatch of N examples,
    each of which is reshaped into a vector of dimension D = d_1 * ... * d_k.

    Inputs:
    - x: input data of shape (N, d_1, ..., d_k)
    - w: weights of shape (D, M)
    - b: biases of shape (M,)

    Returns a tuple of:
    - out: output of shape (N, M)
    - cache: (x, w, b)
    """
    # TODO: affine_forward: reshape each example of x into a row and compute out = x w + b.
    raise NotImplementedError('affine_forward: reshape each example of x into a row and compute out = x w + b.')
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Inputs:
    - dout: upstream derivative of shape (N, M)
    - cache: (x, w, b) as returned by affine_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    x, w, b = cache
    # TODO: affine_backward: compute dx (shaped like x), dw and db.
    raise NotImplementedError('affine_backward: compute dx (shaped like x), dw and db.')
    return dx, dw, db


def relu_forward(x):
    """Forward pass of a layer of rectified linear units (ReLUs).

    Input:
    - x: input of any shape

    Returns a tuple of:
    - out: output of the same shape as x, max(0, x) elementwise
    - cache: x
    """
    # TODO: relu_forward: compute out, the elementwise max(0, x), without modifying x.
    raise NotImplementedError('relu_forward: compute out, the elementwise max(0, x), without modifying x.')
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of a layer of ReLUs.

    Input:
    - dout: upstream derivative, of any shape
    - cache: the input x, of the same shape as dout

    Returns:
    - dx: gradient with respect to x
    """
    x = cache
    # TODO: relu_backward: pass dout through where x > 0 and zero it elsewhere.
    raise NotImplementedError('relu_backward: pass dout through where x > 0 and zero it elsewhere.')
    return dx
