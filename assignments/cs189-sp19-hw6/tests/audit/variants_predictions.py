"""Variants of predictions.csv (4(g)): predictions below the thresholds, malformed files, a valid reordering.

The held-out labels are those of the CI configuration (autograder.yml: data.datasets.kaggle_synthetic).
"""
from pathlib import Path

from autograder.audit import Variant
from autograder.config import load_config
from autograder.datasets import load_dataset
from autograder.predictions import HEADER, format_predictions

_CONFIG = load_config(Path(__file__).resolve().parents[2] / "autograder.yml")
_LABELS = load_dataset("kaggle_synthetic", _CONFIG.data.datasets["kaggle_synthetic"], None).test_y


def _wrong(every):
    """The true labels with every ``every``-th one moved to the next class."""
    labels = _LABELS.copy()
    labels[::every] = (labels[::every] + 1) % 8
    return format_predictions(labels)


def _reordered():
    rows = [f"{i},{label}" for i, label in enumerate(_LABELS)][::-1]
    return HEADER + "\r\n" + "\r\n".join(rows) + "\r\n"


VARIANTS = [
    Variant("kaggle_a_quarter_wrong", "predictions.csv", new=_wrong(4), loses=("kaggle",)),
    Variant("kaggle_half_wrong", "predictions.csv", new=_wrong(2), loses=("kaggle",)),
    Variant("kaggle_without_header", "predictions.csv", new=format_predictions(_LABELS).split("\n", 1)[1],
            loses=("kaggle",)),
    Variant("kaggle_last_row_missing", "predictions.csv", new=format_predictions(_LABELS[:-1]), loses=("kaggle",)),
    Variant("kaggle_movement_names", "predictions.csv",
            new=HEADER + "\n" + "".join(f"{i},squat\n" for i in range(len(_LABELS))), loses=("kaggle",)),
    # correct: any order of the rows, Windows line endings
    Variant("kaggle_rows_reversed_with_crlf", "predictions.csv", new=_reordered()),
]
