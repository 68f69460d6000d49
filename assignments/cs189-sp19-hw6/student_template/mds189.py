"""The MDS189 key-frame loader for problem 4 (provided): PyTorch datasets over folders of images.

This file is provided: the grader uses its own copy. The key frames are laid out one folder per
movement, for each split:

    <root>/train/<movement>/*.png (or .jpg)
    <root>/test/<movement>/*.png

The label of an image is the index of its movement in ``LABEL_MAP``. Pixels come back as floats
in [0, 1], shape (3, size, size): the grader trains your model on exactly these. The Kaggle frames
(problem 4(g)) sit in one folder without labels; their ids are their positions in sorted order.
"""
import os

import numpy as np
import torch
from torch.utils import data

LABEL_MAP = ("reach", "squat", "inline", "lunge", "hamstrings", "stretch", "deadbug", "pushup")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def load_image(path, size=64):
    """One image as a float tensor (3, size, size) in [0, 1] (Pillow reads it)."""
    from PIL import Image

    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB").resize((size, size)), dtype=np.float32) / 255
    return torch.from_numpy(pixels.transpose(2, 0, 1).copy())


def image_files(folder):
    """The image files of a folder, in sorted order."""
    return [os.path.join(folder, name) for name in sorted(os.listdir(folder))
            if name.lower().endswith(IMAGE_SUFFIXES)]


class Mds189(data.Dataset):
    """The key frames of one split: ``dataset[i]`` is (image (3, size, size), label)."""

    def __init__(self, root, split="train", size=64, classes=LABEL_MAP):
        self.size = size
        self.items = [(path, label) for label, movement in enumerate(classes)
                      if os.path.isdir(os.path.join(root, split, movement))
                      for path in image_files(os.path.join(root, split, movement))]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        path, label = self.items[index]
        return load_image(path, self.size), label


def load_kaggle_frames(folder, size=64):
    """The unlabelled Kaggle frames (N, 3, size, size); the id of frame i is i (sorted file names)."""
    return torch.stack([load_image(path, size) for path in image_files(folder)])


def write_predictions(path, labels):
    """Write predictions.csv: the header 'id,label', then one row 'i,class index' per frame."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("id,label\n")
        handle.writelines(f"{i},{int(label)}\n" for i, label in enumerate(labels))
