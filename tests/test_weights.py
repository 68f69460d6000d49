"""Grading tests for weights.py: Xavier uniform initialisation, by shape, bounds and distribution.

The weights are random, so they are never compared with a reference's draw
(a student may draw them with another, equally valid, call). Instead: the
shape, every value within [-a, a], and, on one large draw with a fixed
seed, the mean, the variance and the whole empirical distribution against
U(-a, a), each with a bound derived from the sample size. A correct
implementation fails a bound with probability about 1e-9 for a given
seed; the seeds are fixed, so a given submission always gets the same
verdict.
"""
import math

import numpy as np
import pytest

from autograder.compare import describe_value
from autograder.errors import GradingFailure
from autograder.tolerances import KS_FALSE_FAILURE_RATE, STANDARD_ERRORS

SHAPE_SIZES = [(3, 7), (20, 5), (1, 9)]  # non-square, so that swapped axes show
BOUNDS_SIZES = [(3, 7), (20, 5), (400, 500)]
LARGE = (400, 500)  # 200,000 values: the distribution checks below resolve ~1% of the variance
SEED = 2024

BOUND_SLACK = 1e-12  # relative: a value computed as a * (2u - 1) may round a hair past a


def bound(fan_in, fan_out):
    return math.sqrt(6.0 / (fan_in + fan_out))


def draw(student, fan_in, fan_out, seed=SEED):
    """The student's weights as a float array with fan_in * fan_out values (any shape)."""
    w = student.call("weights.xavier_uniform", fan_in, fan_out, seed=seed)
    where = f"xavier_uniform({fan_in}, {fan_out}, seed={seed})"
    if type(w) is not np.ndarray or w.dtype.kind != "f":
        kind = f"an array of dtype {w.dtype}" if type(w) is np.ndarray else describe_value(w)
        raise GradingFailure(f"{where}: expected a floating-point numpy array of shape ({fan_in}, {fan_out}), "
                             f"got {kind}.")
    if w.size != fan_in * fan_out:
        raise GradingFailure(f"{where}: expected {fan_in * fan_out} values, shape ({fan_in}, {fan_out}), "
                             f"got shape {w.shape}.")
    if not np.isfinite(w).all():
        raise GradingFailure(f"{where}: got non-finite values (NaN or inf).")
    return w.astype(np.float64)


def size_id(size):
    return f"{size[0]}x{size[1]}"


@pytest.mark.xavier
@pytest.mark.parametrize("size", SHAPE_SIZES, ids=size_id)
def test_xavier_shape(student, size):
    fan_in, fan_out = size
    w = draw(student, fan_in, fan_out)
    if w.shape != size:
        hint = (" The axes are swapped: rows are the layer's inputs (fan_in), columns its outputs (fan_out)."
                if w.shape == size[::-1] else "")
        raise GradingFailure(f"xavier_uniform({fan_in}, {fan_out}): wrong shape: expected {size}, "
                             f"got {w.shape}.{hint}")


@pytest.mark.xavier
@pytest.mark.parametrize("size", BOUNDS_SIZES, ids=size_id)
def test_xavier_values_lie_within_the_bound(student, size):
    fan_in, fan_out = size
    a = bound(fan_in, fan_out)
    w = draw(student, fan_in, fan_out)
    outside = np.abs(w) > a * (1 + BOUND_SLACK)
    if outside.any():
        raise GradingFailure(
            f"xavier_uniform({fan_in}, {fan_out}): {int(outside.sum())} of {w.size} values lie outside "
            f"[-a, a] with a = sqrt(6 / (fan_in + fan_out)) = {a:.6g}; the largest in absolute value is "
            f"{np.abs(w).max():.6g}. Draw from a uniform distribution, and use both fans in a."
        )


def large_draw(student):
    fan_in, fan_out = LARGE
    return draw(student, fan_in, fan_out), bound(fan_in, fan_out)


@pytest.mark.xavier
def test_xavier_mean_is_zero(student):
    w, a = large_draw(student)
    allowed = STANDARD_ERRORS * a / math.sqrt(3 * w.size)  # the standard error of the mean of U(-a, a)
    if abs(w.mean()) > allowed:
        raise GradingFailure(
            f"xavier_uniform{LARGE}, seed={SEED}: the mean of the {w.size} values is {w.mean():.4g}, expected 0 "
            f"within {allowed:.2g} ({STANDARD_ERRORS:g} standard errors): draw from U(-a, a), centred on 0."
        )


@pytest.mark.xavier
def test_xavier_variance_is_a_squared_over_3(student):
    w, a = large_draw(student)
    expected = a**2 / 3  # = 2 / (fan_in + fan_out)
    # Var(x^2) = E[x^4] - E[x^2]^2 = a^4 / 5 - a^4 / 9 for x ~ U(-a, a): the variance estimate's standard error
    allowed = STANDARD_ERRORS * math.sqrt((a**4 / 5 - a**4 / 9) / w.size)
    if abs(w.var() - expected) > allowed:
        raise GradingFailure(
            f"xavier_uniform{LARGE}, seed={SEED}: the variance of the {w.size} values is {w.var():.6g}, expected "
            f"a^2 / 3 = 2 / (fan_in + fan_out) = {expected:.6g} within {allowed:.2g} "
            f"({STANDARD_ERRORS:g} standard errors); the values' variance is {w.var() / expected:.3g} times too "
            f"{'large' if w.var() > expected else 'small'}. Check a = sqrt(6 / (fan_in + fan_out))."
        )


@pytest.mark.xavier
def test_xavier_values_are_uniformly_distributed(student):
    w, a = large_draw(student)
    n = w.size
    x = np.sort(w.ravel())
    cdf = np.clip((x + a) / (2 * a), 0.0, 1.0)  # the CDF of U(-a, a)
    ranks = np.arange(1, n + 1) / n
    distance = max(float(np.max(ranks - cdf)), float(np.max(cdf - (ranks - 1 / n))))
    critical = math.sqrt(math.log(2 / KS_FALSE_FAILURE_RATE) / 2) / math.sqrt(n)
    if distance > critical:
        raise GradingFailure(
            f"xavier_uniform{LARGE}, seed={SEED}: the values do not follow U(-a, a): their empirical CDF is "
            f"{distance:.3g} away from the uniform CDF at its farthest (Kolmogorov-Smirnov distance; at most "
            f"{critical:.2g} expected for {n} uniform values). Draw from a uniform distribution "
            "(e.g. rng.uniform(-a, a, size)), not a normal one."
        )


@pytest.mark.xavier
def test_xavier_same_seed_gives_the_same_weights(student):
    first, second = draw(student, 6, 4, seed=7), draw(student, 6, 4, seed=7)
    if first.shape != second.shape or not np.array_equal(first, second):
        raise GradingFailure(
            "xavier_uniform(6, 4, seed=7): two calls with the same seed returned different weights; "
            "draw with a generator made from the seed, e.g. np.random.default_rng(seed)."
        )


@pytest.mark.xavier
def test_xavier_different_seeds_give_different_weights(student):
    first, second = draw(student, 6, 4, seed=7), draw(student, 6, 4, seed=8)
    if first.shape == second.shape and np.array_equal(first, second):
        raise GradingFailure(
            "xavier_uniform(6, 4): seeds 7 and 8 returned the same weights; the seed must select the draw "
            "(np.random.default_rng(seed))."
        )


@pytest.mark.xavier
def test_xavier_without_a_seed_draws_fresh_weights(student):
    fan_in, fan_out = 6, 4
    a = bound(fan_in, fan_out)
    first, second = draw(student, fan_in, fan_out, seed=None), draw(student, fan_in, fan_out, seed=None)
    if first.shape != (fan_in, fan_out) or np.abs(first).max() > a * (1 + BOUND_SLACK):
        raise GradingFailure(
            f"xavier_uniform({fan_in}, {fan_out}, seed=None): expected shape ({fan_in}, {fan_out}) and values "
            f"within [-{a:.4g}, {a:.4g}], got shape {first.shape} and largest absolute value "
            f"{np.abs(first).max():.4g}."
        )
    if np.array_equal(first, second):
        raise GradingFailure(
            f"xavier_uniform({fan_in}, {fan_out}, seed=None): two calls returned the same weights; without a "
            "seed each call should draw afresh (np.random.default_rng(None) seeds itself from the system)."
        )
