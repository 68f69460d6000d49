"""Grading tests for optim.py: several consecutive updates of each rule, with its state fed back.

Each case runs the rule for ``STEPS`` consecutive calls, passing the config
the previous call returned (as solver.py does), from a config that is None
(all defaults), that sets every hyperparameter, that sets only some, or
that resumes from a given state. After each step, next_w and the state kept
in config (velocity, cache, m, v, t) are separate checks, so a rule that
updates the weights right but keeps its state under another name loses only
the state's share.
"""
import fnmatch

import numpy as np
import pytest

from autograder.compare import expect_all_close, expect_close, expect_items
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.inputs import away_from
from autograder.tolerances import EXACT_FLOAT64, FORWARD_FLOAT64

STEPS = 3  # consecutive updates per case: the state of step 1 is used by steps 2 and 3
GRADIENT_MARGIN = 0.1  # every gradient element is at least this far from 0 (see make_inputs)

# Each rule's hyperparameters with their defaults (optim.py's docstrings), and the state it keeps in config.
HYPERPARAMETERS = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
STATE = {"sgd": (), "sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v", "t")}


# -- running a rule --------------------------------------------------------------
def given_config(inputs):
    """The config of a case's first call: its entries other than w and dw, or None if it has none."""
    config = {}
    for key, value in inputs.items():
        if key in ("w", "dw"):
            continue
        if np.ndim(value) == 0:  # fixture files hold scalars as 0-d arrays
            value = int(value) if key == "t" else float(value)
        config[key] = value
    return config or None


def run_steps(student, rule, inputs, count, case=None):
    """The (next_w, config) of the first ``count`` consecutive calls, each fed the previous results.

    ``inputs["dw"]`` holds one gradient per step, stacked on the first axis.
    """
    w, config = inputs["w"], given_config(inputs)
    results = []
    for step in range(1, count + 1):
        if step > 1:
            config = expect_config(results[-1][1], rule, step - 1, case)
        result = student.call(f"optim.{rule}", w, inputs["dw"][step - 1], config=config)
        next_w, returned = expect_items(result, 2, what=f"{rule} at step {step}", case=case)
        results.append((next_w, returned))
        w = next_w
    return results


def expect_config(config, rule, step, case):
    """``config`` if it is a dict; a failure that says what came back otherwise."""
    if type(config) is not dict:
        where = f"{rule}, case '{case}'" if case else rule
        raise GradingFailure(
            f"{where}: step {step} returned a {type(config).__name__} as its config; expected (next_w, config) "
            "with config a dict, which holds the state the next step continues from."
        )
    return config


def config_entry(config, key, rule, step, case, missing_hint):
    if key not in config:
        present = ", ".join(repr(k) for k in config) or "none"
        where = f"{rule}, case '{case}'" if case else rule
        raise GradingFailure(
            f"{where}: the config returned by step {step} has no entry '{key}' (its keys: {present}). "
            f"{missing_hint}"
        )
    return config[key]


def update_inputs(rule):
    def make_inputs(rng, shape, config=None, resume=False):
        # Gradients stay clear of 0, where dw / (sqrt(cache) + epsilon) is decided by epsilon alone:
        # the default epsilon then moves an update by under 1e-6 of itself, so the cases with the
        # default epsilon test the formula and those with a large epsilon test where epsilon goes.
        dw = away_from(rng.standard_normal((STEPS, *shape)), margin=GRADIENT_MARGIN)
        inputs = {"w": rng.standard_normal(shape), "dw": dw}
        inputs.update(config or {})
        if resume:  # the state a rule keeps after some earlier updates
            if rule == "sgd_momentum":
                inputs["velocity"] = 0.1 * rng.standard_normal(shape)
            elif rule == "rmsprop":
                inputs["cache"] = rng.uniform(0.2, 1.5, shape)
            elif rule == "adam":
                inputs.update(m=0.3 * rng.standard_normal(shape), v=rng.uniform(0.2, 1.5, shape), t=5)
        return inputs
    return make_inputs


def update_compute(rule):
    def compute(student, **inputs):
        results = run_steps(student, rule, inputs, STEPS)
        out = {}
        for step, (next_w, config) in enumerate(results, start=1):
            out[f"next_w.{step}"] = next_w
            out.update({f"{key}.{step}": config[key] for key in STATE[rule]})
        out.update({f"config.{key}": results[0][1][key] for key in HYPERPARAMETERS[rule]})
        return out
    return compute


def update_fixtures(rule, cases):
    return FixtureSet(rule, make_inputs=update_inputs(rule), compute=update_compute(rule), cases=cases)


SGD = update_fixtures("sgd", [
    Case("defaults_4x5", seed=101, shape=(4, 5)),
    Case("lr_0.1_2x3x4", seed=102, shape=(2, 3, 4), config={"learning_rate": 0.1}),
    Case("lr_3e-3_7", seed=103, shape=(7,), config={"learning_rate": 3e-3}),
])
SGD_MOMENTUM = update_fixtures("sgd_momentum", [
    Case("defaults_4x5", seed=111, shape=(4, 5)),
    Case("lr_0.05_momentum_0.5_2x3x4", seed=112, shape=(2, 3, 4),
         config={"learning_rate": 0.05, "momentum": 0.5}),
    Case("lr_0.1_only_7", seed=113, shape=(7,), config={"learning_rate": 0.1}),
    Case("resume_from_velocity_3x3", seed=114, shape=(3, 3), resume=True),
])
RMSPROP = update_fixtures("rmsprop", [
    Case("defaults_4x5", seed=121, shape=(4, 5)),
    Case("lr_5e-3_decay_0.9_eps_1e-3_2x3x4", seed=122, shape=(2, 3, 4),
         config={"learning_rate": 5e-3, "decay_rate": 0.9, "epsilon": 1e-3}),
    Case("lr_3e-2_only_7", seed=123, shape=(7,), config={"learning_rate": 3e-2}),
    Case("resume_from_cache_3x3", seed=124, shape=(3, 3), resume=True),
])
ADAM = update_fixtures("adam", [
    Case("defaults_4x5", seed=131, shape=(4, 5)),
    Case("lr_1e-2_betas_0.8_0.95_eps_1e-4_2x3x4", seed=132, shape=(2, 3, 4),
         config={"learning_rate": 1e-2, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-4}),
    Case("lr_1e-2_only_7", seed=133, shape=(7,), config={"learning_rate": 1e-2}),
    Case("resume_from_t_5_3x3", seed=134, shape=(3, 3), resume=True),
])
RULES = [SGD, SGD_MOMENTUM, RMSPROP, ADAM]
STATEFUL = [SGD_MOMENTUM, RMSPROP, ADAM]


def per_step(sets):
    """One pytest parameter per (rule, case, step), marked with the rule's question."""
    return [pytest.param(s, case, step, marks=getattr(pytest.mark, s.name), id=f"{s.name}-{case}-step{step}")
            for s in sets for case in s.cases for step in range(1, STEPS + 1)]


def per_rule(sets):
    return [pytest.param(s, marks=getattr(pytest.mark, s.name), id=s.name) for s in sets]


# -- the tests -------------------------------------------------------------------
def adam_with_epsilon_on_sqrt_v(data, step, w):
    """The step from w by the "efficient" form of Adam's paper, lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m /
    (sqrt(v) + epsilon), which adds epsilon to sqrt(v) where the assignment adds it to sqrt(vhat)."""
    config = {**HYPERPARAMETERS["adam"], **(given_config(data.inputs) or {})}
    m, v, t = (data.expected[f"{key}.{step}"] for key in ("m", "v", "t"))
    step_size = config["learning_rate"] * np.sqrt(1 - config["beta2"] ** t) / (1 - config["beta1"] ** t)
    return w - step_size * m / (np.sqrt(v) + config["epsilon"])


EPSILON_PLACEMENT_HINT = (
    "this is the step-size form lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon), which adds "
    "epsilon to sqrt(v); the assignment's formula is lr * mhat / (sqrt(vhat) + epsilon), with epsilon added to "
    "sqrt(vhat). Each update differs by about epsilon / sqrt(vhat) of itself: visibly when epsilon is large."
)


@pytest.mark.parametrize("rule, case, step", per_step(RULES))
def test_update_next_w(student, rule, case, step):
    data = rule.load(case)
    results = run_steps(student, rule.name, data.inputs, step, case.name)
    next_w = results[-1][0]
    try:
        expect_close(next_w, data.expected[f"next_w.{step}"], what=f"{rule.name}: next_w after step {step}",
                     case=case.name, tol=FORWARD_FLOAT64)
    except GradingFailure as failure:
        w = data.inputs["w"] if step == 1 else results[-2][0]
        if (rule is ADAM and type(next_w) is np.ndarray and type(w) is np.ndarray and next_w.shape == w.shape
                and np.allclose(next_w, adam_with_epsilon_on_sqrt_v(data, step, w),
                                rtol=FORWARD_FLOAT64.rtol, atol=FORWARD_FLOAT64.atol)):
            raise GradingFailure(f"{failure}\n  hint: {EPSILON_PLACEMENT_HINT}") from None
        raise


@pytest.mark.parametrize("rule, case, step", per_step(STATEFUL))
def test_update_state(student, rule, case, step):
    data = rule.load(case)
    _, config = run_steps(student, rule.name, data.inputs, step, case.name)[-1]
    config = expect_config(config, rule.name, step, case.name)
    for key in STATE[rule.name]:
        got = config_entry(config, key, rule.name, step, case.name,
                           f"{rule.name} keeps its state in config['{key}'], so that the next call continues "
                           "from it (see the docstring).")
        expect_close(got, data.expected[f"{key}.{step}"], what=f"{rule.name}: config['{key}'] after step {step}",
                     case=case.name, tol=FORWARD_FLOAT64)


@pytest.mark.parametrize("rule", per_rule(RULES))
def test_update_stores_the_defaults_in_config(student, rule):
    case = rule.cases[0]  # config=None: every hyperparameter takes its default
    data = rule.load(case)
    next_w, config = run_steps(student, rule.name, data.inputs, 1, case.name)[-1]
    # Credit only when the update is right too: a stub keeps the defaults its starter sets, and computes nothing.
    expect_close(next_w, data.expected["next_w.1"], what=f"{rule.name}: next_w after step 1", case=case.name,
                 tol=FORWARD_FLOAT64)
    config = expect_config(config, rule.name, 1, case.name)
    for key in HYPERPARAMETERS[rule.name]:
        got = config_entry(config, key, rule.name, 1, case.name,
                           f"Called with config=None, {rule.name} should return a config holding every "
                           f"hyperparameter with its default: config.setdefault('{key}', ...).")
        expect_close(got, data.expected[f"config.{key}"], what=f"{rule.name}: the default config['{key}']",
                     case=case.name, tol=EXACT_FLOAT64)


@pytest.mark.parametrize("rule", per_rule(RULES))
def test_update_changes_only_what_the_assignment_allows(student, rule, assignment):
    """Which arguments a rule may update in place is the assignment's `writes:` (CS231n's optim.py allows w
    and config); any other change (dw, always) is a mistake. Credit only when the updates are right too."""
    case = rule.cases[-1]  # from a given config (and state, for the stateful rules)
    data = rule.load(case)
    student.reset_log()
    results = run_steps(student, rule.name, data.inputs, STEPS, case.name)
    expect_all_close({f"next_w.{step}": next_w for step, (next_w, _) in enumerate(results, start=1)},
                     {f"next_w.{step}": data.expected[f"next_w.{step}"] for step in range(1, STEPS + 1)},
                     what=rule.name, case=case.name, tol=FORWARD_FLOAT64)
    allowed = sorted({name for pattern, names in assignment.writes
                      if fnmatch.fnmatchcase(f"optim.{rule.name}", pattern) for name in names})
    for record in student.calls:
        if record.mutated:
            raise GradingFailure(
                f"{rule.name}, case '{case}': {record.target} changed its input {', '.join(record.mutated)} in place; "
                f"leave it as it was" + (f" (only {' and '.join(allowed)} may be updated in place in this "
                                          "assignment)." if allowed else ": compute next_w as a new array "
                                          "(next_w = w - ..., not w -= ...).")
            )
