"""Probes of CS189 SP23 HW6: run a student's method many times, or read a mapping it holds, on its side.

The layers keep their parameters in their own OrderedDicts, so a numerical
gradient perturbs an input or a parameter held in the object and calls its
forward again. These probes do that where the object lives (in the sandboxed
worker, when there is one) and return the raw outputs, one per perturbation;
the trusted side takes the differences and judges. Nothing here computes a
verdict.
"""
from collections.abc import Mapping
from typing import Any, Callable, Sequence

import numpy as np


def _own(value: Any) -> Any:
    """A copy of an array output, so that a method that returns the same buffer every call is read right."""
    return value.copy() if type(value) is np.ndarray else value


def outputs(function: Callable[..., Any], args_list: Sequence[Sequence[Any]]) -> list:
    """``function(*args)`` for each ``args`` of ``args_list``, in order."""
    return [_own(function(*args)) for args in args_list]


def outputs_with_item(function: Callable[..., Any], args: Sequence[Any], holder: Any, key: Any,
                      values: Sequence[Any]) -> list:
    """``function(*args)`` after ``holder[key] = value``, for each value; ``holder[key]`` is restored afterwards."""
    original = holder[key]
    try:
        found = []
        for value in values:
            holder[key] = value
            found.append(_own(function(*args)))
        return found
    finally:
        holder[key] = original


def as_dict(mapping: Any) -> Any:
    """A plain dict with the items of ``mapping`` (an OrderedDict cannot cross as plain data); anything
    that is not a mapping comes back as it is, for the trusted side to describe."""
    if isinstance(mapping, Mapping):
        return {key: _own(value) for key, value in mapping.items()}
    return mapping
