"""The in-process back end: student modules imported into the test process.

Fast and debuggable with pdb; the default for a student's local run. It
offers no protection against hostile code (that is the sandbox's job) but
keeps every other promise of the interface: copies in, plain data out,
mutations reported, one clear sentence per import failure.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Mapping, Sequence

from autograder import breaker
from autograder.errors import InvalidReturn, StudentRaised, SubmissionImportError
from autograder.plain import copy_in, find_changes, to_plain
from autograder.probes import find_probe
from autograder.student import CallRecord, CallRules, Handle, Student, Target
from autograder.workspace import Workspace

_MAX_TRACEBACK_FRAMES = 6
# Libraries a submission may import, named when one it imports is not installed on the grader.
_COMMON_PACKAGES = ("numpy", "torch", "scipy", "PIL", "matplotlib", "sklearn", "pandas", "tqdm")


def _student_frames(tb: Any, workspace: Path) -> list[traceback.FrameSummary]:
    frames = traceback.extract_tb(tb)
    # "<frozen importlib._bootstrap>" is not a file: resolved, it would seem to sit in the working folder.
    return [f for f in frames if not f.filename.startswith("<") and Path(f.filename).resolve().parent == workspace]


def _location(frame: traceback.FrameSummary, with_code: bool = True) -> str:
    code = f": `{frame.line.strip()}`" if with_code and frame.line else ""
    return f"{Path(frame.filename).name}, line {frame.lineno}{code}"


def format_student_traceback(exc: BaseException, workspace: Path) -> tuple[str, str]:
    """(where the error happened in the student's code, their frames as text).

    Only the student's own frames are kept, named by file name alone: the
    grader's frames and temporary paths would only distract.
    """
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{Path(exc.filename).name}, line {exc.lineno}"
        text = (exc.text or "").rstrip()
        return where, (f"    {text.strip()}" if text else "")
    frames = _student_frames(exc.__traceback__, workspace)
    if not frames:
        return "", ""
    if isinstance(exc, NotImplementedError):  # the template's stub: its line says nothing more
        return _location(frames[-1], with_code=False), ""
    lines = ["Traceback (your code only):"]
    for frame in frames[-_MAX_TRACEBACK_FRAMES:]:
        lines.append(f"  {Path(frame.filename).name}, line {frame.lineno}, in {frame.name}")
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    return _location(frames[-1]), "\n".join(lines)


def _belongs_to_the_harness(exc: BaseException) -> bool:
    """Ctrl-C and pytest's outcomes (a pytest-timeout ``Failed``) pass through student code.

    pytest's outcome classes report ``__module__ == "builtins"``, so they are told
    apart by being BaseExceptions that are neither Exceptions nor SystemExit.
    """
    return not isinstance(exc, (Exception, SystemExit, GeneratorExit))


def _exception_line(exc: BaseException) -> str:
    message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    message = message.strip().splitlines()[0] if message.strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def qualified_name_of(function: Any) -> str:
    """"module.function" or "module.Class.method" of a function, method or class of the submission."""
    inner = getattr(function, "__func__", function)
    module = getattr(inner, "__module__", None) or "?"
    name = getattr(inner, "__qualname__", None) or getattr(type(inner), "__qualname__", "?")
    return f"{module}.{name}".replace(".<locals>", "")


class InProcessStudent(Student):
    """Runs the submission's code inside this Python process."""

    def __init__(self, workspace: Workspace, rules: CallRules = CallRules(), tripped: Mapping[str, str] | None = None):
        """``rules``: the per-call deadline, the output cap and the declared writes; ``tripped``: functions
        ("mod.double") that failed in an earlier worker of this submission, with their sentence."""
        super().__init__()
        self.workspace = workspace
        self.rules = rules
        self.tripped: dict[str, str] = dict(tripped or {})
        self._root = workspace.path.resolve()
        self._objects: dict[int, Any] = {}
        self._modules: dict[str, Any] = {}
        self._tripped_here: set[str] = set()  # the tripped functions whose code is already replaced here
        self._import_errors: dict[str, SubmissionImportError] = {}
        self._signatures: dict[int, tuple[Any, list[str]]] = {}
        self._evict_foreign_modules()
        sys.path.insert(0, str(self._root))

    # -- modules ----------------------------------------------------------
    def _is_ours(self, module: Any) -> bool:
        """Whether ``module`` was imported from this submission's folder."""
        return Path(getattr(module, "__file__", "") or "").parent.resolve() == self._root

    def _evict_foreign_modules(self) -> None:
        """Forget same-named modules of an earlier submission, so ours are imported."""
        for name in self.workspace.modules:
            module = sys.modules.get(name)
            if module is not None and not self._is_ours(module):
                del sys.modules[name]

    def module(self, name: str) -> Any:
        if name in self._modules:
            return self._modules[name]
        if name in self._import_errors:  # a fresh exception: re-raising one object grows its traceback
            known = self._import_errors[name]
            raise SubmissionImportError(known.module, known.summary, known.details)
        if name in self.workspace.missing:
            error = SubmissionImportError(name, f"{self.workspace.missing[name]}, so nothing in it can be graded.")
        elif name not in self.workspace.modules:
            error = SubmissionImportError(name, f"the assignment has no module named {name}.py.")
        else:
            try:
                self._modules[name] = importlib.import_module(name)
                self._trip_known()
                return self._modules[name]
            except BaseException as exc:  # noqa: BLE001 - any import failure is the student's
                if isinstance(exc, KeyboardInterrupt):
                    raise
                error = self._import_error(name, exc)
        self._import_errors[name] = error
        raise error

    def _import_error(self, name: str, exc: BaseException) -> SubmissionImportError:
        sys.modules.pop(name, None)
        where, details = format_student_traceback(exc, self._root)
        culprit = where.split(",")[0] if where else ""
        own_file = f"{name}.py"
        if isinstance(exc, SystemExit):
            reason = f"it called exit() ({exc.code!r}) while being imported"
        elif isinstance(exc, ModuleNotFoundError) and exc.name:
            reason = self._missing_module(exc.name)
        else:
            reason = _exception_line(exc)
        if culprit and culprit != own_file:
            summary = f"{own_file} could not be imported because of an error in {culprit}: {reason} ({where})."
        elif where:
            summary = f"{own_file} could not be imported: {reason} ({where})."
        else:
            summary = f"{own_file} could not be imported: {reason}."
        return SubmissionImportError(name, summary, details)

    def _loaded(self, name: str) -> Any:
        """The submission's module ``name`` if it is imported, whether a test asked for it or another of
        the submission's modules imported it (``from units import *`` in a network's module); else None."""
        module = self._modules.get(name) or sys.modules.get(name)
        return module if module is not None and self._is_ours(module) else None

    def _trip_known(self) -> None:
        """Trip what failed (here or in an earlier worker: autograder.breaker) in every module of the
        submission imported so far: a network's module imports the layers it uses, and a hung layer must
        stay tripped there although no test asked for the layers' module itself."""
        for qualified, sentence in self.tripped.items():
            if qualified in self._tripped_here:
                continue
            owner, _, function = qualified.partition(".")
            module = self._loaded(owner)
            if module is not None:
                breaker.trip(module, function, sentence)
                self._tripped_here.add(qualified)

    def _trip(self, qualified: str, sentence: str) -> None:
        self.tripped[qualified] = sentence
        self._trip_known()

    def adopt_trips(self, trips: Mapping[str, str]) -> None:
        """Functions tripped elsewhere (another worker of the grade): fail at once here too."""
        self.tripped.update({name: sentence for name, sentence in trips.items() if name not in self.tripped})
        self._trip_known()

    def _missing_module(self, name: str) -> str:
        """Why ``import name`` failed, and what the grader has instead."""
        top = name.split(".")[0]
        own = ", ".join(sorted(set(self.workspace.modules) | set(self.workspace.missing)))
        if top in self.workspace.missing:
            return f"it imports {top}, which is missing from the submission"
        installed = [package for package in _COMMON_PACKAGES if importlib.util.find_spec(package) is not None]
        return (f"No module named '{name}': it is neither one of the assignment's modules ({own}) nor installed "
                f"on the grader, which has {', '.join(installed) or 'no extra package'} and Python's standard "
                "library; remove the import (plots and progress bars are not graded)")

    # -- handles --------------------------------------------------------------
    def _handle(self, obj: Any, label: str | None = None) -> Handle:
        """A new handle; ``label`` names it in messages ("Net.loss" rather than "method")."""
        handle_id = len(self._objects) + 1
        self._objects[handle_id] = obj
        return Handle(self, handle_id, label or type(obj).__name__)

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, Handle):
            if value._student is not self or value.handle_id not in self._objects:
                raise ValueError(f"{value!r} does not belong to this submission")
            return self._objects[value.handle_id]
        raise TypeError(f"cannot pass a {type(value).__name__} to student code")

    def _target(self, target: Target) -> tuple[Any, str]:
        if isinstance(target, Handle):
            return self._resolve(target), target.type_name
        module_name, _, attribute = target.rpartition(".")
        module = self.module(module_name)
        try:
            return getattr(module, attribute), attribute
        except AttributeError:
            raise SubmissionImportError(
                module_name, f"{module_name}.py does not define {attribute}; check its spelling."
            ) from None

    # -- the primitives -------------------------------------------------------
    def call(self, target: Target, *args: Any, **kwargs: Any) -> Any:
        function, label = self._target(target)
        return self._invoke(function, label, args, kwargs, select=None)

    def call_and_read(self, target: Target, read: Sequence[str], *args: Any, **kwargs: Any) -> tuple[Any, dict]:
        function, label = self._target(target)
        return self._invoke(function, label, args, kwargs, select=None, read=tuple(read))

    def call_many(self, target: Target, calls: Sequence[Mapping[str, Any]], select: int | None = None) -> list[Any]:
        """The calls under one deadline and output cap, with no account of mutations: they serve numerical
        gradients, thousands of evaluations of a forward pass on copies (measured: 4x faster than one by one)."""
        function, label = self._target(target)
        self.calls.append(CallRecord(label))
        guard = breaker.CallGuard(self.rules.call_seconds, self.rules.output_chars)
        results = []
        try:
            with guard:
                for kwargs in calls:
                    results.append(function(**copy_in(dict(kwargs), self._resolve)))
        except BaseException as exc:  # noqa: BLE001 - report whatever the student's code raised
            raise self._student_failure(exc, function, label, guard) from None
        return [to_plain(self._select(result, label, select), self._handle, f"the value returned by {label}")
                for result in results]

    def function(self, name: str) -> Handle:
        found, label = self._target(name)
        if not callable(found):
            raise SubmissionImportError(name.rpartition(".")[0], f"{name} is not a function.")
        return self._handle(found, label)

    def _invoke(self, function: Any, label: str, args: tuple, kwargs: dict, select: int | None,
                read: tuple[str, ...] | None = None) -> Any:
        given_args = copy_in(args, self._resolve)
        given_kwargs = copy_in(kwargs, self._resolve)
        record = CallRecord(label)
        self.calls.append(record)
        guard = breaker.CallGuard(self.rules.call_seconds, self.rules.output_chars)
        try:
            with guard:
                result = function(*given_args, **given_kwargs)
        except BaseException as exc:  # noqa: BLE001 - report whatever the student's code raised
            raise self._student_failure(exc, function, label, guard) from None
        writable = self.rules.writable(qualified_name_of(function))
        record.mutated = [m for m in self._mutations(function, args, given_args, kwargs, given_kwargs)
                          if m.split("[", 1)[0] not in writable]
        written = self._read_back(function, label, read, given_args, given_kwargs) if read else None
        result = to_plain(self._select(result, label, select), self._handle, f"the value returned by {label}")
        return (result, written) if read is not None else result

    @staticmethod
    def _select(result: Any, label: str, select: int | None) -> Any:
        if select is None:
            return result
        if not isinstance(result, (tuple, list)) or len(result) <= select:
            raise InvalidReturn(f"{label} should return a tuple with at least {select + 1} items, got "
                                f"{type(result).__name__}.")
        return result[select]

    def _student_failure(self, exc: BaseException, function: Any, label: str, guard: breaker.CallGuard) -> BaseException:
        """The exception to raise for what the student's code raised (or the harness's own, unchanged)."""
        if isinstance(exc, (breaker.CallTimedOut, breaker.OutputFlood)):
            return self._tripped_by(exc, function, label, guard.writer)
        if isinstance(exc, breaker.FunctionTripped):
            return breaker.FunctionTripped(exc.summary)
        if _belongs_to_the_harness(exc):
            return exc
        return self._raised(label, exc)

    def _read_back(self, function: Any, label: str, read: tuple[str, ...], given_args: tuple,
                   given_kwargs: dict) -> dict[str, Any]:
        """The arguments named in ``read`` as the call left them, as plain data (or handles)."""
        names = self._parameter_names(function)
        given = {**dict(zip(names, given_args)), **given_kwargs}
        missing = [name for name in read if name not in given]
        if missing:
            raise ValueError(f"{label} was not given the argument(s) {', '.join(missing)} to read back")
        return {name: to_plain(given[name], self._handle, f"{name} after {label}") for name in read}

    def _tripped_by(self, exc: BaseException, function: Any, label: str,
                    writer: breaker.CappedWriter | None) -> breaker.FunctionTripped:
        """Trip the innermost function of the submission that was running, and say what happened."""
        culprit = breaker.innermost_function(exc.__traceback__, self._root) or qualified_name_of(function)
        name = culprit.split(".", 1)[-1]
        check = f" (check {self.check_name})" if self.check_name else ""
        if isinstance(exc, breaker.CallTimedOut):
            what = f"{name} did not finish within {self.rules.stated_seconds or self.rules.call_seconds:g} s{check}"
            hint = ": an infinite loop, or code far slower than needed?"
            if writer is not None and (writer.written > 10_000 or writer.writes > 1_000):
                hint = (f": it printed {writer.written:,} characters in {writer.writes:,} writes meanwhile, and "
                        "printing is slow; remove the prints, or print less.")
        else:
            what = f"{name} printed more than {self.rules.output_chars:,} characters in one call{check}"
            hint = "; remove the prints, or print less."
        sentence = f"{what}; its other checks were not run{hint}"
        self._trip(culprit, sentence)
        return breaker.FunctionTripped(sentence)

    def _raised(self, label: str, exc: BaseException) -> StudentRaised:
        where, details = format_student_traceback(exc, self._root)
        location = f" ({where})" if where else ""
        if isinstance(exc, NotImplementedError):
            # The template's stubs say "Net.__init__: <task>": name the part the stub names.
            named, _, rest = str(exc).strip().partition(": ")
            if rest and (named == label or named.startswith(f"{label}.")):
                label, task = named, rest.rstrip(".")
            else:
                task = str(exc).strip().rstrip(".")
            summary = f"{label} is not implemented yet" + (f": {task}" if task else "") + f"{location}."
        else:
            summary = f"{label} raised {_exception_line(exc)}{location}."
            if isinstance(exc, (TypeError, AttributeError)) and "NoneType" in str(exc):
                summary += (" Is a part still not implemented yet? A stub that only says `pass` leaves its "
                            "results None.")
        return StudentRaised(label, type(exc).__name__, summary, details)

    def _parameter_names(self, function: Any) -> list[str]:
        """The function's parameter names, read once per function (inspect.signature is slow)."""
        key = id(function)
        if key not in self._signatures:
            try:
                names = list(inspect.signature(function).parameters)
            except (TypeError, ValueError):
                names = []
            self._signatures[key] = (function, names)  # the function kept alive, so its id stays its own
        return self._signatures[key][1]

    def _mutations(self, function: Any, args: tuple, given_args: tuple, kwargs: dict, given_kwargs: dict) -> list[str]:
        names = self._parameter_names(function)
        changed = []
        for i, (before, after) in enumerate(zip(args, given_args)):
            changed += find_changes(before, after, names[i] if i < len(names) else f"argument {i + 1}")
        for key in kwargs:
            changed += find_changes(kwargs[key], given_kwargs[key], key)
        return changed

    def run_probe(self, probe: str, *args: Any, **kwargs: Any) -> Any:
        return self._invoke(find_probe(probe), probe, args, kwargs, select=None)

    def get_attr(self, handle: Handle, name: str, as_handle: bool = False) -> Any:
        obj = self._resolve(handle)
        try:
            value = getattr(obj, name)
        except BaseException as exc:  # noqa: BLE001 - a property may raise anything
            if _belongs_to_the_harness(exc):
                raise
            raise self._raised(f"{handle.type_name}.{name}", exc) from None
        label = f"{handle.type_name}.{name}"
        if as_handle:
            return self._handle(value, label)
        return to_plain(value, lambda obj: self._handle(obj, label if callable(obj) else None), label)

    def set_attr(self, handle: Handle, name: str, value: Any) -> None:
        setattr(self._resolve(handle), name, copy_in(value, self._resolve))

    def set_item(self, handle: Handle, key: Any, value: Any) -> None:
        self._resolve(handle)[key] = copy_in(value, self._resolve)

    def source(self, module: str) -> str | None:
        path = self._root / f"{module}.py"
        if module not in self.workspace.modules or not path.is_file():
            return None
        return path.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        """Unload the submission's modules and take its folder off sys.path."""
        folder = str(self._root) + os.sep
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if isinstance(file, str) and file.startswith(folder):  # imported through sys.path entry _root
                del sys.modules[name]
        if str(self._root) in sys.path:
            sys.path.remove(str(self._root))
        self._objects.clear()
        self._modules.clear()
