"""Grading tests that train networks with the student's functions: 3.1 (the classifier) and 5.3.2 (the
autoencoder's PSNR).

The loops are the grader's (tests/probes/cmu16720_training.py: the steps of run_q3.py and run_q5.py), run
on the student's side one epoch per call (the examples stay there, behind a handle), the parameters handed
back and forth between epochs; every
step of them is the student's: initialize_weights, get_random_batches,
forward, backwards, the autoencoder's functions, momentum_update. Only the trained weights come back.
The grader then computes the accuracy or the PSNR itself, with its own numpy network, on a test set
the student's side never sees, and compares it with the thresholds of autograder.yml (``options``).

Datasets: the synthetic characters (36 classes of 32x32 images, made from a seed: CI and every
machine) and NIST36 where the course staff installed nist36_train.mat and nist36_test.mat in the
data folder (a missing dataset, or scipy, skips its check: it counts 0 of 0 points).
"""
import functools

import numpy as np
import pytest

from autograder import datasets
from autograder.errors import GradingFailure, StudentRaised
from autograder.run import current_assignment
from cmu16720_checks import NOTHING_STORED, autoencoder_reconstruction, average_psnr, classifier_predictions

CONFIG = current_assignment(__file__)
CLASSIFIER_TASKS = dict(CONFIG.options.get("classifier_training") or {})
AUTOENCODER_TASKS = dict(CONFIG.options.get("autoencoder_training") or {})
NOT_GRADED_HERE = "not graded here: "  # a skip so worded counts 0 of 0 points (autograder.scoring.NOT_GRADED_HERE)


@functools.lru_cache(maxsize=4)
def load_dataset(name, folder):
    """A configured dataset, loaded once per run: DatasetMissing (a skip) or DatasetError (a failure)."""
    return datasets.load_dataset(name, CONFIG.data.datasets[name], folder)


def dataset_or_skip(name, run):
    try:
        return load_dataset(name, run.data_folder)
    except datasets.DatasetMissing as exc:
        pytest.skip(f"{NOT_GRADED_HERE}{exc}. It is graded where the course staff installed the dataset.")
    except datasets.DatasetError as exc:
        raise RuntimeError(f"the grader's copy of dataset {name!r} is damaged: {exc}") from None


def flat(images):
    """(N, 1, 32, 32) images as the (N, 1024) rows the network takes, in float64."""
    return np.asarray(images, dtype=np.float64).reshape(len(images), -1)


def handles(student, names):
    """{short name: a handle to the submission's function}, e.g. "nn.forward" -> functions["forward"]."""
    return {name.split(".")[-1]: student.function(name) for name in names}


def run_probe(student, probe, what, *args, **kwargs):
    """Run a training probe; the student's errors come back as one sentence about the training run."""
    try:
        return student.run_probe(probe, *args, **kwargs)
    except StudentRaised as exc:
        summary = exc.summary.removeprefix(f"{probe} ")
        if exc.exc_type == "NotImplementedError":
            summary = "the training stopped: a function it needs " + summary
        else:
            summary = "the training stopped: your code " + summary
        raise GradingFailure(f"{what}: {summary}" + (f"\n{exc.details}" if exc.details else "")) from None


def expect_parameters(params, shapes, what, when):
    """The probe's result checked: a float array of the right shape, all finite, for every key of ``shapes``."""
    if not isinstance(params, dict):
        raise GradingFailure(f"{what}: {when}, no parameters came back.")
    for key, shape in shapes.items():
        value = params.get(key)
        if type(value) is not np.ndarray or value.shape != shape:
            got = f"nothing {NOTHING_STORED}" if value is None else (
                f"shape {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__)
            raise GradingFailure(f"{what}: {when}, params[{key!r}] should be an array of shape {shape}; got {got}.")
        if not np.isfinite(value).all():
            raise GradingFailure(f"{what}: {when}, params[{key!r}] holds NaN or inf: the training diverged (a "
                                 "gradient with the wrong sign or scale?).")
    return params


def train(student, what, shapes, start, epoch, epochs, **arguments):
    """The grader's training loop: ``start`` once, then ``epoch`` ``epochs`` times, each a probe call on the
    student's side fed the parameters the previous one returned; every result checked here."""
    params = expect_parameters(run_probe(student, start[0], what, **start[1]), shapes, what, "after initialisation")
    for number in range(1, epochs + 1):
        params = run_probe(student, epoch, what, params=params, **arguments)
        expect_parameters(params, shapes, what, f"after epoch {number}")
    return params


# == Q3.1 the classifier =========================================================================
CLASSIFIER_FUNCTIONS = ("nn.initialize_weights", "nn.get_random_batches", "nn.forward", "nn.backwards", "nn.sigmoid",
                        "nn.softmax", "nn.sigmoid_deriv", "util.linear_deriv")


@pytest.mark.training
@pytest.mark.parametrize("task", list(CLASSIFIER_TASKS))
def test_classifier_trained_with_your_functions(student, run, task):
    recipe = CLASSIFIER_TASKS[task]
    data = dataset_or_skip(recipe["dataset"], run)
    x, y = flat(data.train_x), np.eye(data.num_classes)[data.train_y]
    hidden = int(recipe["hidden_size"])
    what = (f"A {x.shape[1]}-{hidden}-{data.num_classes} network (sigmoid, softmax) trained with your functions "
            f"on {data.describe()} ({recipe['epochs']} epochs of minibatch SGD, batch size {recipe['batch_size']}, "
            f"learning rate {recipe['learning_rate']:g})")
    functions = handles(student, CLASSIFIER_FUNCTIONS)
    shapes = {"Wlayer1": (x.shape[1], hidden), "blayer1": (hidden,), "Woutput": (hidden, data.num_classes),
              "boutput": (data.num_classes,)}
    start = ("cmu16720_training.classifier_start", dict(functions=functions, in_size=x.shape[1], hidden_size=hidden,
                                                   out_size=data.num_classes, seed=int(recipe.get("seed", 0))))
    examples = run_probe(student, "cmu16720_training.keep_training_data", what, x, y)
    params = train(student, what, shapes, start, "cmu16720_training.classifier_epoch", int(recipe["epochs"]), data=examples,
                   functions=functions, batch_size=int(recipe["batch_size"]),
                   learning_rate=float(recipe["learning_rate"]))
    accuracy = float(np.mean(classifier_predictions(params, flat(data.test_x)) == data.test_y))
    print(f"[{task}] test accuracy {accuracy:.4f} (threshold {recipe['threshold']})")
    if accuracy < float(recipe["threshold"]):
        raise GradingFailure(
            f"{what}: it classifies {accuracy:.1%} of the {len(data.test_y):,} held-out images right (measured by the "
            f"grader); expected at least {float(recipe['threshold']):.0%}. Check forward, backwards and "
            "get_random_batches (questions 2.2 to 2.4).")


# == Q5.3.2 the trained autoencoder's PSNR ============================================================
AUTOENCODER_FUNCTIONS = ("nn.initialize_autoencoder", "nn.get_random_batches", "nn.autoencoder_forward",
                         "nn.autoencoder_backwards", "nn.momentum_update")


@pytest.mark.psnr
@pytest.mark.parametrize("task", list(AUTOENCODER_TASKS))
def test_autoencoder_trained_with_your_functions_reaches_the_psnr(student, run, task):
    recipe = AUTOENCODER_TASKS[task]
    data = dataset_or_skip(recipe["dataset"], run)
    x = flat(data.train_x)[: int(recipe.get("train_examples", len(data.train_x)))]
    hidden = int(recipe["hidden_size"])
    d = x.shape[1]
    what = (f"The {d}-{hidden}-{hidden}-{hidden}-{d} autoencoder trained with your functions on {len(x):,} images of "
            f"{data.name} ({recipe['epochs']} epochs, batch size {recipe['batch_size']}, learning rate "
            f"{recipe['learning_rate']:g} with momentum 0.9)")
    functions = handles(student, AUTOENCODER_FUNCTIONS)
    sizes = [(d, hidden), (hidden, hidden), (hidden, hidden), (hidden, d)]
    shapes = {}
    for name, (fan_in, fan_out) in zip(("layer1", "hidden", "hidden2", "output"), sizes):
        shapes["W" + name], shapes["b" + name] = (fan_in, fan_out), (fan_out,)
    start = ("cmu16720_training.autoencoder_start", dict(functions=functions, in_size=d, hidden_size=hidden,
                                                    seed=int(recipe.get("seed", 0))))
    examples = run_probe(student, "cmu16720_training.keep_training_data", what, x)
    params = train(student, what, shapes, start, "cmu16720_training.autoencoder_epoch", int(recipe["epochs"]), data=examples,
                   functions=functions, batch_size=int(recipe["batch_size"]),
                   learning_rate=float(recipe["learning_rate"]))
    test_x = flat(data.test_x)
    average = average_psnr(test_x, autoencoder_reconstruction(params, test_x))
    print(f"[{task}] average PSNR {average:.2f} dB (threshold {recipe['threshold_db']} dB)")
    if average < float(recipe["threshold_db"]):
        raise GradingFailure(
            f"{what}: it reconstructs the {len(test_x):,} held-out images with an average PSNR of {average:.2f} dB "
            f"(measured by the grader); expected at least {float(recipe['threshold_db']):g} dB. Check the "
            "autoencoder (question 5.1.1), momentum_update (5.1.2) and get_random_batches (2.4).")
