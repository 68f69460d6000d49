"""Variants of fc_net.py: wrong initialisation, wrong forward or backward passes, and correct alternatives.

A network that cannot train loses keypoint_training too where it trains worse (may_lose): what
must be caught, is caught by the fixtures and gradient checks of 2.2.1 and 2.3.
"""
from autograder.audit import Variant

BOTH = ("two_layer_net", "multi_layer_net")
TRAINING = ("keypoint_training",)

_INIT_LOOP = '''for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1])'''

VARIANTS = [
    # -- __init__ -----------------------------------------------------------------------------------
    Variant("init_uniform_weights", "fc_net.py", loses=BOTH, may_lose=TRAINING,
            old="weight_scale * np.random.randn(dims[i], dims[i + 1])",
            new="weight_scale * np.random.rand(dims[i], dims[i + 1])"),
    Variant("init_weight_scale_as_variance", "fc_net.py", loses=BOTH, may_lose=TRAINING,
            old="weight_scale * np.random.randn(dims[i], dims[i + 1])",
            new="weight_scale ** 2 * np.random.randn(dims[i], dims[i + 1])"),
    Variant("init_random_biases", "fc_net.py", loses=BOTH, may_lose=TRAINING,
            old="np.zeros(dims[i + 1])", new="weight_scale * np.random.randn(dims[i + 1])"),
    Variant("init_only_the_first_hidden_layer", "fc_net.py", loses=("multi_layer_net",), may_lose=TRAINING,
            old="dims = [input_dim, *hidden_dim, num_classes]",
            new="dims = [input_dim, hidden_dim[0], num_classes]\n        self.num_layers = 2"),
    Variant("init_weights_transposed", "fc_net.py", loses=BOTH, may_lose=TRAINING,
            old="weight_scale * np.random.randn(dims[i], dims[i + 1])",
            new="weight_scale * np.random.randn(dims[i + 1], dims[i])"),
    # -- loss: the forward pass -------------------------------------------------------------------------
    Variant("loss_relu_after_the_last_layer", "fc_net.py", loses=BOTH, may_lose=TRAINING,
            old='scores, last_cache = fc_forward(out, self.params[f"W{last}"], self.params[f"b{last}"])',
            new='scores, last_cache = fc_forward(out, self.params[f"W{last}"], self.params[f"b{last}"])\n'
                '        scores = np.maximum(scores, 0)'),
    Variant("loss_without_relu", "fc_net.py", loses=BOTH, may_lose=TRAINING,
            old="            out, relu_cache = relu_forward(out)\n",
            new="            relu_cache = out\n"),
    Variant("loss_forward_stops_after_one_hidden_layer", "fc_net.py", loses=("multi_layer_net",),
            may_lose=TRAINING, old="for i in range(1, self.num_layers):",
            new="for i in range(1, min(self.num_layers, 2)):"),
    Variant("loss_returns_probabilities_as_scores", "fc_net.py", loses=BOTH, may_lose=TRAINING,
            old="        if y is None:\n            return scores",
            new="        if y is None:\n            e = np.exp(scores - scores.max(axis=1, keepdims=True))\n"
                "            return e / e.sum(axis=1, keepdims=True)"),
    # -- loss: the backward pass ------------------------------------------------------------------------
    Variant("loss_backward_skips_relu", "fc_net.py", loses=BOTH, may_lose=TRAINING,
            old="            dout = relu_backward(dout, relu_cache)\n", new=""),
    Variant("loss_adds_l2_regularisation", "fc_net.py", loses=BOTH, may_lose=TRAINING,
            old="        loss, dscores = softmax_loss(scores, y)",
            new="        loss, dscores = softmax_loss(scores, y)\n"
                "        loss += 0.5 * sum(np.sum(self.params[f'W{i}'] ** 2) for i in range(1, last + 1))"),
    Variant("loss_gradients_of_the_wrong_layer", "fc_net.py", loses=("multi_layer_net",), may_lose=TRAINING,
            old='dout, grads[f"W{i}"], grads[f"b{i}"] = fc_backward(dout, fc_cache)',
            new='dout, grads[f"W{i}"], grads[f"b{i}"] = fc_backward(dout, caches[0][0])'),
    Variant("loss_forgets_the_first_layer_gradients", "fc_net.py", loses=BOTH, may_lose=TRAINING,
            old="        for i in range(self.num_layers - 1, 0, -1):",
            new="        grads['W1'], grads['b1'] = np.zeros_like(self.params['W1']), np.zeros_like(self.params['b1'])\n"
                "        for i in range(self.num_layers - 1, 1, -1):"),
    # -- correct alternatives ----------------------------------------------------------------------------
    Variant("init_with_np_random_normal", "fc_net.py", old=_INIT_LOOP, new='''for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
            self.params["W" + str(i)] = np.random.normal(0.0, weight_scale, size=(fan_in, fan_out))
            self.params["b" + str(i)] = np.zeros(fan_out)'''),
    Variant("init_with_a_generator", "fc_net.py", old=_INIT_LOOP, new='''rng = np.random.default_rng()
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = rng.standard_normal((dims[i], dims[i + 1])) * weight_scale
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1])'''),
    Variant("loss_with_a_cache_dictionary", "fc_net.py", function="FullyConnectedNet.loss", new='''
        def loss(self, X, y=None):
            cache = {}
            h = X
            L = self.num_layers
            for i in range(1, L + 1):
                h, cache["fc%d" % i] = fc_forward(h, self.params["W%d" % i], self.params["b%d" % i])
                if i < L:
                    h, cache["relu%d" % i] = relu_forward(h)
            scores = h
            if y is None:
                return scores
            loss, d = softmax_loss(scores, y)
            grads = {}
            for i in range(L, 0, -1):
                if i < L:
                    d = relu_backward(d, cache["relu%d" % i])
                d, grads["W%d" % i], grads["b%d" % i] = fc_backward(d, cache["fc%d" % i])
            return loss, grads
    '''),
    Variant("loss_written_out_without_the_layers", "fc_net.py", function="FullyConnectedNet.loss", new='''
        def loss(self, X, y=None):
            L = self.num_layers
            inputs, pre = [], []
            h = X.reshape(X.shape[0], -1)
            for i in range(1, L + 1):
                inputs.append(h)
                a = h.dot(self.params["W%d" % i]) + self.params["b%d" % i]
                pre.append(a)
                h = np.maximum(a, 0) if i < L else a
            if y is None:
                return h
            shifted = h - h.max(axis=1, keepdims=True)
            probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
            n = X.shape[0]
            loss = -np.mean(np.log(probs[np.arange(n), y]))
            d = probs
            d[np.arange(n), y] -= 1
            d /= n
            grads = {}
            for i in range(L, 0, -1):
                if i < L:
                    d = d * (pre[i - 1] > 0)
                grads["W%d" % i] = inputs[i - 1].T.dot(d)
                grads["b%d" % i] = d.sum(axis=0)
                d = d.dot(self.params["W%d" % i].T)
            return loss, grads
    '''),
]
