"""The attention layer and the encoder layer in numpy, right and with known mistakes: hints for tests/test_attention.py.

Trusted-only: it computes the right formulas too, so the students' handout leaves it out
(autograder.yml's handout.exclude); without it the tests still grade, without these hints.
"""
import math

import numpy as np

LAYER_NORM_EPS = 1e-5  # nn.LayerNorm's default


def _softmax(scores, axis=-1):
    shifted = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def np_attention(x, w, prefix="", mistake=None):
    """(out, attn) of one head in numpy; ``mistake`` picks a known wrong variant."""
    q, k, v = (x @ w[f"{prefix}{n}_proj.weight"].T for n in "qkv")
    inner, tokens = q.shape[-1], q.shape[-2]
    divisor = {"tokens": math.sqrt(tokens), "unscaled": 1.0, "not_rooted": inner}.get(mistake, math.sqrt(inner))
    attn = _softmax(q @ k.swapaxes(-1, -2) / divisor, axis=-2 if mistake == "query_axis" else -1)
    return attn @ v, attn


def np_layer_norm(x, w, name):
    centred = x - x.mean(-1, keepdims=True)
    return centred / np.sqrt(x.var(-1, keepdims=True) + LAYER_NORM_EPS) * w[f"{name}.weight"] + w[f"{name}.bias"]


def np_encoder(x, w, mistake=None):
    """The encoder layer in numpy (eval mode); ``mistake`` picks a known wrong variant."""
    heads = len({key.split(".")[2] for key in w if key.startswith("attn.heads.")})

    def attention(z):
        return np.concatenate([np_attention(z, w, f"attn.heads.{h}.")[0] for h in range(heads)], -1) @ w["out_proj.weight"].T

    def mlp(z):
        hidden = z @ w["fc1.weight"].T + w["fc1.bias"]
        hidden = hidden if mistake == "no_relu" else np.maximum(hidden, 0.0)
        return hidden @ w["fc2.weight"].T + w["fc2.bias"]

    if mistake == "post_ln":
        h = np_layer_norm(x + attention(x), w, "norm1")
        return np_layer_norm(h + mlp(h), w, "norm2")
    a = attention(np_layer_norm(x, w, "norm1"))
    h = a if mistake == "no_attention_residual" else x + a
    m = mlp(np_layer_norm(h, w, "norm2"))
    return m if mistake == "no_mlp_residual" else h + m


def expect_clear_of_the_kink(x, w, num_heads, margin=1e-3):
    """Refuse a case whose fc1 pre-activations lie within ``margin`` of the relu's kink (numerical gradients
    are wrong there): the fixture's seed must change."""
    h = x + np.concatenate(
        [np_attention(np_layer_norm(x, w, "norm1"), w, f"attn.heads.{i}.")[0] for i in range(num_heads)],
        -1) @ w["out_proj.weight"].T
    pre = np_layer_norm(h, w, "norm2") @ w["fc1.weight"].T + w["fc1.bias"]
    if np.min(np.abs(pre)) < margin:
        raise ValueError(f"a relu pre-activation lies within {margin:g} of its kink: pick another seed")
