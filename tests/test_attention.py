"""Grading tests for attention.py: attention, the Pre-LN encoder layer, allowed layers, a tiny ViT.

The trusted side never imports torch. It builds the student's modules
through the ``student`` object, and everything that needs them alive (load
weights, forward, backward, list submodules, train) runs on the student's
side as a probe of autograder/probes/torch_modules.py, which returns numpy
arrays. Weights are fixed per case (declared here from the names in attention.py's docstrings, so a
wrong submodule name or an extra bias is reported by name), modules run in
float64 and eval mode, and every random draw is seeded.

Gradients are checked against the reference's fixture and against the
numerical gradient of the student's own forward, so a wrong forward with
a consistent backward loses only the forward's points.
"""
import ast
import math
import re

import numpy as np
import pytest

from autograder.compare import describe_value, expect_close
from autograder.errors import GradingFailure, StudentRaised
from autograder.fixtures import Case, FixtureSet
from autograder.gradcheck import check_gradient
from autograder.tolerances import (
    BACKWARD_FLOAT64, FORWARD_FLOAT64, STANDARD_ERRORS, TRAINING_LOSS_DROP,
)

SDPA = "ScaledDotProductAttention"
ENCODER = "TransformerEncoderLayer"
MODULE = "attention"


# -- talking to the student's modules ----------------------------------------------------
def run_probe(student, probe, label, *args, **kwargs):
    """A probe of autograder.probes.torch_modules; an error in the student's code is named after ``label``.

    The back end names an error after the probe that ran ("torch_modules.forward raised ...");
    the student should read which of their methods raised ("ScaledDotProductAttention.forward").
    """
    name = f"torch_modules.{probe}"
    try:
        return student.run_probe(name, *args, **kwargs)
    except StudentRaised as exc:
        if not exc.summary.startswith(f"{name} "):
            raise
        rest = exc.summary[len(name) + 1:]
        stub = re.match(r"is not implemented yet: (\w+(?:\.\w+)*): (.*)", rest, re.S)
        summary = f"{stub[1]} is not implemented yet: {stub[2]}" if stub else f"{label} {rest}"
        raise StudentRaised(label, exc.exc_type, summary, exc.details) from None


# What attention.py's docstrings say of each class's parameters, for messages about a wrong state_dict.
NO_BIAS = {"q_proj", "k_proj", "v_proj", "out_proj"}
SUBMODULES = {
    SDPA: "q_proj, k_proj, v_proj (nn.Linear(dim, inner_dim, bias=False) each)",
    ENCODER: "norm1, attn (MultiHeadAttention), out_proj (no bias), norm2, fc1, fc2",
}


def state_problems(cls, report):
    """One sentence per difference between the module's parameters and the docstring's."""
    have = ", ".join(report["names"]) or "no parameters at all"
    problems = []
    extra = []
    for name in report["only_in_module"]:
        owner, _, kind = name.rpartition(".")
        if kind == "bias" and owner.rpartition(".")[2] in NO_BIAS:
            problems.append(f"unexpected parameter {name}: the docstring says {owner.rpartition('.')[2]} has no bias "
                            "(nn.Linear(..., bias=False)).")
        else:
            extra.append(name)
    if report["only_in_state"]:
        problems.append(f"{cls} has no parameter {', '.join(report['only_in_state'])}; it has {have}.")
    if extra:
        problems.append(f"{cls} has parameters that its docstring does not list: {', '.join(extra)}.")
    for name, wanted, got in report["mismatched"]:
        problems.append(f"{cls}.{name} has shape {tuple(got)}; the docstring's layout gives {tuple(wanted)} "
                        "(nn.Linear(in, out) keeps a weight of shape (out, in)).")
    return problems


def build(student, cls, ctor_args, state, case=None):
    """The student's ``cls(*ctor_args)``, in float64, with ``state`` loaded strictly."""
    module = student.call(f"{MODULE}.{cls}", *ctor_args)
    report = run_probe(student, "load_state", cls, module, state, dtype="float64", strict=True)
    if not report["loaded"]:
        where = f" (case '{case}')" if case else ""
        if not report["names"]:  # a starter's __init__ left as `pass`: nothing built yet
            raise GradingFailure(f"{cls}{where} has no parameters at all: is __init__ not implemented yet? It should "
                                 f"create the submodules {SUBMODULES[cls]}.")
        raise GradingFailure(f"{cls}'s parameters should be the ones its docstring lists{where}, from the submodules "
                             f"{SUBMODULES[cls]}:\n- " + "\n- ".join(state_problems(cls, report)))
    return module


def forward(student, cls, module, x, attributes=(), train=False, seed=0):
    """(output, {attribute: value}) of the module on x, without gradients (seeded, so dropout repeats)."""
    return run_probe(student, "forward", f"{cls}.forward", module, [x], train=train, seed=seed,
                     attributes=list(attributes))


def forward_backward(student, cls, module, x, dout):
    """(output, dx, {parameter: gradient}) of sum(output * dout), in eval mode."""
    out, (dx,), grads = run_probe(student, "forward_backward", f"{cls}.forward", module, [x], dout, seed=0)
    return out, dx, grads


def weights_of(inputs):
    """The case's parameters: fixture inputs named "w.<parameter>"."""
    return {key[2:]: value for key, value in inputs.items() if key.startswith("w.")}


def expect_array(got, shape, what, case):
    """Fail unless ``got`` is a float array of ``shape`` (for checks whose values are not compared)."""
    if type(got) is not np.ndarray:
        raise GradingFailure(f"{what}, case '{case}': expected a tensor of shape {tuple(shape)}, got "
                             f"{describe_value(got) if got is None else repr(got)[:80]}.")
    if got.shape != tuple(shape):
        raise GradingFailure(f"{what}, case '{case}': wrong shape: expected {tuple(shape)}, got {got.shape}.")


def require_gradient(got, cls, name, case):
    if got is None:
        raise GradingFailure(
            f"{cls}, case '{case}': no gradient reached {name}. Something in forward cuts it off from the "
            "output: .detach(), .data, torch.no_grad(), or a round trip through numpy?")


def expect_gradient(got, expected, cls, name, case, tol=BACKWARD_FLOAT64):
    require_gradient(got, cls, name, case)
    expect_close(got, expected, what=f"{cls}: gradient of {name}", case=case, tol=tol)


# Each mistake: (what gives those values, what to do instead).
SDPA_MISTAKES = {
    "tokens": ("attention with the scores divided by sqrt(T), the number of tokens", "divide by sqrt(inner_dim), the size of a query"),
    "unscaled": ("attention with unscaled scores Q K^T", "divide them by sqrt(inner_dim)"),
    "not_rooted": ("attention with the scores divided by inner_dim", "divide by its square root"),
    "query_axis": ("attention with a softmax over axis 1 (the queries)",
                   "take it over the last axis (the keys), so that each query's weights sum to 1"),
}
ENCODER_MISTAKES = {
    "post_ln": ("a Post-LN layer (a norm after each residual sum)",
                "The docstring's layer is Pre-LN: x + out_proj(attn(norm1(x))), then x + fc2(relu(fc1(norm2(x))))"),
    "no_attention_residual": ("a layer with no residual connection around the attention", "add the block's input x back"),
    "no_mlp_residual": ("a layer with no residual connection around the MLP", "add the block's input x back"),
    "no_relu": ("a layer with no relu between fc1 and fc2", "apply torch.relu to fc1's output"),
}


def mistake_values(kind, x, weights, part=0):
    """{(what, fix): the values of each known mistake} for hints, from the trusted-only attention_mistakes
    module (the handout leaves it out, since it computes the right formulas too); {} without it."""
    try:
        import attention_mistakes
    except ImportError:
        return {}
    if kind == SDPA:
        return {text: attention_mistakes.np_attention(x, weights, mistake=m)[part] for m, text in SDPA_MISTAKES.items()}
    return {text: attention_mistakes.np_encoder(x, weights, m) for m, text in ENCODER_MISTAKES.items()}


def hint_for(got, candidates):
    """The hint naming the known mistake whose values ``got`` matches, or None."""
    for (what, fix), value in candidates.items():
        if (type(got) is np.ndarray and got.shape == value.shape
                and np.allclose(got, value, rtol=FORWARD_FLOAT64.rtol, atol=FORWARD_FLOAT64.atol)):
            return f"hint: these are exactly the values of {what}; {fix}."
    return None


def expect_close_or_hint(got, expected, candidates, *, compared=None, **kwargs):
    """expect_close of ``compared`` (default ``got``), adding which known mistake ``got`` matches when it fails."""
    try:
        expect_close(got if compared is None else compared, expected, **kwargs)
    except GradingFailure as failure:
        hint = hint_for(got, candidates)
        if hint is None:
            raise
        raise GradingFailure(f"{failure}\n  {hint}") from None


# -- ScaledDotProductAttention ---------------------------------------------------------------
def linear_weight(rng, fan_out, fan_in):
    """Weights of nn.Linear's scale, so that scores are O(1) and a wrong scale changes the softmax a lot."""
    return rng.standard_normal((fan_out, fan_in)) / math.sqrt(fan_in)


def sdpa_weights(rng, dim, inner_dim, prefix=""):
    return {f"w.{prefix}{n}_proj.weight": linear_weight(rng, inner_dim, dim) for n in "qkv"}


def sdpa_inputs(rng, batch, tokens, dim, inner_dim, dropout=0.0):
    return {
        "x": rng.standard_normal((batch, tokens, dim)),
        "dout": rng.standard_normal((batch, tokens, inner_dim)),
        "dim": dim, "inner_dim": inner_dim, "dropout": dropout,
        **sdpa_weights(rng, dim, inner_dim),
    }


def sdpa_args(inputs):
    return int(inputs["dim"]), int(inputs["inner_dim"]), float(inputs["dropout"])


def sdpa_compute(student, x, dout, **rest):
    module = build(student, SDPA, sdpa_args(rest), weights_of(rest))
    out, attributes = forward(student, SDPA, module, x, attributes=["attn"])
    _, dx, grads = forward_backward(student, SDPA, module, x, dout)
    return {"out": out, "attn": attributes["attn"], "dx": dx, **{f"grad.{k}": g for k, g in grads.items()}}


# T differs from inner_dim in every case with T > 1, so that dividing by sqrt(T) is caught.
ATTENTION = FixtureSet(
    "attention",
    make_inputs=sdpa_inputs,
    compute=sdpa_compute,
    cases=[
        Case("b2_t4_dim6_inner3", seed=401, batch=2, tokens=4, dim=6, inner_dim=3),
        Case("b1_t1_dim3_inner2", seed=402, batch=1, tokens=1, dim=3, inner_dim=2),
        Case("b3_t6_dim4_inner8", seed=403, batch=3, tokens=6, dim=4, inner_dim=8),
        # Dropout built in but the module in eval mode: the output must be the dropout-free one.
        Case("b2_t5_dim5_inner2_dropout_eval", seed=404, batch=2, tokens=5, dim=5, inner_dim=2, dropout=0.5),
    ],
)


def sdpa_case(case):
    data = ATTENTION.load(case)
    module_args = sdpa_args(data.inputs)
    return data, module_args, weights_of(data.inputs)


@pytest.mark.attention
@pytest.mark.parametrize("case", ATTENTION.cases, ids=str)
def test_attention_forward(student, case):
    data, module_args, weights = sdpa_case(case)
    module = build(student, SDPA, module_args, weights, case.name)
    out, _ = forward(student, SDPA, module, data.inputs["x"])
    candidates = mistake_values(SDPA, data.inputs["x"], weights, part=0)
    expect_close_or_hint(out, data.expected["out"], candidates, what=f"{SDPA}.forward: out", case=case.name,
                         tol=FORWARD_FLOAT64)


@pytest.mark.attention
@pytest.mark.parametrize("case", ATTENTION.cases, ids=str)
def test_attention_keeps_its_weights(student, case):
    data, module_args, weights = sdpa_case(case)
    module = build(student, SDPA, module_args, weights, case.name)
    _, attributes = forward(student, SDPA, module, data.inputs["x"], attributes=["attn"])
    attn, expected = attributes["attn"], data.expected["attn"]
    if attn is None:
        raise GradingFailure(f"{SDPA}.forward, case '{case.name}': after forward, self.attn should hold the "
                             f"attention weights softmax(Q K^T / sqrt(inner_dim)) of shape {expected.shape}; "
                             "it is None or missing.")
    expect_array(attn, expected.shape, f"{SDPA}.attn (the attention weights after forward)", case.name)
    candidates = mistake_values(SDPA, data.inputs["x"], weights, part=1)
    expect_close_or_hint(attn, np.ones(expected.shape[:-1]), candidates, compared=np.sum(attn, axis=-1),
                         what=f"{SDPA}.attn: the sum of each row (the weights of one query)", case=case.name,
                         tol=FORWARD_FLOAT64)
    expect_close_or_hint(attn, expected, candidates, what=f"{SDPA}.attn", case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.attention
@pytest.mark.parametrize("wrt", ["x", "weights"])
@pytest.mark.parametrize("case", ATTENTION.cases, ids=str)
def test_attention_backward(student, case, wrt):
    data, module_args, weights = sdpa_case(case)
    module = build(student, SDPA, module_args, weights, case.name)
    _, dx, grads = forward_backward(student, SDPA, module, data.inputs["x"], data.inputs["dout"])
    if wrt == "x":
        expect_gradient(dx, data.expected["dx"], SDPA, "the input x", case.name)
    for name in (weights if wrt == "weights" else ()):
        expect_gradient(grads.get(name), data.expected[f"grad.{name}"], SDPA, name, case.name)


def check_numerical_gradients(student, cls, module, x, dout, weights, case):
    """The student's autograd gradients against central differences of the student's own forward.

    ``weights`` are the parameters to check (a subset keeps the forward passes few).
    """
    _, dx, grads = forward_backward(student, cls, module, x, dout)

    def evaluate(batch):
        calls = [{"args": [item["x"]], "state": {k: v for k, v in item.items() if k != "x"}} for item in batch]
        return run_probe(student, "forward_many", f"{cls}.forward", module, calls)

    require_gradient(dx, cls, "the input x", case)
    expect_array(dx, np.shape(x), f"{cls}: gradient of the input x", case)
    check_gradient(dx, evaluate, {"x": x}, "x", dout, what=f"{cls}: gradient of the input x", case=case)
    for name, value in weights.items():
        require_gradient(grads.get(name), cls, name, case)
        expect_array(grads[name], np.shape(value), f"{cls}: gradient of {name}", case)
        check_gradient(grads[name], evaluate, {"x": x, name: value}, name, dout, what=f"{cls}: gradient of {name}",
                       case=case)


@pytest.mark.attention
@pytest.mark.parametrize("case", ATTENTION.cases[::3], ids=str)  # the first and the last
def test_attention_backward_matches_numerical_gradient(student, case):
    data, module_args, weights = sdpa_case(case)
    module = build(student, SDPA, module_args, weights, case.name)
    check_numerical_gradients(student, SDPA, module, data.inputs["x"], data.inputs["dout"], weights, case.name)


def expect_inverted_dropout(student, cls, module, sequence, out_dim, p, seed, where):
    """In training mode, dropout must change the output, and inverted dropout keeps its mean over masks.

    The sequence (1, T, dim) is repeated over a batch of DROPOUT_COPIES, so that each copy
    draws its own masks (seeded): most copies must differ from the eval-mode output, and
    their mean must be that output within STANDARD_ERRORS standard errors. ``where`` names
    the dropout being checked. Valid when the output is linear in each dropout mask.
    """
    x = np.repeat(sequence, DROPOUT_COPIES, axis=0)
    evaluated, _ = forward(student, cls, module, sequence)
    trained, _ = forward(student, cls, module, x, train=True, seed=seed)
    case = f"dropout={p}"
    expect_array(evaluated, sequence.shape[:2] + (out_dim,), f"{cls}.forward in eval mode: out", case)
    expect_array(trained, x.shape[:2] + (out_dim,), f"{cls}.forward in training mode: out", case)
    changed = np.mean(np.any(np.abs(trained - evaluated) > 1e-12, axis=(1, 2)))
    if changed < 0.5:
        raise GradingFailure(
            f"{cls}(..., dropout={p}) in training mode (module.train()) gave the eval-mode output for "
            f"{1 - changed:.0%} of {DROPOUT_COPIES} copies of one input: {where} should drop values at random "
            "in training mode, and it seems not to be applied.")
    mean, error = trained.mean(axis=0), trained.std(axis=0) / math.sqrt(DROPOUT_COPIES)
    allowed = STANDARD_ERRORS * error + FORWARD_FLOAT64.atol
    excess = np.abs(mean - evaluated[0]) - allowed
    if np.any(excess > 0):
        worst = np.unravel_index(np.argmax(excess), mean.shape)
        raise GradingFailure(
            f"{cls}(..., dropout={p}) in training mode: the mean output over {DROPOUT_COPIES} dropout masks should "
            f"equal the eval-mode output (inverted dropout scales the kept values by 1 / (1 - p)); at index "
            f"{[int(i) for i in worst]} it is {mean[worst]:.6g} against {evaluated[0][worst]:.6g} "
            f"(allowed difference {allowed[worst]:.3g}, {STANDARD_ERRORS:g} standard errors).")


DROPOUT_COPIES = 2000


@pytest.mark.attention
def test_attention_dropout_in_training(student):
    rng = np.random.default_rng(409)
    dim, inner_dim, tokens, p = 4, 3, 5, 0.4
    weights = {k[2:]: v for k, v in sdpa_weights(rng, dim, inner_dim).items()}
    module = build(student, SDPA, (dim, inner_dim, p), weights)
    expect_inverted_dropout(student, SDPA, module, rng.standard_normal((1, tokens, dim)), inner_dim, p, seed=410,
                            where="dropout on the attention weights")


# -- TransformerEncoderLayer ------------------------------------------------------------------
def encoder_weights(rng, dim, num_heads, inner_dim, mlp_dim):
    weights = {"w.norm1.weight": 1.0 + 0.3 * rng.standard_normal(dim), "w.norm1.bias": 0.3 * rng.standard_normal(dim)}
    for h in range(num_heads):
        weights.update(sdpa_weights(rng, dim, inner_dim, f"attn.heads.{h}."))
    weights["w.out_proj.weight"] = linear_weight(rng, dim, num_heads * inner_dim)
    weights.update({
        "w.norm2.weight": 1.0 + 0.3 * rng.standard_normal(dim), "w.norm2.bias": 0.3 * rng.standard_normal(dim),
        "w.fc1.weight": linear_weight(rng, mlp_dim, dim), "w.fc1.bias": 0.3 * rng.standard_normal(mlp_dim),
        "w.fc2.weight": linear_weight(rng, dim, mlp_dim), "w.fc2.bias": 0.3 * rng.standard_normal(dim),
    })
    return weights


def encoder_inputs(rng, batch, tokens, dim, num_heads, inner_dim, mlp_dim, dropout=0.0):
    inputs = {
        "x": rng.standard_normal((batch, tokens, dim)),
        "dout": rng.standard_normal((batch, tokens, dim)),
        "dim": dim, "num_heads": num_heads, "inner_dim": inner_dim, "mlp_dim": mlp_dim, "dropout": dropout,
        **encoder_weights(rng, dim, num_heads, inner_dim, mlp_dim),
    }
    # The numerical gradient needs fc1's pre-activations clear of the relu's kink at 0 (checked when the
    # fixtures are made, where the trusted-only module is at hand).
    import attention_mistakes

    attention_mistakes.expect_clear_of_the_kink(inputs["x"], weights_of(inputs), num_heads)
    return inputs


def encoder_args(inputs):
    return tuple(int(inputs[k]) for k in ("dim", "num_heads", "inner_dim", "mlp_dim")) + (float(inputs["dropout"]),)


def encoder_compute(student, x, dout, **rest):
    module = build(student, ENCODER, encoder_args(rest), weights_of(rest))
    out, dx, grads = forward_backward(student, ENCODER, module, x, dout)
    return {"out": out, "dx": dx, **{f"grad.{k}": g for k, g in grads.items()}}


ENCODER_LAYER = FixtureSet(
    "encoder_layer",
    make_inputs=encoder_inputs,
    compute=encoder_compute,
    cases=[
        Case("b2_t3_dim4_heads2_inner3_mlp8", seed=411, batch=2, tokens=3, dim=4, num_heads=2, inner_dim=3, mlp_dim=8),
        Case("b1_t5_dim6_heads1_inner4_mlp5", seed=412, batch=1, tokens=5, dim=6, num_heads=1, inner_dim=4, mlp_dim=5),
        # Dropout built in but the module in eval mode: the output must be the dropout-free one.
        Case("b3_t4_dim8_heads3_inner2_mlp16_dropout_eval", seed=414, batch=3, tokens=4, dim=8, num_heads=3,
             inner_dim=2, mlp_dim=16, dropout=0.25),
    ],
)


def encoder_case(case):
    data = ENCODER_LAYER.load(case)
    return data, encoder_args(data.inputs), weights_of(data.inputs)


@pytest.mark.encoder_layer
@pytest.mark.parametrize("case", ENCODER_LAYER.cases, ids=str)
def test_encoder_layer_forward(student, case):
    data, module_args, weights = encoder_case(case)
    module = build(student, ENCODER, module_args, weights, case.name)
    out, _ = forward(student, ENCODER, module, data.inputs["x"])
    candidates = mistake_values(ENCODER, data.inputs["x"], weights)
    expect_close_or_hint(out, data.expected["out"], candidates, what=f"{ENCODER}.forward: out", case=case.name,
                         tol=FORWARD_FLOAT64)


@pytest.mark.encoder_layer
@pytest.mark.parametrize("wrt", ["x", "weights"])
@pytest.mark.parametrize("case", ENCODER_LAYER.cases, ids=str)
def test_encoder_layer_backward(student, case, wrt):
    data, module_args, weights = encoder_case(case)
    module = build(student, ENCODER, module_args, weights, case.name)
    _, dx, grads = forward_backward(student, ENCODER, module, data.inputs["x"], data.inputs["dout"])
    if wrt == "x":
        expect_gradient(dx, data.expected["dx"], ENCODER, "the input x", case.name)
    for name in (weights if wrt == "weights" else ()):
        expect_gradient(grads.get(name), data.expected[f"grad.{name}"], ENCODER, name, case.name)


@pytest.mark.encoder_layer
@pytest.mark.parametrize("case", ENCODER_LAYER.cases[:1], ids=str)
def test_encoder_layer_backward_matches_numerical_gradient(student, case):
    data, module_args, weights = encoder_case(case)
    module = build(student, ENCODER, module_args, weights, case.name)
    # One parameter of each kind on every path (both norms, a head's queries and values, both MLP
    # layers): about half of the layer's 188 numbers, so half the forward passes.
    checked = ("norm1.weight", "attn.heads.0.q_proj.weight", "attn.heads.1.v_proj.weight", "out_proj.weight",
               "norm2.bias", "fc1.weight", "fc2.bias")
    check_numerical_gradients(student, ENCODER, module, data.inputs["x"], data.inputs["dout"],
                              {name: weights[name] for name in checked}, case.name)


@pytest.mark.encoder_layer
def test_encoder_layer_dropout_in_training(student):
    # With every head's values zero, the attention block adds exactly 0 whatever its dropout does,
    # so only the MLP block's dropout can make training mode differ from eval mode; the output is
    # then linear in each of its masks, so inverted dropout keeps the eval-mode output as its mean.
    case = ENCODER_LAYER.cases[-1]
    data, module_args, weights = encoder_case(case)
    weights = {k: (np.zeros_like(v) if k.endswith("v_proj.weight") else v) for k, v in weights.items()}
    module = build(student, ENCODER, module_args, weights, case.name)
    expect_inverted_dropout(student, ENCODER, module, data.inputs["x"][:1], module_args[0], module_args[-1], seed=416,
                            where="dropout in the MLP block (x + dropout(fc2(dropout(relu(fc1(norm2(x)))))))")


# -- the allowed torch.nn layers -------------------------------------------------------------
ALLOWED_NN = {"Linear", "Softmax", "Dropout", "LayerNorm",
              # the provided classes' building blocks, which compute nothing themselves
              "Module", "ModuleList", "ModuleDict", "Sequential", "Parameter", "Identity"}
ALLOWED_TYPES = {f"torch.nn.modules.{kind}" for kind in (
    "linear.Linear", "activation.Softmax", "dropout.Dropout", "normalization.LayerNorm",
    "container.ModuleList", "container.ModuleDict", "container.Sequential", "linear.Identity")}
BUILT_IN_ATTENTION = {"scaled_dot_product_attention", "multi_head_attention_forward", "MultiheadAttention",
                      "Transformer", "TransformerEncoder", "TransformerEncoderLayer", "TransformerDecoder",
                      "TransformerDecoderLayer"}
ALLOWED_TEXT = ("the attention classes must be built from nn.Linear, nn.Softmax, nn.Dropout and nn.LayerNorm only "
                "(with the provided MultiHeadAttention and nn.ModuleList); torch functions such as torch.softmax, "
                "torch.relu and torch.matmul are fine, PyTorch's own attention is not")


def _dotted(node):
    """"a.b.c" for an attribute chain on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id] + parts[::-1])


def _is_forbidden(full):
    """Whether a dotted name rooted at torch ("torch.nn.ReLU") is outside the allowed set."""
    parts = full.split(".")
    if parts[0] != "torch":
        return False
    if any(part in BUILT_IN_ATTENTION for part in parts[1:]):
        return True
    if parts[1:2] == ["nn"] and len(parts) > 2:
        name = parts[-1] if parts[2] == "modules" else parts[2]
        return name[:1].isupper() and name not in ALLOWED_NN
    return False


def forbidden_uses(source):
    """[(line, text)] of every use of a torch.nn layer or attention function outside the allowed set.

    Names are resolved through the file's imports (``import torch.nn as tnn``, ``from torch.nn
    import functional as F``); ``nn`` and ``F`` mean torch.nn and torch.nn.functional unless
    imported otherwise. Only the outermost node of an attribute chain is judged.
    """
    tree = ast.parse(source)
    aliases = {"nn": "torch.nn", "F": "torch.nn.functional"}  # local name -> what it stands for
    own_classes = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
                if _is_forbidden(alias.name):
                    found.add((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                aliases[alias.asname or alias.name] = full
                if _is_forbidden(full):
                    found.add((node.lineno, f"{alias.name} (from {node.module})"))
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            dotted = _dotted(node)
            if dotted is None:
                continue
            head, _, tail = dotted.partition(".")
            if head in aliases and _is_forbidden(f"{aliases[head]}.{tail}"):
                found.add((node.lineno, dotted))
        elif isinstance(node, ast.Name) and node.id in BUILT_IN_ATTENTION and node.id not in own_classes:
            found.add((node.lineno, node.id))  # e.g. after `from torch.nn import *`
    return sorted(found)


def enclosing_functions(source):
    """A function of a line number: the qualified name of the innermost function there, else "attention.py"."""
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno, name))
                visit(child, f"{name}.")

    visit(ast.parse(source), "")
    return lambda line: next((name for first, last, name in reversed(spans) if first <= line <= last), f"{MODULE}.py")


def type_name(qualified):
    """"nn.ReLU" for torch's own layers, else the qualified name."""
    module, _, name = qualified.rpartition(".")
    return f"nn.{name}" if module.startswith("torch.nn.modules") else qualified


def gate(student, cls):
    """The rubric's points need a working class: its first fixture case must be right."""
    if cls == SDPA:
        test_attention_forward(student, ATTENTION.cases[0])
    else:
        test_encoder_layer_forward(student, ENCODER_LAYER.cases[0])


@pytest.mark.attention_allowed_layers
@pytest.mark.parametrize("cls", [SDPA, ENCODER])
def test_built_module_uses_only_allowed_layers(student, cls):
    if cls == SDPA:
        _, module_args, _ = sdpa_case(ATTENTION.cases[0])
    else:
        _, module_args, _ = encoder_case(ENCODER_LAYER.cases[0])
    module = student.call(f"{MODULE}.{cls}", *module_args)
    for name, qualified in run_probe(student, "module_types", cls, module):
        if qualified not in ALLOWED_TYPES and not qualified.startswith(f"{MODULE}."):
            where = f"{cls}.{name}" if name else cls
            raise GradingFailure(f"{where} is a {type_name(qualified)}, built in {cls}.__init__: {ALLOWED_TEXT}.")
    gate(student, cls)


@pytest.mark.attention_allowed_layers
def test_source_uses_only_allowed_layers(student):
    source = student.source(MODULE)
    if source is None:
        raise GradingFailure(f"{MODULE}.py is missing.")
    try:
        ast.parse(source)
    except SyntaxError as exc:
        raise GradingFailure(f"{MODULE}.py has a syntax error (line {exc.lineno}).") from None
    uses = forbidden_uses(source)
    if uses:
        where = enclosing_functions(source)
        listed = "; ".join(f"{where(line)} uses {text} ({MODULE}.py, line {line})" for line, text in uses)
        raise GradingFailure(f"{listed}: {ALLOWED_TEXT}.")
    gate(student, SDPA)


# -- a tiny Vision Transformer -------------------------------------------------------------------
def digit_like_images(rng, count, classes, size=28):
    """Images whose class is where a bright square sits (one quadrant per class), plus noise."""
    labels = np.arange(count) % classes
    images = 0.3 * rng.standard_normal((count, 1, size, size))
    half = size // 2
    for i, label in enumerate(labels):
        row, col = divmod(int(label), 2)
        images[i, 0, row * half + 3: row * half + 11, col * half + 3: col * half + 11] += 2.0
    return images, labels


@pytest.mark.vit_training
def test_vision_transformer_trains(student):
    # The steps run on the student's side and report their own losses: a submission could fake
    # the curve, but this question is worth 2 points and every value check above runs on the
    # trusted side, so the check stays this simple.
    images, labels = digit_like_images(np.random.default_rng(420), count=32, classes=4)
    model = student.call(f"{MODULE}.VisionTransformer", image_size=28, patch_size=7, in_channels=1, num_classes=4,
                         dim=16, depth=1, num_heads=2, inner_dim=8, mlp_dim=32, dropout=0.0)
    run_probe(student, "reset_parameters", "VisionTransformer", model, seed=421)
    # With 20 steps the reference's last losses fall to 0.06-0.35 x its first over 8 seeds of the
    # initialisation (0.5 s); only attention carries the patches' content to the class token, so a
    # layer whose attention is lost stays near log(4).
    losses = run_probe(student, "train_steps", "VisionTransformer.forward", model, images, labels, steps=20,
                       lr=1e-2, optimizer="adam", loss="cross_entropy", seed=422, dtype="float32")
    if not all(isinstance(v, float) and math.isfinite(v) for v in losses):
        raise GradingFailure(f"training a VisionTransformer built from your layers gave non-finite losses: {losses}")
    first, last = losses[0], min(losses[-3:])
    if last > TRAINING_LOSS_DROP * first:
        curve = ", ".join(f"{v:.3f}" for v in losses)
        raise GradingFailure(
            f"a VisionTransformer built from your layers did not learn: over {len(losses)} Adam steps on 32 "
            f"images the loss went {curve}; it should fall below {TRAINING_LOSS_DROP:g} x its start. "
            "Do gradients reach every weight (no .detach(), no torch.no_grad() in forward)?")
