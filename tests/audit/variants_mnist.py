"""Variants of mnist_models.py and predictions.csv: constraint breaks, models that cannot learn, bad predictions.

The MNIST accuracy questions (mlp_accuracy, cnn_accuracy) need a GPU and the
MNIST files: where they are skipped they count 0 of 0 for every variant, so
they appear in ``may_lose`` only (on a GPU machine a broken model loses them
too). A model the grader refuses to rebuild (a forbidden layer) cannot be
trained either, so it loses synthetic_training as well.
"""
from autograder.audit import Variant
from autograder.datasets import synthetic_digits
from autograder.predictions import format_predictions

GPU = ("mlp_accuracy", "cnn_accuracy")

# The held-out labels of the CI configuration (autograder.yml: data.datasets.synthetic_digits).
_LABELS = synthetic_digits("synthetic_digits", 2000, 1000, seed=0).test_y


def _builder(name, layers):
    body = "".join(f"                {layer},\n" for layer in layers)
    return f"""
        def {name}():
            return nn.Sequential(
{body}            )
    """


def _mlp(*layers):
    return _builder("build_mlp", layers)


def _cnn(*layers):
    return _builder("build_cnn", layers)


REFERENCE_CNN = ["nn.Conv2d(1, 16, 3, padding=1)", "nn.BatchNorm2d(16)", "nn.ReLU()", "nn.MaxPool2d(2)",
                 "nn.Conv2d(16, 32, 3, padding=1)", "nn.BatchNorm2d(32)", "nn.ReLU()", "nn.MaxPool2d(2)",
                 "nn.Conv2d(32, 32, 3, padding=1)", "nn.BatchNorm2d(32)", "nn.ReLU()", "nn.MaxPool2d(2)",
                 "nn.Flatten()", "nn.Dropout(0.25)", "nn.Linear(32 * 3 * 3, 10)"]


def _without(layers, *removed):
    return [layer for layer in layers if layer not in removed]


def _wrong_predictions(wrong_every):
    """The true labels with every ``wrong_every``-th one shifted to the next class."""
    labels = _LABELS.copy()
    labels[::wrong_every] = (labels[::wrong_every] + 1) % 10
    return format_predictions(labels)


VARIANTS = [
    # -- build_mlp: constraints ------------------------------------------------------------------
    Variant("mlp_with_tanh", "mnist_models.py", function="build_mlp",
            new=_mlp("nn.Linear(784, 200)", "nn.Tanh()", "nn.Linear(200, 10)"),
            loses=("mlp_constraints", "synthetic_training"), may_lose=GPU),
    Variant("mlp_with_a_custom_module", "mnist_models.py", function="build_mlp", new='''
        def build_mlp():
            class Square(nn.Module):
                def forward(self, x):
                    return x * x

            return nn.Sequential(nn.Linear(784, 200), Square(), nn.Linear(200, 10))
    ''', loses=("mlp_constraints", "synthetic_training"), may_lose=GPU),
    Variant("mlp_with_too_many_hidden_units", "mnist_models.py", function="build_mlp",
            new=_mlp("nn.Linear(784, 128)", "nn.ReLU()", "nn.Linear(128, 128)", "nn.ReLU()", "nn.Linear(128, 10)"),
            loses=("mlp_constraints",), may_lose=GPU),
    Variant("mlp_with_nine_outputs", "mnist_models.py", function="build_mlp",
            new=_mlp("nn.Linear(784, 200)", "nn.ReLU()", "nn.Linear(200, 9)"),
            loses=("mlp_constraints", "synthetic_training"), may_lose=GPU),
    Variant("mlp_returning_a_list_of_layers", "mnist_models.py", function="build_mlp", new='''
        def build_mlp():
            return [nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 10)]
    ''', loses=("mlp_constraints", "synthetic_training"), may_lose=GPU),
    # -- build_mlp: a model that cannot learn (one hidden unit behind a ReLU) --------------------------
    Variant("mlp_that_cannot_learn", "mnist_models.py", function="build_mlp",
            new=_mlp("nn.Linear(784, 1)", "nn.ReLU()", "nn.Linear(1, 10)"),
            loses=("synthetic_training",), may_lose=GPU),
    # -- build_cnn: constraints ------------------------------------------------------------------
    Variant("cnn_with_conv1d", "mnist_models.py", function="build_cnn",
            new=_cnn("nn.Flatten(2)", "nn.Conv1d(1, 8, 5)", "nn.BatchNorm2d(8)", "nn.ReLU()", "nn.Flatten()",
                     "nn.Dropout(0.25)", "nn.Linear(8 * 780, 10)"),
            loses=("cnn_constraints", "synthetic_training"), may_lose=GPU),
    Variant("cnn_with_too_many_parameters", "mnist_models.py", function="build_cnn",
            new=_cnn("nn.Conv2d(1, 16, 3, padding=1)", "nn.BatchNorm2d(16)", "nn.ReLU()", "nn.MaxPool2d(2)",
                     "nn.Conv2d(16, 32, 3, padding=1)", "nn.BatchNorm2d(32)", "nn.ReLU()", "nn.MaxPool2d(2)",
                     "nn.Flatten()", "nn.Dropout(0.25)", "nn.Linear(32 * 7 * 7, 32)", "nn.ReLU()",
                     "nn.Linear(32, 10)"),
            loses=("cnn_constraints",), may_lose=GPU),
    Variant("cnn_without_batch_norm", "mnist_models.py", function="build_cnn",
            new=_cnn(*_without(REFERENCE_CNN, "nn.BatchNorm2d(16)", "nn.BatchNorm2d(32)")),
            loses=("cnn_constraints",), may_lose=GPU),
    Variant("cnn_without_dropout", "mnist_models.py", function="build_cnn",
            new=_cnn(*_without(REFERENCE_CNN, "nn.Dropout(0.25)")),
            loses=("cnn_constraints",), may_lose=GPU),
    # -- correct alternatives ------------------------------------------------------------------------
    Variant("mlp_two_hidden_layers_without_dropout", "mnist_models.py", function="build_mlp",
            new=_mlp("nn.Linear(784, 120)", "nn.ReLU()", "nn.Linear(120, 80)", "nn.ReLU()", "nn.Linear(80, 10)")),
    Variant("mlp_ending_in_softmax", "mnist_models.py", function="build_mlp",
            new=_mlp("nn.Linear(784, 200)", "nn.ReLU()", "nn.Dropout(0.2)", "nn.Linear(200, 10)", "nn.Softmax(dim=1)")),
    Variant("cnn_dropout_before_flatten_and_no_padding", "mnist_models.py", function="build_cnn",
            new=_cnn("nn.Conv2d(1, 12, 5)", "nn.ReLU()", "nn.BatchNorm2d(12)", "nn.MaxPool2d(2)",
                     "nn.Conv2d(12, 24, 3)", "nn.ReLU()", "nn.MaxPool2d(2, stride=2)", "nn.Dropout(0.1)",
                     "nn.Flatten()", "nn.Linear(24 * 5 * 5, 10)", "nn.Softmax(dim=-1)")),
    # -- predictions.csv (a changed data file is graded against the whole suite, so only two: the parser's
    # other cases, a shuffled order, CRLF, spaces, a BOM, are autograder/tests/test_predictions.py's) ------------
    Variant("predictions_with_wrong_labels", "predictions.csv", new=_wrong_predictions(2),  # 50% correct
            loses=("predictions",)),
    Variant("predictions_one_row_short", "predictions.csv",
            new="".join(format_predictions(_LABELS).splitlines(keepends=True)[:-1]), loses=("predictions",)),
]
