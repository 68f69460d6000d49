"""Variants of the non-convolutional layers and losses of layers.py: leaky ReLU, sigmoid,
tanh, softmax and its Jacobian, dropout, and the softmax, SVM, cross-entropy and MSE losses.

Common mistakes first, then correct ways to write each function differently. A correct
alternative that changes a forward's cache replaces the backward (which comes later in
layers.py) with both functions, so that its forward overrides the reference's.
"""
from autograder.audit import Variant

# Questions graded through code that calls these functions: a wrong function may cost them points too.
DROPOUT_USERS = ("fc_net_dropout",)
VECTORIZED = ("vectorized",)  # checks the values of softmax_loss and svm_loss before their loops
SOFTMAX_LOSS_USERS = VECTORIZED + (
    "two_layer_net", "fc_net", "fc_net_dropout", "three_layer_convnet", "overfit", "iris")

VARIANTS = [
    # -- leaky ReLU: mistakes -------------------------------------------------------
    Variant("leaky_relu_slope_on_the_positive_side", "layers.py", loses=("leaky_relu",),
            old="out = np.where(x > 0, x, alpha * x)", new="out = np.where(x > 0, alpha * x, x)"),
    Variant("leaky_relu_alpha_hard_coded", "layers.py", loses=("leaky_relu",),
            old="out = np.where(x > 0, x, alpha * x)", new="out = np.where(x > 0, x, 0.01 * x)"),
    Variant("leaky_relu_forward_in_place", "layers.py", loses=("leaky_relu",),
            old="out = np.where(x > 0, x, alpha * x)", new="x[x < 0] *= alpha\n    out = x"),
    Variant("leaky_relu_backward_like_relu", "layers.py", loses=("leaky_relu",),
            old="dx = np.where(x > 0, dout, alpha * dout)", new="dx = np.where(x > 0, dout, 0.0)"),
    Variant("leaky_relu_backward_alpha_hard_coded", "layers.py", loses=("leaky_relu",),
            old="dx = np.where(x > 0, dout, alpha * dout)", new="dx = np.where(x > 0, dout, 0.01 * dout)"),
    Variant("leaky_relu_backward_local_derivative_without_dout", "layers.py", loses=("leaky_relu",),
            old="dx = np.where(x > 0, dout, alpha * dout)", new="dx = np.where(x > 0, 1.0, alpha)"),
    Variant("leaky_relu_backward_uses_dout_sign", "layers.py", loses=("leaky_relu",),
            old="dx = np.where(x > 0, dout, alpha * dout)", new="dx = np.where(dout > 0, dout, alpha * dout)"),
    # -- sigmoid: mistakes ------------------------------------------------------------
    Variant("sigmoid_overflows_for_large_negative_x", "layers.py", loses=("sigmoid",),
            old="z = np.exp(-np.abs(x))  # in (0, 1]: never overflows\n"
                "    out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))",
            new="out = 1 / (1 + np.exp(-x))"),
    Variant("sigmoid_where_evaluates_both_overflowing_branches", "layers.py", loses=("sigmoid",),
            old="z = np.exp(-np.abs(x))  # in (0, 1]: never overflows\n"
                "    out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))",
            new="out = np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))"),
    # The forward caches x, the backward takes its cache for s: dx = dout * x * (1 - x).
    Variant("sigmoid_backward_uses_x_instead_of_s", "layers.py", loses=("sigmoid",), function="sigmoid_backward",
            new='''
        def sigmoid_forward(x):
            z = np.exp(-np.abs(x))
            out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
            return out, x


        def sigmoid_backward(dout, cache):
            s = cache
            return dout * s * (1 - s)
    '''),
    # The stable form with its two branches swapped: sigmoid(-x).
    Variant("sigmoid_stable_branches_swapped", "layers.py", loses=("sigmoid",),
            old="out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))",
            new="out = np.where(x >= 0, z / (1 + z), 1 / (1 + z))"),
    Variant("sigmoid_backward_missing_one_minus_s", "layers.py", loses=("sigmoid",),
            old="dx = dout * s * (1 - s)", new="dx = dout * s"),
    Variant("sigmoid_backward_one_plus_s", "layers.py", loses=("sigmoid",),
            old="dx = dout * s * (1 - s)", new="dx = dout * s * (1 + s)"),
    Variant("sigmoid_backward_local_derivative_without_dout", "layers.py", loses=("sigmoid",),
            old="dx = dout * s * (1 - s)", new="dx = s * (1 - s)"),
    # The cache holds s = sigmoid(x), not x: taking the sigmoid again computes sigmoid'(s).
    Variant("sigmoid_backward_takes_the_sigmoid_of_the_cache", "layers.py", loses=("sigmoid",),
            old="dx = dout * s * (1 - s)", new="sig = 1 / (1 + np.exp(-s))\n    dx = dout * sig * (1 - sig)"),
    # -- tanh: mistakes -------------------------------------------------------------
    # The forward caches x, the backward takes its cache for t: dx = dout * (1 - x ** 2).
    Variant("tanh_backward_one_minus_x_squared", "layers.py", loses=("tanh",), function="tanh_backward", new='''
        def tanh_forward(x):
            return np.tanh(x), x


        def tanh_backward(dout, cache):
            t = cache
            return dout * (1 - t ** 2)
    '''),
    Variant("tanh_forward_is_tanh_of_half_x", "layers.py", loses=("tanh",),
            old="out = np.tanh(x)", new="out = (1 - np.exp(-x)) / (1 + np.exp(-x))"),
    Variant("tanh_forward_numerator_and_denominator_swapped", "layers.py", loses=("tanh",),
            old="out = np.tanh(x)", new="out = (np.exp(x) + np.exp(-x)) / (np.exp(x) - np.exp(-x))"),
    Variant("tanh_forward_in_place", "layers.py", loses=("tanh",),
            old="out = np.tanh(x)", new="out = np.tanh(x, out=x)"),
    Variant("tanh_backward_one_minus_t", "layers.py", loses=("tanh",),
            old="dx = dout * (1 - t ** 2)", new="dx = dout * (1 - t)"),
    Variant("tanh_backward_one_plus_t_squared", "layers.py", loses=("tanh",),
            old="dx = dout * (1 - t ** 2)", new="dx = dout * (1 + t ** 2)"),
    # The cache holds t = tanh(x), not x.
    Variant("tanh_backward_takes_the_tanh_of_the_cache", "layers.py", loses=("tanh",),
            old="dx = dout * (1 - t ** 2)", new="dx = dout * (1 - np.tanh(t) ** 2)"),
    # -- softmax: mistakes ------------------------------------------------------------
    # softmax_jacobian is written through softmax_forward, so it may fall with it.
    Variant("softmax_over_axis_0", "layers.py", loses=("softmax",), may_lose=("softmax_jacobian",),
            old="e = np.exp(x - x.max(axis=1, keepdims=True))  # (N, C), largest entry of each row is 1\n"
                "    out = e / e.sum(axis=1, keepdims=True)",
            new="e = np.exp(x - x.max(axis=0, keepdims=True))\n    out = e / e.sum(axis=0, keepdims=True)"),
    Variant("softmax_without_subtracting_the_max", "layers.py", loses=("softmax",), may_lose=("softmax_jacobian",),
            old="e = np.exp(x - x.max(axis=1, keepdims=True))", new="e = np.exp(x)"),
    Variant("softmax_backward_diagonal_only", "layers.py", loses=("softmax",),
            old="dx = p * (dout - np.sum(dout * p, axis=1, keepdims=True))", new="dx = dout * p * (1 - p)"),
    Variant("softmax_backward_sum_over_the_batch", "layers.py", loses=("softmax",),
            old="dx = p * (dout - np.sum(dout * p, axis=1, keepdims=True))",
            new="dx = p * (dout - np.sum(dout * p, axis=0, keepdims=True))"),
    Variant("softmax_divided_by_the_sum_of_the_whole_batch", "layers.py", loses=("softmax",),
            may_lose=("softmax_jacobian",),
            old="out = e / e.sum(axis=1, keepdims=True)", new="out = e / e.sum()"),
    Variant("softmax_sum_without_keepdims", "layers.py", loses=("softmax",), may_lose=("softmax_jacobian",),
            old="out = e / e.sum(axis=1, keepdims=True)", new="out = e / e.sum(axis=1)"),
    # Right for each row's own scale, but a row far below the batch's maximum underflows to 0 / 0.
    Variant("softmax_subtracts_the_maximum_of_the_whole_batch", "layers.py", loses=("softmax",),
            may_lose=("softmax_jacobian",),
            old="e = np.exp(x - x.max(axis=1, keepdims=True))", new="e = np.exp(x - x.max())"),
    Variant("softmax_backward_without_the_factor_p", "layers.py", loses=("softmax",),
            old="dx = p * (dout - np.sum(dout * p, axis=1, keepdims=True))",
            new="dx = dout - np.sum(dout * p, axis=1, keepdims=True)"),
    Variant("softmax_backward_sum_without_keepdims", "layers.py", loses=("softmax",),
            old="dx = p * (dout - np.sum(dout * p, axis=1, keepdims=True))",
            new="dx = p * (dout - np.sum(dout * p, axis=1))"),
    # -- softmax Jacobian: mistakes ---------------------------------------------------
    Variant("softmax_jacobian_missing_the_diagonal", "layers.py", loses=("softmax_jacobian",),
            old="J = np.diag(p) - np.outer(p, p)", new="J = -np.outer(p, p)"),
    Variant("softmax_jacobian_sign_flipped", "layers.py", loses=("softmax_jacobian",),
            old="J = np.diag(p) - np.outer(p, p)", new="J = np.outer(p, p) - np.diag(p)"),
    Variant("softmax_jacobian_unstable_softmax", "layers.py", loses=("softmax_jacobian",), function="softmax_jacobian",
            new='''
        def softmax_jacobian(s):
            p = np.exp(s) / np.exp(s).sum()
            return np.diag(p) - np.outer(p, p)
    '''),
    # -- dropout: mistakes ------------------------------------------------------------
    Variant("dropout_not_inverted", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old="mask = (rng.random(x.shape) >= p) / (1 - p)", new="mask = (rng.random(x.shape) >= p) * 1.0"),
    Variant("dropout_scaled_by_p", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old="mask = (rng.random(x.shape) >= p) / (1 - p)", new="mask = (rng.random(x.shape) >= p) / p"),
    Variant("dropout_p_read_as_keep_probability", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old="mask = (rng.random(x.shape) >= p) / (1 - p)", new="mask = (rng.random(x.shape) < p) / p"),
    Variant("dropout_mask_shared_across_the_batch", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old="mask = (rng.random(x.shape) >= p) / (1 - p)", new="mask = (rng.random(x.shape[1:]) >= p) / (1 - p)"),
    Variant("dropout_seed_ignored", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old='rng = np.random.default_rng(dropout_param.get("seed"))', new="rng = np.random.default_rng()"),
    Variant("dropout_fixed_seed", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old='rng = np.random.default_rng(dropout_param.get("seed"))', new="rng = np.random.default_rng(0)"),
    Variant("dropout_seed_0_treated_as_none", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old='rng = np.random.default_rng(dropout_param.get("seed"))',
            new='rng = np.random.default_rng(dropout_param["seed"] or None)'),
    Variant("dropout_applied_in_test_mode", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old="# BEGIN SOLUTION: in test mode, dropout does nothing\n        out = x.copy()",
            new="# BEGIN SOLUTION: in test mode, dropout does nothing\n"
                "        out = x * (np.random.default_rng().random(x.shape) >= p) / (1 - p)"),
    Variant("dropout_backward_draws_a_new_mask", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old="dx = dout * mask\n",
            new='dx = dout * (np.random.rand(*dout.shape) >= dropout_param["p"]) / (1 - dropout_param["p"])\n'),
    Variant("dropout_backward_ignores_the_mask", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old="dx = dout * mask\n", new="dx = dout.copy()\n"),
    Variant("dropout_backward_scales_twice", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old="dx = dout * mask\n", new='dx = dout * mask / (1 - dropout_param["p"])\n'),
    Variant("dropout_backward_mask_without_its_scale", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            old="dx = dout * mask\n", new="dx = dout * (mask > 0)\n"),
    # In test mode the forward's mask is None.
    Variant("dropout_backward_ignores_the_mode", "layers.py", loses=("dropout",), may_lose=DROPOUT_USERS,
            function="dropout_backward", new='''
        def dropout_backward(dout, cache):
            dropout_param, mask = cache
            return dout * mask
    '''),
    # -- softmax loss: mistakes -------------------------------------------------------
    Variant("softmax_loss_sum_not_mean", "layers.py", loses=("softmax_loss",), may_lose=SOFTMAX_LOSS_USERS,
            old="loss = -log_probs[np.arange(N), y].mean()", new="loss = -log_probs[np.arange(N), y].sum()"),
    Variant("softmax_loss_gradient_without_1_over_n", "layers.py", loses=("softmax_loss",), may_lose=SOFTMAX_LOSS_USERS,
            old="dx[np.arange(N), y] -= 1\n    dx /= N\n", new="dx[np.arange(N), y] -= 1\n"),
    Variant("softmax_loss_without_subtracting_the_max", "layers.py", loses=("softmax_loss",),
            old="shifted = x - x.max(axis=1, keepdims=True)  # (N, C), each row's maximum is 0",
            new="shifted = x.copy()"),
    Variant("softmax_loss_log_of_an_underflowed_probability", "layers.py", loses=("softmax_loss",),
            function="softmax_loss", new='''
        def softmax_loss(x, y):
            N = x.shape[0]
            e = np.exp(x - x.max(axis=1, keepdims=True))
            probs = e / e.sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(probs[np.arange(N), y]))
            dx = probs.copy()
            dx[np.arange(N), y] -= 1
            return loss, dx / N
    '''),
    # -- SVM loss: mistakes -----------------------------------------------------------
    Variant("svm_loss_counts_the_correct_class_margin", "layers.py", loses=("svm_loss",), may_lose=VECTORIZED,
            old="    margins[rows, y] = 0  # the correct class has no margin\n", new=""),
    Variant("svm_loss_gradient_misses_the_correct_class", "layers.py", loses=("svm_loss",), may_lose=VECTORIZED,
            old="    positive[rows, y] = -positive.sum(axis=1)  # the correct class loses one per violated margin\n",
            new=""),
    Variant("svm_loss_without_the_hinge", "layers.py", loses=("svm_loss",), may_lose=VECTORIZED,
            old="margins = np.maximum(0, x - x[rows, y][:, np.newaxis] + 1)  # (N, C)",
            new="margins = x - x[rows, y][:, np.newaxis] + 1"),
    # -- cross-entropy loss: mistakes -------------------------------------------------
    Variant("cross_entropy_gradient_sign", "layers.py", loses=("cross_entropy_loss",),
            old="dprobs[rows, y] = -1 / (N * probs[rows, y])", new="dprobs[rows, y] = 1 / (N * probs[rows, y])"),
    Variant("cross_entropy_gradient_without_1_over_n", "layers.py", loses=("cross_entropy_loss",),
            old="dprobs[rows, y] = -1 / (N * probs[rows, y])", new="dprobs[rows, y] = -1 / probs[rows, y]"),
    Variant("cross_entropy_gradient_on_every_class", "layers.py", loses=("cross_entropy_loss",),
            old="dprobs[rows, y] = -1 / (N * probs[rows, y])", new="dprobs = -1 / (N * probs)"),
    # -- MSE loss: mistakes -----------------------------------------------------------
    Variant("mse_gradient_without_the_factor_2", "layers.py", loses=("mse_loss",),
            old="dpred = 2 * diff / diff.size", new="dpred = diff / diff.size"),
    Variant("mse_averaged_over_n_only", "layers.py", loses=("mse_loss",),
            old="loss = np.mean(diff ** 2)\n    dpred = 2 * diff / diff.size",
            new="loss = np.sum(diff ** 2) / len(diff)\n    dpred = 2 * diff / len(diff)"),
    Variant("mse_summed_not_averaged", "layers.py", loses=("mse_loss",),
            old="loss = np.mean(diff ** 2)\n    dpred = 2 * diff / diff.size",
            new="loss = np.sum(diff ** 2)\n    dpred = 2 * diff"),
    Variant("mse_gradient_sign_flipped", "layers.py", loses=("mse_loss",),
            old="dpred = 2 * diff / diff.size", new="dpred = 2 * (target - pred) / diff.size"),
    # Half the mean squared error, a common convention elsewhere, but not the one asked for.
    Variant("mse_with_a_factor_one_half", "layers.py", loses=("mse_loss",),
            old="loss = np.mean(diff ** 2)\n    dpred = 2 * diff / diff.size",
            new="loss = 0.5 * np.mean(diff ** 2)\n    dpred = diff / diff.size"),
    # -- correct alternatives -----------------------------------------------------------
    Variant("leaky_relu_with_maximum_and_masks", "layers.py", function="leaky_relu_backward", new='''
        def leaky_relu_forward(x, alpha=0.01):
            return np.maximum(x, alpha * x), (x > 0, alpha)


        def leaky_relu_backward(dout, cache):
            positive, alpha = cache
            dx = dout.copy()
            dx[~positive] *= alpha
            return dx
    '''),
    Variant("sigmoid_split_by_sign", "layers.py", function="sigmoid_forward", new='''
        def sigmoid_forward(x):
            out = np.empty_like(x, dtype=np.float64)
            positive = x >= 0
            out[positive] = 1 / (1 + np.exp(-x[positive]))
            e = np.exp(x[~positive])
            out[~positive] = e / (1 + e)
            return out, out
    '''),
    Variant("sigmoid_through_tanh_backward_from_x", "layers.py", function="sigmoid_backward", new='''
        def sigmoid_forward(x):
            return 0.5 * (1 + np.tanh(0.5 * x)), x


        def sigmoid_backward(dout, cache):
            s, _ = sigmoid_forward(cache)
            return dout * s * (1 - s)
    '''),
    Variant("leaky_relu_backward_local_slope_times_dout", "layers.py", function="leaky_relu_backward", new='''
        def leaky_relu_backward(dout, cache):
            x, alpha = cache
            slope = np.ones_like(x)
            slope[x <= 0] = alpha
            return slope * dout
    '''),
    Variant("sigmoid_backward_as_s_minus_s_squared", "layers.py", function="sigmoid_backward", new='''
        def sigmoid_backward(dout, cache):
            return dout * (cache - cache ** 2)
    '''),
    Variant("tanh_through_exp_backward_from_x", "layers.py", function="tanh_backward", new='''
        def tanh_forward(x):
            return 2 / (1 + np.exp(-2 * x)) - 1, x


        def tanh_backward(dout, cache):
            return dout / np.cosh(cache) ** 2
    '''),
    Variant("softmax_with_logsumexp", "layers.py", function="softmax_forward", new='''
        def softmax_forward(x):
            m = np.max(x, axis=1, keepdims=True)
            log_z = m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))
            out = np.exp(x - log_z)
            return out, out
    '''),
    Variant("softmax_backward_with_explicit_jacobians", "layers.py", function="softmax_backward", new='''
        def softmax_backward(dout, cache):
            dx = np.empty_like(dout)
            for i in range(dout.shape[0]):
                J = np.diag(cache[i]) - np.outer(cache[i], cache[i])
                dx[i] = J.T @ dout[i]
            return dx
    '''),
    Variant("softmax_jacobian_with_loops", "layers.py", function="softmax_jacobian", new='''
        def softmax_jacobian(s):
            e = np.exp(s - np.max(s))
            p = e / np.sum(e)
            C = len(s)
            J = np.zeros((C, C))
            for i in range(C):
                for j in range(C):
                    J[i, j] = p[i] * ((1.0 if i == j else 0.0) - p[j])
            return J
    '''),
    Variant("dropout_cs231n_global_rng", "layers.py", function="dropout_backward", new='''
        def dropout_forward(x, dropout_param):
            p, mode = dropout_param["p"], dropout_param["mode"]
            if dropout_param.get("seed") is not None:
                np.random.seed(dropout_param["seed"])
            mask = None
            out = x
            if mode == "train":
                mask = (np.random.rand(*x.shape) < (1 - p)) / (1 - p)
                out = x * mask
            return out, (dropout_param, mask)


        def dropout_backward(dout, cache):
            dropout_param, mask = cache
            if dropout_param["mode"] == "train":
                return dout * mask
            return dout
    '''),
    Variant("dropout_binomial_boolean_mask", "layers.py", function="dropout_backward", new='''
        def dropout_forward(x, dropout_param):
            keep = 1 - dropout_param["p"]
            if dropout_param["mode"] != "train":
                return x.copy(), (False, None, keep)
            rng = np.random.RandomState(dropout_param.get("seed"))
            kept = rng.binomial(1, keep, size=x.shape).astype(bool)
            return np.where(kept, x / keep, 0.0), (True, kept, keep)


        def dropout_backward(dout, cache):
            train, kept, keep = cache
            return np.where(kept, dout / keep, 0.0) if train else dout.copy()
    '''),
    Variant("softmax_loss_with_one_hot", "layers.py", function="softmax_loss", new='''
        def softmax_loss(x, y):
            N, C = x.shape
            one_hot = np.eye(C)[y]  # (N, C)
            m = x.max(axis=1, keepdims=True)
            log_z = m + np.log(np.exp(x - m).sum(axis=1, keepdims=True))  # (N, 1)
            loss = np.sum(one_hot * (log_z - x)) / N
            dx = (np.exp(x - log_z) - one_hot) / N
            return loss, dx
    '''),
    Variant("svm_loss_with_masks", "layers.py", function="svm_loss", new='''
        def svm_loss(x, y):
            N = x.shape[0]
            correct = np.take_along_axis(x, y[:, None], axis=1)  # (N, 1)
            margins = x - correct + 1
            violated = margins > 0
            violated[np.arange(N), y] = False
            loss = np.sum(np.where(violated, margins, 0.0)) / N
            dx = violated.astype(np.float64)
            dx[np.arange(N), y] = -violated.sum(axis=1)
            return loss, dx / N
    '''),
    Variant("svm_loss_with_a_loop_over_classes", "layers.py", function="svm_loss", new='''
        def svm_loss(x, y):
            N, C = x.shape
            correct = x[np.arange(N), y]
            loss = 0.0
            dx = np.zeros_like(x)
            for j in range(C):
                margin = x[:, j] - correct + 1
                violated = (margin > 0) & (y != j)
                loss += np.sum(margin[violated])
                dx[violated, j] += 1
                dx[np.arange(N)[violated], y[violated]] -= 1
            return loss / N, dx / N
    '''),
    Variant("cross_entropy_with_a_loop", "layers.py", function="cross_entropy_loss", new='''
        def cross_entropy_loss(probs, y):
            N = probs.shape[0]
            loss = 0.0
            dprobs = np.zeros(probs.shape)
            for i in range(N):
                loss -= np.log(probs[i, y[i]])
                dprobs[i, y[i]] = -1.0 / probs[i, y[i]]
            return loss / N, dprobs / N
    '''),
    Variant("mse_with_a_loop", "layers.py", function="mse_loss", new='''
        def mse_loss(pred, target):
            total = 0.0
            for a, b in zip(pred.ravel(), target.ravel()):
                total += (a - b) ** 2
            return total / pred.size, 2 * (pred - target) / pred.size
    '''),
]
