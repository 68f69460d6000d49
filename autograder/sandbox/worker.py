"""The worker: serves the ``student`` primitives from inside the sandbox.

It runs the in-process back end (autograder.inprocess) on its own copy of
the workspace, so every sentence a student reads (exceptions, stubs, import
failures, refused return values, input mutations) is word for word the
same as in-process. Each request is one primitive; the reply carries the
plain result (or the error's sentence), the input-mutation records, numpy's
warnings and what the student printed (bounded).
"""
from __future__ import annotations

import faulthandler
import io
import os
import sys
import warnings
from typing import Any

import numpy as np

from autograder.errors import StudentCodeError
from autograder.sandbox.transport import Channel, ChannelClosed, TransportError, decode, encode

_ERROR_FIELDS = ("module", "target", "exc_type")


class BoundedWriter(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: Any) -> int:
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def take(self) -> tuple[str, int]:
        text, dropped = "".join(self.parts), self.dropped
        self.parts, self.kept, self.dropped = [], 0, 0
        return text, dropped


class Worker:
    """Dispatches requests to an InProcessStudent over ``channel``.

    ``dump_fd`` receives faulthandler's dump of the Python stack when the worker crashes, or
    ``dump_after`` seconds into a request (just before the trusted side kills it at its deadline):
    from it, the trusted side names the function that was running (autograder.breaker).
    """

    def __init__(self, channel: Channel, student: Any, output_chars: int, dump_fd: int | None = None,
                 dump_after: float | None = None):
        self.channel = channel
        self.student = student
        self.handles: dict[int, Any] = {}
        self.output = BoundedWriter(output_chars)
        self.dump_file = os.fdopen(dump_fd, "w", buffering=1) if dump_fd is not None else None
        self.dump_after = dump_after
        if self.dump_file is not None:
            faulthandler.enable(file=self.dump_file)

    def _handle_record(self, value: Any) -> dict | None:
        from autograder.student import Handle

        if type(value) is not Handle:
            return None
        self.handles[value.handle_id] = value
        return {"id": value.handle_id, "type": value.type_name}

    def _handle(self, record: Any) -> Any:
        if type(record) is not int or record not in self.handles:
            raise ValueError(f"unknown handle {record!r}")
        return self.handles[record]

    def _target(self, target: Any) -> Any:
        return target if type(target) is str else self._handle(target)

    def serve(self) -> None:
        sys.stdout = sys.stderr = self.output
        while True:
            try:
                header, buffers = self.channel.receive()
            except ChannelClosed:
                return
            if self.dump_file is not None and self.dump_after:
                faulthandler.dump_traceback_later(self.dump_after, file=self.dump_file)
            try:
                reply, reply_buffers = self._answer(header, buffers)
            finally:
                if self.dump_file is not None:
                    faulthandler.cancel_dump_traceback_later()
            self.channel.send(reply, reply_buffers)

    def _answer(self, header: dict, buffers: list) -> tuple[dict, list]:
        caught: list[warnings.WarningMessage] = []
        before = len(self.student.calls)
        reply: dict[str, Any] = {}
        out_buffers: list = []
        try:
            request = decode(header.get("request"), buffers, self._handle)
            op, target, args, kwargs = request["op"], request.get("target"), request.get("args", ()), request.get("kwargs", {})
            self.student.check_name = str(request.get("check") or "")[:300]
            trips = request.get("trip")
            if type(trips) is dict:  # tripped in the grade's other test process (autograder.parallel)
                self.student.adopt_trips({str(k)[:300]: str(v)[:2000] for k, v in list(trips.items())[:100]})
            errstate = request.get("errstate") or {}
            with np.errstate(**{k: v for k, v in errstate.items() if k in ("over", "under", "divide", "invalid")}), \
                    warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = self._run(op, target, args, kwargs)
            tree, out_buffers = encode(result, self._handle_record)
            reply["result"] = tree
        except StudentCodeError as exc:
            reply["error"] = {"kind": type(exc).__name__, "summary": exc.summary, "details": exc.details,
                              **{k: str(getattr(exc, k)) for k in _ERROR_FIELDS if hasattr(exc, k)}}
        except (ValueError, TypeError, TransportError) as exc:  # a test passed something unusable
            reply["error"] = {"kind": type(exc).__name__, "summary": str(exc)}
        except Exception as exc:  # noqa: BLE001 - any other failure is reported, never fatal
            reply["error"] = {"kind": "Internal", "summary": f"{type(exc).__name__}: {exc}"}
        reply["tripped"] = dict(self.student.tripped)
        records = self.student.calls[before:]
        reply["calls"] = [[r.target, list(r.mutated)] for r in records]
        del self.student.calls[before:]
        reply["warnings"] = [
            {"category": w.category.__name__, "module": w.category.__module__, "message": str(w.message)[:2000],
             "filename": str(w.filename).rsplit("/", 1)[-1], "lineno": int(w.lineno or 0)}
            for w in caught[:20]
        ]
        reply["output"], reply["dropped"] = self.output.take()
        return reply, out_buffers

    def _run(self, op: str, target: Any, args: Any, kwargs: Any) -> Any:
        student = self.student
        if op == "call":
            return student.call(self._target(target), *args, **kwargs)
        if op == "call_and_read":
            return student.call_and_read(self._target(target), kwargs.pop("__read__"), *args, **kwargs)
        if op == "function":
            return student.function(target)
        if op == "call_many":
            shared = kwargs.get("shared") or {}
            return student.call_many(self._target(target), [{**shared, **call} for call in kwargs["calls"]],
                                     kwargs.get("select"))
        if op == "get_attr":
            return student.get_attr(self._handle(target), kwargs["name"], bool(kwargs.get("as_handle")))
        if op == "set_attr":
            return student.set_attr(self._handle(target), kwargs["name"], kwargs["value"])
        if op == "set_item":
            return student.set_item(self._handle(target), kwargs["key"], kwargs["value"])
        if op == "run_probe":
            return student.run_probe(target, *args, **kwargs)
        if op == "ping":
            return "pong"
        raise ValueError(f"unknown request {op!r}")
