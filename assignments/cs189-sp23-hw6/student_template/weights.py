"""Weight initialisers (provided): ``initialize_weights(name)`` returns a function of a shape.

    init = initialize_weights("xavier_uniform")
    W = init((n_in, n_out))            # a fully connected layer's weights
    W = init((k1, k2, C_in, C_out))    # a convolution's filters

The fans of a shape: (n_in, n_out) for a matrix; for a filter bank
(k1, k2, C_in, C_out), fan_in = k1 * k2 * C_in and fan_out = k1 * k2 * C_out.
Draws come from one generator, seeded once when this module is imported.
"""
from typing import Callable, Tuple

import numpy as np

_RNG = np.random.default_rng(189)  # seeded once; never reseeded


def _fans(shape: Tuple[int, ...]) -> Tuple[int, int]:
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = int(np.prod(shape[:-2]))
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def xavier_uniform(shape: Tuple[int, ...]) -> np.ndarray:
    """U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010)."""
    fan_in, fan_out = _fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return _RNG.uniform(-limit, limit, size=shape)


def xavier_normal(shape: Tuple[int, ...]) -> np.ndarray:
    """N(0, 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(shape)
    return _RNG.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def he_uniform(shape: Tuple[int, ...]) -> np.ndarray:
    """U(-a, a) with a = sqrt(6 / fan_in) (He et al., 2015), for ReLU layers."""
    fan_in, _ = _fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return _RNG.uniform(-limit, limit, size=shape)


def he_normal(shape: Tuple[int, ...]) -> np.ndarray:
    """N(0, 2 / fan_in)."""
    fan_in, _ = _fans(shape)
    return _RNG.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


_INITIALIZERS = {"xavier_uniform": xavier_uniform, "xavier_normal": xavier_normal,
                 "he_uniform": he_uniform, "he_normal": he_normal}


def initialize_weights(name: str = "xavier_uniform", activation: str = None) -> Callable[[Tuple[int, ...]], np.ndarray]:
    """The initialiser called ``name`` (``activation`` is accepted, as the layers pass it, and unused)."""
    if name not in _INITIALIZERS:
        raise NotImplementedError(f"{name} weight initialisation is not implemented; use one of {sorted(_INITIALIZERS)}")
    return _INITIALIZERS[name]
