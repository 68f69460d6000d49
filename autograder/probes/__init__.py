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
An assignment may bring probes of its own (``probes_dir`` in its config,
default ``tests/probes``): ``register_assignment_probes`` imports them by
path, and ``find_probe`` finds them by the same "module.function" names.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import pkgutil
import sys
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any, Callable

_ASSIGNMENT_PROBES: dict[str, ModuleType] = {}  # module name -> the assignment's probe module


def find_probe(name: str) -> Callable[..., Any]:
    """The probe function called ``name`` ("module.function") in this package.

    Raises:
        ValueError: for a name that is not a probe; a bug in a test, not the student's.
    """
    module_name, _, function_name = name.partition(".")
    if not module_name.isidentifier() or not function_name.isidentifier() or function_name.startswith("_"):
        raise ValueError(f"not a probe name: {name!r} (expected 'module.function')")
    module = _ASSIGNMENT_PROBES.get(module_name)
    if module is None:
        module = importlib.import_module(f"{__name__}.{module_name}")
    probe = getattr(module, function_name, None)
    if not callable(probe):
        raise ValueError(f"probe module {module_name} has no probe {function_name!r}")
    return probe


class _CompiledModule(importlib.abc.Loader):
    """Runs a module from code compiled earlier: the file need not be readable when the module runs."""

    def __init__(self, code: CodeType):
        self.code = code

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        exec(self.code, module.__dict__)  # noqa: S102 - the framework's own probe code, compiled by load_all


def load_all(lazily: bool) -> list[str]:
    """Load every probe module of this package; the modules that failed.

    For the sandbox's zygote, whose workers can no longer read the framework's files once they are
    hidden. ``lazily``: read and compile each module now and run it at its first use, since running a
    torch probe module imports torch (2 to 3 s of CPU, and its memory), which a run of numpy questions never
    needs. Otherwise run them all now (a module loaded lazily before runs now too), so that every
    worker forked afterwards finds them ready.
    """
    failed = []
    for info in pkgutil.iter_modules(__path__):
        name = f"{__name__}.{info.name}"
        if name in sys.modules or not lazily:
            try:
                getattr(importlib.import_module(name), "__name__")  # an attribute read runs a lazy module
            except Exception as exc:  # noqa: BLE001 - reported as a module the worker lacks
                failed.append(f"{name} ({type(exc).__name__}: {exc})")
            continue
        path = Path(__path__[0]) / f"{info.name}.py"
        try:
            code = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except (OSError, SyntaxError, ValueError) as exc:
            failed.append(f"{name} ({type(exc).__name__}: {exc})")
            continue
        spec = importlib.util.spec_from_loader(name, importlib.util.LazyLoader(_CompiledModule(code)),
                                               origin=str(path))
        module = importlib.util.module_from_spec(spec)
        module.__file__ = str(path)
        sys.modules[name] = module
        spec.loader.exec_module(module)  # LazyLoader: the code runs when an attribute is first read
    return failed


def register_assignment_probes(folder: str | Path) -> list[str]:
    """Import the assignment's probe modules (``*.py`` in ``folder``); the ones that failed to import.

    They are imported under private names (``autograder_assignment_probes.<name>``) so that they
    never shadow a submission's module; a name the framework uses already is refused.
    """
    failed = []
    for path in sorted(Path(folder).glob("*.py")) if Path(folder).is_dir() else []:
        name = path.stem
        if name.startswith("_") or name in _ASSIGNMENT_PROBES:
            continue
        if importlib.util.find_spec(f"{__name__}.{name}") is not None:
            failed.append(f"{path} (the framework has a probe module named {name})")
            continue
        spec = importlib.util.spec_from_file_location(f"autograder_assignment_probes.{name}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - the assignment's bug: named where probes are listed
            failed.append(f"{path} ({type(exc).__name__}: {exc})")
            continue
        sys.modules[spec.name] = module
        _ASSIGNMENT_PROBES[name] = module
    return failed
