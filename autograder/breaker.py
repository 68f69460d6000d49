"""A failure is paid once: a function that hangs, crashes or floods its output is then skipped at once.

Without this, a ``activation_forward`` that loops forever costs every check that
calls it, directly or through a network, one deadline each: 95 checks of
30 s, far past any time budget, and the later questions get nothing. Once a
call times out, crashes the sandbox's worker or prints past the output cap,
the submission's innermost function that was running (the one to blame,
``activation_forward`` rather than ``Net.loss``) is *tripped*: its code is
replaced, in every module that holds it, by a stub that raises
``FunctionTripped`` with the sentence of what happened. Every later check
that needs it fails at once with that sentence; every question that does
not need it is graded as usual.

Here: the per-call deadline (SIGALRM, nested inside pytest-timeout's), the
output cap, finding the innermost function, and the tripping itself. Both
back ends use them: in-process directly, the sandbox inside its worker
(and, for a worker killed at its deadline or crashed, from the traceback
``faulthandler`` wrote).
"""
from __future__ import annotations

import _signal
import contextlib
import re
import threading
import time
import types
from pathlib import Path
from typing import Any

from autograder.definitions import enclosing_function, qualified_name
from autograder.errors import StudentCodeError

TRIPPED_NAME = "__autograder_tripped__"  # the stub's name for its raiser, in the student module's globals


class CallTimedOut(BaseException):
    """The per-call deadline passed (a BaseException: ``except Exception`` in student code does not stop it)."""


class OutputFlood(BaseException):
    """A call printed more than the output cap."""


class FunctionTripped(StudentCodeError):
    """A function of the submission timed out, crashed or flooded its output in an earlier check."""


# -- the deadline and the output cap of one call ------------------------------------------------------
class CallGuard:
    """While a call runs: CallTimedOut after ``seconds``, OutputFlood past ``output_chars`` printed.

    The deadline is SIGALRM, which pytest-timeout arms for the whole test: this one nests inside it,
    firing first when it is the sooner, and puts the outer one back, with its remaining time, when the
    call ends. A plain class, not two generator context managers, and _signal rather than signal (whose
    wrappers convert enums): a grade makes thousands of calls (measured: 180 us of overhead a call before).
    After the call, ``writer`` (when there is a cap) tells how much was printed.
    """

    def __init__(self, seconds: float | None, output_chars: int | None):
        self.seconds, self.output_chars = seconds, output_chars
        self.writer: CappedWriter | None = None
        self._armed = False

    def __enter__(self) -> "CallGuard":
        import sys

        if self.output_chars:
            self._streams = sys.stdout, sys.stderr
            self.writer = CappedWriter(sys.stdout, self.output_chars)
            sys.stdout = sys.stderr = self.writer
        if self.seconds and threading.current_thread() is threading.main_thread():
            self._outer_handler = _signal.getsignal(_signal.SIGALRM)
            self._outer_left, self._outer_interval = _signal.getitimer(_signal.ITIMER_REAL)
            if not self._outer_left or self._outer_left > self.seconds:  # else the test's own limit comes first
                self._started = time.monotonic()
                _signal.signal(_signal.SIGALRM, _expired)
                _signal.setitimer(_signal.ITIMER_REAL, self.seconds)
                self._armed = True
        return self

    def __exit__(self, *exc: Any) -> None:
        import sys

        if self._armed:
            _signal.setitimer(_signal.ITIMER_REAL, 0)
            _signal.signal(_signal.SIGALRM, self._outer_handler)
            if self._outer_left:
                left = self._outer_left - (time.monotonic() - self._started)
                _signal.setitimer(_signal.ITIMER_REAL, max(left, 0.001), self._outer_interval)
        if self.writer is not None:
            sys.stdout, sys.stderr = self._streams


def _expired(signum: int, frame: Any) -> None:
    raise CallTimedOut()


class CappedWriter:
    """A text stream passing text on to ``inner`` until ``limit`` characters, then raising OutputFlood at
    each write; it counts what was printed. Other attributes (encoding, isatty) are the inner stream's."""

    def __init__(self, inner: Any, limit: int):
        self.inner, self.limit = inner, limit
        self.written = 0
        self.writes = 0

    def write(self, text: Any) -> int:
        text = str(text)
        self.writes += 1
        room = self.limit - self.written
        if room > 0:
            self.inner.write(text[:room])
        self.written += len(text)
        if self.written > self.limit:
            raise OutputFlood()
        return len(text)

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        with contextlib.suppress(Exception):
            self.inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# -- whom to blame -------------------------------------------------------------------------------
def innermost_function(traceback: Any, workspace: Path) -> str | None:
    """The qualified name of the innermost frame of ``traceback`` in the submission's folder."""
    found = None
    folder = str(workspace.resolve())
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if not code.co_filename.startswith("<") and str(Path(code.co_filename).resolve().parent) == folder:
            found = f"{Path(code.co_filename).stem}.{qualified_name(code)}"
        traceback = traceback.tb_next
    return found


_DUMP_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<name>\S+)')


def innermost_from_dump(dump: str, workspace: Path, local: Path) -> tuple[str | None, bool]:
    """(qualified name of the innermost submission frame, whether it was printing) from a faulthandler dump.

    ``workspace`` is the folder as the worker saw it, ``local`` the grader's own copy of the same files,
    where the function around the line is looked up (faulthandler gives the code's name only).
    The dump lists the innermost frame first.
    """
    printing = False
    for index, match in enumerate(_DUMP_FRAME.finditer(dump)):
        path = Path(match["file"])
        if index == 0 and path.name == "breaker.py" and match["name"] == "write":
            printing = True
        if str(path.parent) != str(workspace):
            continue
        source = local / path.name
        try:
            name = enclosing_function(source.read_text(encoding="utf-8", errors="replace"), int(match["line"]))
        except (OSError, SyntaxError, ValueError):
            name = None
        return f"{path.stem}.{name or match['name']}", printing
    return None, printing


# -- tripping -------------------------------------------------------------------------------------
def trip(module: types.ModuleType, qualified: str, sentence: str) -> bool:
    """Replace the code of ``qualified`` ("activation_forward", "Net.loss") in ``module`` by a stub
    raising FunctionTripped(sentence); True if it was found. Every reference to the function
    (``from layers import *`` copies included) shares its code, so all of them are tripped."""
    target: Any = module
    for part in qualified.split("."):
        target = getattr(target, part, None)
        if target is None:
            return False
    function = getattr(target, "__func__", target)  # a classmethod or staticmethod's function
    code = getattr(function, "__code__", None)
    if code is None or not isinstance(getattr(function, "__globals__", None), dict):
        return False
    raisers = function.__globals__.get(TRIPPED_NAME)
    if not isinstance(raisers, _Raisers):
        raisers = function.__globals__[TRIPPED_NAME] = _Raisers()
    dict.__setitem__(raisers, qualified, sentence)
    function.__code__ = _stub_code(code, qualified)
    return True


def _stub_code(original: types.CodeType, qualified: str) -> types.CodeType:
    """A code object that raises FunctionTripped, with the same free variables as ``original``
    (Python refuses a code object whose closure size differs, e.g. a method using super())."""
    free = original.co_freevars
    lines = ["def _outer():"] + [f"    {name} = None" for name in free]
    lines += ["    def _stub(*args, **kwargs):"]
    if free:
        lines += [f"        ({', '.join(free)},)"]
    lines += [f"        {TRIPPED_NAME}[{qualified!r}]()", "    return _stub"]
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), original.co_filename, "exec"), namespace)  # noqa: S102 - our own text
    return namespace["_outer"]().__code__


class _Raisers(dict):
    """A module's tripped functions: ``__autograder_tripped__[name]()`` raises that name's sentence."""

    def __getitem__(self, key: str) -> Any:
        sentence = dict.get(self, key, f"{key} failed in an earlier check")

        def raise_it() -> None:
            raise FunctionTripped(sentence)

        return raise_it
