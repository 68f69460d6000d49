"""Numerical gradients by central differences, for checking backward passes in a notebook.

    dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)
    print(rel_error(dx_num, dx))  # about 1e-9 or less for a correct backward pass

This file is provided: the grader always uses its own copy (the grading
itself computes its numerical gradients in the grader).
"""
import numpy as np


def rel_error(x, y):
    """The largest relative error between x and y: max |x - y| / max(1e-8, |x| + |y|)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """The numerical gradient of a scalar function f at x.

    Inputs:
    - f: a function of one argument, returning a number
    - x: the point (a float numpy array) at which to evaluate the gradient; it is
      changed during the computation and restored at the end
    - verbose: print every element's gradient
    - h: the difference step

    Returns:
    - grad: an array shaped like x
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h
        fxph = f(x)  # f(x + h)
        x[ix] = old_value - h
        fxmh = f(x)  # f(x - h)
        x[ix] = old_value

        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """The numerical gradient of sum(f(x) * df) at x, for an array-valued f.

    Inputs:
    - f: a function of one argument, returning an array
    - x: the point (a float numpy array); changed during the computation and restored
    - df: the upstream gradient, shaped like f(x)
    - h: the difference step

    Returns:
    - grad: an array shaped like x
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h
        pos = f(x).copy()
        x[ix] = old_value - h
        neg = f(x).copy()
        x[ix] = old_value

        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None):
    """Compare the analytic gradient with the numerical one at a few random elements of x.

    Inputs:
    - f: a function of one argument, returning a number
    - x: the point (a float numpy array); changed during the computation and restored
    - analytic_grad: the gradient to check, shaped like x
    - num_checks: how many elements to check
    - h: the difference step
    - seed: seed of the generator that picks the elements

    Prints one line per element and returns the relative errors.
    """
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(m)) for m in x.shape)
        old_value = x[ix]
        x[ix] = old_value + h
        fxph = f(x)
        x[ix] = old_value - h
        fxmh = f(x)
        x[ix] = old_value

        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        error = abs(grad_numerical - grad_analytic) / max(1e-8, abs(grad_numerical) + abs(grad_analytic))
        errors.append(error)
        print(f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, relative error: {error:e}")
    return errors
