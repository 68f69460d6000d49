"""What the tests of CMU 16-720 HW5 share: calls into functions that store their results in
``params``, and the grader's own numpy network (trusted side), which verdicts are computed with.

The name is the assignment's own (``hw5_``): test helpers of every assignment may end up in one
process's ``sys.modules``, so a generic name could pick up another assignment's module.
"""
import numpy as np

from autograder.compare import expect_close
from autograder.errors import GradingFailure
from autograder.student import Handle

# The activations the tests pass to forward and backwards, by index (a fixture file holds numbers only):
# (the function, its derivative as a function of post_act), both on the submission's side.
ACTIVATIONS = (
    ("nn.sigmoid", "nn.sigmoid_deriv"),  # the student's sigmoid; its derivative is provided in nn.py
    ("util.relu", "util.relu_deriv"),  # provided in util.py (locked)
    ("util.tanh", "util.tanh_deriv"),
    ("util.linear", "util.linear_deriv"),
)
# Layer names by index, for the same reason; '' is the starter's default name.
LAYER_NAMES = ("layer1", "output", "", "hidden2")
AUTOENCODER_LAYERS = ("layer1", "hidden", "hidden2", "output")  # nn.AUTOENCODER_LAYERS


# -- calling the submission ----------------------------------------------------------------------
def call_writing(student, target, *args, **kwargs):
    """``(result, params)``: call ``target`` and read back the dictionary it was given as ``params``
    (nn.forward stores its cache there, nn.backwards its gradients, ...)."""
    try:
        result, written = student.call_and_read(target, ["params"], *args, **kwargs)
    except ValueError as exc:
        if "to read back" not in str(exc):
            raise
        raise GradingFailure(
            f"{target} must take its dictionary of parameters as the argument named params, as in the "
            "starter code (e.g. forward(X, params, name='', activation=sigmoid)); its signature names it "
            "otherwise.") from None
    params = written["params"]
    if type(params) is not dict:
        raise GradingFailure(f"{target}: params should stay a dict; after the call it is a {type(params).__name__}.")
    return result, params


def entry(params, key, what, hint=""):
    """``params[key]``, or a failure that lists what params does hold."""
    if key not in params:
        held = ", ".join(repr(k) for k in params) or "nothing"
        raise GradingFailure(f"{what}: expected an entry params[{key!r}] after the call; params holds {held}. "
                             f"{hint}".rstrip())
    return params[key]


def expect_array(value, shape, what):
    """``value`` as a float64 array of ``shape``, or a failure naming what came back."""
    if type(value) is not np.ndarray or value.dtype.kind not in "biuf":
        kind = f"an array of dtype {value.dtype}" if isinstance(value, np.ndarray) else (
            "a function handle" if isinstance(value, Handle) else f"a {type(value).__name__}")
        raise GradingFailure(f"{what}: expected a numpy array of shape {shape}, got {kind}.")
    if value.shape != tuple(shape):
        hint = " (a 2-d array with a singleton dimension? b must be 1-d)" if value.size == int(np.prod(shape)) else ""
        raise GradingFailure(f"{what}: expected shape {tuple(shape)}, got shape {value.shape}{hint}.")
    if not np.isfinite(value).all():
        raise GradingFailure(f"{what}: got non-finite values (NaN or inf).")
    return value.astype(np.float64)


def expect_cache(params, name, what):
    """The three items of params['cache_' + name]."""
    cache = entry(params, "cache_" + name, what, "forward stores (X, pre_act, post_act) there.")
    if not isinstance(cache, (tuple, list)) or len(cache) != 3:
        raise GradingFailure(f"{what}: params['cache_{name}'] should be the tuple (X, pre_act, post_act); "
                             f"it is {type(cache).__name__}"
                             + (f" of {len(cache)} items." if isinstance(cache, (tuple, list)) else "."))
    return cache


# -- the grader's own network (float64) -------------------------------------------------------------
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + exp(-x)), without overflow


def relu(x):
    return np.maximum(x, 0.0)


def softmax(x):
    shifted = x - x.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=1, keepdims=True)


FUNCTIONS = {"nn.sigmoid": sigmoid, "util.relu": relu, "util.tanh": np.tanh, "util.linear": lambda x: x}


def activation_of(index):
    """The grader's copy of activation ACTIVATIONS[index]."""
    return FUNCTIONS[ACTIVATIONS[int(index)][0]]


def classifier_probabilities(params, x):
    """The two-layer classifier of run_q2.py and run_q3.py: sigmoid hidden layer, softmax output."""
    hidden = sigmoid(x @ params["Wlayer1"] + params["blayer1"])
    return softmax(hidden @ params["Woutput"] + params["boutput"])


def classifier_gradients(params, x, y):
    """d/d params of the total cross-entropy -sum(y * log(probs)), by backpropagation."""
    hidden = sigmoid(x @ params["Wlayer1"] + params["blayer1"])
    probs = softmax(hidden @ params["Woutput"] + params["boutput"])
    delta_out = probs - y
    delta_hidden = (delta_out @ params["Woutput"].T) * hidden * (1 - hidden)
    return {"Wlayer1": x.T @ delta_hidden, "blayer1": delta_hidden.sum(axis=0),
            "Woutput": hidden.T @ delta_out, "boutput": delta_out.sum(axis=0)}


def autoencoder_layers(params, x):
    """Each layer's (pre_act, post_act) of the autoencoder: relu, relu, relu, sigmoid."""
    found, h = [], x
    for name in AUTOENCODER_LAYERS:
        pre = h @ params["W" + name] + params["b" + name]
        h = sigmoid(pre) if name == "output" else relu(pre)
        found.append((pre, h))
    return found


def autoencoder_output(params, x):
    return autoencoder_layers(params, x)[-1][1]


def psnr_per_image(original, reconstructed, max_value=1.0):
    """PSNR in dB of each row (an image) of ``reconstructed`` against the same row of ``original``."""
    mse = np.mean((np.asarray(original, np.float64) - reconstructed) ** 2, axis=1)
    return 20 * np.log10(max_value) - 10 * np.log10(mse)


# -- comparisons -------------------------------------------------------------------------------
def expect_params_kept(params, given, keys, what, tol):
    """The entries ``keys`` of ``params`` still hold the values ``given`` had."""
    for key in keys:
        expect_close(entry(params, key, what), given[key], what=f"{what}: params[{key!r}] after the call "
                     "(it should be left as it was)", tol=tol)
