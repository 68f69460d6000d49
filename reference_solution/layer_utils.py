"""Sandwich layers: common sequences of layers as one forward/backward pair.

The affine ones are built from the functions of layers.py, so they are
correct as soon as yours are; the convolutional ones use the provided
fast_layers.py (as CS231n's do), so a network trains at a useful speed
whatever your naive convolution's speed. Add your own here (for example
affine - relu - dropout) and call them from fc_net.py or cnn.py.
"""
from layers import *
from fast_layers import *


def affine_relu_forward(x, w, b):
    """An affine layer followed by a ReLU.

    Inputs:
    - x: input of shape (N, d_1, ..., d_k)
    - w: weights of shape (D, M)
    - b: biases of shape (M,)

    Returns a tuple of:
    - out: output of the ReLU, of shape (N, M)
    - cache: (fc_cache, relu_cache), for affine_relu_backward
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    """Backward pass of affine_relu_forward.

    Inputs:
    - dout: upstream derivative of shape (N, M)
    - cache: (fc_cache, relu_cache) from affine_relu_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)


def conv_relu_forward(x, w, b, conv_param):
    """A convolution followed by a ReLU.

    Inputs:
    - x: input of shape (N, C, H, W)
    - w: filters of shape (F, C, HH, WW)
    - b: biases of shape (F,)
    - conv_param: {'stride': s, 'pad': p} for conv_forward_fast

    Returns a tuple of:
    - out: output of the ReLU, of shape (N, F, H', W')
    - cache: (conv_cache, relu_cache), for conv_relu_backward
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    return out, (conv_cache, relu_cache)


def conv_relu_backward(dout, cache):
    """Backward pass of conv_relu_forward: returns (dx, dw, db)."""
    conv_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return conv_backward_fast(da, conv_cache)


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """A convolution, a ReLU, then max pooling.

    Inputs:
    - x: input of shape (N, C, H, W)
    - w: filters of shape (F, C, HH, WW)
    - b: biases of shape (F,)
    - conv_param: {'stride': s, 'pad': p} for conv_forward_fast
    - pool_param: {'pool_height', 'pool_width', 'stride'} for max_pool_forward_fast

    Returns a tuple of:
    - out: output of the pooling layer, of shape (N, F, H'', W'')
    - cache: (conv_cache, relu_cache, pool_cache), for conv_relu_pool_backward
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    return out, (conv_cache, relu_cache, pool_cache)


def conv_relu_pool_backward(dout, cache):
    """Backward pass of conv_relu_pool_forward: returns (dx, dw, db)."""
    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    da = relu_backward(ds, relu_cache)
    return conv_backward_fast(da, conv_cache)
