"""Numerical gradients by central differences, in float64.

For an array-valued f and an upstream gradient ``dout`` (shaped like f's
output), the vector-Jacobian product is the gradient of the scalar
sum(f(x) * dout), which central differences give one input element at a
time. Evaluations are requested in batches so that a sandboxed back end can
serve many forward calls in one round trip.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from autograder.compare import NOT_IMPLEMENTED_HINT, expect_close
from autograder.errors import GradingFailure
from autograder.tolerances import FINITE_DIFFERENCE_STEP, NUMERICAL_GRADIENT, Tolerance

# Takes a list of keyword-argument dicts, returns f's output for each.
BatchEvaluator = Callable[[Sequence[Mapping[str, Any]]], Sequence[Any]]

_PAIRS_PER_BATCH = 128  # bounds memory: 256 perturbed copies of the inputs at a time


def numerical_gradient(
    evaluate: BatchEvaluator,
    inputs: Mapping[str, Any],
    wrt: str,
    dout: Any = 1.0,
    h: float = FINITE_DIFFERENCE_STEP,
) -> np.ndarray:
    """d sum(f(**inputs) * dout) / d inputs[wrt], by central differences.

    Args:
        evaluate: runs f on a batch of keyword-argument dicts.
        inputs: f's keyword arguments; ``inputs[wrt]`` must be a float array.
        wrt: the name of the input to differentiate with respect to.
        dout: upstream gradient, shaped like f's output (1.0 for a scalar f).
        h: the difference step.

    Returns:
        An array shaped like ``inputs[wrt]``, in float64.
    """
    x = np.asarray(inputs[wrt], dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    grad = np.zeros(x.size, dtype=np.float64)
    for start in range(0, x.size, _PAIRS_PER_BATCH):
        indices = range(start, min(start + _PAIRS_PER_BATCH, x.size))
        batch = []
        for i in indices:
            for sign in (1.0, -1.0):
                shifted = x.copy().reshape(-1)
                shifted[i] += sign * h
                batch.append({**inputs, wrt: shifted.reshape(x.shape)})
        outputs = evaluate(batch)
        for k, i in enumerate(indices):
            plus = _as_output(outputs[2 * k], dout.shape, wrt)
            minus = _as_output(outputs[2 * k + 1], dout.shape, wrt)
            grad[i] = np.sum((plus - minus) * dout) / (2.0 * h)
    return grad.reshape(x.shape)


def _as_output(value: Any, shape: tuple, wrt: str) -> np.ndarray:
    if value is None:
        raise GradingFailure(f"while differentiating numerically with respect to {wrt}, the function returned None "
                             f"instead of an output of shape {shape}: {NOT_IMPLEMENTED_HINT}")
    out = np.asarray(value, dtype=np.float64)
    if out.shape != shape:
        raise GradingFailure(f"while differentiating numerically with respect to {wrt}, the function returned "
                             f"shape {out.shape} instead of an output of shape {shape}")
    return out


def check_gradient(
    analytic: Any,
    evaluate: BatchEvaluator,
    inputs: Mapping[str, Any],
    wrt: str,
    dout: Any = 1.0,
    *,
    what: str,
    case: str | None = None,
    tol: Tolerance = NUMERICAL_GRADIENT,
) -> None:
    """Compare an analytic gradient with the numerical one of the same function."""
    numeric = numerical_gradient(evaluate, inputs, wrt, dout)
    expect_close(analytic, numeric, what=f"{what} (against the numerical gradient)", case=case, tol=tol)


def evaluator(student: Any, target: str, select: int | None = None) -> BatchEvaluator:
    """A BatchEvaluator that runs a student function, keeping item ``select`` of each result."""
    return lambda batch: student.call_many(target, batch, select=select)
