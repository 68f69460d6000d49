"""Self-checks of the assignment as a whole (run by `make test`, not by a student's `pytest`).

The reference must earn every point, the template none (each question with
a reason), and the generated files must match a fresh regeneration.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import fixtures, template
from autograder.config import load_config
from autograder.grading import grade
from autograder.results import validate_results

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "autograder.yml")


@pytest.fixture(scope="module")
def reference_report(tmp_path_factory):
    return grade(CONFIG.reference_dir, CONFIG, tmp_path_factory.mktemp("reference") / "results.json")


@pytest.fixture(scope="module")
def template_report(tmp_path_factory):
    return grade(CONFIG.template_dir, CONFIG, tmp_path_factory.mktemp("template") / "results.json")


# The questions of accuracy tasks on a GPU (or on a dataset this machine may lack): skipped where they cannot run.
GPU_OR_DATASET_QUESTIONS = {task.question for task in CONFIG.accuracy.tasks
                            if task.device == "gpu" or CONFIG.data.datasets[task.dataset]["format"] != "synthetic"}
# What the template's output says for questions whose work is a file rather than a function.
TEMPLATE_REASONS = {CONFIG.predictions.question: f"there is no {CONFIG.predictions.file} in the submission"} \
    if CONFIG.predictions else {}


def test_reference_earns_every_point(reference_report):
    lost = {r.question.label: r.output for r in reference_report.results if not r.passed}
    assert not lost, f"the reference loses points: {lost}"
    # Questions that cannot run here (a GPU, a dataset) count 0 of 0, with the reason; the rest must all be earned.
    not_here = [r for r in reference_report.results if r.max_score == 0 and r.question.points > 0]
    for result in not_here:
        assert result.output.startswith("Not graded here"), f"{result.question.label}: {result.output}"
    assert {r.question.name for r in not_here} <= GPU_OR_DATASET_QUESTIONS, [r.question.label for r in not_here]
    assert reference_report.data["score"] == sum(r.max_score for r in reference_report.results)


def test_every_question_has_tests(reference_report):
    empty = [r.question.label for r in reference_report.results if not r.outcomes]
    assert not empty, f"questions without tests: {empty}"


def test_template_earns_nothing_and_says_why(template_report):
    for result in template_report.results:
        assert result.score == 0, f"{result.question.label}: the template earns {result.score}"
        reason = TEMPLATE_REASONS.get(result.question.name, "not implemented yet")
        assert reason in result.output, f"{result.question.label}: {result.output}"


def test_template_attention_questions_name_the_first_stub(template_report):
    """attention.py's template imports, and each torch question names the stub a student writes first."""
    outputs = {r.question.name: r.output for r in template_report.results}
    first_stub = {
        "attention": "ScaledDotProductAttention.__init__ is not implemented yet",
        "encoder_layer": "TransformerEncoderLayer.__init__ is not implemented yet",
        "attention_allowed_layers": "ScaledDotProductAttention.__init__ is not implemented yet",
        "vit_training": "TransformerEncoderLayer.__init__: create self.norm1",
    }
    for question, stub in first_stub.items():
        assert stub in outputs[question], f"{question}: {outputs[question]}"


def test_results_files_are_valid(reference_report, template_report):
    for report in (reference_report, template_report):
        assert validate_results(report.data) == []
        assert [t["number"] for t in report.data["tests"]] == sorted(
            (q.number for q in CONFIG.questions.values()), key=lambda n: [int(p) for p in n.split(".")]
        )


def test_fixtures_match_a_fresh_regeneration():
    assert fixtures.verify(CONFIG) == []


def test_template_matches_a_fresh_regeneration():
    assert template.verify(CONFIG) == []


def test_a_module_with_a_syntax_error_is_explained_and_grading_exits_zero(tmp_path):
    submission = tmp_path / "submission"
    shutil.copytree(CONFIG.reference_dir, submission)
    (submission / "layers.py").write_text("def relu_forward(x):\n    return x +\n")
    results_path = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "autograder", "--config", str(CONFIG.path), "grade", str(submission),
         "--results", str(results_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(results_path.read_text())
    assert validate_results(data) == []
    # Every question needing layers.py, directly or through a module importing it, names the error.
    lost = [t for t in data["tests"] if t["score"] < t["max_score"]]
    assert lost
    for test in lost:
        assert "SyntaxError" in test["output"] and "layers.py, line 2" in test["output"], test["output"]
    # Modules that do not import layers.py keep their points.
    kept = {t["number"] for t in data["tests"] if t["score"] == t["max_score"]}
    assert {CONFIG.questions[q].number for q in ("sgd", "adam", "xavier")} <= kept


def test_reference_predictions_match_a_fresh_regeneration(tmp_path):
    """reference_solution/predictions.csv is the synthetic test set's labels, written by the documented command."""
    settings = CONFIG.predictions
    fresh = tmp_path / settings.file
    subprocess.run([sys.executable, "-m", "autograder.predictions", "write-labels", settings.dataset, str(fresh),
                    "--config", str(CONFIG.path)], check=True, capture_output=True, timeout=120)
    assert fresh.read_bytes() == (CONFIG.reference_dir / settings.file).read_bytes(), (
        f"regenerate it: python -m autograder.predictions write-labels {settings.dataset} "
        f"reference_solution/{settings.file}")
    assert not (CONFIG.template_dir / settings.file).exists(), "the template must not hold the reference's predictions"


def test_the_reference_predictions_reach_the_leaderboard(reference_report):
    settings = CONFIG.predictions
    if settings is None or not settings.leaderboard:
        pytest.skip("no leaderboard configured")
    assert {"name": settings.leaderboard, "value": 1.0, "order": "desc"} in reference_report.data["leaderboard"]
