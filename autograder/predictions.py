"""A submission's predictions for a held-out test set: parsing, scoring, and the reference file.

The format (documented for students in the README):

    id,label
    0,7
    1,2
    ...

a header line ``id,label``, then one row per test example: its index (0 to
N - 1, each exactly once, in any order) and the predicted class (0 to C - 1).
UTF-8 text, commas, optional spaces, a trailing newline or not, CRLF or LF.

The labels stay on the trusted side: the grader reads the submission's file
(never running anything of it), compares it with labels it holds, and
awards points by thresholds from the config. Every malformed file gets a
precise sentence, and an oversized one is refused by its size, unread.

    python -m autograder.predictions write-labels DATASET OUT.csv

writes a dataset's held-out labels in this format (the reference's file for
the synthetic CI dataset is made so, byte-identical on every run).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

HEADER = "id,label"
_BYTES_PER_ROW = 24  # "123456,9\n" is 9; leave room for spaces and CRLF
_INT = re.compile(r"^[+-]?\d{1,12}$")


class PredictionsError(Exception):
    """The predictions file cannot be scored; the message says exactly why."""


@dataclass(frozen=True)
class Score:
    accuracy: float
    correct: int
    total: int
    points: float  # by the thresholds
    max_points: float

    def describe(self, thresholds: Sequence[Sequence[float]]) -> str:
        steps = ", ".join(f">= {t:g}: {p:g}" for t, p in thresholds)
        return (f"accuracy {self.accuracy:.4f} ({self.correct:,} of {self.total:,} correct): {self.points:g} of "
                f"{self.max_points:g} points (thresholds {steps})")


def max_file_bytes(num_rows: int) -> int:
    return 1024 + _BYTES_PER_ROW * num_rows


def _size(num_bytes: int) -> str:
    return f"{num_bytes / 1e6:.1f} MB" if num_bytes >= 100_000 else f"{num_bytes:,} bytes"


def read_predictions(path: Path, num_rows: int, num_classes: int, name: str | None = None) -> np.ndarray:
    """The predicted class of each example 0..num_rows-1, from ``path``; PredictionsError when malformed."""
    name = name or path.name
    if not path.is_file():
        raise PredictionsError(f"there is no {name} in the submission.")
    size = path.stat().st_size
    limit = max_file_bytes(num_rows)
    if size > limit:
        raise PredictionsError(f"{name} is {_size(size)}; a file of {num_rows:,} predictions should be at most "
                               f"{_size(limit)}. Write only '{HEADER}' and one 'id,label' row per example.")
    with open(path, "rb") as file:
        raw = file.read(limit + 1)
    return parse_predictions(raw, num_rows, num_classes, name)


def parse_predictions(raw: bytes, num_rows: int, num_classes: int, name: str = "predictions.csv") -> np.ndarray:
    """Parse the bytes of a predictions file (see the module's docstring for the format)."""
    if not raw.strip():
        raise PredictionsError(f"{name} is empty; expected the header '{HEADER}' and {num_rows:,} rows.")
    if b"\x00" in raw:
        raise PredictionsError(f"{name} is not a text file (it contains NUL bytes); expected a plain CSV.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PredictionsError(f"{name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start:,}); "
                               "expected a plain CSV.") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    header = lines[0].strip().replace(" ", "").lower()
    if header != HEADER:
        first = lines[0].strip()[:60]
        if len(first.split(",")) == 2 and all(_INT.match(v.strip()) for v in first.split(",")):
            raise PredictionsError(f"{name} has no header: its first line is '{first}'; the first line must be "
                                   f"'{HEADER}'.")
        raise PredictionsError(f"{name}: the first line is '{first}'; expected the header '{HEADER}'.")
    rows = lines[1:]
    if len(rows) != num_rows:
        raise PredictionsError(f"{name} has {len(rows):,} rows; the test set has {num_rows:,} (expected one row per "
                               "example, after the header).")
    predictions = np.full(num_rows, -1, dtype=np.int64)
    seen_at = np.zeros(num_rows, dtype=np.int64)
    for number, line in enumerate(rows, start=1):
        values = [v.strip() for v in line.split(",")]
        if len(values) != 2:
            raise PredictionsError(f"{name}, row {number}: expected two values 'id,label', got "
                                   f"'{line.strip()[:60]}'.")
        id_text, label_text = values
        if not _INT.match(id_text):
            raise PredictionsError(f"{name}, row {number}: '{id_text[:40]}' is not an example id (expected 0 to "
                                   f"{num_rows - 1:,}).")
        index = int(id_text)
        if not 0 <= index < num_rows:
            raise PredictionsError(f"{name}, row {number}: id {index:,} is outside 0 to {num_rows - 1:,} (expected each "
                                   "id of the test set once).")
        if seen_at[index]:
            raise PredictionsError(f"{name}, row {number}: id {index:,} already appeared in row {seen_at[index]:,} (expected each "
                                   "id once).")
        if not _INT.match(label_text):
            raise PredictionsError(f"{name}, row {number}: '{label_text[:40]}' is not a class index (expected 0 to "
                                   f"{num_classes - 1}).")
        label = int(label_text)
        if not 0 <= label < num_classes:
            raise PredictionsError(f"{name}, row {number}: {label} is not a class index (expected 0 to "
                                   f"{num_classes - 1}).")
        predictions[index], seen_at[index] = label, number
    return predictions  # every id appeared once: num_rows distinct ids in 0..num_rows-1


def points_for(accuracy: float, thresholds: Sequence[Sequence[float]]) -> float:
    """The points of the highest threshold reached, e.g. [[0.90, 2], [0.95, 4], [0.975, 5]]; 0 below all."""
    reached = [points for threshold, points in thresholds if accuracy >= threshold]
    return float(max(reached, default=0.0))


def score(predictions: np.ndarray, labels: np.ndarray, thresholds: Sequence[Sequence[float]]) -> Score:
    labels = np.asarray(labels)
    correct = int((predictions == labels).sum())
    accuracy = correct / len(labels) if len(labels) else 0.0
    return Score(accuracy, correct, len(labels), points_for(accuracy, thresholds),
                 float(max((p for _, p in thresholds), default=0.0)))


def format_predictions(labels: Sequence[int]) -> str:
    """The file's text for these predicted classes (ids 0..N-1 in order)."""
    return HEADER + "\n" + "".join(f"{i},{int(label)}\n" for i, label in enumerate(labels))


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from autograder.config import load_config
    from autograder.datasets import load_dataset

    parser = argparse.ArgumentParser(prog="python -m autograder.predictions")
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("write-labels", help="write a configured dataset's held-out labels as a predictions file")
    write.add_argument("dataset")
    write.add_argument("out", type=Path)
    write.add_argument("--config", default=None)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    if args.dataset not in config.data.datasets:
        parser.error(f"no dataset {args.dataset!r} in {config.path} (data.datasets)")
    dataset = load_dataset(args.dataset, config.data.datasets[args.dataset], config.data.folder)
    args.out.write_text(format_predictions(dataset.test_y), encoding="utf-8", newline="\n")
    print(f"wrote {len(dataset.test_y):,} rows to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
