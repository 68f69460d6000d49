"""The ``student`` object: the only way tests reach a submission.

Tests ask for functions by "module.name" and get plain data back (see
autograder.plain); anything else comes back as a ``Handle`` that can be
passed back in, called, and read or written through the same interface.
Back ends implement the six primitives of ``Student`` (call, call_many,
get_attr, set_attr, set_item, run_probe); the in-process one lives in
autograder.inprocess, and a sandboxed worker can implement the same
primitives without any test changing.

    out, cache = student.call("mod.double", x)
    dx = student.call("mod.double_backward", dout, cache)
    model = student.call("fc_net.Net", input_dim=4)   # a Handle
    loss, grads = model.loss(X, y)                            # method call
    student.set_item(student.ref(model, "params"), "W1", W1)  # write into a dict
"""
from __future__ import annotations

import abc
import fnmatch
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence, Union


class Handle:
    """An opaque reference to an object that lives on the student's side.

    Attribute reads, calls and item access go through the owning Student,
    so the same test code works whichever back end holds the object.
    """

    __slots__ = ("_student", "_id", "_type_name")

    def __init__(self, student: "Student", handle_id: int, type_name: str):
        object.__setattr__(self, "_student", student)
        object.__setattr__(self, "_id", handle_id)
        object.__setattr__(self, "_type_name", type_name)

    @property
    def handle_id(self) -> int:
        return self._id

    @property
    def type_name(self) -> str:
        return self._type_name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._student.get_attr(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._student.set_attr(self, name, value)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._student.call(self, *args, **kwargs)

    def __getitem__(self, key: Any) -> Any:
        return self._student.call(self._student.ref(self, "__getitem__"), key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._student.set_item(self, key, value)

    def __repr__(self) -> str:
        return f"<student {self._type_name} #{self._id}>"


Target = Union[str, Handle]  # "module.function" or a callable handle


@dataclass(frozen=True)
class CallRules:
    """How calls into the submission are bounded and judged, the same on either side of the sandbox."""

    call_seconds: float | None = None  # one call's deadline (None: none)
    stated_seconds: float | None = None  # the deadline as messages state it, if the enforced one is earlier
    output_chars: int | None = None  # what one call may print (None: no cap)
    writes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (function pattern, arguments it may write into)

    def writable(self, function: str) -> set[str]:
        """The arguments ``function`` ("updates.step", "models.Net.loss") may write into."""
        return {name for pattern, names in self.writes if fnmatch.fnmatchcase(function, pattern) for name in names}

    def to_dict(self) -> dict[str, Any]:
        return {"call_seconds": self.call_seconds, "stated_seconds": self.stated_seconds,
                "output_chars": self.output_chars,
                "writes": [[pattern, list(names)] for pattern, names in self.writes]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CallRules":
        return cls(data.get("call_seconds"), data.get("stated_seconds"), data.get("output_chars"),
                   tuple((str(p), tuple(str(n) for n in names)) for p, names in data.get("writes") or ()))


@dataclass
class CallRecord:
    """What the back end noticed about one call into student code."""

    target: str  # e.g. "mod.double"
    mutated: list[str] = field(default_factory=list)  # arguments changed in place and not declared writable

    def mutation_note(self) -> str | None:
        if not self.mutated:
            return None
        names = ", ".join(self.mutated)
        return (
            f"{self.target} changed its input {names} in place; the caller's arrays must not "
            "be modified (copy before writing into them)."
        )


class Student(abc.ABC):
    """The interface every back end implements."""

    def __init__(self) -> None:
        self.calls: list[CallRecord] = []  # calls since the last reset_log()
        self.check_name = ""  # the check now running (set by the plugin), named when a function is tripped

    # -- the primitives -------------------------------------------------
    @abc.abstractmethod
    def call(self, target: Target, *args: Any, **kwargs: Any) -> Any:
        """Call a student function ("module.name") or a callable handle.

        Arguments are copied before the call; the result is plain data or a
        Handle. Raises StudentCodeError subclasses for the student's errors.
        """

    @abc.abstractmethod
    def call_and_read(self, target: Target, read: Sequence[str], *args: Any, **kwargs: Any) -> tuple[Any, dict]:
        """Call like ``call``, and also return the arguments named in ``read`` as the call left them:
        ``(result, {name: value})``. For functions whose results are written into an argument
        (``forward(X, params, name)`` storing ``params['cache_' + name]``); which functions may write
        into which arguments is the assignment's ``writes:`` (any other change is a noted mutation).
        """

    @abc.abstractmethod
    def function(self, name: str) -> Handle:
        """A handle to the submission's module-level function ``name`` ("mod.sigmoid"), to pass as an
        argument (``activation=student.function("mod.sigmoid")``); it runs on the submission's side only."""

    @abc.abstractmethod
    def call_many(self, target: Target, calls: Sequence[Mapping[str, Any]], select: int | None = None) -> list[Any]:
        """Call ``target(**kwargs)`` for each kwargs dict in one round trip.

        ``select`` picks one item of each (tuple) result on the student's
        side, so that e.g. a layer's cache is never shipped back.
        """

    @abc.abstractmethod
    def get_attr(self, handle: Handle, name: str, as_handle: bool = False) -> Any:
        """Read ``handle.name`` as plain data, or as a Handle if ``as_handle``."""

    @abc.abstractmethod
    def set_attr(self, handle: Handle, name: str, value: Any) -> None:
        """Set ``handle.name = value`` on the student's side."""

    @abc.abstractmethod
    def set_item(self, handle: Handle, key: Any, value: Any) -> None:
        """Set ``handle[key] = value`` on the student's side."""

    @abc.abstractmethod
    def run_probe(self, probe: str, *args: Any, **kwargs: Any) -> Any:
        """Run a framework probe on the student's side and return its result.

        A probe is a function of a module in ``autograder.probes``, named
        "module.function" (e.g. "torch_modules.forward_backward"): the
        framework's own code, run where the student's objects live because it
        needs them alive (a backward pass through a student's torch module).
        Handles among the arguments are resolved; the result is plain data or
        handles, and is trusted no more than anything else from that side.
        Errors of the student's code inside it raise StudentCodeError subclasses.
        """

    @abc.abstractmethod
    def adopt_trips(self, trips: Mapping[str, str]) -> None:
        """Functions tripped elsewhere in this grade (``{"module.function": sentence}``; autograder.breaker):
        every later call of them fails at once with that sentence, as if they had tripped here."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the submission (unload modules, stop the worker)."""

    @abc.abstractmethod
    def source(self, module: str) -> str | None:
        """The text of one of the submission's modules (for rubric checks), or None if absent."""

    # -- conveniences built on the primitives ---------------------------
    def ref(self, handle: Handle, name: str) -> Handle:
        """``handle.name`` as a Handle, e.g. to write into a model's params dict."""
        return self.get_attr(handle, name, as_handle=True)

    def reset_log(self) -> None:
        self.calls = []

    def mutation_notes(self) -> list[str]:
        """One sentence per call since reset_log() that changed its inputs."""
        notes = [record.mutation_note() for record in self.calls]
        return list(dict.fromkeys(note for note in notes if note))

    def __enter__(self) -> "Student":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def expect_inputs_unchanged(student: Student) -> None:
    """Fail if any call since ``student.reset_log()`` modified its arguments in place."""
    from autograder.errors import GradingFailure

    notes = student.mutation_notes()
    if notes:
        raise GradingFailure(" ".join(notes))
