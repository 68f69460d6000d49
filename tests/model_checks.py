"""Checks shared by the tests of the models (test_fc_net.py, test_cnn.py, test_training.py).

A model lives on the student's side and is reached through a Handle: its
``params`` dictionary is written in one request (the probe ``batched.set_items``)
and its ``loss`` method is called through the handle (a numerical gradient's evaluations, in
batches, through the probe ``batched.outputs_with_item``). Everything computed from what comes
back (statistics, losses from scores, accuracies) is computed here, in the
grader.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from autograder.compare import describe_value, expect_close, expect_items
from autograder.errors import GradingFailure
from autograder.gradcheck import BatchEvaluator
from autograder.tolerances import INIT_STATISTICS, KINK_MARGIN, Tolerance



def pick(mapping: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {name: mapping[name] for name in names}


def weight_names(params: Mapping[str, Any]) -> list[str]:
    return sorted((k for k in params if k.startswith("W")), key=lambda k: int(k[1:]))


def load_params(student: Any, model: Any, params: Mapping[str, np.ndarray]) -> None:
    """Write each array of ``params`` into the model's own ``params`` dictionary."""
    arrays = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
    student.run_probe("batched.set_items", student.ref(model, "params"), arrays)


def loss_and_grads(model: Any, X: np.ndarray, y: np.ndarray, what: str, case: str | None = None) -> tuple[Any, dict]:
    """``model.loss(X, y)`` checked to be a (loss, grads dictionary) pair."""
    loss, grads = expect_items(model.loss(X, y), 2, what=f"{what}.loss(X, y)", case=case)
    if not isinstance(grads, dict):
        raise GradingFailure(
            f"{what}.loss(X, y), case '{case}': expected (loss, grads) with grads a dictionary keyed like "
            f"params, got grads of type {type(grads).__name__}."
        )
    return loss, grads


def as_number(loss: Any, what: str, case: str | None = None) -> float:
    """The loss as a float; a 0-d array counts as a number."""
    if isinstance(loss, (int, float, np.floating)) and not isinstance(loss, bool):
        return float(loss)
    if type(loss) is np.ndarray and loss.ndim == 0 and loss.dtype.kind == "f":
        return float(loss)
    got = f"an array of shape {loss.shape}" if type(loss) is np.ndarray else describe_value(loss)
    where = f"{what}.loss(X, y)" + (f", case '{case}'" if case else "")
    raise GradingFailure(f"{where}: the loss should be a number, got {got}.")


def grad_of(grads: Mapping[str, Any], name: str, what: str, case: str | None = None) -> Any:
    if name not in grads:
        where = f"{what}.loss(X, y)" + (f", case '{case}'" if case else "")
        if not grads:
            raise GradingFailure(f"{where}: grads is empty: is loss not implemented yet? It must give the gradient "
                                 "of every entry of params.")
        raise GradingFailure(f"{where}: grads has no entry '{name}' (it has {sorted(grads)}); "
                             "grads must have the same keys as params.")
    return grads[name]


def loss_evaluator(student: Any, model: Any, X: np.ndarray, y: np.ndarray, name: str) -> BatchEvaluator:
    """A BatchEvaluator of the model's loss as a function of ``params[name]``.

    Each evaluation writes the perturbed array into the model's params and
    calls ``loss(X, y)``, so the numerical gradient is that of the student's
    own loss; a batch is one request (the probe batched.outputs_with_item).
    """
    params = student.ref(model, "params")
    loss_method = student.ref(model, "loss")

    def evaluate(batch: Sequence[Mapping[str, Any]]) -> list[Any]:
        return student.run_probe("batched.outputs_with_item", loss_method, (X, y), params, name,
                                 [kwargs[name] for kwargs in batch], select=0)

    return evaluate


def expect_param_shapes(params: Any, expected: Mapping[str, tuple], what: str, case: str | None = None) -> None:
    """``params`` has exactly the expected names, each with the expected shape."""
    where = f"{what}.params" + (f", case '{case}'" if case else "")
    if not isinstance(params, dict):
        raise GradingFailure(f"{where}: expected a dictionary, got {describe_value(params)}.")
    if not params and expected:
        raise GradingFailure(f"{where} is empty: is __init__ not implemented yet? It should create "
                             f"{', '.join(sorted(expected))}.")
    missing = sorted(set(expected) - set(params))
    extra = sorted(set(params) - set(expected))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if extra:
            parts.append(f"unexpected {extra}")
        raise GradingFailure(
            f"{where}: expected the keys {sorted(expected)}; {', '.join(parts)} (names are case-sensitive)."
        )
    for name, shape in expected.items():
        got = params[name]
        if type(got) is not np.ndarray:
            raise GradingFailure(f"{where}['{name}']: expected a numpy array of shape {shape}, got {type(got).__name__}.")
        if got.shape != tuple(shape):
            raise GradingFailure(f"{where}['{name}']: wrong shape: expected {tuple(shape)}, got {got.shape}.")


def expect_initialisation(params: Mapping[str, np.ndarray], weight_scale: float, what: str,
                          shapes: Mapping[str, tuple]) -> None:
    """``params`` has the names and ``shapes`` expected (so that an empty stub earns nothing), its weights
    look drawn from N(0, weight_scale^2) and its biases are exactly zero."""
    expect_param_shapes(params, shapes, what)
    for name in sorted(params):
        value = np.asarray(params[name], dtype=np.float64)
        if name.startswith("b"):
            if np.any(value != 0):
                raise GradingFailure(
                    f"{what}: params['{name}'] should start at zero, but {int(np.count_nonzero(value))} of "
                    f"its {value.size} entries are not zero."
                )
        elif name.startswith("W"):
            expect_close(float(value.mean() / weight_scale), 0.0, tol=INIT_STATISTICS,
                         what=f"{what}: mean of params['{name}'] / weight_scale")
            expect_close(float(value.std() / weight_scale), 1.0, tol=INIT_STATISTICS,
                         what=f"{what}: standard deviation of params['{name}'] / weight_scale "
                              f"(weight_scale={weight_scale:g} is the standard deviation, not the variance)")


def expect_dtypes(params: Mapping[str, Any], dtype: str, what: str, shapes: Mapping[str, tuple]) -> None:
    """``params`` has the names and ``shapes`` expected (an empty stub earns nothing), each of ``dtype``."""
    expect_param_shapes(params, shapes, what)
    wrong = {name: str(np.asarray(v).dtype) for name, v in sorted(params.items()) if np.asarray(v).dtype != dtype}
    if wrong:
        raise GradingFailure(
            f"{what}: every parameter should have dtype {dtype}; got {wrong}. Cast the parameters with "
            "astype(dtype) after initialising them."
        )


def softmax_cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    """The mean softmax cross-entropy, computed in the grader (by torch: no numpy formula here to copy)."""
    import torch

    return float(torch.nn.functional.cross_entropy(torch.as_tensor(np.asarray(scores, dtype=np.float64)),
                                                   torch.as_tensor(np.asarray(y, dtype=np.int64))))


def accuracy(scores: Any, y: np.ndarray, what: str) -> float:
    """The fraction of examples whose highest score is their label, computed in the grader."""
    if type(scores) is not np.ndarray or scores.ndim != 2 or scores.shape[0] != len(y):
        got = f"shape {scores.shape}" if type(scores) is np.ndarray else type(scores).__name__
        raise GradingFailure(f"{what}: expected scores of shape (N, C) with N={len(y)}, got {got}.")
    if not np.all(np.isfinite(scores)):
        raise GradingFailure(f"{what}: the scores contain NaN or inf; did training diverge?")
    return float(np.mean(np.argmax(scores, axis=1) == y))


# -- well-conditioned inputs -------------------------------------------------------
def relu_clear_of_kinks(*preactivations: np.ndarray) -> bool:
    """True if no pre-activation lies within KINK_MARGIN of the ReLU's kink at 0."""
    return all(np.min(np.abs(a)) >= KINK_MARGIN for a in preactivations)


# -- the checks every model gets ---------------------------------------------------
def model_params(inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The parameters among a fixture's inputs: the arrays named W1, b1, W2, ..."""
    return {k: v for k, v in inputs.items() if k[:1] in ("W", "b") and k[1:].isdigit()}


class ModelKind:
    """How to build one kind of model on the student's side with given parameters.

    ``build(student, params, reg, **extra)`` returns a model handle whose
    ``params`` hold exactly the given arrays.
    """

    def __init__(self, name: str, build: Any):
        self.name = name
        self.build = build

    def model(self, student: Any, inputs: Mapping[str, Any], reg: float | None = None, **extra: Any) -> Any:
        reg = float(inputs["reg"]) if reg is None else reg
        return self.build(student, model_params(inputs), reg, **extra)

    def compute(self, student: Any, **inputs: Any) -> dict[str, Any]:
        """What a fixture records: the scores, the loss and every gradient."""
        model = self.model(student, inputs)
        scores = model.loss(inputs["X"])
        loss, grads = loss_and_grads(model, inputs["X"], inputs["y"], self.name)
        out = {"scores": scores, "loss": loss}
        for name in model_params(inputs):
            out[f"d{name}"] = grad_of(grads, name, self.name)
        return out


def check_scores(student: Any, kind: ModelKind, data: Any, tol: Tolerance) -> None:
    model = kind.model(student, data.inputs)
    expect_close(model.loss(data.inputs["X"]), data.expected["scores"], what=f"{kind.name}.loss(X): scores",
                 case=data.case.name, tol=tol)


def check_loss(student: Any, kind: ModelKind, data: Any, tol: Tolerance) -> None:
    model = kind.model(student, data.inputs)
    loss, _ = loss_and_grads(model, data.inputs["X"], data.inputs["y"], kind.name, data.case.name)
    expect_close(loss, data.expected["loss"], what=f"{kind.name}.loss(X, y): loss (reg={float(data.inputs['reg']):g})",
                 case=data.case.name, tol=tol)


def check_gradients(student: Any, kind: ModelKind, data: Any, names: Sequence[str], tol: Tolerance) -> None:
    model = kind.model(student, data.inputs)
    _, grads = loss_and_grads(model, data.inputs["X"], data.inputs["y"], kind.name, data.case.name)
    for name in names:
        expect_close(grad_of(grads, name, kind.name, data.case.name), data.expected[f"d{name}"],
                     what=f"{kind.name}.loss(X, y): grads['{name}'] (reg={float(data.inputs['reg']):g})",
                     case=data.case.name, tol=tol)


def check_numerical_gradients(student: Any, kind: ModelKind, inputs: Mapping[str, Any], names: Sequence[str],
                              case: str, **extra: Any) -> None:
    """Each analytic gradient against the numerical gradient of the student's own loss."""
    from autograder.gradcheck import check_gradient

    X, y = inputs["X"], inputs["y"]
    params = model_params(inputs)
    model = kind.model(student, inputs, **extra)
    _, grads = loss_and_grads(model, X, y, kind.name, case)
    for name in names:
        analytic = grad_of(grads, name, kind.name, case)
        check_gradient(analytic, loss_evaluator(student, model, X, y, name), {name: params[name]}, name,
                       what=f"{kind.name}.loss(X, y): grads['{name}']", case=case)


def check_regularised_loss(student: Any, kind: ModelKind, inputs: Mapping[str, Any], reg: float, case: str,
                           tol: Tolerance) -> None:
    """loss(reg) - loss(0) is 0.5 * reg * the sum of the squared weights, biases excluded."""
    X, y = inputs["X"], inputs["y"]
    params = model_params(inputs)
    plain, _ = loss_and_grads(kind.model(student, inputs, reg=0.0), X, y, kind.name, case)
    regularised, _ = loss_and_grads(kind.model(student, inputs, reg=reg), X, y, kind.name, case)
    penalty = 0.5 * reg * sum(float(np.sum(params[w] ** 2)) for w in weight_names(params))
    difference = as_number(regularised, kind.name, case) - as_number(plain, kind.name, case)
    expect_close(difference, penalty, tol=tol, case=case,
                 what=f"{kind.name}: loss with reg={reg:g} minus loss with reg=0, expected 0.5 * reg * "
                      "(sum of the squared weights, biases excluded)")


def check_regularised_gradients(student: Any, kind: ModelKind, inputs: Mapping[str, Any], reg: float,
                                names: Sequence[str], case: str, tol: Tolerance) -> None:
    """grads(reg) - grads(0) is reg * W for every weight W and 0 for every bias."""
    X, y = inputs["X"], inputs["y"]
    params = model_params(inputs)
    _, plain = loss_and_grads(kind.model(student, inputs, reg=0.0), X, y, kind.name, case)
    _, regularised = loss_and_grads(kind.model(student, inputs, reg=reg), X, y, kind.name, case)
    for name in names:
        difference = np.asarray(grad_of(regularised, name, kind.name, case), dtype=np.float64) - np.asarray(
            grad_of(plain, name, kind.name, case), dtype=np.float64)
        expected = reg * params[name] if name.startswith("W") else np.zeros_like(params[name])
        rule = f"reg * params['{name}']" if name.startswith("W") else "zero (biases are not regularised)"
        expect_close(difference, expected, tol=tol, case=case,
                     what=f"{kind.name}: grads['{name}'] with reg={reg:g} minus grads['{name}'] with reg=0, "
                          f"expected {rule}")


def check_initial_loss(loss: Any, num_classes: int, what: str, tol: Tolerance) -> None:
    """With tiny weights every class is equally likely: the loss is log(C)."""
    expect_close(loss, float(np.log(num_classes)), tol=tol,
                 what=f"{what}: initial loss with tiny weights and reg=0, expected log(C) = log({num_classes})")
