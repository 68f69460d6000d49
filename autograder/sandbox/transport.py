"""The wire format between the trusted side and the sandboxed worker.

One message is a frame: an 8-byte big-endian length of a JSON header, the
header, then the raw buffers it names. Plain data (autograder.plain) is
encoded as a JSON tree in which every container is tagged, numpy arrays and
torch tensors become ``{dtype, shape, buffer}`` records and handles become
their numbers. Decoding builds only exact built-in types, ``numpy.ndarray``
of a numeric dtype and ``torch.Tensor``: nothing is ever unpickled, so a
hostile worker can send wrong values but never an object with behaviour of
its own (a lying ``__eq__``). Every size is checked against a bound before
anything is allocated.
"""
from __future__ import annotations

import json
import math
import select
import socket
import struct
import sys
import time
from typing import Any, Callable

import numpy as np

MAX_HEADER_BYTES = 64 * 1024 * 1024  # the JSON tree; nested lists of numbers can be long
MAX_MESSAGE_BYTES = 1024 * 1024 * 1024  # arrays included: far above any test's data
MAX_DEPTH = 200  # nesting of containers
_NUMERIC_KINDS = "biufc"
_TORCH_DTYPES = (
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "int8", "int16", "int32", "int64", "uint8", "bool",
)
_LENGTH = struct.Struct(">Q")


class TransportError(Exception):
    """A malformed or oversized message, or a channel that closed or ran out of time."""


class ChannelClosed(TransportError):
    """The other end went away (for the trusted side: the worker died)."""


class ChannelTimeout(TransportError):
    """No complete message arrived before the deadline."""


# -- encoding -------------------------------------------------------------------
def _tensor_class() -> Any:
    torch = sys.modules.get("torch")  # never import torch just to ask
    return (torch.Tensor, torch.nn.Parameter) if torch is not None else ()


def encode(value: Any, handle_id: Callable[[Any], dict | None]) -> tuple[dict, list[memoryview]]:
    """``value`` as (JSON-able tree, buffers). ``handle_id`` turns a handle into its record, else None."""
    buffers: list[memoryview] = []
    tensors = _tensor_class()

    def walk(item: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise TransportError(f"data nested more than {MAX_DEPTH} levels deep")
        kind = type(item)
        if item is None or kind in (bool, str):
            return item
        if kind is int:
            return item if abs(item) < 2**63 else {"I": str(item)}
        if kind is float:
            return item if math.isfinite(item) else {"F": repr(item)}
        if kind is complex:
            return {"c": [repr(item.real), repr(item.imag)]}
        if kind is np.ndarray or (isinstance(item, np.generic) and kind.__module__ == "numpy"):
            array = np.ascontiguousarray(item)
            if array.dtype.kind not in _NUMERIC_KINDS or array.dtype.fields is not None:
                raise TransportError(f"cannot send an array of dtype {array.dtype}")
            buffers.append(memoryview(array.view(np.uint8).reshape(-1)) if array.size else memoryview(b""))
            return {"a" if kind is np.ndarray else "g": array.dtype.str, "s": list(array.shape), "b": len(buffers) - 1}
        if kind in (list, tuple):
            return {"l" if kind is list else "t": [walk(x, depth + 1) for x in item]}
        if kind is dict:
            return {"d": [[walk(k, depth + 1), walk(v, depth + 1)] for k, v in item.items()]}
        if tensors and kind in tensors:
            tensor = item.detach().cpu().contiguous()
            name = str(tensor.dtype).removeprefix("torch.")
            if name not in _TORCH_DTYPES:
                raise TransportError(f"cannot send a tensor of dtype {tensor.dtype}")
            flat = tensor.reshape(-1)
            if name == "bfloat16":
                import torch
                flat = flat.view(torch.int16)
            data = flat.numpy().view(np.uint8) if flat.numel() else np.empty(0, np.uint8)
            buffers.append(memoryview(np.ascontiguousarray(data)))
            return {"T": name, "s": list(tensor.shape), "b": len(buffers) - 1, "rg": bool(item.requires_grad)}
        record = handle_id(item)
        if record is not None:
            return {"h": record}
        raise TransportError(f"cannot send a value of type {kind.__module__}.{kind.__qualname__}")

    return walk(value, 0), buffers


def decode(tree: Any, buffers: list[bytes], make_handle: Callable[[Any], Any]) -> Any:
    """The value that ``encode`` described; only exact plain types are built."""

    def walk(item: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise TransportError(f"data nested more than {MAX_DEPTH} levels deep")
        kind = type(item)
        if item is None or kind in (bool, int, float, str):
            return item
        if kind is not dict or len(item) == 0:
            raise TransportError(f"unexpected {kind.__name__} in a message")
        if "l" in item or "t" in item:
            items = item.get("l", item.get("t"))
            if type(items) is not list:
                raise TransportError("a malformed list")
            values = [walk(x, depth + 1) for x in items]
            return values if "l" in item else tuple(values)
        if "d" in item:
            result = {}
            for pair in _list(item["d"]):
                if type(pair) is not list or len(pair) != 2:
                    raise TransportError("a malformed dict")
                key = walk(pair[0], depth + 1)
                if type(key) not in (str, int, bool, float, tuple, type(None)):
                    raise TransportError(f"a dict key of type {type(key).__name__}")
                result[key] = walk(pair[1], depth + 1)
            return result
        if "I" in item:
            return int(_str(item["I"]))
        if "F" in item:
            return float(_str(item["F"]))
        if "c" in item:
            parts = _list(item["c"])
            return complex(float(_str(parts[0])), float(_str(parts[1])))
        if "a" in item or "g" in item:
            dtype = _dtype(item.get("a", item.get("g")))
            shape = _shape(item.get("s"))
            data = _buffer(buffers, item.get("b"), math.prod(shape) * dtype.itemsize)
            array = np.frombuffer(data, dtype=dtype).reshape(shape).copy() if data else np.zeros(shape, dtype)
            return array if "a" in item else array.reshape(())[()]
        if "T" in item:
            return _tensor(item, buffers)
        if "h" in item:
            return make_handle(item["h"])
        raise TransportError("an unknown record in a message")

    return walk(tree, 0)


def _list(value: Any) -> list:
    if type(value) is not list:
        raise TransportError("a malformed record")
    return value


def _str(value: Any) -> str:
    if type(value) is not str or len(value) > 10_000:
        raise TransportError("a malformed number")
    return value


def _dtype(text: Any) -> np.dtype:
    if type(text) is not str or len(text) > 8:
        raise TransportError("a malformed dtype")
    try:
        dtype = np.dtype(text)
    except TypeError:
        raise TransportError(f"an unknown dtype {text!r}") from None
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise TransportError(f"an array of dtype {dtype} is not plain data")
    return dtype


def _shape(shape: Any) -> tuple[int, ...]:
    if type(shape) is not list or len(shape) > 64 or any(type(n) is not int or n < 0 for n in shape):
        raise TransportError("a malformed shape")
    if math.prod(shape) > MAX_MESSAGE_BYTES:
        raise TransportError("an array too large")
    return tuple(shape)


def _buffer(buffers: list[bytes], index: Any, size: int) -> bytes:
    if type(index) is not int or not 0 <= index < len(buffers):
        raise TransportError("a reference to a missing buffer")
    data = buffers[index]
    if len(data) != size:
        raise TransportError(f"a buffer of {len(data)} bytes where {size} were expected")
    return data


def _tensor(item: dict, buffers: list[bytes]) -> Any:
    import torch

    name = item["T"]
    if name not in _TORCH_DTYPES:
        raise TransportError(f"a tensor of dtype {name!r} is not plain data")
    dtype = getattr(torch, name)
    shape = _shape(item.get("s"))
    itemsize = torch.empty((), dtype=dtype).element_size()
    data = _buffer(buffers, item.get("b"), math.prod(shape) * itemsize)
    if not data:
        tensor = torch.zeros(shape, dtype=dtype)
    elif name == "bfloat16":
        tensor = torch.frombuffer(bytearray(data), dtype=torch.int16).view(torch.bfloat16).reshape(shape)
    else:
        tensor = torch.frombuffer(bytearray(data), dtype=dtype).reshape(shape)
    if item.get("rg") is True and tensor.is_floating_point():
        tensor.requires_grad_(True)
    return tensor


# -- framing ----------------------------------------------------------------------
class Channel:
    """Whole messages over a connected stream socket, with an optional deadline."""

    def __init__(self, sock: socket.socket, max_bytes: int = MAX_MESSAGE_BYTES):
        self.sock = sock
        self.max_bytes = max_bytes
        sock.setblocking(True)

    def send(self, header: dict, buffers: list[memoryview] = (), deadline: float | None = None) -> None:
        header = {**header, "buffers": [len(b) * b.itemsize if isinstance(b, memoryview) else len(b) for b in buffers]}
        head = json.dumps(header, separators=(",", ":")).encode()
        if len(head) > MAX_HEADER_BYTES or sum(header["buffers"]) > self.max_bytes:
            raise TransportError(f"a message over the size limit ({len(head) + sum(header['buffers'])} bytes)")
        self._send_bytes(_LENGTH.pack(len(head)) + head, deadline)
        for buffer in buffers:
            self._send_bytes(buffer.cast("B") if isinstance(buffer, memoryview) and buffer.nbytes else buffer, deadline)

    def receive(self, deadline: float | None = None) -> tuple[dict, list[bytes]]:
        (length,) = _LENGTH.unpack(self._receive_bytes(_LENGTH.size, deadline))
        if length > MAX_HEADER_BYTES:
            raise TransportError(f"a message header of {length} bytes, over the limit")
        try:
            header = json.loads(self._receive_bytes(length, deadline))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TransportError(f"a malformed message header ({exc})") from None
        sizes = header.get("buffers") if type(header) is dict else None
        if type(sizes) is not list or any(type(n) is not int or n < 0 for n in sizes) or sum(sizes) > self.max_bytes:
            raise TransportError("a message with malformed or oversized buffers")
        return header, [self._receive_bytes(n, deadline) for n in sizes]

    def _wait(self, writable: bool, deadline: float | None) -> None:
        if deadline is None:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ChannelTimeout("deadline passed")
        ready = select.select([], [self.sock], [], remaining) if writable else select.select([self.sock], [], [], remaining)
        if not any(ready):
            raise ChannelTimeout("deadline passed")

    def _send_bytes(self, data: Any, deadline: float | None) -> None:
        view = memoryview(data).cast("B") if not isinstance(data, bytes) else memoryview(data)
        while view:
            self._wait(True, deadline)
            try:
                sent = self.sock.send(view[: 1 << 20])
            except (BrokenPipeError, ConnectionResetError):
                raise ChannelClosed("the other end closed the channel") from None
            view = view[sent:]

    def _receive_bytes(self, size: int, deadline: float | None) -> bytearray:
        data = bytearray(size)
        view = memoryview(data)
        got = 0
        while got < size:
            self._wait(False, deadline)
            try:
                n = self.sock.recv_into(view[got:], min(size - got, 1 << 22))
            except ConnectionResetError:
                n = 0
            if n == 0:
                raise ChannelClosed("the other end closed the channel")
            got += n
        return data

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
