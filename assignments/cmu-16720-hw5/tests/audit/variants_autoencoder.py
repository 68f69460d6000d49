"""Variants of section 5 of nn.py: the autoencoder's three functions, momentum_update and psnr.

5.3.2 trains the autoencoder with the student's functions (tests/test_training.py), so a wrong
autoencoder function or momentum_update may cost it points: it is in their ``may_lose``.
"""
from autograder.audit import Variant

TRAINED_PSNR = ("psnr",)

VARIANTS = [
    # -- initialize_autoencoder: mistakes ------------------------------------------------------------
    Variant("autoencoder_output_layer_hidden_to_hidden", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="initialize_weights(hidden_size, in_size, params, 'output')",
            new="initialize_weights(hidden_size, hidden_size, params, 'output')"),
    Variant("autoencoder_hidden2_shares_hiddens_weights", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="initialize_weights(hidden_size, hidden_size, params, 'hidden2')",
            new="params['Whidden2'], params['bhidden2'] = params['Whidden'], params['bhidden']"),
    Variant("autoencoder_small_normal_weights", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            function="initialize_autoencoder", new='''
        def initialize_autoencoder(in_size, hidden_size, params):
            sizes = [(in_size, hidden_size), (hidden_size, hidden_size), (hidden_size, hidden_size),
                     (hidden_size, in_size)]
            for name, (fan_in, fan_out) in zip(AUTOENCODER_LAYERS, sizes):
                params['W' + name] = 0.01 * np.random.randn(fan_in, fan_out)
                params['b' + name] = np.zeros(fan_out)
    '''),
    Variant("autoencoder_layers_named_hidden1", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="initialize_weights(hidden_size, hidden_size, params, 'hidden')\n",
            new="initialize_weights(hidden_size, hidden_size, params, 'hidden1')\n"),
    # -- autoencoder_forward: mistakes ------------------------------------------------------------------
    Variant("autoencoder_forward_relu_at_the_output", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="out = forward(h3, params, 'output', sigmoid)", new="out = forward(h3, params, 'output', relu)"),
    Variant("autoencoder_forward_sigmoid_everywhere", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="""    h1 = forward(X, params, 'layer1', relu)
    h2 = forward(h1, params, 'hidden', relu)
    h3 = forward(h2, params, 'hidden2', relu)""", new="""    h1 = forward(X, params, 'layer1', sigmoid)
    h2 = forward(h1, params, 'hidden', sigmoid)
    h3 = forward(h2, params, 'hidden2', sigmoid)"""),
    Variant("autoencoder_forward_skips_hidden2", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="out = forward(h3, params, 'output', sigmoid)", new="out = forward(h2, params, 'output', sigmoid)"),
    Variant("autoencoder_forward_hidden_layers_swapped", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="""    h2 = forward(h1, params, 'hidden', relu)
    h3 = forward(h2, params, 'hidden2', relu)""", new="""    h2 = forward(h1, params, 'hidden2', relu)
    h3 = forward(h2, params, 'hidden', relu)"""),
    # -- autoencoder_backwards: mistakes ------------------------------------------------------------------
    Variant("autoencoder_backwards_delta_sign_flipped", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="delta = 2 * (out - X)", new="delta = 2 * (X - out)"),
    Variant("autoencoder_backwards_without_the_2", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="delta = 2 * (out - X)", new="delta = out - X"),
    Variant("autoencoder_backwards_mean_squared_error", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="delta = 2 * (out - X)", new="delta = 2 * (out - X) / X.size"),
    Variant("autoencoder_backwards_sigmoid_deriv_everywhere", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="""    delta = backwards(delta, params, 'hidden2', relu_deriv)
    delta = backwards(delta, params, 'hidden', relu_deriv)
    backwards(delta, params, 'layer1', relu_deriv)""",
    new="""    delta = backwards(delta, params, 'hidden2', sigmoid_deriv)
    delta = backwards(delta, params, 'hidden', sigmoid_deriv)
    backwards(delta, params, 'layer1', sigmoid_deriv)"""),
    Variant("autoencoder_backwards_stops_before_layer1", "nn.py", loses=("autoencoder",), may_lose=TRAINED_PSNR,
            old="    backwards(delta, params, 'layer1', relu_deriv)\n", new=""),
    # -- the autoencoder: correct alternatives ----------------------------------------------------------------
    Variant("autoencoder_with_loops_over_its_layers", "nn.py", function="initialize_autoencoder", new='''
        def initialize_autoencoder(in_size, hidden_size, params):
            sizes = [in_size] + [hidden_size] * 3 + [in_size]
            for i, name in enumerate(AUTOENCODER_LAYERS):
                initialize_weights(sizes[i], sizes[i + 1], params, name)
    '''),
    Variant("autoencoder_forward_loop", "nn.py", function="autoencoder_forward", new='''
        def autoencoder_forward(X, params):
            h = X
            for name, act in zip(AUTOENCODER_LAYERS, (relu, relu, relu, sigmoid)):
                h = forward(h, params, name, act)
            return h
    '''),
    Variant("autoencoder_backwards_loop", "nn.py", function="autoencoder_backwards", new='''
        def autoencoder_backwards(X, out, params):
            delta = -2 * (X - out)
            for name in reversed(AUTOENCODER_LAYERS):
                delta = backwards(delta, params, name, sigmoid_deriv if name == 'output' else relu_deriv)
    '''),

    # -- momentum_update: mistakes --------------------------------------------------------------------------
    Variant("momentum_gradient_added", "nn.py", loses=("momentum",), may_lose=TRAINED_PSNR,
            old="accumulator = momentum * accumulator - learning_rate * params['grad_' + k]",
            new="accumulator = momentum * accumulator + learning_rate * params['grad_' + k]"),
    Variant("momentum_parameter_minus_the_accumulator", "nn.py", loses=("momentum",), may_lose=TRAINED_PSNR,
            old="params[k] = params[k] + accumulator", new="params[k] = params[k] - accumulator"),
    Variant("momentum_applies_the_previous_accumulator", "nn.py", loses=("momentum",), may_lose=TRAINED_PSNR,
            old="""        accumulator = momentum * accumulator - learning_rate * params['grad_' + k]
        params['m_' + k] = accumulator
        params[k] = params[k] + accumulator""", new="""        params[k] = params[k] + accumulator
        params['m_' + k] = momentum * accumulator - learning_rate * params['grad_' + k]"""),
    Variant("momentum_accumulator_not_kept", "nn.py", loses=("momentum",), may_lose=TRAINED_PSNR,
            old="        params['m_' + k] = accumulator\n", new=""),
    Variant("momentum_hard_coded_0.9", "nn.py", loses=("momentum",), may_lose=TRAINED_PSNR,
            old="accumulator = momentum * accumulator - learning_rate * params['grad_' + k]",
            new="accumulator = 0.9 * accumulator - learning_rate * params['grad_' + k]"),
    Variant("momentum_scales_the_gradient_too", "nn.py", loses=("momentum",), may_lose=TRAINED_PSNR,
            old="accumulator = momentum * accumulator - learning_rate * params['grad_' + k]",
            new="accumulator = momentum * (accumulator - learning_rate * params['grad_' + k])"),
    # -- momentum_update: correct alternatives --------------------------------------------------------------
    Variant("momentum_in_place_as_run_q5_does", "nn.py", function="momentum_update", new='''
        def momentum_update(params, learning_rate, momentum=0.9):
            for k in list(params.keys()):
                if '_' in k:
                    continue
                if 'm_' + k not in params:
                    params['m_' + k] = np.zeros(params[k].shape)
                params['m_' + k] = momentum * params['m_' + k] - learning_rate * params['grad_' + k]
                params[k] += params['m_' + k]
    '''),
    Variant("momentum_with_setdefault_and_np_add", "nn.py", function="momentum_update", new='''
        def momentum_update(params, learning_rate, momentum=0.9):
            names = [k[len('grad_'):] for k in params if k.startswith('grad_')]
            for k in names:
                m = params.setdefault('m_' + k, np.zeros_like(params[k], dtype=float))
                m *= momentum
                m -= learning_rate * params['grad_' + k]
                params[k] = np.add(params[k], m)
    '''),

    # -- psnr: mistakes ------------------------------------------------------------------------------------------
    Variant("psnr_sum_of_squares", "nn.py", loses=("psnr",),
            old="mse = np.mean((np.asarray(original, dtype=np.float64) - reconstructed) ** 2)",
            new="mse = np.sum((np.asarray(original, dtype=np.float64) - reconstructed) ** 2)"),
    Variant("psnr_natural_logarithm", "nn.py", loses=("psnr",),
            old="value = 20 * np.log10(max_value) - 10 * np.log10(mse)",
            new="value = 20 * np.log(max_value) - 10 * np.log(mse)"),
    Variant("psnr_ignores_max_value", "nn.py", loses=("psnr",),
            old="value = 20 * np.log10(max_value) - 10 * np.log10(mse)", new="value = -10 * np.log10(mse)"),
    Variant("psnr_10_log_max", "nn.py", loses=("psnr",),
            old="value = 20 * np.log10(max_value) - 10 * np.log10(mse)",
            new="value = 10 * np.log10(max_value) - 10 * np.log10(mse)"),
    Variant("psnr_max_of_the_original", "nn.py", loses=("psnr",),
            old="value = 20 * np.log10(max_value) - 10 * np.log10(mse)",
            new="value = 20 * np.log10(np.max(original)) - 10 * np.log10(mse)"),
    # -- psnr: correct alternatives --------------------------------------------------------------------------------
    Variant("psnr_as_a_ratio_of_squares", "nn.py", function="psnr", new='''
        def psnr(original, reconstructed, max_value=1.0):
            diff = np.asarray(original, dtype=float).ravel() - np.asarray(reconstructed, dtype=float).ravel()
            return 10 * np.log10(max_value ** 2 / np.dot(diff, diff) * diff.size)
    '''),
    Variant("psnr_from_the_rmse", "nn.py", function="psnr", new='''
        def psnr(original, reconstructed, max_value=1.0):
            rmse = np.sqrt(((original - reconstructed) ** 2).mean())
            return float(20 * np.log10(max_value / rmse))
    '''),
]
