"""Datasets read on the trusted side: IDX files, CIFAR-10 batches, NIST36 .mat files, image folders, synthetic images.

Nothing is downloaded at grading time. Real datasets live in a data folder
(``data.folder`` in the assignment's config, overridden by the environment
variable ``AUTOGRADER_DATA``); each has its own sub-folder:

- ``format: idx``: MNIST and Fashion-MNIST as published, ``train-images-idx3-ubyte``,
  ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``,
  each either plain or gzipped (``.gz``).
- ``format: cifar10``: the "python version" of CIFAR-10, ``data_batch_1`` ...
  ``data_batch_5`` and ``test_batch`` (pickled dicts). They are the course's own
  trusted files, and are unpickled only from the configured folder.
- ``format: mat``: NIST36 as CMU 16-720 hands it out, ``nist36_train.mat`` and
  ``nist36_test.mat`` (``<split>_data`` (N, 1024), ``<split>_labels`` one-hot), read
  with scipy (an assignment's extra dependency).
- ``format: imagefolder``: ``train/<class>/`` and ``test/<class>/`` folders of PNG or
  JPEG images (MDS189's key frames), read with Pillow (an assignment's extra dependency).
- ``format: synthetic``: images drawn from a seeded generator (``kind: digits``,
  ``characters`` or ``objects``: autograder.synthetic_data), the same arrays on every
  machine, made in a fraction of a second, so the training pipeline runs in CI.

Images come back as float32 in [0, 1], NCHW; labels as int64.
"""
from __future__ import annotations

import gzip
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from autograder import synthetic_data

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
CIFAR10_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST = "test_batch"
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_MAX_IDX_BYTES = 1 << 31  # 2 GiB: far above MNIST's 47 MB; a header claiming more is damaged
_MAX_CLASSES = 1000


class DatasetError(Exception):
    """A dataset file is missing, damaged or not in the expected format; the message says which."""


class DatasetMissing(DatasetError):
    """The dataset's files are not in the data folder (a reason to skip, not to fail)."""


@dataclass(frozen=True)
class Dataset:
    """A labelled train/test split, as arrays."""

    name: str
    train_x: np.ndarray  # (N, C, H, W) float32 in [0, 1]
    train_y: np.ndarray  # (N,) int64
    test_x: np.ndarray
    test_y: np.ndarray
    num_classes: int
    class_names: tuple[str, ...] = ()  # when the dataset names its classes (an image folder's sub-folders)

    def describe(self) -> str:
        shape = "x".join(str(s) for s in self.train_x.shape[1:])
        return f"{self.name} ({len(self.train_y):,} training and {len(self.test_y):,} test images of {shape})"


def load_dataset(name: str, spec: Mapping[str, Any], folder: Path | None) -> Dataset:
    """Load the dataset ``name`` as its config entry ``spec`` describes.

    Raises:
        DatasetMissing: the files are not there (tests skip with this reason).
        DatasetError: they are there but unusable.
    """
    kind = spec.get("format")
    if kind == "synthetic":
        return synthetic(name, str(spec.get("kind", "digits")), int(spec.get("train_size", 2000)),
                         int(spec.get("test_size", 1000)), seed=int(spec.get("seed", 0)),
                         classes=int(spec["classes"]) if spec.get("classes") else None)
    if folder is None:
        raise DatasetMissing(f"dataset {name!r} needs a data folder: set data.folder in the config, $AUTOGRADER_DATA or --data")
    where = folder / str(spec.get("path", name))
    if not where.is_dir():
        raise DatasetMissing(f"dataset {name!r}: the folder {where} does not exist (set data.folder, $AUTOGRADER_DATA or --data)")
    if kind == "idx":
        return load_idx_dataset(name, where)
    if kind == "cifar10":
        return load_cifar10(name, where)
    if kind == "mat":
        return load_mat_dataset(name, where, int(spec.get("size", 32)))
    if kind == "imagefolder":
        return load_image_folder(name, where, int(spec.get("size", 64)), int(spec.get("channels", 3)),
                                 tuple(str(c) for c in spec.get("classes") or ()))
    raise DatasetError(f"dataset {name!r} has format {kind!r}; use idx, cifar10, mat, imagefolder or synthetic")


# -- IDX (MNIST, Fashion-MNIST) ------------------------------------------------------------
def _find_file(folder: Path, stem: str) -> Path:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    # Some mirrors spell the dot: t10k-images.idx3-ubyte
    dotted = stem.replace("-idx", ".idx")
    for candidate in (folder / dotted, folder / f"{dotted}.gz"):
        if candidate.is_file():
            return candidate
    raise DatasetMissing(f"{folder} has no {stem} (nor {stem}.gz)")


def read_idx(path: Path, expected_dims: int | None = None) -> np.ndarray:
    """One IDX file (gzipped or not), its magic number, dimensions and size checked."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as file:
            header = file.read(4)
            if len(header) < 4 or header[0] != 0 or header[1] != 0:
                raise DatasetError(f"{path.name}: not an IDX file (magic number {header.hex() or 'missing'}; "
                                   "expected 0x0000 then a type byte and the number of dimensions)")
            type_code, dims = header[2], header[3]
            if type_code not in _IDX_DTYPES:
                raise DatasetError(f"{path.name}: unknown IDX data type 0x{type_code:02x}")
            if expected_dims is not None and dims != expected_dims:
                raise DatasetError(f"{path.name}: has {dims} dimension(s); expected {expected_dims} "
                                   f"(magic number 0x{int.from_bytes(header, 'big'):08x})")
            raw_shape = file.read(4 * dims)
            if len(raw_shape) < 4 * dims:
                raise DatasetError(f"{path.name}: the header is cut short")
            shape = tuple(int.from_bytes(raw_shape[4 * i: 4 * i + 4], "big") for i in range(dims))
            dtype = np.dtype(_IDX_DTYPES[type_code])
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if size > _MAX_IDX_BYTES:
                raise DatasetError(f"{path.name}: the header announces {shape}, {size:,} bytes; that is not a dataset")
            data = file.read(size + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DatasetError(f"{path.name}: cannot be read: {exc}") from None
    if len(data) != size:
        more = "more" if len(data) > size else "fewer"
        raise DatasetError(f"{path.name}: the header announces shape {shape} ({size:,} bytes of data) but the file "
                           f"holds {more}; it is truncated or damaged")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def load_idx_dataset(name: str, folder: Path) -> Dataset:
    """MNIST-style IDX files in ``folder``: 28x28 (any HxW) grey images and their labels."""
    arrays = {}
    for key, stem in IDX_FILES.items():
        arrays[key] = read_idx(_find_file(folder, stem), 3 if key.endswith("images") else 1)
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if len(images) != len(labels):
            raise DatasetError(f"{name}: {len(images):,} {split} images but {len(labels):,} {split} labels")
    return _finish(name, arrays["train_images"][:, None], arrays["train_labels"],
                   arrays["test_images"][:, None], arrays["test_labels"])


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as an IDX file, gzipped when ``path`` ends in .gz (for tests and tools)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wb") as file:
        file.write(header + array.tobytes())


# -- CIFAR-10 ------------------------------------------------------------------------------
def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        raise DatasetMissing(f"{path.parent} has no {path.name}")
    try:
        with open(path, "rb") as file:
            batch = pickle.load(file, encoding="bytes")  # trusted: the course's own file, from its data folder
    except Exception as exc:  # noqa: BLE001 - a damaged pickle raises many kinds
        raise DatasetError(f"{path.name}: not a CIFAR-10 python batch ({type(exc).__name__}: {exc})") from None
    if not isinstance(batch, dict):
        raise DatasetError(f"{path.name}: expected a pickled dict, got {type(batch).__name__}")
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise DatasetError(f"{path.name}: the dict has no 'data' and 'labels' entries (keys: {sorted(batch)[:6]})")
    data, labels = np.asarray(batch["data"]), np.asarray(batch["labels"])
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or data.dtype != np.uint8:
        raise DatasetError(f"{path.name}: 'data' has shape {data.shape} and dtype {data.dtype}; expected (N, 3072) uint8")
    if labels.shape != (len(data),):
        raise DatasetError(f"{path.name}: {len(data):,} images but {labels.size:,} labels")
    return data.reshape(-1, 3, 32, 32), labels


def load_cifar10(name: str, folder: Path) -> Dataset:
    """The CIFAR-10 python batches in ``folder``."""
    train = [_read_cifar_batch(folder / batch) for batch in CIFAR10_TRAIN]
    test_x, test_y = _read_cifar_batch(folder / CIFAR10_TEST)
    return _finish(name, np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]), test_x, test_y)


def write_cifar_batch(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write one batch in the CIFAR-10 python format (for tests and tools)."""
    data = np.ascontiguousarray(images, dtype=np.uint8).reshape(len(images), -1)
    with open(path, "wb") as file:
        pickle.dump({b"data": data, b"labels": [int(v) for v in labels]}, file)


def _finish(name: str, train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray) -> Dataset:
    labels = np.concatenate([train_y, test_y]).astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= _MAX_CLASSES):
        raise DatasetError(f"{name}: labels range from {labels.min()} to {labels.max()}; expected class indices")
    num_classes = int(labels.max()) + 1 if labels.size else 0
    scale = np.float32(1 / 255)
    return Dataset(name, train_x.astype(np.float32) * scale, train_y.astype(np.int64),
                   test_x.astype(np.float32) * scale, test_y.astype(np.int64), num_classes)


# -- synthetic images (autograder.synthetic_data) ------------------------------------------------------
def synthetic(name: str, kind: str = "digits", train_size: int = 2000, test_size: int = 1000, seed: int = 0,
              classes: int | None = None) -> Dataset:
    """A synthetic dataset of ``kind`` (digits, characters, objects): the same arrays for the same
    arguments, on every machine; the training and test images come from two seeds of ``seed``."""
    if kind not in synthetic_data.KINDS:
        raise DatasetError(f"{name}: synthetic kind {kind!r}; use one of {tuple(synthetic_data.KINDS)}")
    if not (0 < train_size <= 100_000 and 0 < test_size <= 100_000):
        raise DatasetError(f"{name}: train_size and test_size must be between 1 and 100,000")
    draw, fixed_classes = synthetic_data.KINDS[kind]
    extra = {"classes": classes} if kind == "objects" and classes else {}
    train_x, train_y = draw(seed * 2 + 1, train_size, **extra)
    test_x, test_y = draw(seed * 2 + 2, test_size, **extra)
    return Dataset(name, train_x, train_y, test_x, test_y, fixed_classes or classes or len(synthetic_data.SHAPES))


def synthetic_digits(name: str = "synthetic_digits", train_size: int = 2000, test_size: int = 1000,
                     seed: int = 0) -> Dataset:
    """The synthetic digits dataset (28x28, 10 classes, MNIST's shape)."""
    return synthetic(name, "digits", train_size, test_size, seed)


# -- NIST36 .mat files (CMU 16-720) ------------------------------------------------------------
MAT_FILES = {"train": "nist36_train.mat", "test": "nist36_test.mat"}


def load_mat_dataset(name: str, folder: Path, size: int = 32) -> Dataset:
    """``nist36_train.mat`` and ``nist36_test.mat`` in ``folder``: ``<split>_data`` (N, size*size) in [0, 1]
    and ``<split>_labels`` (N, C) one-hot, read with scipy.io.loadmat (the assignment's extra dependency)."""
    try:
        from scipy.io import loadmat
    except ImportError:
        raise DatasetMissing(f"dataset {name!r} is in .mat files, which need scipy (pip install scipy)") from None
    arrays = {}
    for split, file in MAT_FILES.items():
        path = folder / file
        if not path.is_file():
            raise DatasetMissing(f"{folder} has no {file}")
        try:
            content = loadmat(path)
        except Exception as exc:  # noqa: BLE001 - scipy raises many kinds for a damaged file
            raise DatasetError(f"{file}: not a readable .mat file ({type(exc).__name__}: {exc})") from None
        data, labels = content.get(f"{split}_data"), content.get(f"{split}_labels")
        if data is None or labels is None:
            raise DatasetError(f"{file}: expected the arrays {split}_data and {split}_labels")
        if data.ndim != 2 or data.shape[1] != size * size or labels.shape[0] != len(data):
            raise DatasetError(f"{file}: {split}_data has shape {data.shape} and {split}_labels {labels.shape}; "
                               f"expected (N, {size * size}) and (N, classes)")
        arrays[split] = (data.reshape(-1, 1, size, size), np.argmax(labels, axis=1) if labels.ndim == 2 else labels)
    (train_x, train_y), (test_x, test_y) = arrays["train"], arrays["test"]
    num_classes = int(max(train_y.max(), test_y.max())) + 1
    return Dataset(name, train_x.astype(np.float32), train_y.astype(np.int64), test_x.astype(np.float32),
                   test_y.astype(np.int64), num_classes)


# -- image folders (one sub-folder per class) --------------------------------------------------------
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def load_image_folder(name: str, folder: Path, size: int = 64, channels: int = 3,
                      classes: tuple[str, ...] = ()) -> Dataset:
    """``train/<class>/*.png|jpg`` and ``test/<class>/...`` in ``folder``, read with Pillow (the
    assignment's extra dependency), resized to size x size; labels follow ``classes`` (default: the
    sorted folder names of train/), so a class keeps its index whatever folders the test split has."""
    try:
        from PIL import Image
    except ImportError:
        raise DatasetMissing(f"dataset {name!r} is a folder of images, which needs Pillow (pip install Pillow)") from None
    train_root = folder / "train"
    if not train_root.is_dir() or not (folder / "test").is_dir():
        raise DatasetMissing(f"{folder} has no train/ and test/ folders (one sub-folder per class in each)")
    names = tuple(classes) or tuple(sorted(p.name for p in train_root.iterdir() if p.is_dir()))
    if len(names) < 2:
        raise DatasetError(f"{train_root}: expected one sub-folder per class, found {len(names)}")
    mode = "L" if channels == 1 else "RGB"
    splits = []
    for split in ("train", "test"):
        images, labels = [], []
        for label, class_name in enumerate(names):
            for path in sorted((folder / split / class_name).glob("*")) if (folder / split / class_name).is_dir() else []:
                if path.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                try:
                    with Image.open(path) as image:
                        pixels = np.asarray(image.convert(mode).resize((size, size)), np.float32) / 255
                except OSError as exc:
                    raise DatasetError(f"{path}: not a readable image ({exc})") from None
                images.append(pixels[None] if channels == 1 else pixels.transpose(2, 0, 1))
                labels.append(label)
        if not images:
            raise DatasetError(f"{folder / split}: no images ({', '.join(IMAGE_SUFFIXES)}) in its class folders")
        splits.append((np.stack(images), np.array(labels, np.int64)))
    (train_x, train_y), (test_x, test_y) = splits
    return Dataset(name, train_x, train_y, test_x, test_y, len(names), class_names=names)
