"""Probes of CS189 SP23 HW6: read a mapping a student's object holds, on its side.

The layers keep their parameters in their own OrderedDicts, which cannot
cross the boundary as plain data. (A numerical gradient through an object,
perturbing an input or a parameter it holds, uses the framework's probes
``batched.outputs`` and ``outputs_with_item``.) Nothing here computes
a verdict.
"""
from collections.abc import Mapping
from typing import Any

import numpy as np


def _own(value: Any) -> Any:
    """A copy of an array output, so that a method that returns the same buffer every call is read right."""
    return value.copy() if type(value) is np.ndarray else value


def as_dict(mapping: Any) -> Any:
    """A plain dict with the items of ``mapping`` (an OrderedDict cannot cross as plain data); anything
    that is not a mapping comes back as it is, for the trusted side to describe."""
    if isinstance(mapping, Mapping):
        return {key: _own(value) for key, value in mapping.items()}
    return mapping
