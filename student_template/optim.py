"""Update rules for training neural networks, in numpy.

Every rule has the signature

    next_w, config = rule(w, dw, config=None)

Inputs:
- w: the current weights, an array of any shape
- dw: the gradient of the loss with respect to w, of the same shape as w
- config: a dictionary of hyperparameters (learning rate, momentum, ...) and of
  the rule's state between calls (velocity, moving averages, ...); None means
  "all defaults". A missing entry takes its default, stored with
  config.setdefault so that the returned config shows every value used.

Returns:
- next_w: the weights after the update, of the same shape as w (as in CS231n,
  a rule may update w in place and return it as next_w; dw must not change)
- config: the configuration to pass to the next call, its state updated

Keep the state in config under the names given in each rule's docstring: the
caller (solver.py) passes the returned config back in at the next step, and
the grader reads the state from it.
"""
import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: next_w = w - learning_rate * dw.

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    # TODO: sgd: compute next_w = w - learning_rate * dw.
    raise NotImplementedError('sgd: compute next_w = w - learning_rate * dw.')
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    v = momentum * v - learning_rate * dw, then next_w = w + v.

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - momentum: scalar between 0 and 1 giving the momentum value; 0 gives plain
      sgd (default 0.9)
    - velocity: an array of the same shape as w and dw, the moving average of
      the gradients (default zeros)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    config.setdefault("velocity", np.zeros_like(w, dtype=np.float64))

    # TODO: sgd_momentum: update the velocity v = momentum * v - learning_rate * dw, store it in config['velocity'], and compute next_w = w + v.
    raise NotImplementedError("sgd_momentum: update the velocity v = momentum * v - learning_rate * dw, store it in config['velocity'], and compute next_w = w + v.")
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: a per-parameter step size scaled by a moving average of squared gradients.

    cache = decay_rate * cache + (1 - decay_rate) * dw**2, then
    next_w = w - learning_rate * dw / (sqrt(cache) + epsilon).

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - decay_rate: scalar between 0 and 1 giving the decay rate of the squared
      gradient cache (default 0.99)
    - epsilon: small scalar that avoids dividing by zero (default 1e-8)
    - cache: an array of the same shape as w, the moving average of the
      squared gradients (default zeros)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w, dtype=np.float64))

    # TODO: rmsprop: update cache = decay_rate * cache + (1 - decay_rate) * dw**2, store it in config['cache'], and compute next_w = w - learning_rate * dw / (sqrt(cache) + epsilon).
    raise NotImplementedError("rmsprop: update cache = decay_rate * cache + (1 - decay_rate) * dw**2, store it in config['cache'], and compute next_w = w - learning_rate * dw / (sqrt(cache) + epsilon).")
    return next_w, config


def adam(w, dw, config=None):
    """Adam: moving averages of the gradient and its square, with bias correction.

    At each call: t = t + 1 (first), then
    m = beta1 * m + (1 - beta1) * dw,
    v = beta2 * v + (1 - beta2) * dw**2,
    mhat = m / (1 - beta1**t), vhat = v / (1 - beta2**t),
    next_w = w - learning_rate * mhat / (sqrt(vhat) + epsilon).

    config format:
    - learning_rate: scalar learning rate (default 1e-3)
    - beta1: decay rate of the moving average of the gradient (default 0.9)
    - beta2: decay rate of the moving average of the squared gradient (default 0.999)
    - epsilon: small scalar that avoids dividing by zero (default 1e-8)
    - m: moving average of the gradient, shaped like w (default zeros)
    - v: moving average of the squared gradient, shaped like w (default zeros)
    - t: the number of updates made so far, the iteration number (default 0)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w, dtype=np.float64))
    config.setdefault("v", np.zeros_like(w, dtype=np.float64))
    config.setdefault("t", 0)

    # TODO: adam: increment t first, update m and v, correct their bias (m / (1 - beta1**t), v / (1 - beta2**t)), compute next_w = w - learning_rate * mhat / (sqrt(vhat) + epsilon), and store t, m and v in config.
    raise NotImplementedError('adam: increment t first, update m and v, correct their bias (m / (1 - beta1**t), v / (1 - beta2**t)), compute next_w = w - learning_rate * mhat / (sqrt(vhat) + epsilon), and store t, m and v in config.')
    return next_w, config
