"""Checks shared by this assignment's tests (layers, FullyConnectedNet, the Solver, train.py).

A model lives on the student's side and is reached through a Handle: its ``params``
dictionary is written with ``student.set_item``, its ``loss`` method called through the
handle. Everything computed from what comes back (losses, accuracies) is computed here.
"""
from __future__ import annotations

import sys
from typing import Any, Mapping, Sequence

import numpy as np

from autograder.compare import NOT_IMPLEMENTED_HINT, expect_close, expect_items
from autograder.errors import GradingFailure
from autograder.gradcheck import BatchEvaluator, check_gradient
from autograder.tolerances import INIT_STATISTICS

NET = "FullyConnectedNet"


def pick(mapping: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {name: mapping[name] for name in names}


def shown(value: Any) -> str:
    """What came back, for a message; None reads as "not implemented yet"."""
    if value is None:
        return f"None: {NOT_IMPLEMENTED_HINT}"
    if type(value) is np.ndarray:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def _where(what: str, case: str | None) -> str:
    return f"{what}, case '{case}'" if case else what


# -- values that may come back as arrays, lists or tensors --------------------------------
def as_array(value: Any, what: str, case: str | None = None) -> np.ndarray:
    """A numeric numpy array from what the student returned: an array, a torch tensor or a list of numbers."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if type(value) is np.ndarray:
        return value
    if isinstance(value, (list, tuple)) and value:
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            array = None
        if array is not None and array.dtype.kind in "biuf":
            return array
    raise GradingFailure(f"{_where(what, case)}: expected a numpy array, got {shown(value)}.")


def as_number(value: Any, what: str, case: str | None = None) -> float:
    """A float from a number, a 0-d array or a one-element tensor."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.detach().reshape(()))
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        return float(value)
    if type(value) is np.ndarray and value.ndim == 0 and value.dtype.kind in "iuf":
        return float(value)
    got = f"an array of shape {value.shape}" if type(value) is np.ndarray else shown(value)
    raise GradingFailure(f"{_where(what, case)}: expected a number, got {got}.")


# -- FullyConnectedNet ------------------------------------------------------------------------
def weight_names(params: Mapping[str, Any]) -> list[str]:
    return sorted((k for k in params if k.startswith("W")), key=lambda k: int(k[1:]))


def model_params(inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The parameters among a fixture's inputs: the arrays named W1, b1, W2, ..."""
    return {k: v for k, v in inputs.items() if k[:1] in ("W", "b") and k[1:].isdigit()}


def layer_sizes(params: Mapping[str, np.ndarray]) -> list[int]:
    """[input_dim, hidden sizes..., num_classes] of a set of parameters W1, b1, ..."""
    weights = weight_names(params)
    return [params["W1"].shape[0]] + [params[w].shape[1] for w in weights]


def build_net(student: Any, params: Mapping[str, np.ndarray]) -> Any:
    """The student's FullyConnectedNet of these layer sizes, its params replaced by ``params`` (float64)."""
    sizes = layer_sizes(params)
    model = student.call("fc_net.FullyConnectedNet", input_dim=sizes[0], hidden_dim=sizes[1:-1],
                         num_classes=sizes[-1], weight_scale=1e-2)
    load_params(student, model, params)
    return model


def describe_net(params: Mapping[str, np.ndarray]) -> str:
    sizes = layer_sizes(params)
    return f"{NET}(input_dim={sizes[0]}, hidden_dim={sizes[1:-1]}, num_classes={sizes[-1]})"


def load_params(student: Any, model: Any, params: Mapping[str, np.ndarray]) -> None:
    """Write each array of ``params`` into the model's own ``params`` dictionary."""
    target = student.ref(model, "params")
    for name, value in params.items():
        student.set_item(target, name, np.array(value, dtype=np.float64))


def loss_and_grads(model: Any, X: np.ndarray, y: np.ndarray, what: str = NET,
                   case: str | None = None) -> tuple[float, dict]:
    """``model.loss(X, y)`` checked to be a (number, dictionary) pair."""
    loss, grads = expect_items(model.loss(X, y), 2, what=f"{what}.loss(X, y)", case=case)
    if not isinstance(grads, dict):
        raise GradingFailure(f"{_where(f'{what}.loss(X, y)', case)}: expected (loss, grads) with grads a dictionary "
                             f"keyed like params, got grads {shown(grads)}.")
    return as_number(loss, f"{what}.loss(X, y): the loss", case), grads


def grad_of(grads: Mapping[str, Any], name: str, what: str = NET, case: str | None = None) -> Any:
    if name not in grads:
        where = _where(f"{what}.loss(X, y)", case)
        if not grads:
            raise GradingFailure(f"{where}: grads is empty: is the backward pass not implemented yet? It must hold "
                                 "the gradient of every entry of params.")
        raise GradingFailure(f"{where}: grads has no entry '{name}' (it has {sorted(grads)}); grads must have the "
                             "same keys as params.")
    return grads[name]


def expect_params(params: Any, expected: Mapping[str, tuple], what: str) -> None:
    """``params`` has exactly the expected names, each a numpy array of the expected shape."""
    where = f"{what}.params"
    if not isinstance(params, dict):
        raise GradingFailure(f"{where}: expected a dictionary, got {shown(params)}.")
    if not params:
        raise GradingFailure(f"{where} is empty: is __init__ not implemented yet? It should create "
                             f"{', '.join(sorted(expected, key=lambda k: (int(k[1:]), k[0])))}.")
    missing, extra = sorted(set(expected) - set(params)), sorted(set(params) - set(expected))
    if missing or extra:
        parts = ([f"missing {missing}"] if missing else []) + ([f"unexpected {extra}"] if extra else [])
        raise GradingFailure(f"{where}: expected the keys {sorted(expected)}; {', '.join(parts)} (one W and one b "
                             "per layer, numbered from 1).")
    for name, shape in expected.items():
        got = params[name]
        if type(got) is not np.ndarray:
            raise GradingFailure(f"{where}['{name}']: expected a numpy array of shape {shape}, got {shown(got)}.")
        if got.shape != tuple(shape):
            raise GradingFailure(f"{where}['{name}']: wrong shape: expected {tuple(shape)}, got {got.shape}.")


def expected_shapes(sizes: Sequence[int]) -> dict[str, tuple]:
    shapes = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        shapes[f"W{i}"], shapes[f"b{i}"] = (fan_in, fan_out), (fan_out,)
    return shapes


def expect_zero_biases(params: Mapping[str, np.ndarray], what: str) -> None:
    for name in sorted(params):
        if name.startswith("b") and np.any(params[name] != 0):
            raise GradingFailure(f"{what}: params['{name}'] should start at zero, but "
                                 f"{int(np.count_nonzero(params[name]))} of its {params[name].size} entries are not.")


def expect_weight_statistics(values: np.ndarray, weight_scale: float, what: str, mean_too: bool = True) -> None:
    """Weights that look drawn from N(0, weight_scale^2): the sample mean and standard deviation, scaled."""
    values = np.asarray(values, dtype=np.float64)
    if mean_too:
        expect_close(float(values.mean() / weight_scale), 0.0, tol=INIT_STATISTICS, what=f"{what}: mean / weight_scale")
    expect_close(float(values.std() / weight_scale), 1.0, tol=INIT_STATISTICS,
                 what=f"{what}: standard deviation / weight_scale (weight_scale={weight_scale:g} is the standard "
                      "deviation, not the variance)")


def loss_evaluator(student: Any, model: Any, X: np.ndarray, y: np.ndarray, name: str) -> BatchEvaluator:
    """The model's loss as a function of ``params[name]``: each evaluation writes the perturbed array into the
    model's params and calls ``loss(X, y)``, so the numerical gradient is that of the student's own loss."""
    params = student.ref(model, "params")
    loss_method = student.ref(model, "loss")

    def evaluate(batch: Sequence[Mapping[str, Any]]) -> list[Any]:
        losses = []
        for kwargs in batch:
            student.set_item(params, name, kwargs[name])
            result = expect_items(student.call(loss_method, X, y), 2, what=f"{NET}.loss(X, y)")
            losses.append(result[0])
        return losses

    return evaluate


def check_numerical_gradients(student: Any, inputs: Mapping[str, Any], names: Sequence[str], case: str) -> None:
    """Each analytic gradient against the numerical gradient of the student's own loss."""
    X, y = inputs["X"], inputs["y"]
    params = model_params(inputs)
    model = build_net(student, params)
    _, grads = loss_and_grads(model, X, y, case=case)
    for name in names:
        analytic = grad_of(grads, name, case=case)
        check_gradient(analytic, loss_evaluator(student, model, X, y, name), {name: params[name]}, name,
                       what=f"{NET}.loss(X, y): grads['{name}']", case=case)
        student.set_item(student.ref(model, "params"), name, params[name])


def net_compute(student: Any, **inputs: Any) -> dict[str, Any]:
    """What a fixture of the network records: the scores, the loss and every gradient."""
    model = build_net(student, model_params(inputs))
    out = {"scores": model.loss(inputs["X"])}
    out["loss"], grads = loss_and_grads(model, inputs["X"], inputs["y"])
    for name in model_params(inputs):
        out[f"d{name}"] = grad_of(grads, name)
    return out


def accuracy(scores: Any, y: np.ndarray, what: str) -> float:
    """The fraction of examples whose highest score is their label, computed in the grader."""
    if type(scores) is not np.ndarray or scores.ndim != 2 or scores.shape[0] != len(y):
        got = f"shape {scores.shape}" if type(scores) is np.ndarray else shown(scores)
        raise GradingFailure(f"{what}: expected scores of shape (N, C) with N={len(y)}, got {got}.")
    if not np.all(np.isfinite(scores)):
        raise GradingFailure(f"{what}: the scores contain NaN or inf; did training diverge?")
    return float(np.mean(np.argmax(scores, axis=1) == y))

