"""Variants of section 2 of nn.py: initialize_weights, sigmoid, forward, softmax, compute_loss_and_acc,
backwards, get_random_batches and numerical_gradients.

Mistakes first, then correct ways to write each function differently. The training questions (3.1,
and 5.3.2's trained autoencoder) and the numerical gradient checker (2.5) run these functions too, so
a wrong one may cost them points: they are in its ``may_lose``.
"""
from autograder.audit import Variant

CLASSIFIER_TRAINING = ("training",)  # trains with initialize_weights ... backwards (tests/test_training.py)
AUTOENCODER_USERS = ("autoencoder", "psnr")  # initialize_autoencoder etc. call them; 5.3.2 trains the autoencoder
CHECKER = ("gradient_checker",)  # numerical_gradients runs forward, sigmoid, softmax and compute_loss_and_acc
# backwards is checked against central differences of the student's own forward (and so of its sigmoid)
FORWARD_USERS = CLASSIFIER_TRAINING + AUTOENCODER_USERS + CHECKER + ("backwards",)
BATCH_USERS = ("training", "psnr")  # both trainings draw their batches with get_random_batches

VARIANTS = [
    # -- initialize_weights: mistakes --------------------------------------------------------
    Variant("xavier_normal_with_a_as_its_std", "nn.py",
            loses=("xavier",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="params['W' + name] = np.random.uniform(-a, a, size=(in_size, out_size))",
            new="params['W' + name] = a * np.random.randn(in_size, out_size)"),
    Variant("xavier_bound_without_the_square_root", "nn.py", loses=("xavier",),
            may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="a = np.sqrt(6.0 / (in_size + out_size))", new="a = 6.0 / (in_size + out_size)"),
    Variant("xavier_bound_uses_in_size_only", "nn.py",
            loses=("xavier",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="a = np.sqrt(6.0 / (in_size + out_size))", new="a = np.sqrt(6.0 / in_size)"),
    Variant("xavier_weights_transposed", "nn.py", loses=("xavier",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="np.random.uniform(-a, a, size=(in_size, out_size))",
            new="np.random.uniform(-a, a, size=(out_size, in_size))"),
    Variant("xavier_random_biases", "nn.py", loses=("xavier",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="params['b' + name] = np.zeros(out_size)",
            new="params['b' + name] = np.random.uniform(-a, a, out_size)"),
    Variant("xavier_biases_2d_with_a_singleton_dimension", "nn.py", loses=("xavier",),
            may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="params['b' + name] = np.zeros(out_size)", new="params['b' + name] = np.zeros((1, out_size))"),
    Variant("xavier_reseeds_at_every_call", "nn.py",
            loses=("xavier",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="    a = np.sqrt(6.0 / (in_size + out_size))\n",
            new="    np.random.seed(0)\n    a = np.sqrt(6.0 / (in_size + out_size))\n"),
    Variant("xavier_uniform_on_0_a", "nn.py", loses=("xavier",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="np.random.uniform(-a, a, size=(in_size, out_size))",
            new="np.random.uniform(0, a, size=(in_size, out_size))"),
    Variant("xavier_zero_weights", "nn.py", loses=("xavier",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="params['W' + name] = np.random.uniform(-a, a, size=(in_size, out_size))",
            new="params['W' + name] = np.zeros((in_size, out_size))"),
    # -- initialize_weights: correct alternatives -----------------------------------------------
    Variant("xavier_with_a_default_rng", "nn.py",
            old="params['W' + name] = np.random.uniform(-a, a, size=(in_size, out_size))",
            new="params['W' + name] = np.random.default_rng().uniform(-a, a, (in_size, out_size))"),
    Variant("xavier_from_rand_scaled_and_shifted", "nn.py", function="initialize_weights", new='''
        def initialize_weights(in_size, out_size, params, name=''):
            limit = (6 / (in_size + out_size)) ** 0.5
            W = (2 * np.random.rand(in_size, out_size) - 1) * limit
            params.update({'W' + name: W, 'b' + name: np.zeros(out_size)})
    '''),

    # -- sigmoid: mistakes -------------------------------------------------------------------------
    Variant("sigmoid_without_the_minus_sign", "nn.py", loses=("forward",),
            may_lose=FORWARD_USERS,
            old="res = 1.0 / (1.0 + np.exp(-x))", new="res = 1.0 / (1.0 + np.exp(x))"),
    Variant("sigmoid_is_tanh", "nn.py", loses=("forward",), may_lose=FORWARD_USERS,
            old="res = 1.0 / (1.0 + np.exp(-x))", new="res = np.tanh(x)"),
    Variant("sigmoid_overwrites_x", "nn.py",
            loses=("forward",), may_lose=FORWARD_USERS,
            old="res = 1.0 / (1.0 + np.exp(-x))",
            new="np.negative(x, out=x)\n    np.exp(x, out=x)\n    x += 1\n    res = 1.0 / x"),
    # -- sigmoid: correct alternatives ------------------------------------------------------------
    Variant("sigmoid_stable_on_both_sides", "nn.py", function="sigmoid", new='''
        def sigmoid(x):
            x = np.asarray(x, dtype=float)
            e = np.exp(-np.abs(x))
            return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    '''),

    # -- forward: mistakes ---------------------------------------------------------------------------
    Variant("forward_always_sigmoid", "nn.py",
            loses=("forward",), may_lose=FORWARD_USERS,
            old="pre_act = X @ W + b\n    post_act = activation(pre_act)",
            new="pre_act = X @ W + b\n    post_act = sigmoid(pre_act)"),
    Variant("forward_without_the_bias", "nn.py", loses=("forward",),
            may_lose=FORWARD_USERS,
            old="pre_act = X @ W + b", new="pre_act = X @ W"),
    Variant("forward_cache_in_the_wrong_order", "nn.py",
            loses=("forward",), may_lose=FORWARD_USERS,
            old="    params['cache_' + name] = (X, pre_act, post_act)\n    return post_act",
            new="    params['cache_' + name] = (X, post_act, pre_act)\n    return post_act"),
    Variant("forward_activation_on_the_input", "nn.py", loses=("forward",),
            may_lose=FORWARD_USERS,
            old="pre_act = X @ W + b\n    post_act = activation(pre_act)",
            new="pre_act = activation(X) @ W + b\n    post_act = pre_act"),
    # An undeclared write: X is centred in place (a "preprocessing" slip); the note names X.
    Variant("forward_centres_X_in_place", "nn.py", loses=("forward",),
            may_lose=FORWARD_USERS,
            old="pre_act = X @ W + b\n", new="X -= X.mean(axis=0)\n    pre_act = X @ W + b\n"),
    # -- forward: correct alternatives ------------------------------------------------------------------
    Variant("forward_one_example_at_a_time", "nn.py", function="forward", new='''
        def forward(X, params, name='', activation=sigmoid):
            W, b = params['W' + name], params['b' + name]
            pre_act = np.array([np.dot(row, W) + b for row in X])
            post_act = activation(pre_act)
            params.update({'cache_' + name: (X, pre_act, post_act)})
            return post_act
    '''),
    Variant("forward_with_einsum", "nn.py",
            old="pre_act = X @ W + b", new="pre_act = np.einsum('nd,dm->nm', X, W) + b[None, :]"),

    # -- softmax: mistakes ---------------------------------------------------------------------------------
    Variant("softmax_without_the_max_subtraction", "nn.py", loses=("softmax",), may_lose=CLASSIFIER_TRAINING + CHECKER,
            old="shifted = x - np.max(x, axis=1, keepdims=True)", new="shifted = x"),
    Variant("softmax_one_max_for_the_whole_batch", "nn.py", loses=("softmax",), may_lose=CLASSIFIER_TRAINING + CHECKER,
            old="shifted = x - np.max(x, axis=1, keepdims=True)", new="shifted = x - np.max(x)"),
    Variant("softmax_over_columns", "nn.py", loses=("softmax",), may_lose=CLASSIFIER_TRAINING + CHECKER,
            old="res = exps / np.sum(exps, axis=1, keepdims=True)",
            new="res = exps / np.sum(exps, axis=0, keepdims=True)"),
    Variant("softmax_divides_by_the_batch_total", "nn.py", loses=("softmax",), may_lose=CLASSIFIER_TRAINING + CHECKER,
            old="res = exps / np.sum(exps, axis=1, keepdims=True)", new="res = exps / np.sum(exps)"),
    Variant("softmax_shifts_x_in_place", "nn.py", loses=("softmax",), may_lose=CLASSIFIER_TRAINING + CHECKER,
            old="shifted = x - np.max(x, axis=1, keepdims=True)",
            new="x -= np.max(x, axis=1, keepdims=True)\n    shifted = x"),
    # -- softmax: correct alternatives ------------------------------------------------------------------------
    Variant("softmax_row_by_row", "nn.py", function="softmax", new='''
        def softmax(x):
            res = np.zeros(x.shape)
            for i in range(x.shape[0]):
                e = np.exp(x[i] - max(x[i]))
                res[i] = e / e.sum()
            return res
    '''),
    Variant("softmax_through_logsumexp", "nn.py", function="softmax", new='''
        def softmax(x):
            c = -np.max(x, axis=1).reshape(-1, 1)
            log_norm = np.log(np.sum(np.exp(x + c), axis=1)).reshape(-1, 1) - c
            return np.exp(x - log_norm)
    '''),

    # -- compute_loss_and_acc: mistakes ----------------------------------------------------------------------
    Variant("loss_is_the_mean", "nn.py", loses=("loss_and_accuracy",), may_lose=CHECKER,
            old="loss = -np.sum(y * np.log(probs))", new="loss = -np.sum(y * np.log(probs)) / y.shape[0]"),
    Variant("loss_without_the_minus_sign", "nn.py", loses=("loss_and_accuracy",), may_lose=CHECKER,
            old="loss = -np.sum(y * np.log(probs))", new="loss = np.sum(y * np.log(probs))"),
    Variant("loss_sums_every_log_probability", "nn.py", loses=("loss_and_accuracy",), may_lose=CHECKER,
            old="loss = -np.sum(y * np.log(probs))", new="loss = -np.sum(np.log(probs))"),
    Variant("accuracy_counts_instead_of_a_fraction", "nn.py", loses=("loss_and_accuracy",),
            old="acc = np.mean(np.argmax(probs, axis=1) == np.argmax(y, axis=1))",
            new="acc = np.sum(np.argmax(probs, axis=1) == np.argmax(y, axis=1))"),
    Variant("accuracy_in_percent", "nn.py", loses=("loss_and_accuracy",),
            old="acc = np.mean(np.argmax(probs, axis=1) == np.argmax(y, axis=1))",
            new="acc = 100 * np.mean(np.argmax(probs, axis=1) == np.argmax(y, axis=1))"),
    # -- compute_loss_and_acc: correct alternatives -----------------------------------------------------------
    Variant("loss_and_accuracy_with_a_loop", "nn.py", function="compute_loss_and_acc", new='''
        def compute_loss_and_acc(y, probs):
            loss, correct = 0.0, 0
            for label_row, prob_row in zip(y, probs):
                label = np.argmax(label_row)
                loss -= np.log(prob_row[label])
                correct += int(np.argmax(prob_row) == label)
            return loss, correct / y.shape[0]
    '''),
    Variant("loss_by_fancy_indexing", "nn.py", function="compute_loss_and_acc", new='''
        def compute_loss_and_acc(y, probs):
            labels = y.argmax(axis=-1)
            loss = -np.log(probs[np.arange(len(labels)), labels]).sum()
            acc = np.sum(probs.argmax(axis=-1) == labels) / y.shape[0]
            return loss, acc
    '''),

    # -- backwards: mistakes ----------------------------------------------------------------------------------
    Variant("backwards_derivative_of_pre_act", "nn.py",
            loses=("backwards",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="delta_pre = delta * activation_deriv(post_act)", new="delta_pre = delta * activation_deriv(pre_act)"),
    Variant("backwards_skips_the_activation", "nn.py",
            loses=("backwards",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="delta_pre = delta * activation_deriv(post_act)", new="delta_pre = delta"),
    Variant("backwards_grad_b_is_the_mean", "nn.py",
            loses=("backwards",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="grad_b = np.sum(delta_pre, axis=0)", new="grad_b = np.mean(delta_pre, axis=0)"),
    Variant("backwards_grad_b_keeps_a_singleton_dimension", "nn.py", loses=("backwards",),
            may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="grad_b = np.sum(delta_pre, axis=0)", new="grad_b = np.sum(delta_pre, axis=0, keepdims=True)"),
    Variant("backwards_grad_W_transposed", "nn.py",
            loses=("backwards",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="grad_W = X.T @ delta_pre", new="grad_W = delta_pre.T @ X"),
    Variant("backwards_grad_X_from_the_upstream_delta", "nn.py", loses=("backwards",),
            may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="grad_X = delta_pre @ W.T", new="grad_X = delta @ W.T"),
    Variant("backwards_scales_delta_in_place", "nn.py",
            loses=("backwards",), may_lose=CLASSIFIER_TRAINING + AUTOENCODER_USERS,
            old="delta_pre = delta * activation_deriv(post_act)",
            new="delta *= activation_deriv(post_act)\n    delta_pre = delta"),
    # -- backwards: correct alternatives --------------------------------------------------------------------------
    Variant("backwards_with_einsum", "nn.py", old="""    grad_W = X.T @ delta_pre
    grad_b = np.sum(delta_pre, axis=0)
    grad_X = delta_pre @ W.T""", new="""    grad_W = np.einsum('nd,nm->dm', X, delta_pre)
    grad_b = np.einsum('nm->m', delta_pre)
    grad_X = np.einsum('nm,dm->nd', delta_pre, W)"""),
    Variant("backwards_example_by_example", "nn.py", function="backwards", new='''
        def backwards(delta, params, name='', activation_deriv=sigmoid_deriv):
            W = params['W' + name]
            X, pre_act, post_act = params['cache_' + name]
            grad_W, grad_b = np.zeros(W.shape), np.zeros(W.shape[1])
            grad_X = np.zeros(X.shape)
            for i in range(X.shape[0]):
                d = delta[i] * activation_deriv(post_act[i])
                grad_W += np.outer(X[i], d)
                grad_b += d
                grad_X[i] = W.dot(d)
            params['grad_W' + name] = grad_W
            params['grad_b' + name] = grad_b
            return grad_X
    '''),

    # -- get_random_batches: mistakes ----------------------------------------------------------------------------
    Variant("batches_drop_the_remainder", "nn.py", loses=("random_batches",), may_lose=BATCH_USERS,
            old="for start in range(0, len(order), batch_size):",
            new="for start in range(0, len(order) - len(order) % batch_size, batch_size):"),
    Variant("batches_drawn_with_replacement", "nn.py", loses=("random_batches",), may_lose=BATCH_USERS,
            function="get_random_batches", new='''
        def get_random_batches(x, y, batch_size):
            batches = []
            for _ in range(int(np.ceil(x.shape[0] / batch_size))):
                chosen = np.random.choice(x.shape[0], batch_size)
                batches.append((x[chosen], y[chosen]))
            return batches
    '''),
    Variant("batches_not_shuffled", "nn.py", loses=("random_batches",), may_lose=BATCH_USERS,
            old="order = np.random.permutation(x.shape[0])", new="order = np.arange(x.shape[0])"),
    Variant("batches_only_their_order_shuffled", "nn.py", loses=("random_batches",), may_lose=BATCH_USERS,
            function="get_random_batches", new='''
        def get_random_batches(x, y, batch_size):
            batches = [(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)]
            return [batches[i] for i in np.random.permutation(len(batches))]
    '''),
    Variant("batches_x_and_y_shuffled_apart", "nn.py", loses=("random_batches",), may_lose=BATCH_USERS,
            old="batches.append((x[chosen], y[chosen]))",
            new="batches.append((x[chosen], y[np.random.permutation(y.shape[0])[:len(chosen)]]))"),
    Variant("batches_shuffle_x_in_place", "nn.py", loses=("random_batches",), may_lose=BATCH_USERS,
            function="get_random_batches", new='''
        def get_random_batches(x, y, batch_size):
            state = np.random.get_state()
            np.random.shuffle(x)
            np.random.set_state(state)
            np.random.shuffle(y)
            return [(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)]
    '''),
    # -- get_random_batches: correct alternatives ------------------------------------------------------------------
    Variant("batches_by_array_split", "nn.py", function="get_random_batches", new='''
        def get_random_batches(x, y, batch_size):
            index = np.random.permutation(len(x))
            parts = np.array_split(index, int(np.ceil(len(x) / batch_size)))
            return [(x[part], y[part]) for part in parts]
    '''),
    Variant("batches_from_a_shuffled_index_list", "nn.py", function="get_random_batches", new='''
        def get_random_batches(x, y, batch_size):
            index = list(range(x.shape[0]))
            np.random.shuffle(index)
            batches = []
            while index:
                chosen, index = index[:batch_size], index[batch_size:]
                batches.append((x[chosen, :], y[chosen, :]))
            return batches
    '''),
    Variant("batches_with_a_generator_and_choice", "nn.py",
            old="order = np.random.permutation(x.shape[0])",
            new="order = np.random.default_rng().choice(x.shape[0], size=x.shape[0], replace=False)"),

    # -- numerical_gradients: mistakes -------------------------------------------------------------------------------
    Variant("checker_leaves_each_element_lowered", "nn.py", loses=("gradient_checker",),
            old="            minus = loss()\n            value[index] = original\n",
            new="            minus = loss()\n"),
    Variant("checker_divides_by_eps", "nn.py", loses=("gradient_checker",),
            old="grad[index] = (plus - minus) / (2 * eps)", new="grad[index] = (plus - minus) / eps"),
    Variant("checker_weights_only", "nn.py", loses=("gradient_checker",),
            old="parameters = [k for k in params if '_' not in k]",
            new="parameters = [k for k in params if k.startswith('W')]"),
    Variant("checker_mean_loss", "nn.py", loses=("gradient_checker",),
            old="return compute_loss_and_acc(y, probs)[0]",
            new="return compute_loss_and_acc(y, probs)[0] / x.shape[0]"),
    Variant("checker_moves_every_element_at_once", "nn.py", loses=("gradient_checker",), function="numerical_gradients",
            new='''
        def numerical_gradients(x, y, params, eps=1e-6):
            def loss():
                probs = forward(forward(x, params, 'layer1'), params, 'output', softmax)
                return compute_loss_and_acc(y, probs)[0]

            for k in [k for k in params if '_' not in k]:
                original = params[k]
                params[k] = original + eps
                plus = loss()
                params[k] = original - eps
                minus = loss()
                params[k] = original
                params['grad_' + k] = np.full(original.shape, (plus - minus) / (2 * eps))
    '''),
    # -- numerical_gradients: correct alternatives -------------------------------------------------------------------
    Variant("checker_on_copies", "nn.py", function="numerical_gradients", new='''
        def numerical_gradients(x, y, params, eps=1e-6):
            import copy

            def loss(p):
                h1 = forward(x, p, 'layer1')
                return compute_loss_and_acc(y, forward(h1, p, 'output', softmax))[0]

            keys = [k for k in params.keys() if '_' not in k]
            grads = {}
            for k in keys:
                grads[k] = np.zeros_like(params[k])
                for i in range(params[k].size):
                    shifted = copy.deepcopy(params)
                    shifted[k].flat[i] += eps
                    up = loss(shifted)
                    shifted[k].flat[i] -= 2 * eps
                    down = loss(shifted)
                    grads[k].flat[i] = (up - down) / (2 * eps)
            for k in keys:
                params['grad_' + k] = grads[k]
    '''),
    Variant("checker_with_nditer", "nn.py", function="numerical_gradients", new='''
        def numerical_gradients(x, y, params, eps=1e-6):
            for k in [key for key in list(params) if '_' not in key]:
                v = params[k]
                g = np.zeros(v.shape)
                it = np.nditer(v, flags=['multi_index'])
                while not it.finished:
                    i = it.multi_index
                    keep = v[i]
                    losses = []
                    for shift in (eps, -eps):
                        v[i] = keep + shift
                        probs = forward(forward(x, params, 'layer1', sigmoid), params, 'output', softmax)
                        losses.append(compute_loss_and_acc(y, probs)[0])
                    v[i] = keep
                    g[i] = (losses[0] - losses[1]) / (2 * eps)
                    it.iternext()
                params['grad_' + k] = g
    '''),
]
