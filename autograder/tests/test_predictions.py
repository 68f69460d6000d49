"""predictions.csv: every malformed file gets a precise sentence; scores follow the thresholds."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from autograder import predictions
from autograder.predictions import PredictionsError, parse_predictions, read_predictions

THRESHOLDS = [[0.90, 2], [0.95, 4], [0.975, 5]]


def csv(labels, header="id,label", newline="\n"):
    rows = [header] if header is not None else []
    rows += [f"{i},{label}" for i, label in enumerate(labels)]
    return (newline.join(rows) + newline).encode()


def test_a_well_formed_file_parses_in_any_order_with_spaces_crlf_and_a_bom():
    raw = b"\xef\xbb\xbfid, label\r\n2, 1\r\n0,3\r\n1 ,0\r\n\r\n"
    np.testing.assert_array_equal(parse_predictions(raw, 3, 10), [3, 0, 1])


def test_the_written_format_round_trips():
    text = predictions.format_predictions([4, 0, 9])
    assert text == "id,label\n0,4\n1,0\n2,9\n"
    np.testing.assert_array_equal(parse_predictions(text.encode(), 3, 10), [4, 0, 9])


@pytest.mark.parametrize("raw, message", [
    (b"", "predictions.csv is empty; expected the header 'id,label' and 3 rows."),
    (b"  \n\n", "predictions.csv is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "predictions.csv is not a text file (it contains NUL bytes)"),
    (b"id,label\n0,\xff\n", "predictions.csv is not UTF-8 text (byte 0xff at offset 11)"),
    (b"0,1\n1,2\n2,3\n", "predictions.csv has no header: its first line is '0,1'; the first line must be 'id,label'."),
    (b"index,class\n0,1\n", "predictions.csv: the first line is 'index,class'; expected the header 'id,label'."),
    (csv([1, 2]), "predictions.csv has 2 rows; the test set has 3 (expected one row per example"),
    (csv([1, 2, 3, 4]), "predictions.csv has 4 rows; the test set has 3"),
    (b"id,label\n0,1\n1,seven\n2,3\n", "predictions.csv, row 2: 'seven' is not a class index (expected 0 to 9)."),
    (b"id,label\n0,1\n1,2.0\n2,3\n", "predictions.csv, row 2: '2.0' is not a class index (expected 0 to 9)."),
    (b"id,label\n0,1\n1,12\n2,3\n", "predictions.csv, row 2: 12 is not a class index (expected 0 to 9)."),
    (b"id,label\n0,1\n1,-1\n2,3\n", "predictions.csv, row 2: -1 is not a class index (expected 0 to 9)."),
    (b"id,label\n0,1\n1,2,3\n2,3\n", "predictions.csv, row 2: expected two values 'id,label', got '1,2,3'."),
    (b"id,label\n0,1\n1\n2,3\n", "predictions.csv, row 2: expected two values"),
    (b"id,label\n0,1\nx,2\n2,3\n", "predictions.csv, row 2: 'x' is not an example id (expected 0 to 2)."),
    (b"id,label\n0,1\n5,2\n2,3\n", "predictions.csv, row 2: id 5 is outside 0 to 2 (expected each id"),
    (b"id,label\n0,1\n0,2\n2,3\n", "predictions.csv, row 2: id 0 already appeared in row 1 (expected each id once)."),
], ids=["empty", "blank", "binary", "not_utf8", "no_header", "wrong_header", "short", "long", "word", "float",
        "too_big", "negative", "three_values", "one_value", "bad_id", "id_out_of_range", "duplicate_id"])
def test_malformed_files_get_a_precise_message(raw, message):
    with pytest.raises(PredictionsError) as caught:
        parse_predictions(raw, 3, 10)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_huge_file_is_refused_by_its_size_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "predictions.csv"
    with open(path, "wb") as file:  # a sparse 500 MB file: no disk used, and reading it would be slow
        file.truncate(500 * 10**6)
    monkeypatch.setattr(predictions, "parse_predictions", lambda *a, **k: pytest.fail("the file was read"))
    with pytest.raises(PredictionsError, match=r"predictions.csv is 500.0 MB; a file of 10,000 predictions should be "
                                               r"at most 0.2 MB"):
        read_predictions(path, 10_000, 10)


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(PredictionsError, match="there is no predictions.csv in the submission"):
        read_predictions(tmp_path / "predictions.csv", 3, 10)


def test_points_follow_the_highest_threshold_reached():
    assert predictions.points_for(0.89, THRESHOLDS) == 0
    assert predictions.points_for(0.90, THRESHOLDS) == 2
    assert predictions.points_for(0.96, THRESHOLDS) == 4
    assert predictions.points_for(0.975, THRESHOLDS) == 5
    labels = np.arange(100) % 10
    guess = labels.copy()
    guess[:7] = (guess[:7] + 1) % 10  # 93 of 100
    result = predictions.score(guess, labels, THRESHOLDS)
    assert (result.accuracy, result.correct, result.points, result.max_points) == (0.93, 93, 2.0, 5.0)
    assert result.describe(THRESHOLDS) == (
        "accuracy 0.9300 (93 of 100 correct): 2 of 5 points (thresholds >= 0.9: 2, >= 0.95: 4, >= 0.975: 5)")


def test_the_command_writes_a_configured_datasets_labels_identically_each_time(tmp_path):
    config = tmp_path / "autograder.yml"
    config.write_text(textwrap.dedent("""
        questions: {q: {points: 1}}
        data:
          datasets:
            digits: {format: synthetic, train_size: 20, test_size: 30, seed: 5}
    """))
    outputs = []
    for name in ("a.csv", "b.csv"):
        subprocess.run([sys.executable, "-m", "autograder.predictions", "write-labels", "digits", str(tmp_path / name),
                        "--config", str(config)], check=True, capture_output=True, timeout=120)
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    from autograder.datasets import synthetic_digits

    expected = synthetic_digits("digits", 20, 30, seed=5).test_y
    np.testing.assert_array_equal(parse_predictions(outputs[0], 30, 10), expected)


# -- the predictions: section of autograder.yml --------------------------------------------------------
def write_config(tmp_path, predictions_section, points=5):
    from autograder.config import load_config

    path = tmp_path / "autograder.yml"
    path.write_text(textwrap.dedent(f"""
        questions: {{predictions: {{points: {points}}}}}
        data:
          datasets:
            digits: {{format: synthetic, train_size: 20, test_size: 30}}
        predictions: {predictions_section}
    """))
    return load_config(path)


def test_a_valid_predictions_section(tmp_path):
    config = write_config(tmp_path, "{question: predictions, dataset: digits, thresholds: [[0.9, 2], [0.95, 5]], "
                                    "leaderboard: Accuracy}")
    assert config.predictions.thresholds == ((0.9, 2.0), (0.95, 5.0))
    assert config.predictions.file == "predictions.csv" and config.predictions.leaderboard == "Accuracy"


@pytest.mark.parametrize("section, message", [
    ("{question: nope, dataset: digits, thresholds: [[0.9, 5]]}", "predictions.question is 'nope', which is not in "
                                                                  "questions:"),
    ("{question: predictions, dataset: mnist, thresholds: [[0.9, 5]]}", "predictions.dataset is 'mnist', which is "
                                                                        "not in data.datasets"),
    ("{question: predictions, dataset: digits, thresholds: 0.9}", "must be a list of [accuracy, points] pairs"),
    ("{question: predictions, dataset: digits, thresholds: [[0.95, 2], [0.9, 5]]}", "must rise"),
    ("{question: predictions, dataset: digits, thresholds: [[0.9, 2], [0.95, 4]]}", "the highest threshold gives 4 "
                                                                                    "points but question"),
    ("{question: predictions, dataset: digits, thresholds: [[0.9, 5]], file: ../x.csv}", "use a plain file name"),
    ("[1, 2]", "predictions must be a mapping"),
], ids=["unknown_question", "unknown_dataset", "not_a_list", "not_rising", "wrong_total", "path", "not_a_mapping"])
def test_a_wrong_predictions_section_is_a_clear_config_error(tmp_path, section, message):
    from autograder.config import ConfigError

    with pytest.raises(ConfigError, match=re.escape(message)):
        write_config(tmp_path, section)
