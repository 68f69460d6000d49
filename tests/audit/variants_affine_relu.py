"""Variants of affine and ReLU: common mistakes, and correct ways to write them differently."""
from autograder.audit import Variant

# Every network is built from affine and ReLU layers, so breaking one may cost the networks' points too.
NETS = ("two_layer_net", "fc_net", "fc_net_dropout", "three_layer_convnet", "overfit", "iris")
# The rubric's "vectorized" points need affine to compute the right values first.

VARIANTS = [
    # -- mistakes students make -------------------------------------------------
    Variant("affine_forward_no_reshape", "layers.py", loses=("affine",), may_lose=NETS + ("vectorized",),
            old="out = x.reshape(x.shape[0], -1) @ w + b", new="out = x @ w + b"),
    Variant("affine_forward_without_bias", "layers.py", loses=("affine",), may_lose=NETS + ("vectorized",),
            old="out = x.reshape(x.shape[0], -1) @ w + b", new="out = x.reshape(x.shape[0], -1) @ w"),
    Variant("affine_backward_db_wrong_axis", "layers.py", loses=("affine",), may_lose=NETS + ("vectorized",),
            old="db = dout.sum(axis=0)", new="db = dout.sum(axis=1)"),
    Variant("affine_backward_db_mean_not_sum", "layers.py", loses=("affine",), may_lose=NETS + ("vectorized",),
            old="db = dout.sum(axis=0)", new="db = dout.mean(axis=0)"),
    Variant("affine_backward_dx_not_reshaped", "layers.py", loses=("affine",), may_lose=NETS + ("vectorized",),
            old="dx = (dout @ w.T).reshape(x.shape)", new="dx = dout @ w.T"),
    Variant("affine_backward_dw_divided_by_n", "layers.py", loses=("affine",), may_lose=NETS + ("vectorized",),
            old="dw = x.reshape(x.shape[0], -1).T @ dout",
            new="dw = x.reshape(x.shape[0], -1).T @ dout / x.shape[0]"),
    # A function that never returns costs one per-call deadline, once: later calls fail at once (autograder.breaker).
    Variant("relu_forward_loops_forever", "layers.py", loses=("relu",), may_lose=NETS, function="relu_forward", new='''
        def relu_forward(x):
            while True:
                x = x + 0
    '''),
    # CS231n's starter: the names set to None, a `pass`, the rest of the function as handed out.
    Variant("relu_forward_left_as_a_pass_stub", "layers.py", loses=("relu",), may_lose=NETS, function="relu_forward",
            new='''
        def relu_forward(x):
            out = None
            pass
            cache = x
            return out, cache
    '''),
    Variant("relu_forward_in_place", "layers.py", loses=("relu",), may_lose=NETS,
            old="out = np.maximum(x, 0)", new="x[x < 0] = 0\n    out = x"),
    # np.max reduces along an axis (here axis 0); np.maximum is the elementwise maximum.
    Variant("relu_forward_np_max_instead_of_maximum", "layers.py", loses=("relu",), may_lose=NETS,
            old="out = np.maximum(x, 0)", new="out = np.max(x, 0)"),
    Variant("relu_forward_is_abs", "layers.py", loses=("relu",), may_lose=NETS,
            old="out = np.maximum(x, 0)", new="out = np.abs(x)"),
    Variant("relu_forward_floor_at_0.01", "layers.py", loses=("relu",), may_lose=NETS,
            old="out = np.maximum(x, 0)", new="out = np.maximum(x, 0.01)"),
    Variant("relu_backward_uses_dout_sign", "layers.py", loses=("relu",), may_lose=NETS,
            old="dx = dout * (x > 0)", new="dx = dout * (dout > 0)"),
    Variant("relu_backward_passes_everything", "layers.py", loses=("relu",), may_lose=NETS,
            old="dx = dout * (x > 0)", new="dx = dout.copy()"),
    Variant("relu_backward_ge_zero_and_leaky", "layers.py", loses=("relu",), may_lose=NETS,
            old="dx = dout * (x > 0)", new="dx = np.where(x >= 0, dout, 0.01 * dout)"),
    # -- correct alternatives ---------------------------------------------------
    # Correct values, but the rubric of autograder.yml forbids looping over the batch's examples. A triple
    # Python loop is also slow enough for the training checks (overfitting, Iris) to outrun the audit's
    # shorter per-call deadline on a loaded machine (seen: Iris's training past 5 s during make test).
    Variant("affine_with_loops", "layers.py", function="affine_forward", loses=("vectorized",),
            may_lose=("overfit", "iris"), new='''
        def affine_forward(x, w, b):
            rows = x.reshape(x.shape[0], -1)
            out = np.zeros((x.shape[0], w.shape[1]))
            for i in range(rows.shape[0]):
                for j in range(w.shape[1]):
                    out[i, j] = sum(rows[i, k] * w[k, j] for k in range(w.shape[0])) + b[j]
            return out, (x, w, b)
    '''),
    Variant("affine_backward_loops_over_examples", "layers.py", function="affine_backward", loses=("vectorized",),
            new='''
        def affine_backward(dout, cache):
            x, w, b = cache
            N = x.shape[0]
            dx = np.empty_like(x)
            dw = np.zeros_like(w)
            for n in range(N):
                dx[n] = (w @ dout[n]).reshape(x.shape[1:])
                dw += np.outer(x[n].ravel(), dout[n])
            return dx, dw, dout.sum(axis=0)
    '''),
    Variant("affine_with_einsum_and_dict_cache", "layers.py", function="affine_backward", new='''
        def affine_backward(dout, cache):
            x, w, b = cache
            flat = x.reshape(len(x), -1)
            dx = np.einsum("nm,dm->nd", dout, w).reshape(x.shape)
            dw = np.einsum("nd,nm->dm", flat, dout)
            db = np.einsum("nm->m", dout)
            return dx, dw, db
    '''),
    Variant("relu_with_where_and_copy", "layers.py", function="relu_forward", new='''
        def relu_forward(x):
            out = x.copy()
            out[out < 0] = 0
            return out, x.copy()
    '''),
    # relu_backward reads only where the cache is positive, and out > 0 exactly where x > 0.
    Variant("relu_caches_its_output_and_multiplies_by_a_mask", "layers.py", function="relu_forward", new='''
        def relu_forward(x):
            out = x * (x > 0)
            return out, out
    '''),
    Variant("relu_backward_with_where", "layers.py", function="relu_backward", new='''
        def relu_backward(dout, cache):
            return np.where(cache > 0, dout, 0.0)
    '''),
]
