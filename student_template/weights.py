"""Weight initialisation, in numpy."""
import numpy as np


def xavier_uniform(fan_in, fan_out, seed=None):
    """Xavier (Glorot) uniform initialisation of a weight matrix.

    The weights are drawn independently from the uniform distribution
    U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), so that their variance,
    a**2 / 3 = 2 / (fan_in + fan_out), keeps the scale of the activations and
    of the gradients about the same from layer to layer.

    Inputs:
    - fan_in: the number of inputs of the layer, D
    - fan_out: the number of outputs of the layer, M
    - seed: if not None, the draw is reproducible: the same seed gives the same
      weights. Use a local generator (np.random.default_rng(seed)); do not
      reseed numpy's global random number generator.

    Returns:
    - w: weights of shape (fan_in, fan_out), that is (D, M)
    """
    # TODO: xavier_uniform: draw w of shape (fan_in, fan_out) from U(-a, a), a = sqrt(6 / (fan_in + fan_out)), with a generator made from seed.
    raise NotImplementedError('xavier_uniform: draw w of shape (fan_in, fan_out) from U(-a, a), a = sqrt(6 / (fan_in + fan_out)), with a generator made from seed.')
    return w
