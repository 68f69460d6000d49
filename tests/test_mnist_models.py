"""Grading tests for mnist_models.py: constraints, accuracy after trusted training, held-out predictions.

No student code runs while a model trains. The student's builder is called
once on its side and its ``nn.Sequential`` is read as plain data by the probe
``layer_stack.describe_sequential`` (each layer's torch type and constructor
arguments). The grader checks that description, rebuilds the model with its
own torch and a fixed seed, and checks the constraints on the rebuilt model;
the accuracy tasks of autograder.yml (``accuracy.tasks``) train it with a
fixed recipe and evaluate it on the test set, all on this side.

Tasks on ``device: gpu`` are skipped, with the reason, where no CUDA device
exists (and tasks whose dataset files are absent, wherever); the CPU path
(question synthetic_training) trains both models on synthetic digits made
from a seed, so the pipeline runs end to end in CI.

predictions.csv is read by the grader from the submission's folder (never
by the student's process) and scored against labels only the grader holds.
"""
import functools
import sys
from dataclasses import dataclass

import pytest

from autograder import datasets, predictions, training
from autograder.run import current_assignment
from autograder.compare import describe_value
from autograder.errors import GradingFailure
from autograder.student import Handle

CONFIG = current_assignment(__file__)
NOT_GRADED_HERE = "not graded here: "  # a skip so worded counts 0 of 0 points (autograder.scoring.NOT_GRADED_HERE)
NUM_CLASSES = 10


@dataclass(frozen=True)
class Rules:
    """What mnist_models.py's docstring demands of one builder."""

    name: str  # e.g. "build_mlp()"
    allowed: tuple  # torch.nn layer names
    input_shape: tuple  # of one example
    max_hidden_units: int | None = None  # outputs of every nn.Linear but the last, in all
    max_parameters: int | None = None  # strictly fewer learnable parameters than this
    required: tuple = ()  # layers that must appear at least once


BUILDERS = {
    "mnist_models.build_mlp": Rules("build_mlp()", ("Linear", "ReLU", "Softmax", "Dropout"), (784,),
                                    max_hidden_units=200),
    "mnist_models.build_cnn": Rules("build_cnn()", ("Linear", "Conv2d", "MaxPool2d", "BatchNorm2d", "Dropout", "ReLU",
                                                    "Softmax", "Flatten"), (1, 28, 28),
                                    max_parameters=50_000, required=("BatchNorm2d", "Dropout")),
}


def rules_for(builder):
    """The rules of a builder named in accuracy.tasks; one the handout does not constrain may use any of these layers."""
    if builder in BUILDERS:
        return BUILDERS[builder]
    allowed = tuple(dict.fromkeys(layer for rules in BUILDERS.values() for layer in rules.allowed))
    return Rules(f"{builder.split('.')[-1]}()", allowed, ())


# -- reading a student's model ----------------------------------------------------------------
def describe(student, builder, rules):
    """The builder's model as plain data; the student's errors (a stub, an exception) propagate."""
    model = student.call(builder)
    if not isinstance(model, Handle):
        shown = describe_value(model) if model is None else type(model).__name__
        raise GradingFailure(f"{rules.name} should return an nn.Sequential; it returned {shown}.")
    return student.run_probe("layer_stack.describe_sequential", model)


def read_layers(student, builder, rules):
    return training.parse_description(describe(student, builder, rules), rules.allowed, rules.name)


def constraint_violations(layers, model, rules):
    """Every constraint of ``rules`` the rebuilt model breaks, as phrases."""
    broken = []
    if rules.max_hidden_units is not None:
        hidden = training.hidden_units(layers)
        if hidden > rules.max_hidden_units:
            broken.append(f"it has {hidden:,} hidden units (the out_features of every nn.Linear but the last); "
                          f"the limit is {rules.max_hidden_units:,}")
    if rules.max_parameters is not None:
        count = training.count_parameters(model)
        if count >= rules.max_parameters:
            broken.append(f"it has {count:,} parameters; the limit is {rules.max_parameters:,} (fewer than that)")
    kinds = {layer.kind for layer in layers}
    for required in rules.required:
        if required not in kinds:
            broken.append(f"it has no nn.{required}; at least one is required")
    return broken


def expect_constraints(student, builder):
    rules = BUILDERS[builder]
    layers = read_layers(student, builder, rules)
    model = training.rebuild(layers, seed=0, what=rules.name)
    training.expect_output_shape(model, rules.input_shape, NUM_CLASSES, rules.name)
    broken = constraint_violations(layers, model, rules)
    if broken:
        count = "one of them" if len(broken) == 1 else f"{len(broken)} of them"
        raise GradingFailure(f"{rules.name} must respect its constraints and breaks {count}: " + "; ".join(broken)
                             + f". Its model: {training.describe_layers(layers)}.")


@pytest.mark.mlp_constraints
def test_build_mlp_respects_its_constraints(student):
    expect_constraints(student, "mnist_models.build_mlp")


@pytest.mark.cnn_constraints
def test_build_cnn_respects_its_constraints(student):
    expect_constraints(student, "mnist_models.build_cnn")


# -- trusted training ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def load_dataset(name, folder):
    """A configured dataset, loaded once per run; DatasetMissing (a skip) or DatasetError (a failure)."""
    return datasets.load_dataset(name, CONFIG.data.datasets[name], folder)


def dataset_or_skip(name, run):
    try:
        return load_dataset(name, run.data_folder)
    except datasets.DatasetMissing as exc:
        pytest.skip(f"{NOT_GRADED_HERE}{exc}. It is graded where the course staff installed the dataset.")
    except datasets.DatasetError as exc:
        raise RuntimeError(f"the grader's copy of dataset {name!r} is damaged: {exc}") from None


def device_or_skip(task):
    """"cpu" or "cuda"; None: grade the student's predictions instead (accuracy.when_no_gpu: predictions)."""
    import torch

    if task.device == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if CONFIG.accuracy.when_no_gpu == "cpu":
        return "cpu"
    if CONFIG.accuracy.when_no_gpu == "predictions":
        return None
    pytest.skip(f"{NOT_GRADED_HERE}it trains on a CUDA GPU and this machine has none (neither has Gradescope); "
                "the course staff grade it on a machine with one.")


def input_shape(task, dataset):
    shape = tuple(dataset.train_x.shape[1:])
    return (int(shape[0] * shape[1] * shape[2]),) if task.input == "flat" else shape


def save_history(history, task, run):
    try:
        written = training.save_history(history, run.history_dir, task.name)
    except OSError as exc:  # a full or read-only disk must not cost the student anything
        return f"(the training history could not be saved: {exc})"
    return f"(training history: {written['json']})"


def _task_param(task):
    marks = [getattr(pytest.mark, task.question), pytest.mark.timeout(task.timeout_seconds)]
    if task.device == "gpu":
        marks.append(pytest.mark.gpu)
    return pytest.param(task, marks=marks, id=task.name)


@pytest.mark.parametrize("task", [_task_param(task) for task in CONFIG.accuracy.tasks])
def test_trained_model_reaches_the_accuracy_threshold(student, submission_folder, run, task):
    rules = rules_for(task.builder)
    # What this machine lacks (a GPU, the dataset) is decided first, so that the question's maximum is the
    # same for every submission: a stub's builder is skipped here as the reference's is.
    device = device_or_skip(task)
    dataset = dataset_or_skip(task.dataset, run)
    description = describe(student, task.builder, rules)
    if device is None:
        expect_predictions_reach_the_threshold(submission_folder, task, dataset, rules)
        return
    layers = training.parse_description(description, rules.allowed, rules.name)
    recipe = training.Recipe(**CONFIG.data.recipes[task.recipe])
    model = training.rebuild(layers, seed=recipe.seed, what=rules.name)
    shape = input_shape(task, dataset)
    training.expect_output_shape(model, shape, dataset.num_classes, rules.name)
    history = training.train_model(
        model, layers, dataset.train_x, dataset.train_y, dataset.test_x, dataset.test_y, recipe,
        input_shape=shape, label=task.name, device=device,
        num_threads=1 if device == "cpu" else None)  # small batches: more threads only contend (2x slower on 2 cores)
    saved = save_history(history, task, run)
    what = (f"{rules.name}'s model ({training.describe_layers(layers)}), rebuilt by the grader and trained on "
            f"{dataset.describe()} with {recipe.describe()}")
    notes = "".join(f" Note: {note}" for note in history.notes)
    if history.diverged:
        raise GradingFailure(f"{what}: {history.diverged}; training stopped (expected a finite loss).{notes}")
    if not history.test_accuracy >= task.threshold:
        raise GradingFailure(f"{what}, reaches a test accuracy of {history.test_accuracy:.4f}; expected at least "
                             f"{task.threshold:g}.{notes}")
    print(f"[{task.name}] test accuracy {history.test_accuracy:.4f} >= {task.threshold:g} {saved}",
          file=sys.__stderr__ or sys.stderr, flush=True)  # the terminal, not what "your code printed"


def expect_predictions_reach_the_threshold(submission_folder, task, dataset, rules):
    """No GPU here: the student trained the model themselves and uploaded its test-set predictions."""
    name = task.predictions_file
    path = submission_folder / name if submission_folder is not None else None
    if path is None or not path.is_file():
        raise GradingFailure(f"this machine has no GPU, so {rules.name}'s accuracy is graded from {name}, which is "
                             f"not in the submission: expected one row 'id,label' per test image of {task.dataset}.")
    try:
        predicted = predictions.read_predictions(path, len(dataset.test_y), dataset.num_classes, name)
    except predictions.PredictionsError as exc:
        raise GradingFailure(str(exc)) from None
    accuracy = float((predicted == dataset.test_y).mean())
    if accuracy < task.threshold:
        raise GradingFailure(f"{name} (the predictions of {rules.name}'s model on {dataset.describe()}, graded "
                             f"instead of training it, since this machine has no GPU): accuracy {accuracy:.4f}; "
                             f"expected at least {task.threshold:g}.")


# -- held-out predictions -----------------------------------------------------------------------
def _predictions_marks():
    settings = CONFIG.predictions
    return [getattr(pytest.mark, settings.question)] if settings else [pytest.mark.skip(reason="no predictions: section")]


@pytest.mark.parametrize("settings", [pytest.param(CONFIG.predictions, marks=_predictions_marks(), id="predictions")])
def test_held_out_predictions(submission_folder, run, settings):
    dataset = dataset_or_skip(settings.dataset, run)
    labels = dataset.test_y
    path = submission_folder / settings.file if submission_folder is not None else None
    if path is None or not path.is_file():
        raise GradingFailure(f"there is no {settings.file} in the submission: write one row 'id,label' per example "
                             f"of the held-out test set ({len(labels):,} rows after the header '{predictions.HEADER}').")
    try:
        predicted = predictions.read_predictions(path, len(labels), dataset.num_classes, settings.file)
    except predictions.PredictionsError as exc:
        raise GradingFailure(str(exc)) from None
    result = predictions.score(predicted, labels, settings.thresholds)
    test_held_out_predictions.__leaderboard_value__ = round(result.accuracy, 4)
    test_held_out_predictions.__score__ = result.points / result.max_points if result.max_points else 0.0
    if result.points < result.max_points:
        raise GradingFailure(f"{settings.file}: {result.describe(settings.thresholds)}; expected at least "
                             f"{settings.thresholds[-1][0]:g} for every point.")


if CONFIG.predictions is not None and CONFIG.predictions.leaderboard:  # read by the plugin, as gradescope-utils' @leaderboard
    test_held_out_predictions.__leaderboard_column__ = CONFIG.predictions.leaderboard
    test_held_out_predictions.__leaderboard_sort_order__ = "desc"
