"""Training loops of CMU 16-720 HW5, run on the submission's side with the submission's functions.

The loops are the grader's (those of run_q3.py and run_q5.py), one call per epoch, so that a slow
submission is stopped by the per-call deadline at an epoch, not after the whole run; every step of
them is a function the student wrote, passed in ``functions`` as handles to the submission's own
(nn.forward, util.relu, ...). A probe returns parameters as plain float64 arrays and nothing else:
the grader measures them with its own numpy network on examples this side never receives, so
nothing this side computes about itself is trusted.

numpy's global random generator is seeded at the start: the starter's initialize_weights and
get_random_batches draw from it, so a submission trains the same way at every run. The loops run
with numpy's BLAS on one thread: OpenBLAS's threads wait by spinning, and on a busy or shared CPU
(two grades at once, Gradescope's half CPU) the loops' small products then ran seven times slower
(measured: 14 s against 2.2 s for the autoencoder).
"""
import contextlib
import ctypes

import numpy as np

CLASSIFIER_LAYERS = ("layer1", "output")
AUTOENCODER_LAYERS = ("layer1", "hidden", "hidden2", "output")


def _blas_thread_setters():
    """(get, set) of the number of threads of the OpenBLAS numpy uses, or None where it cannot be found."""
    try:
        from numpy._core import _multiarray_umath as extension  # numpy 2
    except ImportError:  # numpy 1
        from numpy.core import _multiarray_umath as extension
    try:
        library = ctypes.CDLL(extension.__file__)  # its symbols, and those of the libraries it links
    except OSError:
        return None
    for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "64_"), ("openblas", "")):
        getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
        setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
        if getter is not None and setter is not None:
            getter.restype = ctypes.c_int
            setter.argtypes = [ctypes.c_int]
            return getter, setter
    return None


@contextlib.contextmanager
def _one_blas_thread():
    """numpy's BLAS on one thread for the duration (nothing changes where its library is not OpenBLAS)."""
    try:
        found = _blas_thread_setters()
    except Exception:  # noqa: BLE001 - an unusual numpy build: train with what it has
        found = None
    if found is None:
        yield
        return
    getter, setter = found
    previous = getter()
    setter(1)
    try:
        yield
    finally:
        setter(previous)


def _plain_arrays(params, keys):
    """{key: params[key] as a new float64 array (None if absent or not numeric)} for each of ``keys``."""
    found = {}
    for key in keys:
        value = params.get(key) if isinstance(params, dict) else None
        try:
            found[key] = None if value is None else np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            found[key] = None
    return found


def _own_copy(params):
    """A copy of the grader's params to train in: the student's functions may update its arrays in place
    (momentum_update may), and the caller's arguments must stay as they were."""
    return {key: np.array(value, dtype=np.float64) for key, value in params.items()}


def _weights(layers):
    return [key for name in layers for key in ("W" + name, "b" + name)]


class TrainingData:
    """The training examples, kept on this side for the whole run: the epochs' calls take a handle to it, so
    that the arrays (NIST36's: 88 MB) cross the sandbox's boundary once, not once per epoch."""

    def __init__(self, x, y):
        self.x, self.y = x, y


def keep_training_data(x, y=None):
    """A TrainingData holding ``x`` and ``y`` (the autoencoder's: no labels); it comes back as a handle."""
    return TrainingData(x, np.zeros((x.shape[0], 1)) if y is None else y)


# -- run_q3.py: the classifier --------------------------------------------------------------------
def classifier_start(functions, in_size, hidden_size, out_size, seed):
    """Seed numpy's global generator, then initialise the layers 'layer1' and 'output' with the
    submission's initialize_weights; returns their 'W' and 'b'."""
    np.random.seed(seed)
    params = {}
    functions["initialize_weights"](in_size, hidden_size, params, "layer1")
    functions["initialize_weights"](hidden_size, out_size, params, "output")
    return _plain_arrays(params, _weights(CLASSIFIER_LAYERS))


def classifier_epoch(data, params, functions, batch_size, learning_rate):
    """One epoch of minibatch SGD of the classifier (sigmoid hidden layer, softmax output, total
    cross-entropy) over the batches of the submission's get_random_batches, on the examples of ``data``
    (a TrainingData); returns the new 'W' and 'b'.

    ``functions`` holds the submission's get_random_batches, forward, backwards, sigmoid, softmax,
    sigmoid_deriv and util's linear_deriv.
    """
    params = _own_copy(params)
    with _one_blas_thread():
        for batch_x, batch_y in functions["get_random_batches"](data.x, data.y, batch_size):
            hidden = functions["forward"](batch_x, params, "layer1", functions["sigmoid"])
            probs = functions["forward"](hidden, params, "output", functions["softmax"])
            # the total cross-entropy of softmax(scores) has the gradient probs - y with respect to the scores
            delta = functions["backwards"](probs - batch_y, params, "output", functions["linear_deriv"])
            functions["backwards"](delta, params, "layer1", functions["sigmoid_deriv"])
            for key in _weights(CLASSIFIER_LAYERS):
                params[key] = params[key] - learning_rate * params["grad_" + key]
    return _plain_arrays(params, _weights(CLASSIFIER_LAYERS))


# -- run_q5.py: the autoencoder -------------------------------------------------------------------
def autoencoder_start(functions, in_size, hidden_size, seed):
    """Seed numpy's global generator, then initialise the autoencoder with the submission's
    initialize_autoencoder; returns every layer's 'W' and 'b'."""
    np.random.seed(seed)
    params = {}
    functions["initialize_autoencoder"](in_size, hidden_size, params)
    return _plain_arrays(params, _weights(AUTOENCODER_LAYERS))


def autoencoder_epoch(data, params, functions, batch_size, learning_rate):
    """One epoch of the autoencoder's training with momentum (the default 0.9), minimising the total
    squared error; returns every layer's 'W' and 'b' and the accumulators 'm_' + k momentum_update
    keeps (absent ones are left out: the next epoch starts them afresh).

    ``functions`` holds the submission's get_random_batches, autoencoder_forward,
    autoencoder_backwards and momentum_update.
    """
    params = _own_copy(params)
    with _one_blas_thread():
        for batch_x, _ in functions["get_random_batches"](data.x, data.y, batch_size):
            out = functions["autoencoder_forward"](batch_x, params)
            functions["autoencoder_backwards"](batch_x, out, params)
            functions["momentum_update"](params, learning_rate)
    weights = _weights(AUTOENCODER_LAYERS)
    found = _plain_arrays(params, weights)
    accumulators = _plain_arrays(params, ["m_" + key for key in weights])
    found.update({key: value for key, value in accumulators.items() if value is not None})
    return found
