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


def leaky_relu_forward(x, alpha=0.01):
    """Forward pass of a layer of leaky ReLUs.

    Inputs:
    - x: input of any shape
    - alpha: slope for negative inputs, a float in [0, 1)

    Returns a tuple of:
    - out: output of the same shape as x: x where x > 0, alpha * x elsewhere
    - cache: (x, alpha)
    """
    # TODO: leaky_relu_forward: compute out: x where x > 0, alpha * x elsewhere.
    raise NotImplementedError('leaky_relu_forward: compute out: x where x > 0, alpha * x elsewhere.')
    cache = (x, alpha)
    return out, cache


def leaky_relu_backward(dout, cache):
    """Backward pass of a layer of leaky ReLUs.

    Inputs:
    - dout: upstream derivative, of any shape
    - cache: (x, alpha) as returned by leaky_relu_forward

    Returns:
    - dx: gradient with respect to x, of the same shape as dout
    """
    x, alpha = cache
    # TODO: leaky_relu_backward: pass dout through where x > 0 and scale it by alpha elsewhere.
    raise NotImplementedError('leaky_relu_backward: pass dout through where x > 0 and scale it by alpha elsewhere.')
    return dx


def sigmoid_forward(x):
    """Forward pass of a layer of sigmoids, 1 / (1 + exp(-x)) elementwise.

    Must neither overflow nor return NaN for abs(x) up to 1e4: exp is only
    ever taken of a non-positive number.

    Input:
    - x: input of any shape

    Returns a tuple of:
    - out: output of the same shape as x, in [0, 1]
    - cache: out
    """
    # TODO: sigmoid_forward: compute out = 1 / (1 + exp(-x)) without overflow in exp for large abs(x).
    raise NotImplementedError('sigmoid_forward: compute out = 1 / (1 + exp(-x)) without overflow in exp for large abs(x).')
    cache = out
    return out, cache


def sigmoid_backward(dout, cache):
    """Backward pass of a layer of sigmoids.

    Inputs:
    - dout: upstream derivative, of any shape
    - cache: the forward's output s = sigmoid(x), of the same shape as dout

    Returns:
    - dx: gradient with respect to x
    """
    s = cache
    # TODO: sigmoid_backward: compute dx from s: the derivative of the sigmoid is s * (1 - s).
    raise NotImplementedError('sigmoid_backward: compute dx from s: the derivative of the sigmoid is s * (1 - s).')
    return dx


def tanh_forward(x):
    """Forward pass of a layer of hyperbolic tangents.

    Input:
    - x: input of any shape

    Returns a tuple of:
    - out: output of the same shape as x, tanh(x) elementwise
    - cache: out
    """
    # TODO: tanh_forward: compute out = tanh(x) elementwise.
    raise NotImplementedError('tanh_forward: compute out = tanh(x) elementwise.')
    cache = out
    return out, cache


def tanh_backward(dout, cache):
    """Backward pass of a layer of hyperbolic tangents.

    Inputs:
    - dout: upstream derivative, of any shape
    - cache: the forward's output t = tanh(x), of the same shape as dout

    Returns:
    - dx: gradient with respect to x
    """
    t = cache
    # TODO: tanh_backward: compute dx from t: the derivative of tanh is 1 - t ** 2.
    raise NotImplementedError('tanh_backward: compute dx from t: the derivative of tanh is 1 - t ** 2.')
    return dx


def softmax_forward(x):
    """Forward pass of a softmax over the classes of each example.

    Must neither overflow nor return NaN for scores up to 1e4 in absolute
    value: subtracting a row's maximum leaves its softmax unchanged.

    Input:
    - x: scores of shape (N, C)

    Returns a tuple of:
    - out: probabilities of shape (N, C); each row is positive and sums to 1
    - cache: out
    """
    # TODO: softmax_forward: compute the softmax of each row of x, stable for large scores.
    raise NotImplementedError('softmax_forward: compute the softmax of each row of x, stable for large scores.')
    cache = out
    return out, cache


def softmax_backward(dout, cache):
    """Backward pass of a softmax over the classes of each example.

    For each row, dx_i = J_i^T dout_i, where J_i = diag(p_i) - p_i p_i^T is
    the Jacobian of the softmax at that row (see softmax_jacobian).

    Inputs:
    - dout: upstream derivative of shape (N, C)
    - cache: the forward's output p, of shape (N, C)

    Returns:
    - dx: gradient with respect to the scores x, of shape (N, C)
    """
    p = cache
    # TODO: softmax_backward: compute dx row by row as J^T dout through the softmax's Jacobian, without building J.
    raise NotImplementedError("softmax_backward: compute dx row by row as J^T dout through the softmax's Jacobian, without building J.")
    return dx


def softmax_jacobian(s):
    """The Jacobian of the softmax of one vector of scores.

    Input:
    - s: scores of shape (C,)

    Returns:
    - J: array of shape (C, C), J[i, j] = d softmax(s)_i / d s_j = p_i (delta_ij - p_j),
      that is diag(p) - p p^T with p = softmax(s)
    """
    # TODO: softmax_jacobian: compute p = softmax(s), then J = diag(p) - p p^T.
    raise NotImplementedError('softmax_jacobian: compute p = softmax(s), then J = diag(p) - p p^T.')
    return J


def dropout_forward(x, dropout_param):
    """Forward pass of inverted dropout.

    In train mode each unit is zeroed with probability p and the kept units
    are scaled by 1 / (1 - p), so that the expectation of every output equals
    its input; in test mode the layer is the identity.

    Inputs:
    - x: input of any shape
    - dropout_param: a dict with the keys
      - mode: 'train' or 'test'
      - p: the probability of dropping each unit, in [0, 1)
      - seed: an int that makes the mask reproducible, or None; draw the mask
        from np.random.default_rng(seed) rather than reseeding the global RNG

    Returns a tuple of:
    - out: output of the same shape as x
    - cache: (dropout_param, mask), mask being None in test mode
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        # TODO: dropout_forward: draw a mask that keeps each unit with probability 1 - p, scaled by 1 / (1 - p); apply it.
        raise NotImplementedError('dropout_forward: draw a mask that keeps each unit with probability 1 - p, scaled by 1 / (1 - p); apply it.')
    elif mode == "test":
        # TODO: dropout_forward: in test mode, dropout does nothing.
        raise NotImplementedError('dropout_forward: in test mode, dropout does nothing.')
    else:
        raise ValueError(f"dropout mode must be 'train' or 'test', got {mode!r}")
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Inputs:
    - dout: upstream derivative, of any shape
    - cache: (dropout_param, mask) as returned by dropout_forward

    Returns:
    - dx: gradient with respect to x, of the same shape as dout
    """
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        # TODO: dropout_backward: apply the forward's mask (scale included) to dout.
        raise NotImplementedError("dropout_backward: apply the forward's mask (scale included) to dout.")
    else:
        # TODO: dropout_backward: in test mode, dropout passes the gradient through.
        raise NotImplementedError('dropout_backward: in test mode, dropout passes the gradient through.')
    return dx


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss and its gradient.

    Inputs:
    - x: scores of shape (N, C); x[i, j] is the score of class j for example i
    - y: labels of shape (N,), 0 <= y[i] < C

    Returns a tuple of:
    - loss: the mean over the N examples of -log softmax(x[i])[y[i]], a float
    - dx: gradient of the loss with respect to x, of shape (N, C)

    Both must stay finite for scores as large as 1e4 in magnitude: subtract each
    row's maximum before exponentiating.
    """
    # TODO: softmax_loss: compute the mean loss and dx, stable for large scores (work with log-probabilities).
    raise NotImplementedError('softmax_loss: compute the mean loss and dx, stable for large scores (work with log-probabilities).')
    return loss, dx


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss with margin 1, and its gradient.

    Inputs:
    - x: scores of shape (N, C); x[i, j] is the score of class j for example i
    - y: labels of shape (N,), 0 <= y[i] < C

    Returns a tuple of:
    - loss: the mean over the N examples of sum_{j != y[i]} max(0, x[i, j] - x[i, y[i]] + 1), a float
    - dx: gradient of the loss with respect to x, of shape (N, C)
    """
    # TODO: svm_loss: compute the mean hinge loss over the wrong classes and dx.
    raise NotImplementedError('svm_loss: compute the mean hinge loss over the wrong classes and dx.')
    return loss, dx


def cross_entropy_loss(probs, y):
    """Cross-entropy loss of predicted probabilities, and its gradient.

    Inputs:
    - probs: probabilities of shape (N, C), each row sums to 1, positive entries
    - y: labels of shape (N,), 0 <= y[i] < C

    Returns a tuple of:
    - loss: the mean over the N examples of -log probs[i, y[i]], a float
    - dprobs: gradient of the loss with respect to probs, of shape (N, C)
    """
    # TODO: cross_entropy_loss: compute the mean of -log probs[i, y[i]] and its gradient, nonzero only at the labels.
    raise NotImplementedError('cross_entropy_loss: compute the mean of -log probs[i, y[i]] and its gradient, nonzero only at the labels.')
    return loss, dprobs


def mse_loss(pred, target):
    """Mean squared error and its gradient.

    Inputs:
    - pred: predictions of any shape
    - target: targets of the same shape as pred

    Returns a tuple of:
    - loss: the mean over all elements of (pred - target) ** 2, a float
    - dpred: gradient of the loss with respect to pred, of the same shape as pred
    """
    # TODO: mse_loss: compute the mean over all elements of the squared error, and its gradient.
    raise NotImplementedError('mse_loss: compute the mean over all elements of the squared error, and its gradient.')
    return loss, dpred


def conv_forward_naive(x, w, b, conv_param):
    """Forward pass of a convolutional layer (a cross-correlation, as in every deep learning library).

    The input has N examples, each with C channels, of height H and width W.
    Each of the F filters spans all C channels and has height HH and width WW;
    filter f at output position (i, j) gives
    out[n, f, i, j] = sum over c, di, dj of xpad[n, c, i * s + di, j * s + dj] * w[f, c, di, dj] + b[f],
    where xpad is x with p zeros added on all four sides of each image.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: filter weights of shape (F, C, HH, WW)
    - b: biases of shape (F,)
    - conv_param: a dict with the keys
      - 'stride': the number s of pixels between neighbouring receptive fields, in both directions
      - 'pad': the number p of zeros added on each side (top, bottom, left, right) of each image

    Returns a tuple of:
    - out: output of shape (N, F, H', W'), where
      H' = 1 + (H + 2 * p - HH) // s and W' = 1 + (W + 2 * p - WW) // s
    - cache: (x, w, b, conv_param)
    """
    # TODO: conv_forward_naive: zero-pad x by conv_param['pad'] on all four sides, then compute out[n, f, i, j] for every output position, moving by conv_param['stride'].
    raise NotImplementedError("conv_forward_naive: zero-pad x by conv_param['pad'] on all four sides, then compute out[n, f, i, j] for every output position, moving by conv_param['stride'].")
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """Backward pass of a convolutional layer.

    Inputs:
    - dout: upstream derivative of shape (N, F, H', W')
    - cache: (x, w, b, conv_param) as returned by conv_forward_naive

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    """
    x, w, b, conv_param = cache
    # TODO: conv_backward_naive: compute db, dw and dx; every input pixel gets a contribution from each output whose window covers it.
    raise NotImplementedError('conv_backward_naive: compute db, dw and dx; every input pixel gets a contribution from each output whose window covers it.')
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """Forward pass of a max-pooling layer.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pool_param: a dict with the keys
      - 'pool_height': the height of each pooling window
      - 'pool_width': the width of each pooling window
      - 'stride': the distance between neighbouring windows, in both directions
        (windows overlap when it is smaller than the window)

    Returns a tuple of:
    - out: output of shape (N, C, H', W'), the maximum of each window, where
      H' = 1 + (H - pool_height) // stride and W' = 1 + (W - pool_width) // stride
    - cache: (x, pool_param)
    """
    # TODO: max_pool_forward_naive: compute the maximum of each pool_height x pool_width window, windows moving by the stride.
    raise NotImplementedError('max_pool_forward_naive: compute the maximum of each pool_height x pool_width window, windows moving by the stride.')
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """Backward pass of a max-pooling layer.

    Each window's upstream derivative goes to the element that was its
    maximum; an element that is the maximum of several (overlapping) windows
    receives the sum of their derivatives.

    Inputs:
    - dout: upstream derivative of shape (N, C, H', W')
    - cache: (x, pool_param) as returned by max_pool_forward_naive

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param = cache
    # TODO: max_pool_backward_naive: route each window's dout to the position of that window's maximum, adding up where windows overlap.
    raise NotImplementedError("max_pool_backward_naive: route each window's dout to the position of that window's maximum, adding up where windows overlap.")
    return dx


def avg_pool_forward_naive(x, pool_param):
    """Forward pass of an average-pooling layer.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pool_param: a dict with the keys 'pool_height', 'pool_width' and 'stride',
      as for max_pool_forward_naive

    Returns a tuple of:
    - out: output of shape (N, C, H', W'), the mean of each window, where
      H' = 1 + (H - pool_height) // stride and W' = 1 + (W - pool_width) // stride
    - cache: (x, pool_param)
    """
    # TODO: avg_pool_forward_naive: compute the mean of each pool_height x pool_width window, windows moving by the stride.
    raise NotImplementedError('avg_pool_forward_naive: compute the mean of each pool_height x pool_width window, windows moving by the stride.')
    cache = (x, pool_param)
    return out, cache


def avg_pool_backward_naive(dout, cache):
    """Backward pass of an average-pooling layer.

    Each window's upstream derivative is shared equally by its
    pool_height * pool_width elements; an element in several (overlapping)
    windows receives the sum of its shares.

    Inputs:
    - dout: upstream derivative of shape (N, C, H', W')
    - cache: (x, pool_param) as returned by avg_pool_forward_naive

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param = cache
    # TODO: avg_pool_backward_naive: give each element of a window an equal share of the window's dout, adding up where windows overlap.
    raise NotImplementedError("avg_pool_backward_naive: give each element of a window an equal share of the window's dout, adding up where windows overlap.")
    return dx
