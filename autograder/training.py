"""Trusted training: rebuild a student's layer stack from its description, train it, evaluate it.

A student's builder returns an ``nn.Sequential``; the probe
``layer_stack.describe_sequential`` reads it as plain data (each layer's
qualified type and constructor arguments). Here that description is
validated defensively (it comes from the untrusted side), every layer type
is checked against the assignment's allowed list, and the model is rebuilt
with the grader's own torch and a fresh, seeded initialisation. Training and
evaluation then run entirely in the trusted process: no student code runs.

The fixed recipe (``Recipe``) is Adam on the cross-entropy of the logits,
the whole dataset held as tensors on the device and shuffled with a seeded
permutation per epoch (no DataLoader, no per-batch host copies).

A model whose last layer is ``nn.Softmax(dim=1)`` (or ``dim=-1``) outputs
probabilities, and cross-entropy on probabilities is a classic mistake that
trains badly. The recipe treats such a final Softmax as the student's way of
saying "these are class probabilities": it trains and evaluates the layers
before it on the logits (cross-entropy = NLL of log-softmax, exactly what the
student meant) and says so in a note. The predicted class is the same.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from autograder.errors import GradingFailure

MAX_LAYERS = 64  # a description with more layers is refused before anything is built
MAX_BUILD_PARAMETERS = 20_000_000  # never allocate more (80 MB of float32), whatever the assignment's limit
MAX_FEATURES = 1_000_000  # any one size argument


class _Int:
    def __init__(self, low: int, high: int, none_ok: bool = False):
        self.low, self.high, self.none_ok = low, high, none_ok

    def __call__(self, value: Any) -> Any:
        if value is None and self.none_ok:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r:.40} is not an integer")
        if not self.low <= value <= self.high:
            raise ValueError(f"{value:,} is outside {self.low:,} to {self.high:,}")
        return value


class _Pair(_Int):
    """An int or a pair of ints, as torch keeps kernel sizes, strides and paddings."""

    def __call__(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ValueError(f"{value!r:.40} is not a pair")
            return tuple(super(_Pair, self).__call__(v) for v in value)
        return super().__call__(value)


class _Float:
    def __init__(self, low: float, high: float, none_ok: bool = False):
        self.low, self.high, self.none_ok = low, high, none_ok

    def __call__(self, value: Any) -> Any:
        if value is None and self.none_ok:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{value!r:.40} is not a number")
        if not self.low <= value <= self.high:
            raise ValueError(f"{value:g} is outside {self.low:g} to {self.high:g}")
        return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r:.40} is not True or False")
    return value


class _Choice:
    def __init__(self, *choices: str):
        self.choices = choices

    def __call__(self, value: Any) -> Any:
        if value not in self.choices:
            raise ValueError(f"{value!r:.40} is not one of {', '.join(self.choices)}")
        return value


def _padding(value: Any) -> Any:
    return value if value in ("same", "valid") else _Pair(0, 64)(value)


_CONV = {"in_channels": _Int(1, 4096), "out_channels": _Int(1, 4096), "kernel_size": _Pair(1, 64),
         "stride": _Pair(1, 64), "padding": _padding, "dilation": _Pair(1, 16), "groups": _Int(1, 4096),
         "bias": _bool}
_NORM = {"num_features": _Int(1, 65536), "eps": _Float(0, 1), "momentum": _Float(0, 1, none_ok=True),
         "affine": _bool, "track_running_stats": _bool}
_DIM = _Int(-4, 3)

# Short name -> (module of torch.nn it lives in, argument checks). The assignment's allowed list picks among these.
LAYER_TYPES: dict[str, tuple[str, dict[str, Callable[[Any], Any]]]] = {
    "Linear": ("linear", {"in_features": _Int(1, MAX_FEATURES), "out_features": _Int(1, MAX_FEATURES), "bias": _bool}),
    "Conv2d": ("conv", {**_CONV, "padding_mode": _Choice("zeros", "reflect", "replicate", "circular")}),
    "Conv1d": ("conv", _CONV),
    "MaxPool2d": ("pooling", {"kernel_size": _Pair(1, 64), "stride": _Pair(1, 64), "padding": _Pair(0, 32),
                              "dilation": _Pair(1, 16), "ceil_mode": _bool}),
    "AvgPool2d": ("pooling", {"kernel_size": _Pair(1, 64), "stride": _Pair(1, 64), "padding": _Pair(0, 32),
                              "ceil_mode": _bool}),
    "BatchNorm1d": ("batchnorm", _NORM),
    "BatchNorm2d": ("batchnorm", _NORM),
    "Dropout": ("dropout", {"p": _Float(0, 1)}),
    "Dropout2d": ("dropout", {"p": _Float(0, 1)}),
    "ReLU": ("activation", {}),
    "LeakyReLU": ("activation", {"negative_slope": _Float(-1e3, 1e3)}),
    "Tanh": ("activation", {}),
    "Sigmoid": ("activation", {}),
    "GELU": ("activation", {}),
    "Softmax": ("activation", {"dim": _Int(-4, 3, none_ok=True)}),
    "LogSoftmax": ("activation", {"dim": _Int(-4, 3, none_ok=True)}),
    "Flatten": ("flatten", {"start_dim": _DIM, "end_dim": _DIM}),
}
SEQUENTIAL = "torch.nn.modules.container.Sequential"


def qualified_name(short: str) -> str:
    """"Linear" -> "torch.nn.modules.linear.Linear"."""
    return f"torch.nn.modules.{LAYER_TYPES[short][0]}.{short}"


_BY_QUALIFIED = {qualified_name(short): short for short in LAYER_TYPES}


@dataclass(frozen=True)
class Layer:
    """One validated layer of a description."""

    kind: str  # short name, e.g. "Linear"
    args: Mapping[str, Any]

    def __str__(self) -> str:
        shown = [f"{v!r}" if k in _POSITIONAL.get(self.kind, ()) else f"{k}={v!r}" for k, v in self.args.items()
                 if k in _POSITIONAL.get(self.kind, ()) or _DEFAULTS.get((self.kind, k), v) != v]
        return f"nn.{self.kind}({', '.join(shown)})"


_POSITIONAL = {"Linear": ("in_features", "out_features"), "Conv2d": ("in_channels", "out_channels", "kernel_size"),
               "Conv1d": ("in_channels", "out_channels", "kernel_size"), "MaxPool2d": ("kernel_size",),
               "AvgPool2d": ("kernel_size",), "BatchNorm1d": ("num_features",), "BatchNorm2d": ("num_features",),
               "Dropout": ("p",), "Dropout2d": ("p",)}
_DEFAULTS = {(k, "bias"): True for k in ("Linear", "Conv2d", "Conv1d")} | {
    (k, a): v for k in ("Conv2d", "Conv1d") for a, v in
    (("stride", (1, 1) if k == "Conv2d" else (1,)), ("padding", (0, 0) if k == "Conv2d" else (0,)),
     ("dilation", (1, 1) if k == "Conv2d" else (1,)), ("groups", 1), ("padding_mode", "zeros"))} | {
    (k, a): v for k in ("BatchNorm1d", "BatchNorm2d") for a, v in
    (("eps", 1e-5), ("momentum", 0.1), ("affine", True), ("track_running_stats", True))} | {
    ("MaxPool2d", "padding"): 0, ("MaxPool2d", "dilation"): 1, ("MaxPool2d", "ceil_mode"): False,
    ("Flatten", "start_dim"): 1, ("Flatten", "end_dim"): -1, ("LeakyReLU", "negative_slope"): 0.01}


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeio" else "a"


def _list_names(names: Sequence[str]) -> str:
    names = [f"nn.{n}" for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def parse_description(description: Any, allowed: Sequence[str], what: str) -> list[Layer]:
    """Validate a description from ``layer_stack.describe_sequential``; raise GradingFailure saying what is wrong.

    Args:
        description: plain data from the untrusted side.
        allowed: the short names of the layers the assignment allows, e.g. ("Linear", "ReLU").
        what: the builder, for messages, e.g. "build_network()".
    """
    if not isinstance(description, dict) or not isinstance(description.get("layers"), list):
        raise GradingFailure(f"{what}: the grader could not read the model (got {type(description).__name__}); "
                             "return an nn.Sequential.")
    kind = description.get("type")
    if kind != SEQUENTIAL:
        shown = str(kind)[:80] if isinstance(kind, str) else type(kind).__name__
        raise GradingFailure(f"{what} should return a torch.nn.Sequential; it returned {_article(shown)} {shown}. "
                             "Put the layers in nn.Sequential(...) directly, without a subclass.")
    total = description.get("total_layers")
    layers = description["layers"]
    if not isinstance(total, int) or isinstance(total, bool) or total != len(layers) or total > MAX_LAYERS:
        count = f"{total:,}" if isinstance(total, int) else f"{len(layers):,}+"
        if isinstance(total, int) and total > MAX_LAYERS:
            raise GradingFailure(f"{what} returns an nn.Sequential of {count} layers; the grader accepts at most "
                                 f"{MAX_LAYERS}.")
        raise GradingFailure(f"{what}: the grader could not read the model's layers.")
    if not layers:
        raise GradingFailure(f"{what} returns an empty nn.Sequential.")
    parsed = []
    for position, raw in enumerate(layers, start=1):
        parsed.append(_parse_layer(raw, position, allowed, what))
    return parsed


def _parse_layer(raw: Any, position: int, allowed: Sequence[str], what: str) -> Layer:
    where = f"{what}, layer {position}"
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str) or not isinstance(raw.get("args"), dict):
        raise GradingFailure(f"{where}: the grader could not read this layer.")
    qualified = raw["type"][:200]
    short = _BY_QUALIFIED.get(qualified)
    allowed_text = f"{what} must use only {_list_names(allowed)}"
    if qualified == SEQUENTIAL:
        raise GradingFailure(f"{where} is a nested nn.Sequential; {what} should put its layers directly in the "
                             "returned nn.Sequential.")
    if short is None:
        module, _, name = qualified.rpartition(".")
        shown = f"nn.{name}" if module.startswith("torch.nn.") else f"{_article(name)} {name} (a class of {module or '?'})"
        raise GradingFailure(f"{allowed_text} (used directly, not subclassed); its layer {position} is {shown}.")
    if short not in allowed:
        raise GradingFailure(f"{allowed_text}; its layer {position} is nn.{short}.")
    if raw.get("children", 0) != 0:
        raise GradingFailure(f"{where}: nn.{short} has submodules; the grader cannot rebuild it.")
    args = {}
    for name, check in LAYER_TYPES[short][1].items():
        if name not in raw["args"]:
            raise GradingFailure(f"{where} (nn.{short}): the grader could not read its argument {name}.")
        try:
            args[name] = check(raw["args"][name])
        except ValueError as exc:
            raise GradingFailure(f"{where} (nn.{short}): {name} = {exc}.") from None
    return Layer(short, args)


def parameter_count(layers: Iterable[Layer]) -> int:
    """Learnable parameters, computed from the description alone (before anything is allocated)."""
    total = 0
    for layer in layers:
        a = layer.args
        if layer.kind == "Linear":
            total += a["in_features"] * a["out_features"] + (a["out_features"] if a["bias"] else 0)
        elif layer.kind in ("Conv2d", "Conv1d"):
            kernel = a["kernel_size"] if isinstance(a["kernel_size"], tuple) else (a["kernel_size"],) * (
                2 if layer.kind == "Conv2d" else 1)
            per_filter = a["in_channels"] // max(a["groups"], 1) * math.prod(kernel)
            total += a["out_channels"] * per_filter + (a["out_channels"] if a["bias"] else 0)
        elif layer.kind.startswith("BatchNorm") and a["affine"]:
            total += 2 * a["num_features"]
    return total


def hidden_units(layers: Sequence[Layer]) -> int:
    """The outputs of every nn.Linear but the last: the hidden units of a fully connected network."""
    linear = [layer for layer in layers if layer.kind == "Linear"]
    return sum(layer.args["out_features"] for layer in linear[:-1])


def describe_layers(layers: Sequence[Layer]) -> str:
    return " - ".join(str(layer) for layer in layers)


def build_layer(layer: Layer) -> Any:
    from torch import nn

    cls = getattr(nn, layer.kind)
    args = dict(layer.args)
    if layer.kind in ("Conv2d", "Conv1d", "Linear"):
        return cls(**args)
    if layer.kind in ("MaxPool2d", "AvgPool2d", "Dropout", "Dropout2d", "Softmax", "LogSoftmax", "Flatten",
                      "LeakyReLU") or layer.kind.startswith("BatchNorm"):
        return cls(**args)
    return cls()


def rebuild(layers: Sequence[Layer], seed: int, what: str) -> Any:
    """The model the description describes, built with the grader's torch and a fresh init from ``seed``.

    The global RNG is left as it was (the seed applies inside a forked RNG state).
    """
    import torch
    from torch import nn

    count = parameter_count(layers)
    if count > MAX_BUILD_PARAMETERS:
        raise GradingFailure(f"{what} has {count:,} parameters; the grader does not build models over "
                             f"{MAX_BUILD_PARAMETERS:,}.")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        try:
            return nn.Sequential(*[build_layer(layer) for layer in layers])
        except (ValueError, TypeError, RuntimeError) as exc:
            raise GradingFailure(f"{what}: the model cannot be built: {exc}") from None


def expect_output_shape(model: Any, input_shape: Sequence[int], num_outputs: int, what: str, batch: int = 2) -> None:
    """Run the rebuilt model on zeros of shape (batch, *input_shape) and check it gives (batch, num_outputs)."""
    import torch

    shape = (batch, *input_shape)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(torch.zeros(shape))
    except (RuntimeError, ValueError, IndexError) as exc:
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise GradingFailure(f"{what}: the model cannot run on a batch of shape {shape} (it should take (B, "
                             f"{', '.join(map(str, input_shape))})): {first}") from None
    finally:
        model.train(was_training)
    if tuple(out.shape) != (batch, num_outputs):
        raise GradingFailure(f"{what}: on a batch of shape {shape} the model outputs shape {tuple(out.shape)}; "
                             f"expected {(batch, num_outputs)} (one score per class).")


def count_parameters(model: Any) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# -- the recipe --------------------------------------------------------------------------
@dataclass(frozen=True)
class Recipe:
    """How every model is trained: the same for every student."""

    optimizer: str = "adam"  # "adam" or "sgd"
    learning_rate: float = 1e-3
    epochs: int = 10
    batch_size: int = 32
    seed: int = 0  # the initialisation, the shuffling and dropout
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer {self.optimizer!r}: use adam or sgd")
        if not (0 < self.learning_rate < 10 and 1 <= self.epochs <= 1000 and 1 <= self.batch_size <= 65536):
            raise ValueError("learning_rate, epochs or batch_size out of range")

    def describe(self) -> str:
        name = "Adam" if self.optimizer == "adam" else "SGD"
        return (f"{name}, learning rate {self.learning_rate:g}, {self.epochs} epochs, batch {self.batch_size}, "
                "cross-entropy")


@dataclass
class History:
    """What training did, epoch by epoch; saved as JSON next to the results."""

    label: str
    recipe: dict[str, Any]
    device: str
    parameters: int
    model: str
    epochs: list[dict[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    test_accuracy: float = float("nan")
    per_class_accuracy: list[float] = field(default_factory=list)  # on the test set, class by class
    seconds: float = 0.0
    diverged: str | None = None  # why training stopped early, e.g. "the loss became nan in epoch 2"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, allow_nan=True)


class Optimizer:
    """Adam (or SGD with momentum 0.9), the update of torch.optim.Adam's (SGD's) defaults, written out.

    torch.optim imports torch._dynamo the first time an optimizer is made: 2 to 5 s of every grading
    process, more than the whole CPU training path. These few lines do the same update (L2 weight decay
    added to the gradient, bias-corrected moments, eps added after the square root) with foreach ops.
    """

    def __init__(self, params: list, recipe: Recipe, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        import torch

        self.params = [p for p in params if p.requires_grad]
        self.recipe, self.betas, self.eps, self.t = recipe, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params] if recipe.optimizer == "adam" else []

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        import torch

        with torch.no_grad():
            live = [i for i, p in enumerate(self.params) if p.grad is not None]
            if not live:
                return
            params = [self.params[i] for i in live]
            grads = [self.params[i].grad for i in live]
            if self.recipe.weight_decay:
                grads = torch._foreach_add(grads, params, alpha=self.recipe.weight_decay)
            m = [self.m[i] for i in live]
            lr = self.recipe.learning_rate
            if self.recipe.optimizer == "sgd":
                torch._foreach_mul_(m, 0.9)
                torch._foreach_add_(m, grads)
                torch._foreach_add_(params, m, alpha=-lr)
                return
            self.t += 1
            beta1, beta2 = self.betas
            v = [self.v[i] for i in live]
            torch._foreach_lerp_(m, grads, 1 - beta1)  # m = beta1 m + (1 - beta1) g
            torch._foreach_mul_(v, beta2)
            torch._foreach_addcmul_(v, grads, grads, value=1 - beta2)
            denominator = torch._foreach_sqrt(v)
            torch._foreach_div_(denominator, math.sqrt(1 - beta2 ** self.t))
            torch._foreach_add_(denominator, self.eps)
            torch._foreach_addcdiv_(params, m, denominator, value=-lr / (1 - beta1 ** self.t))


def final_softmax(layers: Sequence[Layer]) -> bool:
    """Whether the stack ends in a softmax over the classes (see the module's note)."""
    return bool(layers) and layers[-1].kind == "Softmax" and layers[-1].args.get("dim") in (1, -1)


SOFTMAX_NOTE = ("your model ends in nn.Softmax: the grader trained and evaluated the layers before it with "
                "cross-entropy on their outputs (the logits), since cross-entropy on probabilities trains badly; "
                "the predicted classes are the same.")


def _progress_stream() -> Any:
    return sys.__stderr__ or sys.stderr


def train_model(
    model: Any,
    layers: Sequence[Layer],
    train_x: Any,
    train_y: Any,
    test_x: Any,
    test_y: Any,
    recipe: Recipe,
    *,
    input_shape: Sequence[int],
    label: str,
    device: str = "cpu",
    progress: Callable[[str], None] | None = None,
    num_threads: int | None = None,
) -> History:
    """Train the rebuilt ``model`` with ``recipe`` and evaluate it on the test set after every epoch.

    Arrays (numpy) are moved to ``device`` once, reshaped to (N, *input_shape).
    ``progress`` gets one line per epoch (default: the terminal, past pytest's capture).
    """
    import torch
    from torch import nn

    say = progress or (lambda line: print(line, file=_progress_stream(), flush=True))
    history = History(label, asdict(recipe), device, count_parameters(model), describe_layers(layers))
    if final_softmax(layers):
        model = model[:-1]
        history.notes.append(SOFTMAX_NOTE)
    threads = torch.get_num_threads()
    benchmark = torch.backends.cudnn.benchmark
    started = time.perf_counter()
    try:
        if num_threads:
            torch.set_num_threads(num_threads)
        if device.startswith("cuda"):
            torch.backends.cudnn.benchmark = True
        X = torch.as_tensor(train_x, dtype=torch.float32).reshape(len(train_x), *input_shape).to(device)
        y = torch.as_tensor(train_y, dtype=torch.int64).to(device)
        X_test = torch.as_tensor(test_x, dtype=torch.float32).reshape(len(test_x), *input_shape).to(device)
        y_test = torch.as_tensor(test_y, dtype=torch.int64).to(device)
        model = model.to(device)
        if device == "cpu" and X.dim() == 4:
            # Images on the CPU: channels-last computes the same function a quarter faster for a small CNN
            # (measured on the reference's; its max pooling eight times faster).
            layout = torch.channels_last
            model, X, X_test = model.to(memory_format=layout), X.to(memory_format=layout), X_test.to(memory_format=layout)
        cuda = [torch.device(device).index or 0] if device.startswith("cuda") else []
        with torch.random.fork_rng(devices=cuda):  # dropout's draws are seeded; the caller's RNG is left alone
            torch.manual_seed(recipe.seed)
            shuffle = torch.Generator().manual_seed(recipe.seed)
            optimizer = Optimizer(list(model.parameters()), recipe)
            loss_fn = nn.CrossEntropyLoss()
            n = len(y)
            for epoch in range(1, recipe.epochs + 1):
                epoch_started = time.perf_counter()
                model.train()
                order = torch.randperm(n, generator=shuffle).to(device)  # one host copy per epoch
                total_loss = torch.zeros((), device=device)
                correct = torch.zeros((), device=device, dtype=torch.int64)
                for start in range(0, n, recipe.batch_size):
                    index = order[start:start + recipe.batch_size]
                    if len(index) < 2 and any(layer.kind.startswith("BatchNorm") for layer in layers):
                        continue  # batch norm cannot train on a batch of one
                    scores = model(X[index])
                    loss = loss_fn(scores, y[index])
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    total_loss += loss.detach() * len(index)
                    correct += (scores.detach().argmax(1) == y[index]).sum()
                mean_loss = float(total_loss) / n  # the one device sync of the epoch
                train_accuracy = float(correct) / n
                predicted = predictions_of(model, X_test)  # one pass over the test set per epoch
                test_accuracy = float((predicted == y_test).sum()) / max(len(y_test), 1)
                seconds = time.perf_counter() - epoch_started
                history.epochs.append({"epoch": epoch, "loss": mean_loss, "train_accuracy": train_accuracy,
                                       "test_accuracy": test_accuracy, "seconds": round(seconds, 3)})
                say(f"[{label}] epoch {epoch}/{recipe.epochs}: loss {mean_loss:.4f}, train accuracy "
                    f"{train_accuracy:.4f}, test accuracy {test_accuracy:.4f} ({seconds:.1f} s on {device})")
                if not math.isfinite(mean_loss):
                    history.diverged = f"the training loss became {mean_loss} in epoch {epoch}"
                    break
    finally:
        torch.set_num_threads(threads)
        torch.backends.cudnn.benchmark = benchmark
    history.test_accuracy = history.epochs[-1]["test_accuracy"] if history.epochs else float("nan")
    if history.epochs:  # the last epoch's predictions: the model as it ended (also after a divergence)
        history.per_class_accuracy = class_accuracies(predicted, y_test)
    history.seconds = round(time.perf_counter() - started, 3)
    return history


def class_accuracies(predicted: Any, y: Any, num_classes: int | None = None) -> list[float]:
    """The accuracy of ``predicted`` (N,) on each class's examples of ``y`` (N,) (NaN for a class with none)."""
    classes = num_classes or int(y.max()) + 1 if len(y) else 0
    found = []
    for label in range(classes):
        chosen = y == label
        total = int(chosen.sum())
        found.append(float((predicted[chosen] == label).sum()) / total if total else float("nan"))
    return found


def predictions_of(model: Any, X: Any, batch_size: int | None = None) -> Any:
    """The predicted class of each example (a NaN score counts as no prediction: -1), in eval mode.

    Batches of 1,000 on a GPU; of 250 on the CPU, where a convolution's activations for 1,000
    images cost about 150 MB more at the peak (measured), a fifth of Gradescope's memory.
    """
    import torch

    model.eval()
    batch_size = batch_size or (1000 if X.is_cuda else 250)
    parts = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            scores = model(X[start:start + batch_size])
            best = scores.argmax(1)
            parts.append(torch.where(torch.isfinite(scores).all(dim=1), best, torch.full_like(best, -1)))
    return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.int64)


def format_per_class(names: Sequence[str], accuracies: Sequence[float], overall: float) -> str:
    """A two-line table: each class's accuracy, and the overall one (the handout's per-movement table)."""
    width = max([len(n) for n in names] + [7])
    header = "  ".join(f"{n:>{width}}" for n in [*names, "overall"])
    values = "  ".join(f"{a:>{width}.3f}" for a in [*accuracies, overall])
    return f"{header}\n{values}"


# -- saving what happened --------------------------------------------------------------------
def save_history(history: History, folder: Path, name: str) -> dict[str, Path]:
    """Write ``<name>.json`` (and ``<name>.png`` when matplotlib is installed); return what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {"json": folder / f"{name}.json"}
    partial = folder / f".{name}.{os.getpid()}.json"  # parallel runs (the audit) never see half a file
    partial.write_text(history.to_json() + "\n", encoding="utf-8")
    os.replace(partial, written["json"])
    image = plot_history(history, folder / f"{name}.png")
    if image is not None:
        written["plot"] = image
    return written


def plot_history(history: History, path: Path) -> Path | None:
    """Loss and accuracy per epoch as a PNG, or None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    epochs = [e["epoch"] for e in history.epochs]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, [e["loss"] for e in history.epochs], marker="o")
    left.set(title=f"{history.label}: training loss", xlabel="epoch")
    right.plot(epochs, [e["train_accuracy"] for e in history.epochs], marker="o", label="train")
    right.plot(epochs, [e["test_accuracy"] for e in history.epochs], marker="o", label="test")
    right.set(title="accuracy", xlabel="epoch")
    right.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
