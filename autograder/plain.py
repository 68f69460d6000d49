"""Plain data: what may cross the boundary between the tests and student code.

Plain data is None, bool, int, float, complex, str, numpy scalars, numpy
arrays of a numeric or boolean dtype, and tuples, lists and dicts of those.
Everything else the student's code returns becomes an opaque handle. Types
are checked exactly: an ndarray subclass, an object array or a float
subclass could carry its own ``__eq__`` or ``__array__`` and lie to a
comparison, so they are refused.
"""
from __future__ import annotations

import sys
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from autograder.errors import InvalidReturn

_SCALARS = (type(None), bool, int, float, complex, str)
_ARRAY_KINDS = "biufc"  # bool, ints, unsigned, floats, complex


def _is_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")  # never import torch just to ask
    return torch is not None and type(value) in (torch.Tensor, torch.nn.Parameter)


def to_plain(value: Any, make_handle: Callable[[Any], Any], where: str = "the result") -> Any:
    """Copy ``value`` into plain data, turning other objects into handles.

    Args:
        value: what student code returned or holds.
        make_handle: called with any object that is not plain data.
        where: how to name the value in an error, e.g. "activation_forward's result[0]".

    Raises:
        InvalidReturn: for values that look like data but cannot be trusted.
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        if value.dtype.kind not in _ARRAY_KINDS:
            raise InvalidReturn(f"{where} is a numpy scalar of dtype {value.dtype}; return a number.")
        return value.copy()
    if kind is np.ndarray:
        if value.dtype.kind not in _ARRAY_KINDS:
            raise InvalidReturn(
                f"{where} is an array of dtype {value.dtype}; return an array of numbers "
                "(an object array usually means a list of arrays of different shapes)."
            )
        return np.array(value, copy=True, order="C")
    if isinstance(value, np.ndarray):
        raise InvalidReturn(
            f"{where} is a {kind.__module__}.{kind.__name__}, a subclass of numpy.ndarray; "
            "return a plain numpy array (np.asarray(x))."
        )
    if kind in (tuple, list):
        items = [to_plain(item, make_handle, f"{where}[{i}]") for i, item in enumerate(value)]
        return kind(items)
    if kind is dict or kind is OrderedDict:  # a layer's parameters are often an OrderedDict: a plain dict here
        return {
            _plain_key(key, where): to_plain(item, make_handle, f"{where}[{key!r}]")
            for key, item in value.items()
        }
    if _is_tensor(value):
        return value.detach().cpu().clone()
    if isinstance(value, (bool, int, float, str, tuple, list, dict)):
        raise InvalidReturn(
            f"{where} is a {kind.__module__}.{kind.__name__}, a subclass of "
            f"{kind.__mro__[1].__name__}; return a plain {kind.__mro__[1].__name__}."
        )
    return make_handle(value)


def _plain_key(key: Any, where: str) -> Any:
    if type(key) not in (str, int, bool, float, tuple, type(None)):
        raise InvalidReturn(f"{where} is a dict with a key of type {type(key).__name__}; use strings.")
    return key


def copy_in(value: Any, resolve_handle: Callable[[Any], Any]) -> Any:
    """Copy plain data for handing to student code; handles become their objects."""
    kind = type(value)
    if kind is np.ndarray:
        return value.copy()
    if kind in (tuple, list):
        return kind(copy_in(item, resolve_handle) for item in value)
    if kind is dict:
        return {key: copy_in(item, resolve_handle) for key, item in value.items()}
    if _is_tensor(value):
        return value.detach().clone()
    if kind in _SCALARS or isinstance(value, np.generic):
        return value
    return resolve_handle(value)


def find_changes(before: Any, after: Any, path: str) -> list[str]:
    """Paths of the arrays inside ``before`` whose contents differ in ``after``.

    ``before`` is the caller's value and ``after`` the copy the student got;
    containers are walked in step, so "cache[0]" names a tuple's first item.
    """
    if type(before) is np.ndarray:
        # The same bytes: unchanged (the common case, and a quick test: np.array_equal costs 40 us a call);
        # otherwise equal values (a NaN rewritten as another NaN) still count as unchanged.
        same = type(after) is np.ndarray and after.shape == before.shape and after.dtype == before.dtype and (
            after.tobytes() == before.tobytes() or np.array_equal(after, before, equal_nan=before.dtype.kind in "fc"))
        return [] if same else [path]
    if type(before) in (tuple, list) and type(after) is type(before) and len(after) == len(before):
        return [p for i, (b, a) in enumerate(zip(before, after)) for p in find_changes(b, a, f"{path}[{i}]")]
    if type(before) is list:  # a list the student resized in place
        return [path]
    if type(before) is dict and type(after) is dict:
        if before.keys() != after.keys():
            return [path]
        return [p for key in before for p in find_changes(before[key], after[key], f"{path}[{key!r}]")]
    if _is_tensor(before):
        return [] if (_is_tensor(after) and bool((before == after).all())) else [path]
    return []
