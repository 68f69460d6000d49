"""results.json: Gradescope's schema, validated, written so that no reader sees half a file."""
import json
import math
import os

import pytest

from autograder.config import Question, load_config
from autograder.results import build_results, leaderboard_entries, validate_results, write_atomically
from autograder.scoring import FAILED, PASSED, TestOutcome, score_all
from autograder.tests.conftest import write_config


@pytest.fixture
def data(tmp_path):
    config = load_config(write_config(tmp_path, {"mod.py": "graded"}))
    questions = [Question("a", "1", "Alpha", 2.0), Question("b", "2", "Beta", 3.0, visibility="hidden")]
    outcomes = [
        TestOutcome("t::a", "a", PASSED, tags=["easy"]),
        TestOutcome("t::b", "b", FAILED, message="wrong", leaderboard={"name": "acc", "value": 0.9, "order": "desc"}),
    ]
    return build_results(config, score_all(questions, outcomes), execution_time=1.234, summary="Hello.")


def test_build_results_follows_the_schema(data):
    assert validate_results(data) == []
    assert data["score"] == 2.0 and data["execution_time"] == 1.23
    assert data["output"] == "Score: 2 / 5.\nHello."
    assert (data["visibility"], data["stdout_visibility"]) == ("visible", "hidden")
    alpha, beta = data["tests"]
    assert alpha == {"name": "1 Alpha", "number": "1", "score": 2.0, "max_score": 2.0, "status": "passed",
                     "output": "The check passed.", "visibility": "visible", "tags": ["easy"]}
    assert (beta["status"], beta["score"], beta["visibility"]) == ("failed", 0.0, "hidden")
    assert data["leaderboard"] == [{"name": "acc", "value": 0.9, "order": "desc"}]
    json.dumps(data, allow_nan=False)


def test_leaderboard_entries_need_a_name_and_a_value():
    outcomes = [TestOutcome("t::x", "q", leaderboard={"name": "acc", "value": None, "order": "desc"}),
                TestOutcome("t::y", "q"), TestOutcome("t::z", "q", leaderboard={"name": "loss", "value": 0.0})]
    assert leaderboard_entries(outcomes) == [{"name": "loss", "value": 0.0, "order": "desc"}]


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d["tests"][0].update(status="error"), "tests[0].status is 'error'"),
        (lambda d: d["tests"][1].update(visibility="secret"), "tests[1].visibility is 'secret'"),
        (lambda d: d["tests"][0].update(score=math.nan), "tests[0].score is not finite"),
        (lambda d: d["tests"][0].update(max_score=math.inf), "tests[0].max_score is not finite"),
        (lambda d: d["tests"][0].update(number=1), "tests[0].number has type int"),
        (lambda d: d.update(visibility="public"), "visibility is 'public'"),
        (lambda d: d.update(score="10"), "score has type str"),
        (lambda d: d["leaderboard"][0].update(order="up"), "leaderboard[0].order is 'up'"),
        (lambda d: d["leaderboard"].append({"value": 1}), "leaderboard[1] lacks name or value"),
        (lambda d: d["tests"].append("x"), "tests[2] is not an object"),
    ],
)
def test_validate_results_rejects(data, change, problem):
    change(data)
    assert problem in validate_results(data)


def test_validate_results_rejects_nan_anywhere_and_non_objects(data):
    data["score"] = math.nan
    assert any("strict JSON" in p for p in validate_results(data))
    assert validate_results([]) == ["the top level is not an object"]
    assert validate_results({"tests": [{"name": "x"}]}) == ["neither a top-level score nor a score on every test"]


def test_write_atomically_writes_whole_json(tmp_path, data):
    path = tmp_path / "out" / "results.json"
    write_atomically(path, data)
    assert json.loads(path.read_text()) == data
    assert os.listdir(path.parent) == ["results.json"]


def test_write_atomically_keeps_the_old_file_when_writing_fails(tmp_path, data):
    path = tmp_path / "out" / "results.json"
    write_atomically(path, data)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_atomically(path, {**data, "score": math.nan})
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["results.json"]  # no temporary file left behind


def test_nothing_of_a_hidden_question_reaches_the_visible_top_level(tmp_path):
    config = load_config(write_config(tmp_path, {"mod.py": "graded"}))
    secret = Question("s", "1", "Secret", 2.0, visibility="hidden")
    outcomes = [TestOutcome("t::s", "s", FAILED, message="expected 42 at [3]", stdout="printed")]
    data = build_results(config, score_all([secret], outcomes, show_output=True), 1.0)
    assert data["output"] == "Score: 0 / 2."
    assert "expected 42" in data["tests"][0]["output"] and data["tests"][0]["visibility"] == "hidden"
