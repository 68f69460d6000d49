"""Optimizers (provided): ``update`` returns the step to subtract from a parameter.

    optimizer = initialize_optimizer(name="SGD", lr=0.1, momentum=0.9)
    layer.parameters["W"] -= optimizer.update("W0", W, dW, epoch)
"""
from typing import Dict

import numpy as np


class SGD:
    """Stochastic gradient descent with momentum and an optional exponential decay of the learning rate.

    The step for a parameter is v = momentum * v_previous + lr_epoch * gradient, with
    lr_epoch = lr * lr_decay ** epoch (lr_decay 1: constant) and the gradient first scaled down
    to a norm of ``clip_norm`` if it is longer.
    """

    def __init__(self, lr: float, momentum: float = 0.0, clip_norm: float = None, lr_decay: float = 1.0) -> None:
        self.lr = lr
        self.momentum = momentum
        self.clip_norm = clip_norm
        self.lr_decay = lr_decay
        self.cache: Dict[str, np.ndarray] = {}  # parameter name -> its velocity

    def update(self, param_name: str, param: np.ndarray, param_grad: np.ndarray, epoch: int) -> np.ndarray:
        """The step to subtract from ``param`` (named ``param_name`` across calls, e.g. "W0")."""
        grad = param_grad
        if self.clip_norm is not None:
            norm = np.linalg.norm(grad)
            if norm > self.clip_norm:
                grad = grad * (self.clip_norm / norm)
        lr = self.lr * self.lr_decay ** epoch
        velocity = self.momentum * self.cache.get(param_name, np.zeros_like(param)) + lr * grad
        self.cache[param_name] = velocity
        return velocity


def initialize_optimizer(name: str = "SGD", lr: float = 0.01, momentum: float = 0.0, clip_norm: float = None,
                         lr_decay: float = 1.0) -> SGD:
    """The optimizer called ``name`` (SGD)."""
    if name != "SGD":
        raise NotImplementedError(f"{name} optimizer is not implemented")
    return SGD(lr=lr, momentum=momentum, clip_norm=clip_norm, lr_decay=lr_decay)
