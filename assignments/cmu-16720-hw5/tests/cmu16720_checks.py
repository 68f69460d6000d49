"""What the tests of CMU 16-720 HW5 share: calls into functions that store their results in ``params``, the
checks of what they stored, and how a trained network is measured.

The measurements (a classifier's predicted classes, the autoencoder's reconstruction, the PSNR, the total
squared error) are the grader's own numpy, run on the trusted side: they are the handout's definitions
(its appendix's network, its 5.1.1 architecture, its PSNR equation), not code a student has to find.

The module's name is the assignment's own: test helpers of every assignment may share a process's
``sys.modules``, where a generic name could pick up another assignment's module.
"""
import numpy as np

from autograder.compare import describe_value, expect_close
from autograder.errors import GradingFailure

# The activations the tests pass to forward and backwards, by index (a fixture file holds numbers only):
# (the function, its derivative as a function of post_act), both on the submission's side.
ACTIVATIONS = (
    ("nn.sigmoid", "nn.sigmoid_deriv"),  # the student's sigmoid; its derivative is provided in nn.py
    ("util.relu", "util.relu_deriv"),  # provided in util.py (locked)
    ("util.tanh", "util.tanh_deriv"),
    ("util.linear", "util.linear_deriv"),
)
LAYER_NAMES = ("layer1", "output", "", "hidden2")  # by index, for the same reason; '' is the starter's default
AUTOENCODER_LAYERS = ("layer1", "hidden", "hidden2", "output")  # nn.AUTOENCODER_LAYERS
NOTHING_STORED = "(not implemented yet? A stub that only says `pass` stores nothing.)"


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
                             f"{hint} {NOTHING_STORED}".replace("  ", " "))
    return params[key]


def expect_array(value, shape, what):
    """``value`` as a float64 array of ``shape``, or a failure naming what came back."""
    if type(value) is not np.ndarray or value.dtype.kind not in "biuf":
        kind = f"an array of dtype {value.dtype}" if type(value) is np.ndarray else describe_value(value)
        raise GradingFailure(f"{what}: expected a numpy array of shape {tuple(shape)}, got {kind}.")
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
        shown = f"a {type(cache).__name__} of {len(cache)} items" if isinstance(cache, (tuple, list)) else \
            describe_value(cache)
        raise GradingFailure(f"{what}: params['cache_{name}'] should be the tuple (X, pre_act, post_act); it is "
                             f"{shown}.")
    return cache


def expect_params_kept(params, given, keys, what, tol):
    """The entries ``keys`` of ``params`` still hold the values ``given`` had."""
    for key in keys:
        expect_close(entry(params, key, what), given[key], what=f"{what}: params[{key!r}] after the call "
                     "(it should be left as it was)", tol=tol)


# -- measuring a trained network (trusted side) ------------------------------------------------------
def classifier_predictions(params, x):
    """The classes the two-layer classifier (sigmoid hidden layer) gives the rows of x: the largest score
    (softmax keeps the order, so it is left out)."""
    hidden = 1.0 / (1.0 + np.exp(-np.clip(x @ params["Wlayer1"] + params["blayer1"], -500, 500)))
    return np.argmax(hidden @ params["Woutput"] + params["boutput"], axis=1)


def autoencoder_reconstruction(params, x):
    """The handout's autoencoder: layer1, hidden and hidden2 with ReLU, output with a sigmoid."""
    h = x
    for name in AUTOENCODER_LAYERS:
        a = h @ params["W" + name] + params["b" + name]
        h = 1.0 / (1.0 + np.exp(-np.clip(a, -500, 500))) if name == "output" else np.maximum(a, 0.0)
    return h


def average_psnr(originals, reconstructions, max_value=1.0):
    """The mean over the rows (one image each) of 20 log10(max_value) - 10 log10(the row's mean squared error)."""
    mse = np.mean((np.asarray(originals, np.float64) - reconstructions) ** 2, axis=1)
    return float(np.mean(20 * np.log10(max_value) - 10 * np.log10(mse)))


def total_squared_error(x, out):
    """The autoencoder's loss, sum((x - out) ** 2), of an output the submission computed."""
    return np.sum((np.asarray(x, np.float64) - np.asarray(out, np.float64)) ** 2)
