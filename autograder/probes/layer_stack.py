"""Describe a model built by the student as plain data: its type and each layer's constructor arguments.

The trusted side (autograder.training) checks the description and rebuilds
the model with its own torch, so nothing the student's classes do at
training time matters. This probe only reads attributes; what it returns is
checked as carefully as any other value from the student's side.
"""
from __future__ import annotations

from typing import Any

MAX_LAYERS = 256  # more are cut off here (the trusted side refuses far fewer)

# The constructor arguments of each supported torch.nn layer, read back from the module's attributes.
_ARGUMENTS = {
    "Linear": ("in_features", "out_features"),
    "Conv2d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
               "padding_mode"),
    "Conv1d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups"),
    "MaxPool2d": ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    "AvgPool2d": ("kernel_size", "stride", "padding", "ceil_mode"),
    "BatchNorm1d": ("num_features", "eps", "momentum", "affine", "track_running_stats"),
    "BatchNorm2d": ("num_features", "eps", "momentum", "affine", "track_running_stats"),
    "Dropout": ("p",),
    "Dropout2d": ("p",),
    "Softmax": ("dim",),
    "LogSoftmax": ("dim",),
    "Flatten": ("start_dim", "end_dim"),
    "LeakyReLU": ("negative_slope",),
}
_SIMPLE = (bool, int, float, str, type(None))


def type_name(obj: Any) -> str:
    """The qualified name of an object's class, e.g. "torch.nn.modules.linear.Linear"."""
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _plain(value: Any) -> Any:
    if isinstance(value, _SIMPLE):
        return value
    if isinstance(value, (tuple, list)) and len(value) <= 8 and all(isinstance(v, _SIMPLE) for v in value):
        return list(value)
    return f"<{type(value).__name__}>"  # refused on the trusted side


def describe_layer(module: Any) -> dict[str, Any]:
    """{"type": qualified name, "args": {name: value}} of one layer."""
    cls = type(module)
    args: dict[str, Any] = {}
    if cls.__module__.startswith("torch.nn.") and cls.__name__ in _ARGUMENTS:
        for name in _ARGUMENTS[cls.__name__]:
            args[name] = _plain(getattr(module, name, None))
        if cls.__name__ in ("Linear", "Conv2d", "Conv1d"):
            args["bias"] = getattr(module, "bias", None) is not None
    return {"type": type_name(module), "args": args, "children": len(list(module.children()))}


def describe_sequential(model: Any) -> dict[str, Any]:
    """{"type", "layers": [each layer's description], "total_layers"} of a model the student returned."""
    description: dict[str, Any] = {"type": type_name(model), "layers": [], "total_layers": 0}
    children = getattr(model, "children", None)
    if not callable(children):
        return description
    layers = list(children())
    description["total_layers"] = len(layers)
    description["layers"] = [describe_layer(layer) for layer in layers[:MAX_LAYERS]]
    return description
