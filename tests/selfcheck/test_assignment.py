"""Self-checks of every assignment as a whole (run by `make test`, not by a student's `pytest`).

The reference must earn every point, the template none (each question with a reason), both with
the same maximum, and the generated files must match a fresh regeneration. The grades come from
the session's shared ones (conftest.Grades); the last checks are the top-level assignment's own.
"""
import json
import shutil
import subprocess
import sys

import pytest

from autograder import fixtures, template
from autograder.results import validate_results
from autograder.scoring import number_key


def not_graded_here(config):
    """Questions whose every check may skip on a machine without a GPU or a dataset (0 of 0 points)."""
    found = {task.question for task in config.accuracy.tasks
             if task.device == "gpu" or config.data.datasets[task.dataset]["format"] != "synthetic"}
    predictions = config.predictions
    if predictions is not None and config.data.datasets[predictions.dataset]["format"] != "synthetic":
        found.add(predictions.question)
    return found


def template_reasons(config):
    """What the template's output says for a question whose work is a file rather than a function."""
    return {config.predictions.question: f"there is no {config.predictions.file} in the submission"} \
        if config.predictions else {}


def test_reference_earns_every_point(assignment, grades):
    report = grades.reference(assignment)
    lost = {r.question.label: r.output for r in report.results if not r.passed}
    assert not lost, f"the reference loses points: {lost}"
    # Questions that cannot run here (a GPU, a dataset) count 0 of 0, with the reason; the rest must all be earned.
    not_here = [r for r in report.results if r.max_score == 0 and r.question.points > 0]
    for result in not_here:
        assert result.output.startswith("Not graded here"), f"{result.question.label}: {result.output}"
    assert {r.question.name for r in not_here} <= not_graded_here(assignment), [r.question.label for r in not_here]
    assert report.data["score"] == sum(r.max_score for r in report.results)


def test_every_question_has_tests(assignment, grades):
    empty = [r.question.label for r in grades.reference(assignment).results if not r.outcomes]
    assert not empty, f"questions without tests: {empty}"


def test_template_earns_nothing_and_says_why(assignment, grades):
    reasons = template_reasons(assignment)
    for result in grades.template(assignment).results:
        assert result.score == 0, f"{result.question.label}: the template earns {result.score}"
        if result.max_score == 0:  # not graded here: the same for every submission
            assert result.output.startswith("Not graded here"), f"{result.question.label}: {result.output}"
            continue
        reason = reasons.get(result.question.name, "not implemented yet")
        assert reason in result.output, f"{result.question.label}: {result.output}"


def test_untouched_pass_stubs_earn_nothing_and_say_not_implemented_yet(assignment, grades):
    """A starter written as CS231n writes them (results set to None, then `pass`) computes nothing: every
    property check (inputs unchanged, defaults kept, shapes) must fail with it, not only the value checks."""
    reasons = template_reasons(assignment)
    for result in grades.pass_stubs(assignment).results:
        assert result.score == 0, f"{result.question.label}: untouched pass stubs earn {result.score}: {result.output}"
        if result.max_score:
            reason = reasons.get(result.question.name, "not implemented yet")
            assert reason in result.output, f"{result.question.label}: {result.output}"


def test_template_and_reference_have_the_same_maximum(assignment, grades):
    """A question's maximum never depends on the submission (a skipped check counts alike for both)."""
    reference = {r.question.name: r.max_score for r in grades.reference(assignment).results}
    template_ = {r.question.name: r.max_score for r in grades.template(assignment).results}
    assert template_ == reference
    assert grades.template(assignment).data["tests"] and sum(template_.values()) == sum(reference.values())


def test_results_files_are_valid(assignment, grades):
    for report in (grades.reference(assignment), grades.template(assignment)):
        assert validate_results(report.data) == []
        assert [t["number"] for t in report.data["tests"]] == sorted(
            (q.number for q in assignment.questions.values()), key=number_key)


def test_fixtures_match_a_fresh_regeneration(assignment):
    assert fixtures.verify(assignment) == []


def test_template_matches_a_fresh_regeneration(assignment):
    assert template.verify(assignment) == []


# -- the top-level assignment's own ------------------------------------------------------
def test_a_module_with_a_syntax_error_is_explained_and_grading_exits_zero(top_level, tmp_path):
    submission = tmp_path / "submission"
    shutil.copytree(top_level.reference_dir, submission)
    (submission / "layers.py").write_text("def relu_forward(x):\n    return x +\n")
    results_path = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "autograder", "--assignment", str(top_level.root), "grade", str(submission),
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
    assert {top_level.questions[q].number for q in ("sgd", "adam", "xavier")} <= kept


def test_template_attention_questions_name_the_first_stub(top_level, grades):
    """attention.py's template imports, and each torch question names the stub a student writes first."""
    outputs = {r.question.name: r.output for r in grades.template(top_level).results}
    first_stub = {
        "attention": "ScaledDotProductAttention.__init__ is not implemented yet",
        "encoder_layer": "TransformerEncoderLayer.__init__ is not implemented yet",
        "attention_allowed_layers": "ScaledDotProductAttention.__init__ is not implemented yet",
        "vit_training": "TransformerEncoderLayer.__init__: create self.norm1",
    }
    for question, stub in first_stub.items():
        assert stub in outputs[question], f"{question}: {outputs[question]}"


def test_reference_predictions_match_a_fresh_regeneration(top_level, tmp_path):
    """reference_solution/predictions.csv is the synthetic test set's labels, written by the documented command."""
    settings = top_level.predictions
    fresh = tmp_path / settings.file
    subprocess.run([sys.executable, "-m", "autograder.predictions", "write-labels", settings.dataset, str(fresh),
                    "--config", str(top_level.path)], check=True, capture_output=True, timeout=120)
    assert fresh.read_bytes() == (top_level.reference_dir / settings.file).read_bytes(), (
        f"regenerate it: python -m autograder.predictions write-labels {settings.dataset} "
        f"reference_solution/{settings.file}")
    assert not (top_level.template_dir / settings.file).exists(), "the template must not hold the reference's predictions"


def test_the_reference_predictions_reach_the_leaderboard(top_level, grades):
    settings = top_level.predictions
    if settings is None or not settings.leaderboard:
        pytest.skip("no leaderboard configured")
    assert {"name": settings.leaderboard, "value": 1.0, "order": "desc"} in grades.reference(top_level).data["leaderboard"]
