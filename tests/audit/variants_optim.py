"""Variants of the update rules (optim.py) and of Xavier initialisation (weights.py).

The training questions (overfit, iris) train with the submission's optim.sgd
through solver.py, so a broken sgd may cost them too: they are in its
variants' ``may_lose``. The other rules are used by no other question.
"""
from autograder.audit import Variant

TRAINING = ("overfit", "iris")  # questions that train with optim.sgd (tests/test_training.py)

VARIANTS = [
    # -- sgd: mistakes --------------------------------------------------------------
    Variant("sgd_default_learning_rate_1e-3", "optim.py", loses=("sgd",), may_lose=TRAINING,
            old='config.setdefault("learning_rate", 1e-2)\n\n    # BEGIN SOLUTION: compute next_w',
            new='config.setdefault("learning_rate", 1e-3)\n\n    # BEGIN SOLUTION: compute next_w'),
    # autograder.yml's writes: allows w to change in place (CS231n's optim.py does); a course that forbids it
    # says so there, and the same code then loses points.
    Variant("sgd_updates_w_in_place_where_the_config_forbids_it", "optim.py", loses=("sgd",), may_lose=TRAINING,
            config={"writes": {"optim.*": ["config"]}},
            old='next_w = w - config["learning_rate"] * dw\n',
            new='w -= config["learning_rate"] * dw\n    next_w = w\n'),
    Variant("sgd_scales_dw_in_place", "optim.py", loses=("sgd",), may_lose=TRAINING,
            old='next_w = w - config["learning_rate"] * dw\n',
            new='dw *= config["learning_rate"]\n    next_w = w - dw\n'),
    Variant("sgd_step_uphill", "optim.py", loses=("sgd",), may_lose=TRAINING,
            old='next_w = w - config["learning_rate"] * dw\n', new='next_w = w + config["learning_rate"] * dw\n'),
    # Right with the default config only.
    Variant("sgd_ignores_the_configured_learning_rate", "optim.py", loses=("sgd",), may_lose=TRAINING,
            old='next_w = w - config["learning_rate"] * dw\n', new="next_w = w - 1e-2 * dw\n"),
    Variant("sgd_without_the_learning_rate", "optim.py", loses=("sgd",), may_lose=TRAINING,
            old='next_w = w - config["learning_rate"] * dw\n', new="next_w = w - dw\n"),
    # -- sgd_momentum: mistakes -----------------------------------------------------
    Variant("momentum_sign_error", "optim.py", loses=("sgd_momentum",),
            old='v = config["momentum"] * config["velocity"] - config["learning_rate"] * dw',
            new='v = config["momentum"] * config["velocity"] + config["learning_rate"] * dw'),
    Variant("momentum_applies_w_minus_v", "optim.py", loses=("sgd_momentum",),
            old="next_w = w + v\n    config", new="next_w = w - v\n    config"),
    Variant("momentum_velocity_not_stored", "optim.py", loses=("sgd_momentum",),
            old='next_w = w + v\n    config["velocity"] = v\n', new="next_w = w + v\n"),
    Variant("momentum_velocity_under_another_name", "optim.py", loses=("sgd_momentum",),
            function="sgd_momentum", new='''
        def sgd_momentum(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            v = config.get("v", np.zeros_like(w))
            v = config["momentum"] * v - config["learning_rate"] * dw
            config["v"] = v
            return w + v, config
    '''),
    # -- rmsprop: mistakes ----------------------------------------------------------
    Variant("rmsprop_epsilon_inside_sqrt", "optim.py", loses=("rmsprop",),
            old='dw / (np.sqrt(cache) + config["epsilon"])', new='dw / np.sqrt(cache + config["epsilon"])'),
    Variant("rmsprop_decay_terms_swapped", "optim.py", loses=("rmsprop",),
            old='cache = decay * config["cache"] + (1 - decay) * dw**2',
            new='cache = (1 - decay) * config["cache"] + decay * dw**2'),
    Variant("rmsprop_cache_not_stored", "optim.py", loses=("rmsprop",),
            old='config["cache"] = cache\n', new=""),
    # -- adam: mistakes -------------------------------------------------------------
    Variant("adam_without_bias_correction", "optim.py", loses=("adam",),
            old="mhat = m / (1 - beta1**t)\n    vhat = v / (1 - beta2**t)", new="mhat = m\n    vhat = v"),
    Variant("adam_t_incremented_after_the_update", "optim.py", loses=("adam",),
            function="adam", new='''
        def adam(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-3)
            config.setdefault("beta1", 0.9)
            config.setdefault("beta2", 0.999)
            config.setdefault("epsilon", 1e-8)
            config.setdefault("m", np.zeros_like(w))
            config.setdefault("v", np.zeros_like(w))
            config.setdefault("t", 0)
            beta1, beta2, t = config["beta1"], config["beta2"], config["t"]
            m = beta1 * config["m"] + (1 - beta1) * dw
            v = beta2 * config["v"] + (1 - beta2) * dw**2
            mhat = m / (1 - beta1**t)
            vhat = v / (1 - beta2**t)
            next_w = w - config["learning_rate"] * mhat / (np.sqrt(vhat) + config["epsilon"])
            config["t"], config["m"], config["v"] = t + 1, m, v
            return next_w, config
    '''),
    Variant("adam_beta1_for_v", "optim.py", loses=("adam",),
            old='v = beta2 * config["v"] + (1 - beta2) * dw**2', new='v = beta1 * config["v"] + (1 - beta1) * dw**2'),
    Variant("adam_t_not_stored", "optim.py", loses=("adam",),
            old='config["t"], config["m"], config["v"] = t, m, v', new='config["m"], config["v"] = m, v'),
    # The "efficient" form of Adam's paper (section 2) adds epsilon to sqrt(v), not to sqrt(vhat) as
    # shared/API.md's formula does: it loses the checks of the case with epsilon 1e-4, with a hint.
    Variant("adam_epsilon_on_sqrt_v_step_size_form", "optim.py", loses=("adam",),
            old="""    mhat = m / (1 - beta1**t)
    vhat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * mhat / (np.sqrt(vhat) + config["epsilon"])""",
            new="""    step_size = config["learning_rate"] * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    next_w = w - step_size * m / (np.sqrt(v) + config["epsilon"])"""),
    # -- xavier_uniform: mistakes ---------------------------------------------------
    Variant("xavier_bound_uses_fan_in_only", "weights.py", loses=("xavier",),
            old="a = np.sqrt(6.0 / (fan_in + fan_out))", new="a = np.sqrt(6.0 / fan_in)"),
    Variant("xavier_normal_with_the_same_variance", "weights.py", loses=("xavier",),
            old="w = rng.uniform(-a, a, size=(fan_in, fan_out))",
            new="w = rng.normal(0.0, a / np.sqrt(3.0), size=(fan_in, fan_out))"),
    Variant("xavier_shape_transposed", "weights.py", loses=("xavier",),
            old="w = rng.uniform(-a, a, size=(fan_in, fan_out))", new="w = rng.uniform(-a, a, size=(fan_out, fan_in))"),
    Variant("xavier_uniform_on_0_a", "weights.py", loses=("xavier",),
            old="w = rng.uniform(-a, a, size=(fan_in, fan_out))", new="w = rng.uniform(0, a, size=(fan_in, fan_out))"),
    Variant("xavier_ignores_the_seed", "weights.py", loses=("xavier",),
            old="rng = np.random.default_rng(seed)", new="rng = np.random.default_rng()"),
    # -- correct alternatives -------------------------------------------------------
    Variant("sgd_updates_w_in_place_as_cs231n_allows", "optim.py",
            old='next_w = w - config["learning_rate"] * dw\n',
            new='w -= config["learning_rate"] * dw\n    next_w = w\n'),
    Variant("sgd_with_get_and_a_fresh_config", "optim.py", function="sgd", new='''
        def sgd(w, dw, config=None):
            config = dict(config or {})
            config.setdefault("learning_rate", 1e-2)
            return w - config.get("learning_rate") * dw, config
    '''),
    Variant("momentum_with_np_add_on_a_copy", "optim.py", function="sgd_momentum", new='''
        def sgd_momentum(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            v = np.array(config.get("velocity", np.zeros_like(w)), dtype=float, copy=True)
            np.multiply(v, config["momentum"], out=v)
            np.subtract(v, config["learning_rate"] * dw, out=v)
            next_w = w.copy()
            np.add(next_w, v, out=next_w)
            config["velocity"] = v
            return next_w, config
    '''),
    Variant("momentum_updates_the_stored_velocity_in_place", "optim.py", function="sgd_momentum", new='''
        def sgd_momentum(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            v = config.setdefault("velocity", np.zeros_like(w, dtype=float))
            v *= config["momentum"]
            v -= config["learning_rate"] * dw
            return w + v, config
    '''),
    Variant("adam_with_in_place_moments_and_float_t", "optim.py", function="adam", new='''
        def adam(w, dw, config=None):
            if config is None:
                config = {}
            defaults = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
            for key, value in defaults.items():
                config.setdefault(key, value)
            m = config.setdefault("m", np.zeros_like(w, dtype=float))
            v = config.setdefault("v", np.zeros_like(w, dtype=float))
            config["t"] = config.get("t", 0) + 1.0
            b1, b2, t = config["beta1"], config["beta2"], config["t"]
            m *= b1
            m += (1 - b1) * dw
            v *= b2
            v += (1 - b2) * dw * dw
            mhat = m / (1 - np.power(b1, t))
            vhat = v / (1 - np.power(b2, t))
            return w - config["learning_rate"] * mhat / (np.sqrt(vhat) + config["epsilon"]), config
    '''),
    # The same form with the paper's epsilon-hat = epsilon * sqrt(1 - beta2^t) is exactly the API's formula.
    Variant("adam_step_size_form_with_epsilon_hat", "optim.py", old="""    mhat = m / (1 - beta1**t)
    vhat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * mhat / (np.sqrt(vhat) + config["epsilon"])""",
            new="""    correction2 = np.sqrt(1 - beta2**t)
    step_size = config["learning_rate"] * correction2 / (1 - beta1**t)
    next_w = w - step_size * m / (np.sqrt(v) + config["epsilon"] * correction2)"""),
    Variant("xavier_random_scaled_to_the_bound", "weights.py", function="xavier_uniform", new='''
        def xavier_uniform(fan_in, fan_out, seed=None):
            a = (6 / (fan_in + fan_out)) ** 0.5
            return np.random.default_rng(seed).random((fan_in, fan_out)) * 2 * a - a
    '''),
    Variant("xavier_with_a_random_state", "weights.py", function="xavier_uniform", new='''
        def xavier_uniform(fan_in, fan_out, seed=None):
            limit = np.sqrt(6) / np.sqrt(fan_in + fan_out)
            return np.random.RandomState(seed).uniform(low=-limit, high=limit, size=(fan_in, fan_out))
    '''),
]
