"""Grading tests for train.py (problem 4): the CNN, the loss, the evaluation, the Kaggle predictions.

No student code runs while a model trains. ``build_model`` is called once on the student's side and
its ``nn.Sequential`` is read as plain data by the probe ``layer_stack.describe_sequential``; the
grader checks that description, rebuilds the model with its own torch and a fixed seed, trains it
with a fixed recipe (autograder.yml, ``accuracy.tasks``) and evaluates it, all on this side.

MDS189 cannot be shipped with the grader. Question 4.3 trains the model on a synthetic folder of
key frames with MDS189's layout (``train/<movement>/*.png``, ``test/<movement>/*.png``), written
here from a seed (8 colour shapes, one per movement) and read back by the same image-folder loader
(Pillow) as the real one; question 4.4 trains it on MDS189's own key frames where the course has
put them in the data folder and the machine has a GPU, and counts 0 of 0 elsewhere. Both print the
per-movement accuracy table of 4(e), which reaches the question's output.

predictions.csv (4(g)) is read by the grader from the submission's folder (never by the student's
process) and scored against labels only the grader holds.
"""
import tempfile
from pathlib import Path

import numpy as np
import pytest

from autograder import datasets, predictions, synthetic_data, training
from autograder.compare import expect_close
from autograder.errors import GradingFailure
from autograder.fixtures import Case, FixtureSet
from autograder.student import Handle, expect_inputs_unchanged
from autograder.run import current_assignment
from autograder.tolerances import EXACT_FLOAT64, FORWARD_FLOAT64
from cs189sp19_checks import as_array, as_number, shown

CONFIG = current_assignment(__file__)  # for the parametrize lists; options are read when a check runs
NOT_GRADED_HERE = "not graded here: "  # a skip so worded counts 0 of 0 points (autograder.scoring.NOT_GRADED_HERE)
NUM_CLASSES = 8
ALLOWED = ("Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm2d", "Dropout", "Dropout2d", "ReLU", "LeakyReLU", "Flatten",
           "Linear", "Softmax")


# -- reading the student's model -------------------------------------------------------------
def builder_call(image_size, num_classes=NUM_CLASSES):
    return f"build_model(image_size={image_size}, num_classes={num_classes})"


def read_layers(student, image_size, num_classes=NUM_CLASSES):
    """The layers of the student's model, validated; the student's errors (a stub, an exception) propagate."""
    what = builder_call(image_size, num_classes)
    model = student.call("train.build_model", image_size=image_size, num_classes=num_classes)
    if not isinstance(model, Handle):
        raise GradingFailure(f"{what} should return an nn.Sequential; it returned {shown(model)}.")
    description = student.run_probe("layer_stack.describe_sequential", model)
    return training.parse_description(description, ALLOWED, what), what


def expect_parameter_limit(layers, what, assignment):
    limit = int(assignment.options["max_parameters"])
    count = training.parameter_count(layers)
    if count >= limit:
        raise GradingFailure(f"{what} has {count:,} parameters; it must have fewer than {limit:,} (the grader "
                             f"trains it). Its model: {training.describe_layers(layers)}.")


@pytest.mark.cnn_model
@pytest.mark.parametrize("image_size", [32, 64])
def test_build_model_is_a_cnn_of_the_right_shape(student, assignment, image_size):
    layers, what = read_layers(student, image_size)
    if not any(layer.kind == "Conv2d" for layer in layers):
        raise GradingFailure(f"{what} must be a convolutional network, with at least one nn.Conv2d; its model: "
                             f"{training.describe_layers(layers)}.")
    expect_parameter_limit(layers, what, assignment)
    model = training.rebuild(layers, seed=0, what=what)
    training.expect_output_shape(model, (3, image_size, image_size), NUM_CLASSES, what)


# -- the loss ------------------------------------------------------------------------------------
def scores_and_labels(rng, n, c, scale):
    return {"scores": scale * rng.standard_normal((n, c)), "labels": rng.integers(c, size=n)}


def criterion_compute(student, scores, labels):
    """make_criterion()(scores, labels) on float64 tensors, as a number."""
    import torch

    criterion = student.call("train.make_criterion")
    if not isinstance(criterion, Handle):
        raise GradingFailure(f"make_criterion() should return a loss to call as criterion(scores, labels) (such as a "
                             f"torch.nn loss); it returned {shown(criterion)}.")
    got = criterion(torch.tensor(scores), torch.tensor(labels))
    return {"loss": as_number(got, "make_criterion()(scores, labels)")}


LOSS = FixtureSet("hw6_criterion", make_inputs=scores_and_labels, compute=criterion_compute, cases=[
    Case("6x8", seed=671, n=6, c=8, scale=2.0),
    Case("batch1_1x8", seed=672, n=1, c=8, scale=2.0),
    Case("large_scores_5x8", seed=673, n=5, c=8, scale=1e3),
])


@pytest.mark.cnn_loss
@pytest.mark.parametrize("case", LOSS.cases, ids=str)
def test_criterion_is_the_mean_softmax_cross_entropy(student, case):
    data = LOSS.load(case)
    got = LOSS.compute(student, **data.inputs)["loss"]
    expect_close(got, data.expected["loss"], case=case.name, tol=FORWARD_FLOAT64,
                 what=f"make_criterion()(scores, labels): the mean softmax cross-entropy of "
                      f"{data.inputs['scores'].shape[0]} frames' scores")


# -- per-movement accuracy and the confusion matrix ---------------------------------------------------
def prediction_inputs(rng, n, num_classes, present, correct):
    """Ground truth over the first ``present`` classes (each at least once) and predictions right about
    ``correct`` of the time, wrong ones spread over all ``num_classes``."""
    groundtruth = rng.permutation(np.concatenate([np.arange(present), rng.integers(present, size=n - present)]))
    wrong = rng.random(n) > correct
    predicted = np.where(wrong, (groundtruth + rng.integers(1, num_classes, size=n)) % num_classes, groundtruth)
    return {"predicted": predicted.astype(np.int64), "groundtruth": groundtruth.astype(np.int64),
            "num_classes": np.int64(num_classes)}


def per_class_compute(student, predicted, groundtruth, num_classes):
    return {"accuracies": student.call("train.per_class_accuracy", predicted, groundtruth, int(num_classes))}


def confusion_compute(student, predicted, groundtruth, num_classes):
    return {"matrix": student.call("train.confusion_matrix", predicted, groundtruth, int(num_classes))}


PER_CLASS = FixtureSet("hw6_per_class_accuracy", make_inputs=prediction_inputs, compute=per_class_compute, cases=[
    Case("40_frames_8_movements", seed=681, n=40, num_classes=8, present=8, correct=0.7),
    Case("8_frames_one_per_movement", seed=682, n=8, num_classes=8, present=8, correct=0.5),
    Case("30_frames_5_classes", seed=683, n=30, num_classes=5, present=5, correct=0.6),
])
CONFUSION = FixtureSet("hw6_confusion_matrix", make_inputs=prediction_inputs, compute=confusion_compute, cases=[
    Case("40_frames_8_movements", seed=691, n=40, num_classes=8, present=8, correct=0.6),
    Case("12_frames_of_5_of_8_movements", seed=692, n=12, num_classes=8, present=5, correct=0.5),
    Case("batch1_3_classes", seed=693, n=1, num_classes=3, present=1, correct=0.0),
])


def check_evaluation(student, fixtures, case, key, what, as_lists=False):
    data = fixtures.load(case)
    inputs = dict(data.inputs)
    if as_lists:  # the starter's pl and gt are Python lists
        inputs["predicted"], inputs["groundtruth"] = inputs["predicted"].tolist(), inputs["groundtruth"].tolist()
    call = f"{what}(predicted, groundtruth, num_classes={int(inputs['num_classes'])})" + (
        " with Python lists" if as_lists else "")
    got = fixtures.compute(student, **inputs)[key]
    expected = data.expected[key]
    expect_close(as_array(got, call, case.name) if got is not None else None, expected, what=call, case=case.name,
                 tol=EXACT_FLOAT64)


@pytest.mark.per_class_accuracy
@pytest.mark.parametrize("case", PER_CLASS.cases, ids=str)
def test_per_class_accuracy(student, case):
    check_evaluation(student, PER_CLASS, case, "accuracies", "per_class_accuracy")


@pytest.mark.per_class_accuracy
def test_per_class_accuracy_of_python_lists(student):
    check_evaluation(student, PER_CLASS, PER_CLASS.cases[0], "accuracies", "per_class_accuracy", as_lists=True)


@pytest.mark.per_class_accuracy
def test_per_class_accuracy_does_not_modify_its_inputs(student):
    student.reset_log()
    check_evaluation(student, PER_CLASS, PER_CLASS.cases[0], "accuracies", "per_class_accuracy")
    expect_inputs_unchanged(student)


@pytest.mark.confusion_matrix
@pytest.mark.parametrize("case", CONFUSION.cases, ids=str)
def test_confusion_matrix(student, case):
    check_evaluation(student, CONFUSION, case, "matrix", "confusion_matrix")


@pytest.mark.confusion_matrix
def test_confusion_matrix_of_python_lists(student):
    check_evaluation(student, CONFUSION, CONFUSION.cases[0], "matrix", "confusion_matrix", as_lists=True)


@pytest.mark.confusion_matrix
def test_confusion_matrix_does_not_modify_its_inputs(student):
    student.reset_log()
    check_evaluation(student, CONFUSION, CONFUSION.cases[0], "matrix", "confusion_matrix")
    expect_inputs_unchanged(student)


# -- trusted training ------------------------------------------------------------------------------
def device_or_skip(task, assignment):
    import torch

    if task.device == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if assignment.accuracy.when_no_gpu == "cpu":
        return "cpu"
    pytest.skip(f"{NOT_GRADED_HERE}it trains on a CUDA GPU and this machine has none (neither has Gradescope); "
                "the course staff grade it on a machine with one.")


def write_synthetic_frames(folder, spec, synthetic):
    """MDS189's layout, train/<movement>/<i>.png and test/<movement>/<i>.png, of synthetic key frames:
    one colour shape per movement (autograder.synthetic_data.objects), written as PNG with Pillow."""
    from PIL import Image

    size, names = int(spec["size"]), list(spec["classes"])
    seed = int(synthetic["seed"])
    root = folder / str(spec["path"])
    for split, count, split_seed in (("train", synthetic["train_size"], 2 * seed + 1),
                                     ("test", synthetic["test_size"], 2 * seed + 2)):
        images, labels = synthetic_data.objects(split_seed, int(count), size=size, classes=len(names))
        pixels = np.round(images.transpose(0, 2, 3, 1) * 255).astype(np.uint8)
        for name in names:
            (root / split / name).mkdir(parents=True, exist_ok=True)
        for index, (image, label) in enumerate(zip(pixels, labels)):
            Image.fromarray(image).save(root / split / names[label] / f"{index:04d}.png")


def load_frames(task, run, assignment):
    """The task's dataset: the synthetic key frames written (and read back) here, or the course's from the data
    folder; a skip worded "not graded here" when this machine cannot have it."""
    spec = assignment.data.datasets[task.dataset]
    synthetic = assignment.options["synthetic_frames"]
    if spec["format"] == "imagefolder":
        try:
            import PIL.Image  # noqa: F401 - only whether it imports
        except ImportError:
            pytest.skip(f"{NOT_GRADED_HERE}the key frames are image files, which need Pillow (pip install "
                        "pillow==11.3.0), not installed here.")
    try:
        if task.dataset == synthetic["dataset"]:
            with tempfile.TemporaryDirectory(prefix="hw6-frames-") as folder:
                write_synthetic_frames(Path(folder), spec, synthetic)
                return datasets.load_dataset(task.dataset, spec, Path(folder))
        return datasets.load_dataset(task.dataset, spec, run.data_folder)
    except datasets.DatasetMissing as exc:
        pytest.skip(f"{NOT_GRADED_HERE}{exc}. It is graded where the course staff installed MDS189's key frames.")
    except datasets.DatasetError as exc:
        raise RuntimeError(f"the grader's copy of dataset {task.dataset!r} is damaged: {exc}") from None


def _task_param(task):
    marks = [getattr(pytest.mark, task.question), pytest.mark.timeout(task.timeout_seconds)]
    if task.device == "gpu":
        marks.append(pytest.mark.gpu)
    return pytest.param(task, marks=marks, id=task.name)


@pytest.mark.parametrize("task", [_task_param(task) for task in CONFIG.accuracy.tasks])
def test_trained_cnn_reaches_the_accuracy_threshold(student, run, assignment, task):
    # What this machine lacks (a GPU, Pillow, the dataset) is decided before any student code runs, so that
    # the question's maximum is the same for every submission.
    device = device_or_skip(task, assignment)
    dataset = load_frames(task, run, assignment)
    size = int(dataset.train_x.shape[-1])
    layers, what = read_layers(student, size, dataset.num_classes)
    expect_parameter_limit(layers, what, assignment)
    recipe = training.Recipe(**assignment.data.recipes[task.recipe])
    model = training.rebuild(layers, seed=recipe.seed, what=what)
    shape = tuple(dataset.train_x.shape[1:])
    training.expect_output_shape(model, shape, dataset.num_classes, what)
    history = training.train_model(
        model, layers, dataset.train_x, dataset.train_y, dataset.test_x, dataset.test_y, recipe, input_shape=shape,
        label=task.name, device=device, num_threads=1 if device == "cpu" else None)
    try:
        training.save_history(history, run.history_dir, task.name)
    except OSError:
        pass  # a full or read-only disk must not cost the student anything
    names = dataset.class_names or tuple(str(c) for c in range(dataset.num_classes))
    table = training.format_per_class(names, history.per_class_accuracy, history.test_accuracy)
    trained = (f"{what}'s model ({training.describe_layers(layers)}), rebuilt by the grader and trained on "
               f"{dataset.describe()} with {recipe.describe()}")
    notes = "".join(f" Note: {note}" for note in history.notes)
    if history.diverged:
        raise GradingFailure(f"{trained}: {history.diverged}; training stopped (expected a finite loss).{notes}")
    if not history.test_accuracy >= task.threshold:
        raise GradingFailure(f"{trained}, reaches a test accuracy of {history.test_accuracy:.4f}; expected at least "
                             f"{task.threshold:g}.{notes} Per-movement test accuracy:\n{table}")
    print(f"Per-movement test accuracy of {what} trained on {dataset.describe()} (threshold {task.threshold:g}):\n"
          f"{table}")


# -- Kaggle: held-out predictions -------------------------------------------------------------------
def held_out_labels(name, spec, folder):
    return datasets.load_dataset(name, spec, folder).test_y


def _predictions_marks():
    settings = CONFIG.predictions
    return [getattr(pytest.mark, settings.question)] if settings else [pytest.mark.skip(reason="no predictions: section")]


@pytest.mark.parametrize("settings", [pytest.param(CONFIG.predictions, marks=_predictions_marks(), id="kaggle")])
def test_kaggle_predictions(submission_folder, run, assignment, settings):
    try:
        labels = held_out_labels(settings.dataset, assignment.data.datasets[settings.dataset], run.data_folder)
    except datasets.DatasetMissing as exc:
        pytest.skip(f"{NOT_GRADED_HERE}{exc}.")
    path = submission_folder / settings.file if submission_folder is not None else None
    if path is None or not path.is_file():
        raise GradingFailure(f"there is no {settings.file} in the submission: write one row 'id,label' per Kaggle "
                             f"frame ({len(labels):,} rows after the header '{predictions.HEADER}'), the label being "
                             "the movement's index in mds189.LABEL_MAP; mds189.write_predictions writes it.")
    try:
        predicted = predictions.read_predictions(path, len(labels), NUM_CLASSES, settings.file)
    except predictions.PredictionsError as exc:
        raise GradingFailure(str(exc)) from None
    result = predictions.score(predicted, labels, settings.thresholds)
    test_kaggle_predictions.__leaderboard_value__ = round(result.accuracy, 4)
    test_kaggle_predictions.__score__ = result.points / result.max_points if result.max_points else 0.0
    if result.points < result.max_points:
        raise GradingFailure(f"{settings.file}: {result.describe(settings.thresholds)}; expected at least "
                             f"{settings.thresholds[-1][0]:g} for every point.")


if CONFIG.predictions is not None and CONFIG.predictions.leaderboard:  # read by the plugin (gradescope-utils' @leaderboard)
    test_kaggle_predictions.__leaderboard_column__ = CONFIG.predictions.leaderboard
    test_kaggle_predictions.__leaderboard_sort_order__ = "desc"
