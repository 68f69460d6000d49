"""Synthetic keypoint features for 8 movements, shaped like MDS189's poses (problem 2.2).

MDS189 cannot be shipped with the grader, so the network is trained on data of the same
shape, made from a seed: each frame is 25 joints, each an (x, y) position and a detection
confidence, flattened to 75 numbers. A movement is a fixed pose (a prototype per class);
each frame is that pose scaled and shifted at random (subjects stand at different places
and distances from the camera), every joint jittered, and its confidences random (they
carry nothing). Features are standardised with the training set's statistics, as
the handout's data loader would pre-process them.
"""
from __future__ import annotations

import numpy as np

MOVEMENTS = ("deadbug", "hamstrings", "inline", "lunge", "pushup", "reach", "squat", "stretch")
JOINTS = 25
FEATURES = 3 * JOINTS  # (x, y, confidence) per joint
_POSE_SEED = 189  # the prototypes: the same 8 poses for every split


def frames(seed: int, count: int, noise: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """``count`` frames (count, 75) and their labels (count,), 0 to 7."""
    poses = np.random.default_rng(_POSE_SEED).uniform(-1, 1, (len(MOVEMENTS), JOINTS, 2))
    rng = np.random.default_rng(seed)
    labels = rng.integers(len(MOVEMENTS), size=count)
    scale = rng.uniform(0.8, 1.25, (count, 1, 1))
    shift = rng.normal(0, 0.3, (count, 1, 2))
    joints = poses[labels] * scale + shift + rng.normal(0, noise, (count, JOINTS, 2))
    confidence = rng.uniform(0.3, 1.0, (count, JOINTS, 1))
    return np.concatenate([joints, confidence], axis=2).reshape(count, FEATURES), labels.astype(np.int64)


def train_and_validation(seed: int, num_train: int, num_val: int) -> dict[str, np.ndarray]:
    """The Solver's data dictionary: standardised training and validation features and their labels."""
    X_train, y_train = frames(2 * seed + 1, num_train)
    X_val, y_val = frames(2 * seed + 2, num_val)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return {"X_train": (X_train - mean) / std, "y_train": y_train, "X_val": (X_val - mean) / std, "y_val": y_val}
