"""Loading the data sets of the assignment.

This file is provided: the grader always uses its own copy.
"""
from pathlib import Path

import numpy as np

IRIS_CSV = Path(__file__).resolve().parent / "iris.csv"


def load_iris(path=None):
    """Fisher's Iris data: 150 flowers, 4 measurements each (in cm), 3 species.

    The file is scikit-learn's copy: a header line "150,4,setosa,versicolor,virginica"
    (the number of examples, of features, then the class names), then one line per
    flower: sepal length, sepal width, petal length, petal width, class index.

    Inputs:
    - path: the CSV file; by default iris.csv beside this module

    Returns a tuple of:
    - X: the measurements, float64 of shape (150, 4)
    - y: the class indices 0 (setosa), 1 (versicolor), 2 (virginica), int64 of shape (150,)
    """
    path = Path(path) if path is not None else IRIS_CSV
    with open(path, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        rows = np.loadtxt(f, delimiter=",", dtype=np.float64, ndmin=2)
    num_examples, num_features = int(header[0]), int(header[1])
    if rows.shape != (num_examples, num_features + 1):
        raise ValueError(f"{path}: expected {num_examples} rows of {num_features + 1} values, got {rows.shape}")
    X = rows[:, :num_features].copy()
    y = rows[:, num_features].astype(np.int64)
    return X, y


def train_test_split(X, y, num_test, seed=0):
    """A deterministic, stratified split into a training and a test set.

    Each class gives the same share of its examples to the test set (rounded
    down, the remainder taken from the classes in order), chosen by a
    generator seeded with ``seed``.

    Inputs:
    - X: data of shape (N, ...)
    - y: integer labels of shape (N,)
    - num_test: the size of the test set
    - seed: seed of the generator that picks the test examples

    Returns a tuple X_train, y_train, X_test, y_test; each part keeps the data's order.
    """
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    per_class = np.full(len(classes), num_test // len(classes))
    per_class[: num_test - per_class.sum()] += 1
    test = np.zeros(len(y), dtype=bool)
    for label, count in zip(classes, per_class):
        members = np.flatnonzero(y == label)
        test[rng.permutation(members)[:count]] = True
    return X[~test], y[~test], X[test], y[test]


def standardize(X_train, *others):
    """Scale every feature to mean 0 and standard deviation 1, with the training set's statistics.

    Returns the standardized X_train followed by each of ``others`` transformed the same way.
    """
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    return tuple((X - mean) / std for X in (X_train, *others))
