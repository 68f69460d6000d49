"""Grading tests for torch_models.py (question 7): trusted training of the student's architectures, and the
Kaggle-style CIFAR-10 predictions.

No student code runs while a model trains. The builder is called once on the
student's side and its ``nn.Sequential`` is read as plain data by the probe
``layer_stack.describe_sequential``; the grader checks that description against
the allowed layers, rebuilds the model with its own torch and a fixed seed, and
trains and evaluates it (``accuracy.tasks`` of autograder.yml: a dataset, a
recipe, a threshold).

Fashion-MNIST and CIFAR-10 train on a CUDA GPU: where there is none, or where
the dataset's files are absent, the check is skipped as "not graded here" and
its question counts 0 of 0 for every submission. The CPU path (question
synthetic_training) trains both models on small synthetic sets drawn from seeds.
predictions.csv is read by the grader from the submission's folder (never by
the student's process) and scored against the CIFAR-10 test labels it holds.
"""
import functools
import sys

import pytest

from autograder import datasets, predictions, training
from autograder.compare import describe_value
from autograder.errors import GradingFailure
from autograder.run import current_assignment
from autograder.student import Handle

CONFIG = current_assignment(__file__)
NUM_CLASSES = 10  # both builders output the ten classes of their dataset (a synthetic set may use fewer)
NOT_GRADED_HERE = "not graded here: "  # a skip so worded counts 0 of 0 points (autograder.scoring.NOT_GRADED_HERE)
ALLOWED = ("Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Dropout", "Dropout2d", "ReLU",
           "LeakyReLU", "Tanh", "Sigmoid", "GELU", "Flatten", "Softmax", "LogSoftmax")


def builder_name(builder):
    return f"{builder.split('.')[-1]}()"


def describe(student, builder):
    """The builder's model as plain data; the student's errors (a stub, an exception) propagate."""
    model = student.call(builder)
    if not isinstance(model, Handle):
        raise GradingFailure(f"{builder_name(builder)} should return an nn.Sequential; it returned "
                             f"{describe_value(model)}")
    return student.run_probe("layer_stack.describe_sequential", model)


@functools.lru_cache(maxsize=4)
def load_dataset(name, folder):
    """A configured dataset, loaded once per run; DatasetMissing (a skip) or DatasetError (a failure)."""
    return datasets.load_dataset(name, CONFIG.data.datasets[name], folder)


def dataset_or_skip(name, run):
    try:
        return load_dataset(name, run.data_folder)
    except datasets.DatasetMissing:  # said without this machine's paths: the same words wherever it is graded
        folder = CONFIG.data.datasets[name].get("path", name)
        pytest.skip(f"{NOT_GRADED_HERE}the files of dataset {name!r} ({folder}/ in the data folder) are not on "
                    "this machine; it is graded where the course staff installed them.")
    except datasets.DatasetError as exc:
        raise RuntimeError(f"the grader's copy of dataset {name!r} is damaged: {exc}") from None


def device_or_skip(task):
    import torch

    if task.device == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if CONFIG.accuracy.when_no_gpu == "cpu":
        return "cpu"
    pytest.skip(f"{NOT_GRADED_HERE}it trains on a CUDA GPU and this machine has none (neither has Gradescope); "
                "the course staff grade it on a machine with one.")


def input_shape(task, dataset):
    shape = tuple(dataset.train_x.shape[1:])
    return (int(shape[0] * shape[1] * shape[2]),) if task.input == "flat" else shape


def _task_param(task):
    marks = [getattr(pytest.mark, task.question), pytest.mark.timeout(task.timeout_seconds)]
    if task.device == "gpu":
        marks.append(pytest.mark.gpu)
    return pytest.param(task, marks=marks, id=task.name)


@pytest.mark.parametrize("task", [_task_param(task) for task in CONFIG.accuracy.tasks])
def test_trained_model_reaches_the_accuracy_threshold(student, run, task):
    name = builder_name(task.builder)
    # What this machine lacks (a GPU, the dataset) is decided first, so that the question's maximum is the
    # same for every submission: a stub's builder is skipped here as the reference's is.
    device = device_or_skip(task)
    dataset = dataset_or_skip(task.dataset, run)
    layers = training.parse_description(describe(student, task.builder), ALLOWED, name)
    recipe = training.Recipe(**CONFIG.data.recipes[task.recipe])
    model = training.rebuild(layers, seed=recipe.seed, what=name)
    shape = input_shape(task, dataset)
    training.expect_output_shape(model, shape, NUM_CLASSES, name)
    history = training.train_model(
        model, layers, dataset.train_x, dataset.train_y, dataset.test_x, dataset.test_y, recipe,
        input_shape=shape, label=task.name, device=device,
        num_threads=1 if device == "cpu" else None)  # small batches: more threads only contend
    try:
        saved = f"(training history: {training.save_history(history, run.history_dir, task.name)['json']})"
    except OSError as exc:  # a full or read-only disk must not cost the student anything
        saved = f"(the training history could not be saved: {exc})"
    what = (f"{name}'s model ({training.describe_layers(layers)}), rebuilt by the grader and trained on "
            f"{dataset.describe()} with {recipe.describe()}")
    notes = "".join(f" Note: {note}" for note in history.notes)
    if history.diverged:
        raise GradingFailure(f"{what}: {history.diverged}; training stopped (expected a finite loss).{notes}")
    if not history.test_accuracy >= task.threshold:
        raise GradingFailure(f"{what}, reaches a test accuracy of {history.test_accuracy:.4f}; expected at least "
                             f"{task.threshold:g}.{notes}")
    print(f"[{task.name}] test accuracy {history.test_accuracy:.4f} >= {task.threshold:g} {saved}",
          file=sys.__stderr__ or sys.stderr, flush=True)  # the terminal, not what "your code printed"


def _predictions_marks():
    settings = CONFIG.predictions
    return [getattr(pytest.mark, settings.question)] if settings else [pytest.mark.skip(reason="no predictions: section")]


@pytest.mark.parametrize("settings", [pytest.param(CONFIG.predictions, marks=_predictions_marks(), id="kaggle")])
def test_kaggle_predictions(submission_folder, run, settings):
    dataset = dataset_or_skip(settings.dataset, run)
    labels = dataset.test_y
    path = submission_folder / settings.file if submission_folder is not None else None
    if path is None or not path.is_file():
        raise GradingFailure(f"there is no {settings.file} in the submission: write one row 'id,label' per image of "
                             f"the CIFAR-10 test set, in test_batch's order ({len(labels):,} rows after the header "
                             f"'{predictions.HEADER}'), as you submit it to Kaggle (build_cifar_cnn's predictions).")
    try:
        predicted = predictions.read_predictions(path, len(labels), dataset.num_classes, settings.file)
    except predictions.PredictionsError as exc:
        raise GradingFailure(str(exc)) from None
    result = predictions.score(predicted, labels, settings.thresholds)
    test_kaggle_predictions.__leaderboard_value__ = round(result.accuracy, 4)
    test_kaggle_predictions.__score__ = result.points / result.max_points if result.max_points else 0.0
    if result.points < result.max_points:
        raise GradingFailure(f"{settings.file} (build_cifar_cnn's predictions): {result.describe(settings.thresholds)}; "
                             f"expected at least {settings.thresholds[-1][0]:g} for every point.")


if CONFIG.predictions is not None and CONFIG.predictions.leaderboard:  # read by the plugin, as gradescope-utils' @leaderboard
    test_kaggle_predictions.__leaderboard_column__ = CONFIG.predictions.leaderboard
    test_kaggle_predictions.__leaderboard_sort_order__ = "desc"
