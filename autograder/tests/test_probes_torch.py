"""The torch module probes: weights loaded by name, passes in float64, plain data back, seeded randomness."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from autograder.probes import find_probe  # noqa: E402
from autograder.probes import torch_modules as probes  # noqa: E402


class Block(nn.Module):
    """A small module with a bias-free layer, a norm and a dropout, keeping a value after forward."""

    def __init__(self, p=0.0):
        super().__init__()
        self.proj = nn.Linear(3, 2, bias=False)
        self.norm = nn.LayerNorm(2)
        self.drop = nn.Dropout(p)
        self.last = None

    def forward(self, x):
        self.last = self.proj(x)
        return self.drop(self.norm(self.last))


def state_of(rng):
    return {"proj.weight": rng.standard_normal((2, 3)), "norm.weight": 1 + rng.standard_normal(2),
            "norm.bias": rng.standard_normal(2)}


def test_probes_are_found_by_name():
    assert find_probe("torch_modules.forward") is probes.forward
    with pytest.raises(ValueError):
        find_probe("torch_modules._tensor")


def test_load_state_converts_to_float64_and_loads_by_name():
    state = state_of(np.random.default_rng(0))
    module = Block()
    report = probes.load_state(module, state)
    assert report["loaded"] and not report["only_in_module"] and not report["only_in_state"]
    assert module.proj.weight.dtype == torch.float64
    np.testing.assert_array_equal(module.proj.weight.detach().numpy(), state["proj.weight"])


def test_load_state_reports_names_and_shapes_and_loads_nothing_when_strict():
    state = state_of(np.random.default_rng(1))
    module = Block()
    module.proj = nn.Linear(3, 2)  # an extra bias
    state["renamed.weight"] = state.pop("norm.weight")
    state["norm.bias"] = np.zeros(5)
    before = module.proj.weight.detach().clone()
    report = probes.load_state(module, state, strict=True)
    assert not report["loaded"]
    assert report["only_in_module"] == ["proj.bias", "norm.weight"]
    assert report["only_in_state"] == ["renamed.weight"]
    assert report["mismatched"] == [["norm.bias", [5], [2]]]
    assert report["names"]["proj.weight"] == [2, 3]
    assert torch.equal(module.proj.weight.detach(), before.double())
    assert probes.load_state(module, state, strict=False)["loaded"]  # what fits is loaded
    np.testing.assert_array_equal(module.proj.weight.detach().numpy(), state["proj.weight"])


def test_forward_returns_numpy_and_attributes():
    module = Block()
    probes.load_state(module, state_of(np.random.default_rng(2)))
    x = np.random.default_rng(3).standard_normal((4, 3))
    out, values = probes.forward(module, [x], attributes=["last", "missing", "proj.weight"])
    assert type(out) is np.ndarray and out.dtype == np.float64 and out.shape == (4, 2)
    np.testing.assert_allclose(values["last"], x @ module.proj.weight.detach().numpy().T)
    assert values["missing"] is None and values["proj.weight"].shape == (2, 3)


def test_forward_backward_gives_input_and_parameter_gradients():
    module = Block()
    probes.load_state(module, state_of(np.random.default_rng(4)))
    rng = np.random.default_rng(5)
    x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    out, (dx,), grads = probes.forward_backward(module, [x], dout)
    xt = torch.tensor(x, requires_grad=True)
    (module(xt) * torch.tensor(dout)).sum().backward()
    np.testing.assert_allclose(dx, xt.grad.numpy())
    np.testing.assert_allclose(grads["proj.weight"], module.proj.weight.grad.numpy())
    assert set(grads) == {"proj.weight", "norm.weight", "norm.bias"}


def test_forward_backward_reports_no_gradient_through_a_detached_output():
    class Detached(Block):
        def forward(self, x):
            return super().forward(x).detach()

    module = Detached()
    probes.load_state(module, state_of(np.random.default_rng(6)))
    out, (dx,), grads = probes.forward_backward(module, [np.ones((2, 3))], np.ones((2, 2)))
    assert out.shape == (2, 2) and dx is None and all(g is None for g in grads.values())


def test_forward_many_overrides_a_parameter_for_one_call_only():
    module = Block()
    state = state_of(np.random.default_rng(7))
    probes.load_state(module, state)
    x = np.ones((1, 3))
    changed = state["norm.bias"] + 1.0
    plain, overridden, again = probes.forward_many(
        module, [{"args": [x]}, {"args": [x], "state": {"norm.bias": changed}}, {"args": [x]}])
    np.testing.assert_array_equal(plain, again)
    np.testing.assert_allclose(overridden, plain + 1.0)
    np.testing.assert_array_equal(module.norm.bias.detach().numpy(), state["norm.bias"])


def test_seeded_dropout_repeats_and_leaves_the_global_generator_alone():
    module = Block(p=0.5)
    probes.load_state(module, state_of(np.random.default_rng(8)))
    x = np.random.default_rng(9).standard_normal((50, 3))
    state = torch.random.get_rng_state()
    first, _ = probes.forward(module, [x], train=True, seed=1)
    second, _ = probes.forward(module, [x], train=True, seed=1)
    other, _ = probes.forward(module, [x], train=True, seed=2)
    assert torch.equal(torch.random.get_rng_state(), state)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other) and (first == 0).any()


def test_module_types_and_parameter_count():
    module = Block()
    types = dict(probes.module_types(module))
    assert types["proj"] == "torch.nn.modules.linear.Linear"
    assert types[""].endswith("Block")
    assert probes.count_parameters(module) == 6 + 2 + 2


def test_reset_parameters_is_repeatable():
    first, second = Block(), Block()
    probes.reset_parameters(first, seed=3)
    probes.reset_parameters(second, seed=3)
    assert torch.equal(first.proj.weight, second.proj.weight)


def test_train_steps_lowers_the_loss_and_restores_the_thread_count():
    threads = torch.get_num_threads()
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    probes.reset_parameters(model, seed=0)
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal((24, 4)), rng.integers(0, 3, 24)
    losses = probes.train_steps(model, x, y, steps=30, lr=0.05, seed=0)
    assert len(losses) == 30 and all(isinstance(v, float) for v in losses)
    assert losses[-1] < 0.8 * losses[0]
    assert torch.get_num_threads() == threads and not model.training
    sgd = probes.train_steps(model, x, y, steps=3, lr=0.01, optimizer="sgd")
    assert len(sgd) == 3
