"""Probes: framework code that runs on the student's side of the boundary.

Some checks need the student's objects alive while they run, e.g. a
backward pass through a student's torch module, or reading the layers of a
model it built. ``Student.run_probe("module.function", ...)`` runs such a
function where the objects live: in this process for the in-process back
end, in the worker for the sandbox. A probe returns plain data, which the
trusted side checks like any other value the submission gave; it never
computes a verdict, since the student's code could have tampered with it.

Each module here holds the probes of one concern and imports only what it
needs (torch probes import torch), so that a numpy-only run stays light.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable


def find_probe(name: str) -> Callable[..., Any]:
    """The probe function called ``name`` ("module.function") in this package.

    Raises:
        ValueError: for a name that is not a probe; a bug in a test, not the student's.
    """
    module_name, _, function_name = name.partition(".")
    if not module_name.isidentifier() or not function_name.isidentifier() or function_name.startswith("_"):
        raise ValueError(f"not a probe name: {name!r} (expected 'module.function')")
    module = importlib.import_module(f"{__name__}.{module_name}")
    probe = getattr(module, function_name, None)
    if not callable(probe):
        raise ValueError(f"autograder.probes.{module_name} has no probe {function_name!r}")
    return probe
