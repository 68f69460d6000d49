"""One comparison helper whose failures read as a paragraph a student can act on.

``expect_close`` checks, in this order: the kind of value (array, number,
None, tuple), the shape, the dtype, non-finite values, then the numbers. On
failure it names the function and case and reports the worst element with
its index, the max absolute and relative errors and the tolerance, plus a
hint when the difference has a recognisable pattern (transposed, negated,
scaled by a constant, all zeros).
"""
from __future__ import annotations

import numbers
from typing import Any, Mapping, Sequence

import numpy as np

from autograder.errors import GradingFailure
from autograder.tolerances import Tolerance


NOT_IMPLEMENTED_HINT = ("not implemented yet? (a stub that only says `pass` returns None, and so does a "
                        "function whose return statement is missing)")


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _describe_kind(value: Any) -> str:
    if value is None:
        return "None"
    if type(value) is np.ndarray:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.ndarray):  # refused: a subclass can override comparisons
        return f"a {type(value).__name__}, a subclass of numpy.ndarray (return np.asarray(...) instead)"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__} ({value!r:.60})"


def describe_value(value: Any) -> str:
    """What came back, for a message: "None: not implemented yet? ...", "a list of 3 items", ..."""
    return f"None: {NOT_IMPLEMENTED_HINT}" if value is None else _describe_kind(value)


def expect_array(got: Any, shape: tuple, *, what: str, case: str | None = None, kinds: str = "iuf") -> np.ndarray:
    """``got`` if it is a numpy array of ``shape`` whose dtype kind is in ``kinds`` (for checks of properties,
    not values); a failure that says what came back otherwise."""
    where = _prefix(what, case)
    numeric = "floating-point" if kinds == "f" else "numeric"
    if type(got) is not np.ndarray or got.dtype.kind not in kinds:
        kind = f"an array of dtype {got.dtype}" if type(got) is np.ndarray else describe_value(got)
        raise GradingFailure(f"{where}: expected a {numeric} numpy array of shape {tuple(shape)}, got {kind}.")
    if got.shape != tuple(shape):
        raise GradingFailure(f"{where}: wrong shape: expected {tuple(shape)}, got {got.shape}.")
    return got


def _prefix(what: str, case: str | None) -> str:
    return f"{what}, case '{case}'" if case else what


def _as_real_array(got: Any, expected: np.ndarray, where: str) -> np.ndarray:
    """Turn an acceptable ``got`` into an ndarray or raise a failure naming the problem."""
    if expected.ndim == 0:
        if isinstance(got, numbers.Real) and not isinstance(got, bool):
            return np.asarray(got, dtype=np.float64)
        if type(got) is np.ndarray and got.ndim == 0:
            return got
    if type(got) is not np.ndarray:
        wanted = "a number" if expected.ndim == 0 else f"a numpy array of shape {expected.shape}"
        if got is None:
            raise GradingFailure(f"{where}: expected {wanted}, got None: {NOT_IMPLEMENTED_HINT}")
        raise GradingFailure(f"{where}: expected {wanted}, got {_describe_kind(got)}.")
    return got


def _check_dtype(got: np.ndarray, expected: np.ndarray, where: str, exact_dtype: bool) -> None:
    if got.dtype.kind in "OcMmSUV" or (got.dtype.kind == "b" and expected.dtype.kind != "b"):
        raise GradingFailure(
            f"{where}: expected dtype {expected.dtype}, got {got.dtype}; return a numeric array."
        )
    if exact_dtype and got.dtype != expected.dtype:
        raise GradingFailure(f"{where}: expected dtype {expected.dtype}, got {got.dtype}.")
    if expected.dtype.kind == "f" and got.dtype.kind in "iu":
        raise GradingFailure(
            f"{where}: expected floating-point values (dtype {expected.dtype}), got integer dtype "
            f"{got.dtype}. An integer array (np.zeros_like of an int input, or // division) "
            "truncates the result."
        )


def _check_finite(got: np.ndarray, expected: np.ndarray, where: str) -> None:
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise GradingFailure(
            f"{where}: got {int(bad.sum())} non-finite value(s) (NaN or inf) where the expected "
            f"values are finite; the first at index {list(index)} is {got[index]} "
            f"(expected {_fmt(float(expected[index]))}). Overflow in exp or a division by zero?"
        )


def _describe_relative(errors: np.ndarray) -> str:
    finite = errors[np.isfinite(errors)]
    if finite.size == errors.size:
        return _fmt(float(finite.max()))
    if finite.size:
        return f"{_fmt(float(finite.max()))} (not defined where 0 was expected)"
    return "not defined (0 was expected)"


def _hint(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> str | None:
    """A guess at the mistake when the difference has a simple pattern."""
    def close(a: np.ndarray) -> bool:
        return bool(np.allclose(a, expected, rtol=tol.rtol, atol=tol.atol))

    if not np.any(expected):
        return None
    if not np.any(got) and got.size > 1:
        return "got is all zeros: is the result computed but never stored or returned?"
    if close(-got):
        return "got equals -expected everywhere: a sign error?"
    if got.ndim == 2 and got.shape[0] == got.shape[1] and close(got.T):
        return "got equals the transpose of expected: are the operands of a product swapped?"
    if expected.size == 1:  # one number: any two differ by "a constant factor"
        return None
    scale = float(np.sum(got * expected) / np.sum(expected * expected))
    if np.isfinite(scale) and abs(scale - 1) > 1e-6 and close(got / scale):
        return (
            f"got is {_fmt(scale)} x expected everywhere: a missing or extra constant factor "
            "(such as 1/N, 2 or a scale)?"
        )
    return None


def expect_close(
    got: Any,
    expected: Any,
    *,
    what: str,
    tol: Tolerance,
    case: str | None = None,
    exact_dtype: bool = False,
) -> None:
    """Raise GradingFailure unless ``got`` matches ``expected`` within ``tol``.

    Args:
        got: what the student returned (array, number, ...).
        expected: the reference value; an ndarray or a number.
        what: the quantity, e.g. "activation_forward: out" or "dx of linear_backward".
        tol: the tolerance, from autograder.tolerances.
        case: the input case's name, shown in the message.
        exact_dtype: require the same dtype, not only the same kind (float/int).
    """
    where = _prefix(what, case)
    expected = np.asarray(expected)
    got = _as_real_array(got, expected, where)
    if got.shape != expected.shape:
        hint = ""
        if got.shape == expected.shape[::-1] and got.ndim > 1:
            hint = " The axes are reversed: a missing transpose or reshape?"
        elif got.size == expected.size:
            hint = f" Same number of elements: reshape to {expected.shape}?"
        raise GradingFailure(f"{where}: wrong shape: expected {expected.shape}, got {got.shape}.{hint}")
    _check_dtype(got, expected, where, exact_dtype)
    _check_finite(got, expected, where)

    got64 = got.astype(np.float64)
    exp64 = expected.astype(np.float64)
    abs_err = np.abs(got64 - exp64)
    allowed = tol.atol + tol.rtol * np.abs(exp64)
    failing = ~(abs_err <= allowed)  # NaN in both counts as equal only via isfinite above
    failing &= ~(np.isnan(got64) & np.isnan(exp64))
    if not failing.any():
        return
    excess = np.where(failing, abs_err - allowed, -np.inf)
    index = np.unravel_index(int(np.argmax(excess)), excess.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_err = np.where(exp64 != 0, abs_err / np.abs(exp64), np.inf)
    lines = [
        f"{where}: values differ at {int(failing.sum())} of {failing.size} elements "
        f"(tolerance {tol.describe()}).",
        (f"  worst element at index {[int(i) for i in index]}: " if index else "  ")
        + f"expected {_fmt(exp64[index])}, got {_fmt(got64[index])}",
        f"  max abs error {_fmt(float(np.nanmax(abs_err)))}, "
        f"max rel error {_describe_relative(rel_err[failing])}",
    ]
    hint = _precision_hint(got, expected, exp64, abs_err) or _hint(got64, exp64, tol)
    if hint:
        lines.append(f"  hint: {hint}")
    raise GradingFailure("\n".join(lines))


def _precision_hint(got: np.ndarray, expected: np.ndarray, exp64: np.ndarray, abs_err: np.ndarray) -> str | None:
    """Results that agree with float64 ones only to float32's precision: float32 on the way."""
    if got.dtype.kind != "f" or expected.dtype != np.float64:
        return None
    low = got.dtype if got.dtype.itemsize < 8 else np.dtype(np.float32)
    precision = float(np.finfo(low).eps) * 64
    if not np.all(abs_err <= precision * np.maximum(np.abs(exp64), 1.0)):
        return None
    fix = ("Keep float64 (the inputs' dtype): look for np.float32, astype(np.float32) or an array created with "
           "dtype=np.float32.")
    if got.dtype.itemsize < 8:
        return f"got has dtype {got.dtype}, whose precision is about {np.finfo(low).eps:.0e}: the values agree " \
               f"to that precision only. {fix}"
    return f"the values agree only to float32's precision (about {np.finfo(low).eps:.0e}): something on the way " \
           f"is computed in float32. {fix}"


def expect_all_close(got: Mapping[str, Any], expected: Mapping[str, Any], *, what: str, tol: Tolerance,
                     case: str | None = None) -> None:
    """Every quantity of ``expected`` found in ``got`` and close to it.

    The precondition of a property check (inputs left unchanged, defaults stored): such a check
    earns only when the values are right too, so code that computes nothing earns nothing.
    """
    for key, value in expected.items():
        if key not in got:
            raise GradingFailure(f"{_prefix(what, case)}: {key} is missing from what was returned.")
        expect_close(got[key], value, what=f"{what}: {key}", tol=tol, case=case)


def expect_items(got: Any, count: int, *, what: str, case: str | None = None) -> Sequence[Any]:
    """Check that ``got`` is a tuple or list of ``count`` items and return it."""
    where = _prefix(what, case)
    if got is None:
        raise GradingFailure(f"{where}: expected a tuple of {count} items, got None: {NOT_IMPLEMENTED_HINT}")
    if not isinstance(got, (tuple, list)) or len(got) != count:
        raise GradingFailure(f"{where}: expected a tuple of {count} items, got {_describe_kind(got)}.")
    return got


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a| + |b|), the scale-free error used in gradient checks."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denominator = np.maximum(np.abs(a) + np.abs(b), 1e-8)
    return float(np.max(np.abs(a - b) / denominator)) if a.size else 0.0
