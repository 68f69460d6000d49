"""Many operations on the submission's objects in one request: the evaluations of a numerical gradient,
a model's parameters written at once.

A numerical gradient evaluates a function twice per input element; when that
function is a method of the student's object (a model's ``loss``, a layer's
``forward``) or reads a value the object holds (``model.params['W1']``), each
evaluation would otherwise be two requests to the sandboxed worker (write the
perturbed value, call), and a model's gradient check thousands of them. These
probes run a whole batch where the object lives and return the raw outputs;
the trusted side takes the differences and judges. ``set_items`` writes a
whole dictionary of parameters in one request. Nothing here computes a
verdict.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np


def _own(value: Any) -> Any:
    """A copy of an array (an output read right even when a function returns the same buffer every call; an
    argument no earlier call has changed); anything else as it is."""
    return value.copy() if type(value) is np.ndarray else value


def _item(value: Any, select: int | None) -> Any:
    """Item ``select`` of a returned tuple (e.g. the loss of (loss, grads)); anything else as it is, for the
    trusted side to describe."""
    if select is not None and isinstance(value, (tuple, list)) and len(value) > select:
        return value[select]
    return value


def _fresh(args: Sequence[Any]) -> list:
    """The arguments of one call, arrays copied: each call gets its own, as every call through the boundary
    does, so that a function that changes an input in place cannot change the next evaluation's."""
    return [_own(arg) for arg in args]


def outputs(function: Callable[..., Any], args_list: Sequence[Sequence[Any]], select: int | None = None) -> list:
    """``function(*args)`` for each ``args`` of ``args_list``, in order (item ``select`` of each)."""
    return [_own(_item(function(*_fresh(args)), select)) for args in args_list]


def outputs_with_item(function: Callable[..., Any], args: Sequence[Any], holder: Any, key: Any,
                      values: Sequence[Any], select: int | None = None) -> list:
    """``function(*args)`` after ``holder[key] = value``, for each value (item ``select`` of each output);
    ``holder[key]`` is restored afterwards."""
    original = holder[key]
    try:
        found = []
        for value in values:
            holder[key] = value
            found.append(_own(_item(function(*_fresh(args)), select)))
        return found
    finally:
        holder[key] = original


def set_items(holder: Any, items: Mapping[Any, Any]) -> None:
    """``holder[key] = value`` for each item, in order (e.g. every array of a model's params)."""
    for key, value in items.items():
        holder[key] = value
