"""Trusted training: descriptions read and checked defensively, models rebuilt, trained and evaluated."""
from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from autograder import training  # noqa: E402
from autograder.datasets import synthetic_digits  # noqa: E402
from autograder.errors import GradingFailure  # noqa: E402
from autograder.probes.layer_stack import describe_sequential  # noqa: E402

MLP_LAYERS = ("Linear", "ReLU", "Softmax", "Dropout")
CNN_LAYERS = ("Linear", "Conv2d", "MaxPool2d", "BatchNorm2d", "Dropout", "ReLU", "Softmax", "Flatten")


def parse(model, allowed=CNN_LAYERS):
    return training.parse_description(describe_sequential(model), allowed, "build()")


class Custom(nn.Module):
    def forward(self, x):
        return x


class MyLinear(nn.Linear):
    pass


class MySequential(nn.Sequential):
    pass


def test_a_model_is_read_as_layers_with_their_arguments():
    layers = parse(nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                                 nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.3), nn.Linear(4 * 14 * 14, 10)))
    assert [layer.kind for layer in layers] == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Flatten", "Dropout",
                                                "Linear"]
    assert layers[0].args["bias"] is False and layers[0].args["padding"] == (1, 1)
    assert layers[5].args["p"] == 0.3
    assert str(layers[0]) == "nn.Conv2d(1, 4, (3, 3), padding=(1, 1), bias=False)"
    assert str(layers[-1]) == "nn.Linear(784, 10)"


@pytest.mark.parametrize("model, message", [
    (nn.Sequential(nn.Linear(784, 10), nn.Tanh()), "build() must use only nn.Linear, nn.ReLU, nn.Softmax "
                                                     "and nn.Dropout; its layer 2 is nn.Tanh."),
    (nn.Sequential(nn.Conv1d(1, 2, 3)), "build() must use only nn.Linear, nn.ReLU, nn.Softmax and nn.Dropout; its layer 1 is nn.Conv1d."),
    (nn.Sequential(Custom()), "build() must use only nn.Linear, nn.ReLU, nn.Softmax and nn.Dropout (used directly, not subclassed); its layer 1 is a Custom (a class of"),
    (nn.Sequential(MyLinear(784, 10)), "build() must use only nn.Linear, nn.ReLU, nn.Softmax and nn.Dropout (used directly, not subclassed); its layer 1 is a MyLinear (a class of"),
    (nn.Sequential(nn.Sequential(nn.Linear(784, 10))), "build(), layer 1 is a nested nn.Sequential"),
    (MySequential(nn.Linear(784, 10)), "build() should return a torch.nn.Sequential; it returned an "),
    (nn.Linear(784, 10), "build() should return a torch.nn.Sequential; it returned a torch.nn.modules.linear.Linear"),
    (nn.Sequential(), "build() returns an empty nn.Sequential."),
], ids=["tanh", "conv1d", "custom_module", "subclassed_layer", "nested", "subclassed_sequential", "not_sequential",
        "empty"])
def test_forbidden_or_unreadable_models_are_refused_by_name(model, message):
    with pytest.raises(GradingFailure) as caught:
        parse(model, MLP_LAYERS)
    assert str(caught.value).startswith(message), str(caught.value)


def good_description():
    return describe_sequential(nn.Sequential(nn.Linear(784, 20), nn.ReLU(), nn.Linear(20, 10)))


def tampered(change):
    description = good_description()
    change(description)
    return description


@pytest.mark.parametrize("description, message", [
    (None, "the grader could not read the model"),
    ("a string", "the grader could not read the model"),
    ({"type": "torch.nn.modules.container.Sequential", "layers": "x"}, "the grader could not read the model"),
    (tampered(lambda d: d.update(total_layers=10**9)), "of 1,000,000,000 layers; the grader accepts at most 64"),
    (tampered(lambda d: d.update(layers=d["layers"] * 40, total_layers=120)), "of 120 layers"),
    (tampered(lambda d: d.update(total_layers="3")), "could not read the model's layers"),
    (tampered(lambda d: d["layers"].__setitem__(0, 7)), "layer 1: the grader could not read this layer"),
    (tampered(lambda d: d["layers"][0].update(type=["x"])), "layer 1: the grader could not read this layer"),
    (tampered(lambda d: d["layers"][0]["args"].update(out_features=10**12)), "out_features = 1,000,000,000,000 is "
                                                                            "outside 1 to 1,000,000"),
    (tampered(lambda d: d["layers"][0]["args"].update(out_features=-3)), "out_features = -3 is outside"),
    (tampered(lambda d: d["layers"][0]["args"].update(out_features=True)), "out_features = True is not an integer"),
    (tampered(lambda d: d["layers"][0]["args"].update(out_features=2.5)), "out_features = 2.5 is not an integer"),
    (tampered(lambda d: d["layers"][0]["args"].update(bias="yes")), "bias = 'yes' is not True or False"),
    (tampered(lambda d: d["layers"][0]["args"].pop("in_features")), "could not read its argument in_features"),
    (tampered(lambda d: d["layers"][0].update(type="x" * 10**6)), "its layer 1 is a "),
    (tampered(lambda d: d["layers"][0].update(children=3)), "nn.Linear has submodules"),
], ids=["none", "string", "layers_not_a_list", "absurd_count", "too_many_layers", "count_not_int", "layer_not_dict",
        "type_not_str", "huge_size", "negative_size", "bool_size", "float_size", "bias_not_bool", "missing_arg",
        "huge_type_name", "children"])
def test_a_tampered_description_is_a_clear_failure_never_a_crash(description, message):
    with pytest.raises(GradingFailure) as caught:
        training.parse_description(description, MLP_LAYERS, "build()")
    assert message in str(caught.value), str(caught.value)
    assert len(str(caught.value)) < 600


def test_nan_or_infinite_arguments_are_refused():
    description = describe_sequential(nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)))
    for bad in (float("nan"), float("inf"), 1.5, -0.1):
        description["layers"][1]["args"]["p"] = bad
        with pytest.raises(GradingFailure, match="p = "):
            training.parse_description(description, MLP_LAYERS, "build()")


@pytest.mark.parametrize("model", [
    nn.Sequential(nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 10)),
    nn.Sequential(nn.Linear(784, 10, bias=False)),
    nn.Sequential(nn.Conv2d(1, 8, 5), nn.BatchNorm2d(8), nn.Conv2d(8, 4, (3, 1), groups=4, bias=False),
                  nn.BatchNorm2d(4, affine=False), nn.Flatten(), nn.Linear(4 * 22 * 24, 10)),
], ids=["mlp", "no_bias", "cnn"])
def test_parameters_counted_from_the_description_match_the_rebuilt_model(model):
    layers = parse(model, CNN_LAYERS)
    rebuilt = training.rebuild(layers, seed=0, what="build()")
    assert training.parameter_count(layers) == training.count_parameters(rebuilt) == training.count_parameters(model)


def test_a_model_too_big_to_build_is_refused_before_any_allocation():
    description = describe_sequential(nn.Sequential(nn.Linear(10, 10)))
    description["layers"][0]["args"].update(in_features=1_000_000, out_features=1_000_000)
    layers = training.parse_description(description, MLP_LAYERS, "build()")
    with pytest.raises(GradingFailure, match="has 1,000,001,000,000 parameters; the grader does not build models"):
        training.rebuild(layers, seed=0, what="build()")


def test_rebuilding_is_seeded_and_leaves_the_global_rng_alone():
    layers = parse(nn.Sequential(nn.Linear(6, 3)))
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = training.rebuild(layers, seed=7, what="build()")
    after = torch.rand(1)
    b = training.rebuild(layers, seed=7, what="build()")
    c = training.rebuild(layers, seed=8, what="build()")
    assert torch.equal(before, after)
    assert torch.equal(a[0].weight, b[0].weight) and not torch.equal(a[0].weight, c[0].weight)


def test_hidden_units_are_the_outputs_of_every_linear_but_the_last():
    layers = parse(nn.Sequential(nn.Linear(784, 120), nn.ReLU(), nn.Linear(120, 90), nn.ReLU(), nn.Linear(90, 10)))
    assert training.hidden_units(layers) == 210


def test_output_shape_checks_name_the_problem():
    wrong_size = training.rebuild(parse(nn.Sequential(nn.Linear(784, 20), nn.ReLU(), nn.Linear(20, 5))), 0, "b")
    with pytest.raises(GradingFailure, match=r"outputs shape \(2, 5\); expected \(2, 10\)"):
        training.expect_output_shape(wrong_size, (784,), 10, "build_network()")
    mismatched = training.rebuild(parse(nn.Sequential(nn.Linear(100, 10))), 0, "b")
    with pytest.raises(GradingFailure, match=r"build_network\(\): the model cannot run on a batch of shape \(2, 784\) \(it should "
                                                  r"take \(B, 784\)\): mat1 and mat2"):
        training.expect_output_shape(mismatched, (784,), 10, "build_network()")
    no_flatten = training.rebuild(parse(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(26, 10))), 0, "b")
    with pytest.raises(GradingFailure, match=r"outputs shape \(2, 2, 26, 10\)"):
        training.expect_output_shape(no_flatten, (1, 28, 28), 10, "build_convnet()")


@pytest.mark.parametrize("optimizer, weight_decay", [("adam", 0.0), ("adam", 0.01), ("sgd", 0.0), ("sgd", 0.01)])
def test_the_written_out_optimizer_matches_torch_optim(optimizer, weight_decay):
    torch.manual_seed(0)
    a, b = nn.Linear(5, 3), nn.Linear(5, 3)
    b.load_state_dict(a.state_dict())
    ours = training.Optimizer(list(a.parameters()), training.Recipe(optimizer, 1e-2, weight_decay=weight_decay))
    if optimizer == "adam":
        theirs = torch.optim.Adam(b.parameters(), lr=1e-2, weight_decay=weight_decay)
    else:
        theirs = torch.optim.SGD(b.parameters(), lr=1e-2, momentum=0.9, weight_decay=weight_decay)
    for _ in range(15):
        x = torch.randn(4, 5)
        ours.zero_grad()
        a(x).pow(2).sum().backward()
        ours.step()
        theirs.zero_grad()
        b(x).pow(2).sum().backward()
        theirs.step()
    torch.testing.assert_close(a.weight, b.weight, rtol=1e-6, atol=1e-7)


@pytest.fixture(scope="module")
def small_digits():
    return synthetic_digits("digits", 600, 200, seed=1)


def train(model, data, epochs=2, progress=None, **recipe):
    layers = parse(model)
    rebuilt = training.rebuild(layers, seed=0, what="build()")
    lines = []
    history = training.train_model(
        rebuilt, layers, data.train_x, data.train_y, data.test_x, data.test_y,
        training.Recipe(epochs=epochs, learning_rate=recipe.pop("learning_rate", 3e-3), **recipe),
        input_shape=(784,), label="t", progress=progress or lines.append, num_threads=1)
    return history, lines


def test_training_learns_reports_progress_and_is_deterministic(small_digits):
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    history, lines = train(model, small_digits, epochs=3)
    again, _ = train(model, small_digits, epochs=3)
    assert history.test_accuracy > 0.6 and history.epochs[-1]["loss"] < history.epochs[0]["loss"]
    assert [e["test_accuracy"] for e in history.epochs] == [e["test_accuracy"] for e in again.epochs]
    assert len(lines) == 3 and lines[0].startswith("[t] epoch 1/3: loss ") and "test accuracy" in lines[0]
    assert history.parameters == 784 * 64 + 64 + 64 * 10 + 10


def test_a_model_that_cannot_learn_stays_at_chance(small_digits):
    bottleneck = nn.Sequential(nn.Linear(784, 1), nn.ReLU(), nn.Linear(1, 10))
    history, _ = train(bottleneck, small_digits)
    assert history.test_accuracy < 0.35


def test_a_final_softmax_is_dropped_for_training_with_a_note(small_digits):
    plain = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    with_softmax = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(dim=1))
    a, _ = train(plain, small_digits)
    b, _ = train(with_softmax, small_digits)
    assert b.notes == [training.SOFTMAX_NOTE] and not a.notes
    assert [e["test_accuracy"] for e in a.epochs] == [e["test_accuracy"] for e in b.epochs]


def test_a_diverging_loss_stops_training_and_says_when(small_digits):
    poisoned = small_digits.train_x.copy()
    poisoned[5, 0, 3, 3] = np.inf  # one infinite pixel makes the loss infinite or nan in the first epoch
    data = small_digits.__class__(**{**small_digits.__dict__, "train_x": poisoned})
    history, lines = train(nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10)), data, epochs=3)
    assert history.diverged.startswith("the training loss became ") and history.diverged.endswith("in epoch 1")
    assert len(lines) == 1


def test_history_is_saved_as_json_and_the_plot_is_skipped_without_matplotlib(small_digits, tmp_path, monkeypatch):
    history, _ = train(nn.Sequential(nn.Linear(784, 10)), small_digits, epochs=1)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    written = training.save_history(history, tmp_path / "runs", "task")
    assert set(written) == {"json"} and not (tmp_path / "runs" / "task.png").exists()
    saved = json.loads(written["json"].read_text())
    assert saved["label"] == "t" and len(saved["epochs"]) == 1 and saved["recipe"]["optimizer"] == "adam"
    assert saved["test_accuracy"] == history.test_accuracy


def test_recipes_refuse_absurd_values():
    with pytest.raises(ValueError):
        training.Recipe(optimizer="lbfgs")
    with pytest.raises(ValueError):
        training.Recipe(epochs=0)
    assert training.Recipe().describe() == "Adam, learning rate 0.001, 10 epochs, batch 32, cross-entropy"


# -- the data: and accuracy: sections of autograder.yml ---------------------------------------------------
def load_yaml(tmp_path, text):
    import textwrap

    from autograder.config import load_config

    path = tmp_path / "autograder.yml"
    path.write_text(textwrap.dedent(text))
    return load_config(path)


BASE = """
    questions: {acc: {points: 2}}
    data:
      folder: data
      datasets:
        digits: {format: synthetic}
        mnist: {format: idx, path: mnist}
      recipes:
        quick: {optimizer: adam, learning_rate: 0.002, epochs: 3, batch_size: 32}
"""


def test_accuracy_tasks_are_read_with_their_defaults(tmp_path):
    config = load_yaml(tmp_path, BASE + """
    accuracy:
      tasks:
        t: {question: acc, builder: models.build, dataset: digits, recipe: quick, threshold: 0.8}
    """)
    (task,) = config.accuracy.tasks
    assert (task.name, task.device, task.input, task.threshold) == ("t", "cpu", "image", 0.8)
    assert config.accuracy.when_no_gpu == "skip" and config.data.folder == (tmp_path / "data").resolve()
    assert training.Recipe(**config.data.recipes["quick"]).epochs == 3


@pytest.mark.parametrize("section, message", [
    ("t: {question: other, builder: m.b, dataset: digits, recipe: quick, threshold: 0.8}",
     "accuracy.tasks.t.question is 'other', which is not in questions:"),
    ("t: {question: acc, builder: m.b, dataset: cifar, recipe: quick, threshold: 0.8}",
     "accuracy.tasks.t.dataset is 'cifar', which is not in data.datasets"),
    ("t: {question: acc, builder: m.b, dataset: digits, recipe: slow, threshold: 0.8}",
     "accuracy.tasks.t.recipe is 'slow', which is not in data.recipes"),
    ("t: {question: acc, builder: m.b, dataset: digits, recipe: quick, threshold: 80}",
     "accuracy.tasks.t.threshold is 80; use an accuracy between 0 and 1"),
    ("t: {question: acc, builder: build, dataset: digits, recipe: quick, threshold: 0.8}",
     "accuracy.tasks.t.builder is 'build'; use module.function"),
    ("t: {question: acc, builder: m.b, dataset: digits, recipe: quick, threshold: 0.8, device: tpu}",
     "accuracy.tasks.t.device is 'tpu'; use cpu or gpu"),
    ("t: {question: acc, builder: m.b, dataset: digits, recipe: quick, threshold: 0.8, epochs: 3}",
     "accuracy.tasks.t.epochs is not a setting"),
    ("t: {question: acc, builder: m.b, dataset: digits}", "accuracy.tasks.t lacks recipe, threshold"),
    ("t: {question: acc, builder: m.b, dataset: digits, recipe: quick, threshold: 0.8, predictions_file: a/b.csv}",
     "accuracy.tasks.t.predictions_file is 'a/b.csv'; use a plain file name"),
], ids=["question", "dataset", "recipe", "threshold", "builder", "device", "unknown_key", "missing", "file_path"])
def test_a_wrong_accuracy_task_is_a_clear_config_error(tmp_path, section, message):
    from autograder.config import ConfigError

    with pytest.raises(ConfigError, match=re.escape(message)):
        load_yaml(tmp_path, BASE + f"""
    accuracy:
      tasks:
        {section}
    """)


@pytest.mark.parametrize("extra, message", [
    ("data: {datasets: {x: {format: csv}}}", "data.datasets.x.format is 'csv'"),
    ("data: {recipes: {r: {optimizer: lbfgs}}}", "data.recipes.r.optimizer is 'lbfgs'; use adam or sgd"),
    ("data: {recipes: {r: {epochs: 2.5}}}", "data.recipes.r.epochs is 2.5; use a non-negative whole number"),
    ("data: {recipes: {r: {momentum: 0.9}}}", "data.recipes.r.momentum is not a setting"),
    ("accuracy: {when_no_gpu: maybe}", "accuracy.when_no_gpu is 'maybe'; use one of ('skip', 'cpu', 'predictions')"),
], ids=["format", "optimizer", "epochs", "unknown_recipe_key", "when_no_gpu"])
def test_a_wrong_data_section_is_a_clear_config_error(tmp_path, extra, message):
    from autograder.config import ConfigError

    with pytest.raises(ConfigError, match=re.escape(message)):
        load_yaml(tmp_path, "questions: {acc: {points: 2}}\n" + extra + "\n")


def test_grading_gpu_tasks_from_predictions_needs_a_file_per_gpu_task(tmp_path):
    from autograder.config import ConfigError

    task = "t: {question: acc, builder: m.b, dataset: mnist, recipe: quick, threshold: 0.9, device: gpu"
    with pytest.raises(ConfigError, match=re.escape("accuracy.tasks.t needs a predictions_file, since "
                                                    "accuracy.when_no_gpu is predictions")):
        load_yaml(tmp_path, BASE + f"""
    accuracy:
      when_no_gpu: predictions
      tasks:
        {task}}}
    """)
    config = load_yaml(tmp_path, BASE + f"""
    accuracy:
      when_no_gpu: predictions
      tasks:
        {task}, predictions_file: mlp.csv}}
    """)
    assert config.accuracy.tasks[0].predictions_file == "mlp.csv"
