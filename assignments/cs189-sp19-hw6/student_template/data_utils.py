"""The MDS189 keypoint loader for problem 2 (provided): one feature vector per labelled key frame.

This file is provided: the grader uses its own copy (and synthetic keypoint features of the same
shape, since MDS189 cannot be shipped with the grader).

MDS189's ``trainval`` folder holds one folder per subject, each with ``labels/<movement>.json``;
a label file keeps the pose of both sides of a bilateral movement (``left`` and ``right``), as
labelled (``gt_pose``) or aligned by Procrustes analysis to one subject's poses (``gt_pose_align``,
for debugging only: reported results must use the raw poses).
"""
import glob
import json
import os

import numpy as np

MOVEMENTS = ("deadbug", "hamstrings", "inline", "lunge", "pushup", "reach", "squat", "stretch")
"""The class of label i is MOVEMENTS[i] (the movements in alphabetical order)."""


def load_mds189(path, debug=False, num_train_subjects=225, seed=0):
    """The keypoint features and labels of MDS189, split by subject into training and validation sets.

    Inputs:
    - path: the ``trainval`` folder of MDS189
    - debug: use the aligned poses (debugging only) instead of the raw ones
    - num_train_subjects: the first subjects (in sorted order) form the training set, the others
      the validation set
    - seed: the seed of the shuffling of the training set

    Returns X_train (N, D), y_train (N,), X_val (M, D), y_val (M,): each key frame's pose
    flattened into one row, twice for a bilateral movement (left and right).
    """
    key = "gt_pose_align" if debug else "gt_pose"
    splits = {"train": ([], []), "val": ([], [])}
    for index, subject in enumerate(sorted(glob.glob(os.path.join(path, "*", "")))):
        features, labels = splits["train" if index < num_train_subjects else "val"]
        for label, movement in enumerate(MOVEMENTS):
            file = os.path.join(subject, "labels", f"{movement}.json")
            if not os.path.isfile(file):
                continue
            with open(file, encoding="utf-8") as handle:
                poses = json.load(handle)[key]
            for side in ("left", "right"):
                features.append(np.asarray(poses[side], dtype=np.float64).reshape(-1))
                labels.append(label)
    X_train, y_train = (np.array(a) for a in splits["train"])
    X_val, y_val = (np.array(a) for a in splits["val"])
    order = np.random.default_rng(seed).permutation(len(y_train))
    return X_train[order], y_train[order].astype(np.int64), X_val, y_val.astype(np.int64)
