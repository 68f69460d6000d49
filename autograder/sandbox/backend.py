"""The trusted side of the sandbox: a ``Student`` whose code runs in a worker process.

Every primitive is one request and one reply over a private socket (never
the worker's stdout, which the student owns). Replies are decoded into
plain data only (autograder.sandbox.transport) and each request has a
deadline: past it the worker and everything it started are killed, the
test fails with "timed out after N s", and a fresh worker (forked from the
zygote in milliseconds) serves the next request. A worker that dies
(segfault, os._exit, out of memory) fails the current request with the
cause and is replaced the same way. Handles from a replaced worker fail
with a sentence saying why.
"""
from __future__ import annotations

import builtins
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from autograder import breaker
from autograder.breaker import FunctionTripped
from autograder.errors import InvalidReturn, StudentCodeError, StudentRaised, SubmissionImportError
from autograder.sandbox.limits import Limits
from autograder.sandbox.privileges import WORKER_FOLDER
from autograder.sandbox.transport import Channel, ChannelClosed, ChannelTimeout, TransportError, decode, encode
from autograder.student import CallRecord, CallRules, Handle, Student, Target
from autograder.workspace import Workspace

_STARTUP_SECONDS = 120.0  # importing torch in the zygote on a slow, busy machine


class SandboxFailure(StudentCodeError):
    """The worker timed out, crashed or sent something unusable; the sentence says which."""


class SandboxUnavailable(RuntimeError):
    """The sandbox itself could not start (a problem of the grader's installation)."""


def _signal_name(number: int) -> str:
    names = {signal.SIGSEGV: "a segmentation fault", signal.SIGBUS: "a bus error", signal.SIGILL: "an illegal instruction",
             signal.SIGFPE: "a floating-point exception", signal.SIGABRT: "an abort (SIGABRT)",
             signal.SIGKILL: "SIGKILL (out of memory?)"}
    if number in names:
        return names[number]
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class Zygote:
    """The process that forks workers (autograder.sandbox.zygote)."""

    def __init__(self, isolate: bool | str = True, preload: Sequence[str] = (), probes_dir: Path | None = None) -> None:
        """``isolate=False`` skips the namespaces and the uid switch even as root (what a laptop gets);
        ``"uid-only"`` skips the namespaces only (what a container that forbids them gets).
        ``preload`` (e.g. torch) and the probes (the framework's, and the assignment's in ``probes_dir``)
        are imported at once, while the caller goes on (pytest collects the tests)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        package_parent = str(Path(__file__).resolve().parents[2])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "PYTHONHASHSEED"):
            if name in os.environ:
                env[name] = os.environ[name]
        isolation = "full" if isolate is True else ("uid-only" if isolate == "uid-only" else "off")
        code = (f"import sys; sys.path.insert(0, {package_parent!r}); "
                "from autograder.sandbox.zygote import main; main()")
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", code, str(theirs.fileno()), isolation], pass_fds=(theirs.fileno(),), env=env,
            cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True,
        )
        theirs.close()
        self.control = ours
        self._ready: dict | None = None
        self._next_id = 0  # requests are numbered: a reply to one interrupted (a test's timeout) is skipped
        self.preload(preload, probes_dir)

    def preload(self, modules: Sequence[str], probes_dir: Path | None = None) -> None:
        """Ask the zygote to import ``modules`` and the probes, without waiting for it."""
        self._next_id += 1
        request = {"op": "preload", "modules": list(modules), "probes_dir": str(probes_dir) if probes_dir else None,
                   "id": self._next_id}
        socket.send_fds(self.control, [json.dumps(request).encode()], [])

    def ready(self) -> dict:
        if self._ready is None:
            self.control.settimeout(_STARTUP_SECONDS)
            try:
                message = self.control.recv(1 << 20)
            except OSError:
                message = b""
            if not message:
                raise SandboxUnavailable("the sandbox's zygote process did not start (see the run's error output)")
            self._ready = json.loads(message)
        return self._ready

    def _reply(self, request_id: int) -> dict:
        while True:
            self.control.settimeout(_STARTUP_SECONDS)
            message = self.control.recv(1 << 20)
            if not message:
                raise SandboxUnavailable("the sandbox's zygote process stopped")
            reply = json.loads(message)
            if reply.get("id") == request_id:
                return reply

    def wait_until_ready(self) -> None:
        """Block until the zygote has imported everything asked so far (outside any test's time limit)."""
        self._reply(self._send({"op": "ping"}))

    def _send(self, request: dict, fds: Sequence[int] = ()) -> int:
        self.ready()
        self._next_id += 1
        socket.send_fds(self.control, [json.dumps({**request, "id": self._next_id}).encode()], list(fds))
        return self._next_id

    def _ask(self, request: dict, fds: Sequence[int] = ()) -> dict:
        return self._reply(self._send(request, fds))

    def fork(self, spec: dict, fds: Sequence[int]) -> int:
        return int(self._ask({"op": "fork", "spec": spec}, list(fds))["pid"])

    def wait(self, pid: int) -> int | None:
        return self._ask({"op": "wait", "pid": pid}).get("code")

    def kill_all(self) -> None:
        """Stop every worker this zygote forked that is still running, and wait for them."""
        self._ask({"op": "kill_all"})

    def attach(self) -> "Zygote":
        """A second connection to this zygote, for another process of the same grade (autograder.parallel):
        give it to that process and close it here. Its requests and replies never mix with this one's."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._ask({"op": "attach"}, [theirs.fileno()])
        finally:
            theirs.close()
        other = object.__new__(Zygote)
        other.process, other.control, other._ready, other._next_id = None, ours, self.ready(), 0
        return other

    def renumber(self, generation: int) -> None:
        """Number the next requests from a range of their own (a warm grader's ``generation``-th fork
        shares this zygote with earlier forks, whose unanswered requests may still be in the socket)."""
        self._next_id = generation * 1_000_000_000
    def close(self) -> None:
        """Stop the zygote (its workers must have been stopped); it holds nothing worth waiting for.
        A connection from ``attach`` only closes itself."""
        self.control.close()
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class _Worker:
    """One forked worker: its supervisor's pid and its channel."""

    def __init__(self, zygote: Zygote, spec: dict, generation: int):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        dump_read, dump_write = os.pipe()  # faulthandler's account of the worker's stack (autograder.breaker)
        self.zygote = zygote
        self.generation = generation
        self.pid = zygote.fork(spec, [theirs.fileno(), dump_write])
        theirs.close()
        os.close(dump_write)
        os.set_blocking(dump_read, False)
        self.dump = dump_read
        self.folder = spec.get("scratch") or WORKER_FOLDER  # where the worker sees the submission's files
        self.channel = Channel(ours)
        self.exit_code: int | None = None
        self.alive = True

    def read_dump(self) -> str:
        """What faulthandler wrote (the worker is dead or stopped: nothing more will come)."""
        parts = []
        while sum(map(len, parts)) < 1 << 20:
            try:
                part = os.read(self.dump, 65536)
            except BlockingIOError:
                break
            if not part:
                break
            parts.append(part)
        return b"".join(parts).decode("utf-8", errors="replace")

    def stop(self) -> int | None:
        """Kill the worker (and all it started); its exit code (negative: the signal)."""
        if self.alive:
            self.alive = False
            self.channel.close()
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            code = self.zygote.wait(self.pid)
            self.exit_code = -(code - 128) if code is not None and code > 128 else code
        return self.exit_code

    def close(self) -> None:
        self.stop()
        with contextlib.suppress(OSError):
            os.close(self.dump)


class SandboxStudent(Student):
    """Runs the submission in a forked, limited, unprivileged worker process."""

    def __init__(self, workspace: Workspace, limits: Limits | None = None, hide: Sequence[str | Path] = (),
                 zygote: Zygote | None = None, writes: tuple = ()):
        """``writes``: the assignment's declared writes into arguments (config ``writes:``)."""
        super().__init__()
        self.workspace = workspace
        self.limits = limits or Limits()
        self.writes = writes
        self.tripped: dict[str, str] = {}  # functions that timed out, crashed or flooded: their sentence
        self._trips_to_send: dict[str, str] = {}  # tripped elsewhere (autograder.parallel), not yet in the worker
        self._hide = sorted({str(Path(p)) for p in hide} | {tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm",
                                                            "/autograder", str(Path.cwd())})
        self._hide.append(os.path.expanduser("~"))  # the grader's home: credentials, the interpreter
        self._own_zygote = zygote is None
        if zygote is None:
            zygote = Zygote(preload=("torch",) if "torch" in sys.modules else ())
        self._zygote = zygote
        self._worker: _Worker | None = None
        self._generation = 0
        self._handles: dict[int, tuple[int, int]] = {}  # our handle id -> (worker generation, worker's id)
        self._scratch: str | None = None
        self._announced = False
        self._landlock_announced = False

    # -- the worker -----------------------------------------------------------
    @property
    def limitation(self) -> str | None:
        """What the sandbox could not do here (None: everything), in a sentence."""
        return self._zygote.ready().get("limitation")

    def _spec(self) -> dict:
        seconds = self.limits.call_seconds
        # The worker stops a call itself a little before the trusted side would kill it (so the worker,
        # its handles and the sentence survive), and faulthandler says where it was just before the kill.
        rules = CallRules(call_seconds=seconds * 0.9, stated_seconds=seconds, output_chars=self.limits.output_chars,
                          writes=self.writes)
        spec = {"workspace": str(self.workspace.path), "modules": dict(self.workspace.modules),
                "missing": dict(self.workspace.missing), "hide": self._hide, "limits": self.limits.to_dict(),
                "landlock": bool(self._zygote.ready().get("landlock")), "rules": rules.to_dict(),
                "tripped": dict(self.tripped), "dump_after": seconds * 0.95}
        if self.limitation is not None:  # no private /tmp: a fresh scratch folder per worker
            if self._scratch:
                shutil.rmtree(self._scratch, ignore_errors=True)
            # Under /tmp: the run's own temporary folder may be private to the grader's user.
            self._scratch = tempfile.mkdtemp(prefix="autograder-sandbox-", dir="/tmp" if os.geteuid() == 0 else None)
            os.chmod(self._scratch, 0o755)
            spec["scratch"] = self._scratch
        return spec

    def _current(self) -> _Worker:
        if self._worker is None or not self._worker.alive:
            if not self._announced and self.limitation:
                self._announced = True
                warnings.warn(f"autograder sandbox: {self.limitation}.", RuntimeWarning, stacklevel=2)
            if self._worker is not None:
                self._worker.close()
            self._generation += 1
            worker = _Worker(self._zygote, self._spec(), self._generation)
            self._trips_to_send.clear()  # every trip is in the new worker's spec
            try:
                header, _ = worker.channel.receive(time.monotonic() + _STARTUP_SECONDS)
            except TransportError:
                header = {"setup_error": f"it stopped while starting (exit code {worker.stop()})"}
            if "setup_error" in header:
                worker.close()
                raise SandboxUnavailable(f"the sandbox worker could not start: {header['setup_error']}")
            if header.get("landlock_error") and not self._landlock_announced:
                self._landlock_announced = True
                warnings.warn(f"autograder sandbox: Landlock was refused ({str(header['landlock_error'])[:300]}), so "
                              "student code may read what file modes allow outside the hidden folders.",
                              RuntimeWarning, stacklevel=2)
            self._worker = worker
        return self._worker

    def _outer_handle(self, record: Any, generation: int) -> Handle:
        if type(record) is not dict or type(record.get("id")) is not int or type(record.get("type")) is not str:
            raise TransportError("a malformed handle")
        handle_id = len(self._handles) + 1
        self._handles[handle_id] = (generation, record["id"])
        return Handle(self, handle_id, record["type"][:200])

    def _inner_handle(self, value: Any) -> dict | None:
        if type(value) is not Handle:
            return None
        if value._student is not self or value.handle_id not in self._handles:
            raise ValueError(f"{value!r} does not belong to this submission")
        generation, inner = self._handles[value.handle_id]
        if self._worker is None or generation != self._worker.generation or not self._worker.alive:
            raise SandboxFailure(
                f"{value!r} was made by an earlier run of the submission's code, which was stopped "
                "(a timeout or a crash in an earlier check); it cannot be used any more."
            )
        return inner

    def adopt_trips(self, trips: Mapping[str, str]) -> None:
        """Functions tripped in another process of this grade (autograder.parallel): fail at once here too, as
        they would have in one process; the live worker learns them with the next request."""
        new = {name: sentence for name, sentence in trips.items() if name not in self.tripped}
        self.tripped.update(new)
        self._trips_to_send.update(new)

    def _request(self, op: str, label: str, target: Any = None, args: tuple = (), kwargs: Mapping | None = None) -> Any:
        worker = self._current()
        request = {"op": op, "target": target, "args": tuple(args), "kwargs": dict(kwargs or {}),
                   "errstate": np.geterr(), "check": self.check_name}
        if self._trips_to_send:
            request["trip"] = dict(self._trips_to_send)
            self._trips_to_send.clear()
        tree, buffers = encode(request, self._inner_handle)
        deadline = time.monotonic() + self.limits.call_seconds
        try:
            worker.channel.send({"request": tree}, buffers, deadline)
            header, reply_buffers = worker.channel.receive(deadline)
        except ChannelTimeout:
            worker.stop()
            raise self._trip_from_dump(worker, label, f"did not finish within {self.limits.call_seconds:g} s",
                                       ": an infinite loop, or code far slower than needed?") from None
        except ChannelClosed:
            raise self._lost(worker, label) from None
        except TransportError as exc:
            worker.stop()
            raise SandboxFailure(f"{label} sent back something the grader cannot read ({exc}).") from None
        except BaseException:  # pytest-timeout or Ctrl-C while waiting: the worker is mid-call
            worker.stop()
            raise
        return self._reply(worker, header, reply_buffers, label)

    def _lost(self, worker: _Worker, label: str) -> StudentCodeError:
        code = worker.stop()
        if code is not None and code < 0:
            return self._trip_from_dump(worker, label, f"crashed the submission's process with {_signal_name(-code)}")
        return SandboxFailure(f"the submission's process exited (exit code {code}) during {label}; "
                              "does the code call exit() or os._exit()?")

    def _trip_from_dump(self, worker: _Worker, label: str, what: str, hint: str = "") -> FunctionTripped:
        """Name the innermost function of the submission that was running (faulthandler's dump of the
        stopped worker), trip it for the workers to come, and say what happened in one sentence."""
        culprit, printing = breaker.innermost_from_dump(worker.read_dump(), Path(worker.folder),
                                                        self.workspace.path)
        culprit = culprit or label
        check = f" (check {self.check_name})" if self.check_name else ""
        if printing:
            hint = ": it was printing when stopped, and printing is slow; remove the prints, or print less."
        sentence = f"{culprit.split('.', 1)[-1] if '.' in culprit else culprit} {what}{check}; " \
                   f"its other checks were not run{hint}"
        if "." in culprit:
            self.tripped[culprit] = sentence
        return FunctionTripped(sentence)

    def _reply(self, worker: _Worker, header: dict, buffers: list, label: str) -> Any:
        try:
            self._replay_side_effects(header)
            if "error" in header:
                raise self._error(header["error"])
            return decode(header.get("result"), buffers, lambda record: self._outer_handle(record, worker.generation))
        except TransportError as exc:
            worker.stop()
            raise SandboxFailure(f"{label} sent back something the grader cannot read ({exc}).") from None

    def _replay_side_effects(self, header: dict) -> None:
        tripped = header.get("tripped")
        if type(tripped) is dict:  # functions the worker stopped itself (its deadline, its output cap)
            self.tripped.update({str(k)[:300]: str(v)[:2000] for k, v in list(tripped.items())[:100]})
        for entry in header.get("calls") or []:
            if type(entry) is list and len(entry) == 2 and type(entry[0]) is str and type(entry[1]) is list:
                self.calls.append(CallRecord(entry[0][:200], [str(m)[:200] for m in entry[1]]))
        output = header.get("output")
        if type(output) is str and output:
            sys.stdout.write(output)
        dropped = header.get("dropped")
        if type(dropped) is int and dropped > 0:
            sys.stdout.write(f"\n... ({dropped} more characters printed and dropped)\n")
        for item in (header.get("warnings") or [])[:20]:
            if type(item) is dict:
                warnings.warn_explicit(str(item.get("message", ""))[:2000], _warning_class(item),
                                       str(item.get("filename", "?"))[:200], int(item.get("lineno") or 0)
                                       if type(item.get("lineno")) is int else 0)

    @staticmethod
    def _error(error: Any) -> Exception:
        if type(error) is not dict:
            return TransportError("a malformed error")
        text = lambda key: str(error.get(key, ""))[:20_000]  # noqa: E731
        kind = error.get("kind")
        if kind == "FunctionTripped":
            return FunctionTripped(text("summary"))
        if kind == "SubmissionImportError":
            return SubmissionImportError(text("module"), text("summary"), text("details"))
        if kind == "StudentRaised":
            return StudentRaised(text("target"), text("exc_type"), text("summary"), text("details"))
        if kind == "InvalidReturn":
            return InvalidReturn(text("summary"), text("details"))
        if kind in ("ValueError", "TypeError"):
            return getattr(builtins, kind)(text("summary"))
        if kind == "Internal":
            return RuntimeError(f"sandbox worker: {text('summary')}")
        return StudentCodeError(text("summary"), text("details"))

    # -- the primitives ---------------------------------------------------------
    @staticmethod
    def _label(target: Target) -> str:
        return target.type_name if isinstance(target, Handle) else target

    def _target(self, target: Target) -> Any:
        return target if isinstance(target, str) else self._inner_handle(target)

    def call(self, target: Target, *args: Any, **kwargs: Any) -> Any:
        return self._request("call", self._label(target), self._target(target), args, kwargs)

    def call_and_read(self, target: Target, read: Sequence[str], *args: Any, **kwargs: Any) -> tuple[Any, dict]:
        result = self._request("call_and_read", self._label(target), self._target(target), args,
                               {**kwargs, "__read__": list(read)})
        if type(result) not in (tuple, list) or len(result) != 2 or type(result[1]) is not dict:
            raise SandboxFailure(f"{self._label(target)} sent back something the grader cannot read.")
        return result[0], result[1]

    def function(self, name: str) -> Handle:
        return self._request("function", name, name)

    def call_many(self, target: Target, calls: Sequence[Mapping[str, Any]], select: int | None = None) -> list[Any]:
        # A numerical gradient's calls differ in one argument: the others (the same objects in every call)
        # cross once, and the worker gives each call its own copy of them, as in-process.
        shared = {name: value for name, value in calls[0].items()
                  if all(name in call and call[name] is value for call in calls[1:])} if calls else {}
        varying = [{name: value for name, value in call.items() if name not in shared} for call in calls]
        return self._request("call_many", self._label(target), self._target(target), (),
                             {"calls": varying, "shared": shared, "select": select})

    def get_attr(self, handle: Handle, name: str, as_handle: bool = False) -> Any:
        return self._request("get_attr", f"{handle.type_name}.{name}", self._target(handle), (),
                             {"name": name, "as_handle": as_handle})

    def set_attr(self, handle: Handle, name: str, value: Any) -> None:
        self._request("set_attr", f"{handle.type_name}.{name}", self._target(handle), (), {"name": name, "value": value})

    def set_item(self, handle: Handle, key: Any, value: Any) -> None:
        self._request("set_item", f"{handle.type_name}[{key!r}]", self._target(handle), (), {"key": key, "value": value})

    def run_probe(self, probe: str, *args: Any, **kwargs: Any) -> Any:
        return self._request("run_probe", probe, probe, args, kwargs)

    def source(self, module: str) -> str | None:
        path = self.workspace.path / f"{module}.py"
        if module not in self.workspace.modules or not path.is_file():
            return None
        return path.read_text(encoding="utf-8", errors="replace")

    def restart(self) -> None:
        """Stop the current worker; the next request starts a fresh one."""
        if self._worker is not None:
            self._worker.close()

    def close(self) -> None:
        self.restart()
        if self._own_zygote:
            self._zygote.close()
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)


def _warning_class(item: dict) -> type[Warning]:
    name, module = item.get("category"), item.get("module")
    if type(name) is str and module == "builtins":
        found = getattr(builtins, name, None)
        if isinstance(found, type) and issubclass(found, Warning):
            return found
    if type(name) is str and type(module) is str and module.startswith("numpy"):
        found = getattr(np.exceptions, name, None)
        if isinstance(found, type) and issubclass(found, Warning):
            return found
    return UserWarning
