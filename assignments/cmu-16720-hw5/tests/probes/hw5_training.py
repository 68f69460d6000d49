"""Training loops of CMU 16-720 HW5, run on the submission's side with the submission's functions.

The loops are the grader's (those of run_q3.py and run_q5.py); every step of them is a function the
student wrote, passed in ``functions`` as handles to the submission's own (nn.forward, util.relu,
...). A probe returns the trained parameters as plain float64 arrays and nothing else: the grader
measures them with its own numpy network on examples this side never receives, so nothing this side
computes about itself is trusted.

numpy's global random generator is seeded first: the starter's initialize_weights and
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


def _parameters(params, layers):
    """{'W' + name: array, 'b' + name: array} of ``layers``, as plain float64 arrays (None if absent)."""
    found = {}
    for name in layers:
        for key in ("W" + name, "b" + name):
            value = params.get(key) if isinstance(params, dict) else None
            try:
                found[key] = None if value is None else np.array(value, dtype=np.float64)
            except (TypeError, ValueError):
                found[key] = None
    return found


def train_classifier(x, y, functions, hidden_size, epochs, batch_size, learning_rate, seed):
    """Train the classifier of run_q3.py (sigmoid hidden layer, softmax output) by minibatch SGD.

    ``functions`` holds the submission's initialize_weights, get_random_batches, forward,
    backwards, sigmoid, softmax, sigmoid_deriv and util's linear_deriv. Returns the trained
    'Wlayer1', 'blayer1', 'Woutput', 'boutput'.
    """
    with _one_blas_thread():
        return _train_classifier(x, y, functions, hidden_size, epochs, batch_size, learning_rate, seed)


def _train_classifier(x, y, functions, hidden_size, epochs, batch_size, learning_rate, seed):
    np.random.seed(seed)
    params = {}
    functions["initialize_weights"](x.shape[1], hidden_size, params, "layer1")
    functions["initialize_weights"](hidden_size, y.shape[1], params, "output")
    for _ in range(epochs):
        for batch_x, batch_y in functions["get_random_batches"](x, y, batch_size):
            hidden = functions["forward"](batch_x, params, "layer1", functions["sigmoid"])
            probs = functions["forward"](hidden, params, "output", functions["softmax"])
            # the total cross-entropy of softmax(scores) has the gradient probs - y with respect to the scores
            delta = functions["backwards"](probs - batch_y, params, "output", functions["linear_deriv"])
            functions["backwards"](delta, params, "layer1", functions["sigmoid_deriv"])
            for name in CLASSIFIER_LAYERS:
                for key in ("W" + name, "b" + name):
                    params[key] = params[key] - learning_rate * params["grad_" + key]
    return _parameters(params, CLASSIFIER_LAYERS)


def train_autoencoder(x, functions, hidden_size, epochs, batch_size, learning_rate, seed):
    """Train the autoencoder of run_q5.py with momentum (the default 0.9), minimising the total
    squared error. ``functions`` holds the submission's initialize_autoencoder,
    get_random_batches, autoencoder_forward, autoencoder_backwards and momentum_update.
    Returns every layer's 'W' and 'b'."""
    with _one_blas_thread():
        return _train_autoencoder(x, functions, hidden_size, epochs, batch_size, learning_rate, seed)


def _train_autoencoder(x, functions, hidden_size, epochs, batch_size, learning_rate, seed):
    np.random.seed(seed)
    params = {}
    functions["initialize_autoencoder"](x.shape[1], hidden_size, params)
    no_labels = np.zeros((x.shape[0], 1))
    for _ in range(epochs):
        for batch_x, _ in functions["get_random_batches"](x, no_labels, batch_size):
            out = functions["autoencoder_forward"](batch_x, params)
            functions["autoencoder_backwards"](batch_x, out, params)
            functions["momentum_update"](params, learning_rate)
    return _parameters(params, AUTOENCODER_LAYERS)
