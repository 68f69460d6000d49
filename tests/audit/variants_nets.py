"""Variants of the networks: fc_net.py (TwoLayerNet, FullyConnectedNet) and cnn.py (ThreeLayerConvNet).

Common mistakes first, then correct ways to write each model differently.
The training questions (overfit, iris) train these models, so a model that
computes the wrong thing may lose them too; a mistake in the regularisation
does not (they train with reg=0).
"""
from pathlib import Path

from autograder.audit import Variant

_REFERENCE = Path(__file__).resolve().parents[2] / "reference_solution"


def _between(file, start, end):
    """The reference's text of ``file`` from the first ``start`` to the following ``end``, inclusive."""
    text = (_REFERENCE / file).read_text(encoding="utf-8")
    first = text.index(start)
    return text[first:text.index(end, first) + len(end)]


TWO_LAYER_NET_CLASS = _between("fc_net.py", "class TwoLayerNet", "return loss, grads\n")
TWO_LAYER_NET_REG = _between("fc_net.py", 'W1, W2 = self.params["W1"]', 'grads["W2"] += self.reg * W2\n')
CONVNET_INIT_BLOCK = _between("cnn.py", "C, H, W = input_dim\n", 'self.params["b3"] = np.zeros(num_classes)\n')

TRAINED_BY_IRIS = ("iris",)
TRAINED_BY_OVERFIT = ("overfit",)

# -- correct alternatives, written out in full ---------------------------------------------
TWO_LAYER_NET_INLINE_SOFTMAX = '''
def loss(self, X, y=None):
    W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
    N = X.shape[0]
    flat = X.reshape(N, -1)
    pre = flat @ W1 + b1
    hidden = np.maximum(pre, 0)
    scores = hidden @ W2 + b2
    if y is None:
        return scores
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y]))
    loss += 0.5 * self.reg * (np.linalg.norm(W1) ** 2 + np.linalg.norm(W2) ** 2)
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    grads = {"W2": hidden.T @ dscores + self.reg * W2, "b2": dscores.sum(axis=0)}
    dpre = (dscores @ W2.T) * (pre > 0)
    grads["W1"] = flat.T @ dpre + self.reg * W1
    grads["b1"] = dpre.sum(axis=0)
    return loss, grads
'''

FC_NET_EXPLICIT_LAYERS = '''
def loss(self, X, y=None):
    X = X.astype(self.dtype)
    mode = "test" if y is None else "train"
    if self.use_dropout:
        self.dropout_param["mode"] = mode
    L = self.num_layers
    affine_caches, relu_caches, dropout_caches = [], [], []
    h = X
    for i in range(1, L):
        a, cache = affine_forward(h, self.params["W%d" % i], self.params["b%d" % i])
        affine_caches.append(cache)
        h, cache = relu_forward(a)
        relu_caches.append(cache)
        if self.use_dropout:
            h, cache = dropout_forward(h, self.dropout_param)
            dropout_caches.append(cache)
    scores, last_cache = affine_forward(h, self.params["W%d" % L], self.params["b%d" % L])
    if mode == "test":
        return scores
    loss, dh = softmax_loss(scores, y)
    grads = {}
    dh, grads["W%d" % L], grads["b%d" % L] = affine_backward(dh, last_cache)
    for i in reversed(range(1, L)):
        if self.use_dropout:
            dh = dropout_backward(dh, dropout_caches[i - 1])
        da = relu_backward(dh, relu_caches[i - 1])
        dh, dw, db = affine_backward(da, affine_caches[i - 1])
        grads["W%d" % i], grads["b%d" % i] = dw, db
    for name in [k for k in self.params if k.startswith("W")]:
        loss += 0.5 * self.reg * np.sum(self.params[name] ** 2)
        grads[name] = grads[name] + self.reg * self.params[name]
    return loss, grads
'''

FC_NET_RANDOM_STATE_INIT = '''
rng = np.random.RandomState(seed)
layer_sizes = [input_dim] + list(hidden_dims) + [num_classes]
for i in range(self.num_layers):
    self.params["W" + str(i + 1)] = rng.normal(0.0, weight_scale, size=(layer_sizes[i], layer_sizes[i + 1]))
    self.params["b" + str(i + 1)] = np.zeros(layer_sizes[i + 1])
'''

CONVNET_EXPLICIT_LAYERS = '''
def loss(self, X, y=None):
    W1, b1 = self.params["W1"], self.params["b1"]
    W2, b2 = self.params["W2"], self.params["b2"]
    W3, b3 = self.params["W3"], self.params["b3"]
    conv_param = {"stride": 1, "pad": (W1.shape[2] - 1) // 2}
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    c, conv_cache = conv_forward_naive(X.astype(self.dtype), W1, b1, conv_param)
    r, relu1_cache = relu_forward(c)
    p, pool_cache = max_pool_forward_naive(r, pool_param)
    a, fc1_cache = affine_forward(p.reshape(p.shape[0], -1), W2, b2)
    h, relu2_cache = relu_forward(a)
    scores, fc2_cache = affine_forward(h, W3, b3)
    if y is None:
        return scores
    data_loss, dscores = softmax_loss(scores, y)
    reg_loss = 0.5 * self.reg * sum(np.sum(W * W) for W in (W1, W2, W3))
    grads = {}
    dh, grads["W3"], grads["b3"] = affine_backward(dscores, fc2_cache)
    dp, grads["W2"], grads["b2"] = affine_backward(relu_backward(dh, relu2_cache), fc1_cache)
    dr = max_pool_backward_naive(dp.reshape(p.shape), pool_cache)
    _, grads["W1"], grads["b1"] = conv_backward_naive(relu_backward(dr, relu1_cache), conv_cache)
    for name, W in (("W1", W1), ("W2", W2), ("W3", W3)):
        grads[name] += self.reg * W
    return data_loss + reg_loss, grads
'''

CONVNET_RANDN_INIT = '''
C, H, W = input_dim
F, HH = num_filters, filter_size
self.params["W1"] = weight_scale * np.random.randn(F, C, HH, HH)
self.params["b1"] = np.zeros(F)
self.params["W2"] = weight_scale * np.random.randn(F * (H // 2) * (W // 2), hidden_dim)
self.params["b2"] = np.zeros(hidden_dim)
self.params["W3"] = weight_scale * np.random.randn(hidden_dim, num_classes)
self.params["b3"] = np.zeros(num_classes)
'''

VARIANTS = [
    # == TwoLayerNet: mistakes ===================================================================
    Variant("two_layer_net_regularises_the_biases", "fc_net.py", loses=("two_layer_net",),
            old=TWO_LAYER_NET_REG,
            new=TWO_LAYER_NET_REG.replace("np.sum(W2 * W2))", "np.sum(W2 * W2) + np.sum(b1 * b1) + np.sum(b2 * b2))")
            .replace('W1, W2 = self.params["W1"], self.params["W2"]',
                     'W1, W2, b1, b2 = (self.params[k] for k in ("W1", "W2", "b1", "b2"))')
            + '        grads["b1"] += self.reg * b1\n        grads["b2"] += self.reg * b2\n'),
    Variant("two_layer_net_reg_without_the_half", "fc_net.py", loses=("two_layer_net",),
            old="loss = data_loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
            new="loss = data_loss + self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))"),
    Variant("two_layer_net_reg_in_the_loss_not_the_gradients", "fc_net.py", loses=("two_layer_net",),
            old="        grads[\"W1\"] += self.reg * W1\n        grads[\"W2\"] += self.reg * W2\n", new=""),
    Variant("two_layer_net_params_named_lowercase", "fc_net.py", loses=("two_layer_net",), may_lose=TRAINED_BY_IRIS,
            old=TWO_LAYER_NET_CLASS, new=TWO_LAYER_NET_CLASS.replace('"W1"', '"w1"').replace('"W2"', '"w2"')),
    Variant("two_layer_net_hidden_layer_without_relu", "fc_net.py", loses=("two_layer_net",),
            may_lose=TRAINED_BY_IRIS, function="TwoLayerNet.loss",
            new=TWO_LAYER_NET_INLINE_SOFTMAX.replace("np.maximum(pre, 0)", "pre").replace(" * (pre > 0)", "")),
    Variant("two_layer_net_weight_scale_as_variance", "fc_net.py", loses=("two_layer_net",),
            old='self.params["W1"] = np.random.normal(0.0, weight_scale, (input_dim, hidden_dim))',
            new='self.params["W1"] = np.random.normal(0.0, weight_scale ** 2, (input_dim, hidden_dim))'),
    Variant("two_layer_net_uniform_weights", "fc_net.py", loses=("two_layer_net",),
            old='self.params["W2"] = np.random.normal(0.0, weight_scale, (hidden_dim, num_classes))',
            new='self.params["W2"] = weight_scale * np.random.rand(hidden_dim, num_classes)'),
    Variant("two_layer_net_weights_ignore_weight_scale", "fc_net.py", loses=("two_layer_net",),
            may_lose=TRAINED_BY_IRIS,
            old='self.params["W1"] = np.random.normal(0.0, weight_scale, (input_dim, hidden_dim))',
            new='self.params["W1"] = np.random.randn(input_dim, hidden_dim)'),
    Variant("two_layer_net_random_biases", "fc_net.py", loses=("two_layer_net",), may_lose=TRAINED_BY_IRIS,
            old='self.params["b1"] = np.zeros(hidden_dim)',
            new='self.params["b1"] = weight_scale * np.random.randn(hidden_dim)'),
    Variant("two_layer_net_weight_shapes_transposed", "fc_net.py", loses=("two_layer_net",),
            may_lose=TRAINED_BY_IRIS,
            old='self.params["W1"] = np.random.normal(0.0, weight_scale, (input_dim, hidden_dim))\n'
                '        self.params["b1"] = np.zeros(hidden_dim)\n'
                '        self.params["W2"] = np.random.normal(0.0, weight_scale, (hidden_dim, num_classes))',
            new='self.params["W1"] = np.random.normal(0.0, weight_scale, (hidden_dim, input_dim))\n'
                '        self.params["b1"] = np.zeros(hidden_dim)\n'
                '        self.params["W2"] = np.random.normal(0.0, weight_scale, (num_classes, hidden_dim))'),
    Variant("two_layer_net_loss_summed_over_the_batch", "fc_net.py", loses=("two_layer_net",),
            may_lose=TRAINED_BY_IRIS, function="TwoLayerNet.loss",
            new=TWO_LAYER_NET_INLINE_SOFTMAX.replace("-np.mean(np.log(", "-np.sum(np.log(")
                                            .replace("    dscores /= N\n", "")),

    # == FullyConnectedNet: mistakes ============================================================
    Variant("fc_net_regularises_the_biases", "fc_net.py", loses=("fc_net",),
            old="        for i in range(1, last + 1):\n            W = self.params[f\"W{i}\"]\n",
            new="        for i in range(1, last + 1):\n            W = self.params[f\"W{i}\"]\n"
                "            b = self.params[f\"b{i}\"]\n"
                "            loss += 0.5 * self.reg * np.sum(b * b)\n"
                "            grads[f\"b{i}\"] += self.reg * b\n"),
    Variant("fc_net_reg_without_the_half", "fc_net.py", loses=("fc_net",),
            old="loss += 0.5 * self.reg * np.sum(W * W)\n            grads[f\"W{i}\"]",
            new="loss += self.reg * np.sum(W * W)\n            grads[f\"W{i}\"]"),
    Variant("fc_net_reg_in_the_loss_not_the_gradients", "fc_net.py", loses=("fc_net",),
            old="            grads[f\"W{i}\"] += self.reg * W\n", new=""),
    Variant("fc_net_reg_on_the_last_layer_only", "fc_net.py", loses=("fc_net",),
            old="        for i in range(1, last + 1):\n            W = self.params[f\"W{i}\"]\n",
            new="        for i in range(last, last + 1):\n            W = self.params[f\"W{i}\"]\n"),
    Variant("fc_net_relu_on_the_scores", "fc_net.py", loses=("fc_net",),
            may_lose=("fc_net_dropout",) + TRAINED_BY_OVERFIT, function="FullyConnectedNet.loss",
            new=FC_NET_EXPLICIT_LAYERS
            .replace('scores, last_cache = affine_forward(h, self.params["W%d" % L], self.params["b%d" % L])',
                     'a_last, last_cache = affine_forward(h, self.params["W%d" % L], self.params["b%d" % L])\n'
                     '    scores, scores_relu_cache = relu_forward(a_last)')
            .replace("loss, dh = softmax_loss(scores, y)",
                     "loss, dh = softmax_loss(scores, y)\n    dh = relu_backward(dh, scores_relu_cache)")),
    Variant("fc_net_skips_the_last_hidden_layer", "fc_net.py", loses=("fc_net",),
            may_lose=("fc_net_dropout",) + TRAINED_BY_OVERFIT,
            old="self.num_layers = 1 + len(hidden_dims)", new="self.num_layers = len(hidden_dims)"),
    Variant("fc_net_weight_scale_as_variance", "fc_net.py", loses=("fc_net",),
            old='self.params[f"W{i}"] = weight_scale * rng.standard_normal((fan_in, fan_out))',
            new='self.params[f"W{i}"] = weight_scale ** 2 * rng.standard_normal((fan_in, fan_out))'),
    Variant("fc_net_weights_ignore_weight_scale", "fc_net.py", loses=("fc_net",),
            old='self.params[f"W{i}"] = weight_scale * rng.standard_normal((fan_in, fan_out))',
            new='self.params[f"W{i}"] = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)'),
    Variant("fc_net_params_not_cast_to_dtype", "fc_net.py", loses=("fc_net",),
            old="            self.params[name] = value.astype(dtype)\n\n    def loss(self, X, y=None):\n"
                "        \"\"\"The scores of a minibatch, or its loss and gradients.\n\n        Inputs and outputs as",
            new="            self.params[name] = value\n\n    def loss(self, X, y=None):\n"
                "        \"\"\"The scores of a minibatch, or its loss and gradients.\n\n        Inputs and outputs as"),
    Variant("fc_net_params_numbered_from_zero", "fc_net.py", loses=("fc_net",),
            may_lose=("fc_net_dropout",) + TRAINED_BY_OVERFIT, function="FullyConnectedNet.loss",
            new=FC_NET_EXPLICIT_LAYERS.replace('"W%d" % i', '"W%d" % (i - 1)').replace('"b%d" % i', '"b%d" % (i - 1)')
            .replace('"W%d" % L', '"W%d" % (L - 1)').replace('"b%d" % L', '"b%d" % (L - 1)')),

    # == FullyConnectedNet with dropout: mistakes ===============================================
    Variant("fc_net_dropout_applied_in_test_mode", "fc_net.py", loses=("fc_net_dropout",),
            old='mode = "test" if y is None else "train"\n        if self.use_dropout:\n'
                '            self.dropout_param["mode"] = mode\n\n        scores = None',
            new='mode = "test" if y is None else "train"\n        if self.use_dropout:\n'
                '            self.dropout_param["mode"] = "train"\n\n        scores = None'),
    Variant("fc_net_dropout_never_applied", "fc_net.py", loses=("fc_net_dropout",),
            old="self.use_dropout = dropout > 0", new="self.use_dropout = dropout > 1"),
    Variant("fc_net_dropout_passes_the_keep_probability", "fc_net.py", loses=("fc_net_dropout",),
            old='self.dropout_param = {"mode": "train", "p": dropout, "seed": seed}',
            new='self.dropout_param = {"mode": "train", "p": 1 - dropout, "seed": seed}'),
    Variant("fc_net_dropout_seed_not_passed", "fc_net.py", loses=("fc_net_dropout",),
            old='self.dropout_param = {"mode": "train", "p": dropout, "seed": seed}',
            new='self.dropout_param = {"mode": "train", "p": dropout}'),

    # == ThreeLayerConvNet: mistakes ============================================================
    Variant("convnet_without_padding", "cnn.py", loses=("three_layer_convnet",), may_lose=TRAINED_BY_OVERFIT,
            function="ThreeLayerConvNet.loss",
            new=CONVNET_EXPLICIT_LAYERS.replace('"pad": (W1.shape[2] - 1) // 2', '"pad": 0')),
    Variant("convnet_init_sizes_without_padding", "cnn.py", loses=("three_layer_convnet",),
            may_lose=TRAINED_BY_OVERFIT,
            old="pad = (filter_size - 1) // 2\n", new="pad = 0\n"),
    Variant("convnet_regularises_the_biases", "cnn.py", loses=("three_layer_convnet",),
            old='for name in ("W1", "W2", "W3"):', new='for name in self.params:'),
    Variant("convnet_reg_in_the_loss_not_the_gradients", "cnn.py", loses=("three_layer_convnet",),
            old="            grads[name] += self.reg * W\n", new=""),
    Variant("convnet_hidden_layer_without_relu", "cnn.py", loses=("three_layer_convnet",),
            may_lose=TRAINED_BY_OVERFIT, function="ThreeLayerConvNet.loss",
            new=CONVNET_EXPLICIT_LAYERS.replace("h, relu2_cache = relu_forward(a)", "h = a")
            .replace("affine_backward(relu_backward(dh, relu2_cache), fc1_cache)", "affine_backward(dh, fc1_cache)")),
    Variant("convnet_weight_scale_as_variance", "cnn.py", loses=("three_layer_convnet",),
            old='self.params["W1"] = np.random.normal(0.0, weight_scale, (num_filters, C, filter_size, filter_size))',
            new='self.params["W1"] = np.random.normal(0.0, weight_scale ** 2, (num_filters, C, filter_size, filter_size))'),
    Variant("convnet_params_not_cast_to_dtype", "cnn.py", loses=("three_layer_convnet",),
            old="            self.params[name] = value.astype(dtype)\n", new="            self.params[name] = value\n"),

    # == correct alternatives ====================================================================
    Variant("two_layer_net_with_an_inline_softmax_loss", "fc_net.py", function="TwoLayerNet.loss",
            new=TWO_LAYER_NET_INLINE_SOFTMAX),
    Variant("two_layer_net_init_with_randn", "fc_net.py",
            old='self.params["W1"] = np.random.normal(0.0, weight_scale, (input_dim, hidden_dim))',
            new='self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)'),
    Variant("fc_net_with_explicit_layers_and_lists_of_caches", "fc_net.py", function="FullyConnectedNet.loss",
            new=FC_NET_EXPLICIT_LAYERS),
    Variant("fc_net_init_with_a_random_state", "fc_net.py",
            old="        rng = np.random.default_rng(seed)\n        dims = [input_dim, *hidden_dims, num_classes]\n"
                "        for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):\n"
                "            self.params[f\"W{i}\"] = weight_scale * rng.standard_normal((fan_in, fan_out))\n"
                "            self.params[f\"b{i}\"] = np.zeros(fan_out)\n",
            new="\n".join("        " + line for line in FC_NET_RANDOM_STATE_INIT.strip().splitlines()) + "\n"),
    Variant("fc_net_dropout_with_one_param_dict_per_layer", "fc_net.py",
            old="                out, caches[f\"dropout{i}\"] = dropout_forward(out, self.dropout_param)",
            new="                out, caches[f\"dropout{i}\"] = dropout_forward(out, dict(self.dropout_param))"),
    Variant("convnet_with_explicit_layers", "cnn.py", function="ThreeLayerConvNet.loss",
            new=CONVNET_EXPLICIT_LAYERS),
    Variant("convnet_init_with_randn_and_halved_sizes", "cnn.py", old=CONVNET_INIT_BLOCK,
            new=CONVNET_RANDN_INIT.strip().replace("\n", "\n        ") + "\n"),
]
