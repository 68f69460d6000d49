"""Variants of layers.py: wrong fc, ReLU and softmax loss, and correct alternatives.

FullyConnectedNet is built on these layers, so a wrong layer may also cost the network's
questions (may_lose); it must always cost its own.
"""
from autograder.audit import Variant

NETS = ("two_layer_net", "multi_layer_net", "keypoint_training")

VARIANTS = [
    # -- fc_forward -------------------------------------------------------------------------------
    Variant("fc_forward_without_bias", "layers.py", loses=("fc",), may_lose=NETS,
            old="out = x.reshape(x.shape[0], -1) @ w + b", new="out = x.reshape(x.shape[0], -1) @ w"),
    Variant("fc_forward_subtracts_the_bias", "layers.py", loses=("fc",), may_lose=NETS,
            old="out = x.reshape(x.shape[0], -1) @ w + b", new="out = x.reshape(x.shape[0], -1) @ w - b"),
    Variant("fc_forward_without_reshape", "layers.py", loses=("fc",), may_lose=NETS,
            old="out = x.reshape(x.shape[0], -1) @ w + b", new="out = x @ w + b"),
    Variant("fc_forward_reshaped_column_major", "layers.py", loses=("fc",), may_lose=NETS,
            old="out = x.reshape(x.shape[0], -1) @ w + b", new="out = x.reshape(x.shape[0], -1, order='F') @ w + b"),
    # -- fc_backward --------------------------------------------------------------------------------
    Variant("fc_backward_db_averaged", "layers.py", loses=("fc",), may_lose=NETS,
            old="db = dout.sum(axis=0)", new="db = dout.mean(axis=0)"),
    Variant("fc_backward_dx_not_reshaped", "layers.py", loses=("fc",), may_lose=NETS,
            old="dx = (dout @ w.T).reshape(x.shape)", new="dx = dout @ w.T"),
    Variant("fc_backward_dw_transposed", "layers.py", loses=("fc",), may_lose=NETS,
            old="dw = x.reshape(x.shape[0], -1).T @ dout", new="dw = dout.T @ x.reshape(x.shape[0], -1)"),
    Variant("fc_backward_dw_halved", "layers.py", loses=("fc",), may_lose=NETS,
            old="dw = x.reshape(x.shape[0], -1).T @ dout", new="dw = 0.5 * x.reshape(x.shape[0], -1).T @ dout"),
    # -- relu ---------------------------------------------------------------------------------------
    Variant("relu_forward_leaky", "layers.py", loses=("relu",), may_lose=NETS,
            old="out = np.maximum(x, 0)", new="out = np.maximum(x, 0.01 * x)"),
    Variant("relu_forward_absolute_value", "layers.py", loses=("relu",), may_lose=NETS,
            old="out = np.maximum(x, 0)", new="out = np.abs(x)"),
    Variant("relu_forward_in_place", "layers.py", loses=("relu",), may_lose=NETS,
            old="out = np.maximum(x, 0)", new="x[x < 0] = 0\n    out = x"),
    Variant("relu_backward_passes_everything", "layers.py", loses=("relu",), may_lose=NETS,
            old="dx = np.where(x > 0, dout, 0.0)", new="dx = dout.copy()"),
    Variant("relu_backward_forgets_dout", "layers.py", loses=("relu",), may_lose=NETS,
            old="dx = np.where(x > 0, dout, 0.0)", new="dx = (x > 0).astype(float)"),
    Variant("relu_backward_in_place", "layers.py", loses=("relu",), may_lose=NETS,
            old="dx = np.where(x > 0, dout, 0.0)", new="dout[x <= 0] = 0\n    dx = dout"),
    # -- softmax_loss ---------------------------------------------------------------------------------
    Variant("softmax_loss_naive_unstable", "layers.py", function="softmax_loss", loses=("softmax_loss",),
            may_lose=NETS, new='''
        def softmax_loss(x, y):
            n = x.shape[0]
            probs = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
            loss = -np.log(probs[np.arange(n), y]).mean()
            dx = probs.copy()
            dx[np.arange(n), y] -= 1
            return loss, dx / n
    '''),
    Variant("softmax_loss_summed_not_averaged", "layers.py", loses=("softmax_loss",), may_lose=NETS,
            old="    loss = -log_probs[np.arange(n), y].mean()\n    dx = np.exp(log_probs)\n    dx[np.arange(n), y] -= 1\n"
                "    dx /= n",
            new="    loss = -log_probs[np.arange(n), y].sum()\n    dx = np.exp(log_probs)\n    dx[np.arange(n), y] -= 1"),
    Variant("softmax_loss_gradient_sign_flipped", "layers.py", loses=("softmax_loss",), may_lose=NETS,
            old="    dx /= n", new="    dx /= -n"),
    Variant("softmax_loss_gradient_not_averaged", "layers.py", loses=("softmax_loss",), may_lose=NETS,
            old="    dx /= n", new="    dx /= 1"),
    Variant("softmax_loss_shift_forgotten_in_the_log", "layers.py", loses=("softmax_loss",), may_lose=NETS,
            old="log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
            new="log_sum = np.log(np.exp(x).sum(axis=1, keepdims=True))"),
    # -- correct alternatives -------------------------------------------------------------------------
    Variant("fc_with_np_dot_and_prod", "layers.py", function="fc_forward", new='''
        def fc_forward(x, w, b):
            N = x.shape[0]
            D = int(np.prod(x.shape[1:]))
            out = np.dot(np.reshape(x, (N, D)), w) + b
            return out, (x, w, b)
    '''),
    Variant("fc_backward_with_einsum", "layers.py", function="fc_backward", new='''
        def fc_backward(dout, cache):
            x, w, b = cache
            x2 = x.reshape(x.shape[0], -1)
            dx = np.einsum("nm,dm->nd", dout, w).reshape(x.shape)
            dw = np.einsum("nd,nm->dm", x2, dout)
            db = np.einsum("nm->m", dout)
            return dx, dw, db
    '''),
    Variant("fc_backward_with_loops", "layers.py", function="fc_backward", new='''
        def fc_backward(dout, cache):
            x, w, b = cache
            x2 = x.reshape(x.shape[0], -1)
            dx2 = np.zeros_like(x2)
            dw = np.zeros_like(w)
            db = np.zeros_like(b)
            for i in range(x2.shape[0]):
                dx2[i] = w @ dout[i]
                dw += np.outer(x2[i], dout[i])
                db += dout[i]
            return dx2.reshape(x.shape), dw, db
    '''),
    Variant("relu_with_masks_and_copies", "layers.py", function="relu_backward", new='''
        def relu_backward(dout, cache):
            x = cache
            dx = dout.copy()
            dx[x <= 0] = 0
            return dx
    '''),
    Variant("relu_forward_with_a_mask", "layers.py", old="out = np.maximum(x, 0)", new="out = x * (x > 0)"),
    Variant("softmax_loss_with_logsumexp_and_one_hot", "layers.py", function="softmax_loss", new='''
        def softmax_loss(x, y):
            n, c = x.shape
            m = np.max(x, axis=1, keepdims=True)
            lse = m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))
            one_hot = np.eye(c)[y]
            loss = float(np.sum(one_hot * (lse - x)) / n)
            dx = (np.exp(x - lse) - one_hot) / n
            return loss, dx
    '''),
    Variant("softmax_loss_with_a_loop", "layers.py", function="softmax_loss", new='''
        def softmax_loss(x, y):
            n = x.shape[0]
            loss = 0.0
            dx = np.zeros_like(x)
            for i in range(n):
                s = x[i] - np.max(x[i])
                log_total = np.log(np.sum(np.exp(s)))
                loss += -(s[y[i]] - log_total)
                dx[i] = np.exp(s - log_total)
                dx[i, y[i]] -= 1
            return loss / n, dx / n
    '''),
]
