"""Dataset loaders on small files written here in the real formats, and the synthetic digits."""
from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest

from autograder import datasets
from autograder.datasets import DatasetError, DatasetMissing


def write_mnist(folder, gz=False, train=6, test=4, size=5, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, (train, size, size)), "train_labels": rng.integers(0, 10, train),
        "test_images": rng.integers(0, 256, (test, size, size)), "test_labels": rng.integers(0, 10, test),
    }
    for key, stem in datasets.IDX_FILES.items():
        datasets.write_idx(folder / (stem + (".gz" if gz else "")), arrays[key])
    return arrays


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzipped"])
def test_idx_files_load_as_float_images_and_int_labels(tmp_path, gz):
    arrays = write_mnist(tmp_path / "mnist", gz=gz)
    data = datasets.load_dataset("mnist", {"format": "idx", "path": "mnist"}, tmp_path)
    assert data.train_x.shape == (6, 1, 5, 5) and data.train_x.dtype == np.float32
    np.testing.assert_allclose(data.train_x[:, 0] * 255, arrays["train_images"], atol=1e-3)
    np.testing.assert_array_equal(data.test_y, arrays["test_labels"])
    assert data.test_y.dtype == np.int64 and data.num_classes == int(max(arrays["train_labels"].max(),
                                                                         arrays["test_labels"].max())) + 1


def test_a_wrong_magic_number_is_named(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x12\x34\x08\x01" + b"\x00" * 10)
    with pytest.raises(DatasetError, match=r"train-labels-idx1-ubyte: not an IDX file \(magic number 12340801"):
        datasets.load_idx_dataset("mnist", tmp_path)


def test_images_given_as_labels_are_refused_by_their_dimensions(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes((tmp_path / "t10k-images-idx3-ubyte").read_bytes())
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte: has 3 dimension.*expected 1"):
        datasets.load_idx_dataset("mnist", tmp_path)


def test_a_truncated_file_says_so(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(DatasetError, match=r"announces shape \(6, 5, 5\).*holds fewer; it is truncated"):
        datasets.load_idx_dataset("mnist", tmp_path)


def test_a_header_announcing_terabytes_is_refused_before_reading(tmp_path):
    write_mnist(tmp_path)
    huge = bytes([0, 0, 8, 3]) + (100_000).to_bytes(4, "big") * 3
    (tmp_path / "train-images-idx3-ubyte").write_bytes(huge)
    with pytest.raises(DatasetError, match="that is not a dataset"):
        datasets.load_idx_dataset("mnist", tmp_path)


def test_a_damaged_gzip_is_named(tmp_path):
    write_mnist(tmp_path, gz=True)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b\x08junk")
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte.gz: cannot be read"):
        datasets.load_idx_dataset("mnist", tmp_path)


def test_images_and_labels_must_agree_in_number(tmp_path):
    write_mnist(tmp_path)
    datasets.write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5))
    with pytest.raises(DatasetError, match="6 train images but 5 train labels"):
        datasets.load_idx_dataset("mnist", tmp_path)


def test_missing_files_and_folders_are_a_skip_reason_not_an_error(tmp_path, monkeypatch):
    with pytest.raises(DatasetMissing, match="does not exist"):
        datasets.load_dataset("mnist", {"format": "idx", "path": "mnist"}, tmp_path)
    (tmp_path / "mnist").mkdir()
    with pytest.raises(DatasetMissing, match="has no train-images-idx3-ubyte"):
        datasets.load_dataset("mnist", {"format": "idx", "path": "mnist"}, tmp_path)
    with pytest.raises(DatasetMissing, match="needs a data folder"):
        datasets.load_dataset("mnist", {"format": "idx"}, None)


def write_cifar(folder, per_batch=3, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in (*datasets.CIFAR10_TRAIN, datasets.CIFAR10_TEST):
        datasets.write_cifar_batch(folder / name, rng.integers(0, 256, (per_batch, 3, 32, 32)),
                                   rng.integers(0, 10, per_batch))


def test_cifar10_batches_load(tmp_path):
    write_cifar(tmp_path / "cifar")
    data = datasets.load_dataset("cifar10", {"format": "cifar10", "path": "cifar"}, tmp_path)
    assert data.train_x.shape == (15, 3, 32, 32) and data.test_x.shape == (3, 3, 32, 32)
    assert data.train_x.min() >= 0 and data.train_x.max() <= 1


def test_a_cifar_batch_of_the_wrong_shape_or_kind_is_named(tmp_path):
    write_cifar(tmp_path)
    with open(tmp_path / "data_batch_3", "wb") as file:
        pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, file)
    with pytest.raises(DatasetError, match=r"data_batch_3: 'data' has shape \(2, 100\)"):
        datasets.load_cifar10("cifar10", tmp_path)
    with open(tmp_path / "data_batch_3", "wb") as file:
        pickle.dump([1, 2, 3], file)
    with pytest.raises(DatasetError, match="data_batch_3: expected a pickled dict, got list"):
        datasets.load_cifar10("cifar10", tmp_path)
    (tmp_path / "data_batch_3").write_bytes(gzip.compress(b"not a pickle"))
    with pytest.raises(DatasetError, match="data_batch_3: not a CIFAR-10 python batch"):
        datasets.load_cifar10("cifar10", tmp_path)
    write_cifar(tmp_path)
    (tmp_path / "test_batch").unlink()
    with pytest.raises(DatasetMissing, match="has no test_batch"):
        datasets.load_cifar10("cifar10", tmp_path)


def test_an_unknown_format_is_an_error(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(DatasetError, match="format 'csv'"):
        datasets.load_dataset("x", {"format": "csv"}, tmp_path)


def test_synthetic_digits_are_deterministic_balanced_and_in_range():
    a = datasets.load_dataset("s", {"format": "synthetic", "train_size": 300, "test_size": 100, "seed": 3}, None)
    b = datasets.synthetic_digits("s", 300, 100, seed=3)
    np.testing.assert_array_equal(a.train_x, b.train_x)
    np.testing.assert_array_equal(a.test_y, b.test_y)
    assert a.train_x.shape == (300, 1, 28, 28) and a.train_x.dtype == np.float32
    assert 0 <= a.train_x.min() and a.train_x.max() <= 1
    assert set(np.unique(a.train_y)) == set(range(10)) and a.num_classes == 10
    other = datasets.synthetic_digits("s", 300, 100, seed=4)
    assert not np.array_equal(a.train_x, other.train_x)
    # The test set is not a copy of the training set.
    assert not np.isin(a.test_x.reshape(100, -1)[:, 300], a.train_x.reshape(300, -1)[:, 300]).all()


def test_synthetic_digits_of_one_class_look_alike_more_than_across_classes():
    """A nearest-class-mean classifier does far better than chance: the classes are learnable."""
    data = datasets.synthetic_digits("s", 1000, 300, seed=0)
    X, Xt = data.train_x.reshape(1000, -1), data.test_x.reshape(300, -1)
    means = np.stack([X[data.train_y == c].mean(0) for c in range(10)])
    predicted = ((Xt[:, None, :] - means[None]) ** 2).sum(-1).argmin(1)
    assert (predicted == data.test_y).mean() > 0.5


def test_synthetic_sizes_are_bounded():
    with pytest.raises(DatasetError, match="between 1 and 100,000"):
        datasets.synthetic_digits("s", 10**9, 10)
