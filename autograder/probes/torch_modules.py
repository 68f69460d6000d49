"""Probes for torch modules: load weights, run forward and backward passes, list submodules, train.

Each probe takes a module (a handle resolved on the student's side) and
plain data (numpy arrays, numbers, strings, lists, dicts), and returns plain
data: tensors come back as float numpy arrays, so that the trusted side
never needs torch to read them. Nothing here judges a result; the tests do.

Dtypes are named by strings ("float64"). Randomness is explicit: a probe
given a ``seed`` runs the student's code under ``torch.random.fork_rng``
with that seed, so the global generator is the same afterwards as before.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar

import numpy as np
import torch

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
_Probe = TypeVar("_Probe", bound=Callable[..., Any])


def _single_threaded(probe: _Probe) -> _Probe:
    """Run the probe with one intra-op thread, then restore the previous count.

    The probes' tensors are tiny, and torch's thread pool only costs on them: on a
    loaded 2-core machine a LayerNorm of 24 numbers took 45 ms with 2 threads and
    0.13 ms with 1 (measured). Restoring the count leaves real training elsewhere
    in the process unaffected.
    """
    @functools.wraps(probe)
    def run(*args: Any, **kwargs: Any) -> Any:
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return probe(*args, **kwargs)
        finally:
            torch.set_num_threads(previous)

    return run  # type: ignore[return-value]


def _dtype(name: str) -> torch.dtype:
    if name not in _DTYPES:
        raise ValueError(f"unknown dtype {name!r}; expected one of {sorted(_DTYPES)}")
    return _DTYPES[name]


def _tensor(value: Any, dtype: torch.dtype) -> torch.Tensor:
    """A fresh tensor from plain data; floating values take ``dtype``, integers stay integers."""
    array = np.asarray(value)
    tensor = torch.tensor(array)
    return tensor.to(dtype) if tensor.is_floating_point() else tensor


def _export(value: Any) -> Any:
    """A value of the student's side as plain data: tensors become numpy arrays.

    Anything that is neither a tensor, a number, None nor a tuple or list of
    those is described by a string such as "<a dict>", which no array
    comparison accepts, so the trusted side reports what it got.
    """
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    if value is None or type(value) in (bool, int, float):
        return value
    if type(value) in (tuple, list):
        return [_export(item) for item in value]
    return f"<a {type(value).__name__}>"


@contextlib.contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """Run a block with torch's global generator seeded, restoring its state afterwards.

    Dropout layers draw from the global generator and take no generator
    argument, so a fixed seed is the only way to make their masks repeatable.
    """
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def _get_path(root: Any, path: str) -> Any:
    """``root.a.b.0.c`` for the path "a.b.0.c" (ModuleList items are attributes named by their index)."""
    value = root
    for part in path.split("."):
        value = getattr(value, part)
    return value


# -- weights -----------------------------------------------------------------
def state_shapes(module: torch.nn.Module) -> dict[str, list[int]]:
    """Every entry of the module's state_dict (parameters and persistent buffers) and its shape."""
    return {name: list(value.shape) for name, value in module.state_dict().items()}


@_single_threaded
def load_state(module: torch.nn.Module, state: Mapping[str, Any], dtype: str = "float64",
               strict: bool = True) -> dict[str, Any]:
    """Convert the module to ``dtype`` and load ``state`` (name -> array) into it.

    Returns a report: ``names`` (the module's entries and their shapes),
    ``only_in_module`` (entries of the module that ``state`` lacks),
    ``only_in_state`` (entries of ``state`` that the module lacks),
    ``mismatched`` ([name, shape in state, shape in module]) and ``loaded``.
    With ``strict``, nothing is loaded unless the names and shapes agree
    exactly; otherwise the entries that fit are loaded.
    """
    torch_dtype = _dtype(dtype)
    module.to(torch_dtype)
    own = module.state_dict()
    only_in_module = [name for name in own if name not in state]
    only_in_state = [name for name in state if name not in own]
    mismatched = [
        [name, list(np.shape(state[name])), list(own[name].shape)]
        for name in state if name in own and tuple(np.shape(state[name])) != tuple(own[name].shape)
    ]
    report = {"names": {name: list(value.shape) for name, value in own.items()}, "only_in_module": only_in_module,
              "only_in_state": only_in_state, "mismatched": mismatched, "loaded": False}
    if strict and (only_in_module or only_in_state or mismatched):
        return report
    fitting = {name: _tensor(value, own[name].dtype if own[name].is_floating_point() else torch_dtype)
               for name, value in state.items() if name in own and tuple(np.shape(value)) == tuple(own[name].shape)}
    module.load_state_dict(fitting, strict=False)
    report["loaded"] = True
    return report


@_single_threaded
def reset_parameters(module: torch.nn.Module, seed: int) -> list[str]:
    """Re-draw the weights of every submodule that has ``reset_parameters()``, under ``seed``.

    Modules built with torch's global generator start from different weights
    on every run; this makes them repeatable. Returns the qualified names of
    the submodules reset ("" is the module itself).
    """
    reset = []
    with _seeded(seed):
        for name, submodule in module.named_modules():
            if callable(getattr(submodule, "reset_parameters", None)):
                submodule.reset_parameters()
                reset.append(name)
    return reset


# -- forward and backward ------------------------------------------------------
@_single_threaded
def forward(module: torch.nn.Module, args: Sequence[Any], *, train: bool = False, seed: int | None = None,
            attributes: Sequence[str] = (), dtype: str = "float64") -> tuple[Any, dict[str, Any]]:
    """``module(*args)`` without gradients, then the values of ``attributes`` (dotted paths).

    Returns ``(output, {path: value})``; an attribute that does not exist is None.
    """
    torch_dtype = _dtype(dtype)
    inputs = [_tensor(arg, torch_dtype) for arg in args]
    module.train(train)
    with torch.no_grad(), _seeded(seed):
        output = module(*inputs)
    values = {}
    for path in attributes:
        try:
            values[path] = _export(_get_path(module, path))
        except AttributeError:
            values[path] = None
    return _export(output), values


@_single_threaded
def forward_backward(module: torch.nn.Module, args: Sequence[Any], grad_output: Any, *, train: bool = False,
                     seed: int | None = None, dtype: str = "float64") -> tuple[Any, list[Any], dict[str, Any]]:
    """Forward, then backward of sum(output * grad_output).

    Returns ``(output, [gradient of each input], {parameter name: gradient})``;
    a gradient that autograd did not produce (a detached input or parameter)
    is None. If the output is not a tensor shaped like ``grad_output``, or
    does not depend on anything differentiable, no backward pass runs and
    every gradient is None.
    """
    torch_dtype = _dtype(dtype)
    inputs = [_tensor(arg, torch_dtype) for arg in args]
    for tensor in inputs:
        if tensor.is_floating_point():
            tensor.requires_grad_(True)
    module.train(train)
    module.zero_grad(set_to_none=True)
    upstream = _tensor(grad_output, torch_dtype)
    with _seeded(seed):
        output = module(*inputs)
    names = [name for name, _ in module.named_parameters()]
    if (isinstance(output, torch.Tensor) and output.shape == upstream.shape and output.requires_grad):
        # The vector-Jacobian product as the gradient of a scalar: backward(upstream) would import
        # torch.fx.experimental.symbolic_shapes and sympy to check shapes (1 s, 35 MB, measured).
        (output * upstream.to(output.dtype)).sum().backward()
        input_grads = [_export(t.grad) if t.requires_grad else None for t in inputs]
        param_grads = {name: _export(p.grad) for name, p in module.named_parameters()}
    else:
        input_grads = [None] * len(inputs)
        param_grads = {name: None for name in names}
    module.zero_grad(set_to_none=True)
    return _export(output), input_grads, param_grads


@_single_threaded
def forward_many(module: torch.nn.Module, calls: Sequence[Mapping[str, Any]], *, train: bool = False,
                 seed: int | None = None, dtype: str = "float64") -> list[Any]:
    """One output per call, in one round trip (for numerical gradients).

    Each call is ``{"args": [...], "state": {name: array}}``: the state
    entries replace those parameters or buffers for that call only (the
    module's own values are put back afterwards).
    """
    torch_dtype = _dtype(dtype)
    module.train(train)
    own = module.state_dict()
    outputs = []
    with torch.no_grad():
        for call in calls:
            overrides = dict(call.get("state", {}))
            saved = {name: own[name].clone() for name in overrides}
            try:
                for name, value in overrides.items():
                    own[name].copy_(_tensor(value, own[name].dtype))
                with _seeded(seed):
                    outputs.append(_export(module(*[_tensor(arg, torch_dtype) for arg in call.get("args", [])])))
            finally:
                for name, value in saved.items():
                    own[name].copy_(value)
    return outputs


# -- structure -----------------------------------------------------------------
def module_types(module: torch.nn.Module) -> list[list[str]]:
    """[qualified submodule name, "defining.module.ClassName"] for the module and all its submodules."""
    return [[name, f"{type(sub).__module__}.{type(sub).__qualname__}"] for name, sub in module.named_modules()]


def count_parameters(module: torch.nn.Module, trainable_only: bool = True) -> int:
    """The number of (trainable) parameter elements."""
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only))


# -- training --------------------------------------------------------------------
class _Adam:
    """Adam (Kingma and Ba, with torch.optim.Adam's defaults), written out.

    Constructing any torch.optim optimizer imports torch.distributed's tensor
    machinery on first use: 8 s on a loaded 2-core machine (measured), far
    more than the few steps a check trains for.
    """

    def __init__(self, params: list[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
            v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            mhat = m / (1 - beta1 ** self.t)
            vhat = v / (1 - beta2 ** self.t)
            p.sub_(self.lr * mhat / (vhat.sqrt() + self.eps))


class _SGD:
    def __init__(self, params: list[torch.Tensor], lr: float):
        self.params, self.lr = params, lr

    @torch.no_grad()
    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.sub_(self.lr * p.grad)


@_single_threaded
def train_steps(module: torch.nn.Module, inputs: Any, targets: Any, *, steps: int, lr: float,
                optimizer: str = "adam", loss: str = "cross_entropy", seed: int | None = None,
                dtype: str = "float32") -> list[float]:
    """Full-batch training steps on one batch; returns the loss before each step.

    ``optimizer`` is "adam" or "sgd" (plain updates, see _Adam); ``loss`` is
    "cross_entropy" (integer targets) or "mse". The module is left in eval mode.
    """
    torch_dtype = _dtype(dtype)
    module.to(torch_dtype)
    x = _tensor(inputs, torch_dtype)
    y = _tensor(targets, torch_dtype)
    params = [p for p in module.parameters() if p.requires_grad]
    if optimizer == "adam":
        opt: Any = _Adam(params, lr=lr)
    elif optimizer == "sgd":
        opt = _SGD(params, lr=lr)
    else:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    criterion = {"cross_entropy": torch.nn.functional.cross_entropy, "mse": torch.nn.functional.mse_loss}[loss]
    losses = []
    module.train(True)
    with _seeded(seed):
        for _ in range(steps):
            for p in params:
                p.grad = None
            value = criterion(module(x), y)
            losses.append(float(value.detach()))
            value.backward()
            opt.step()
    module.train(False)
    return losses
