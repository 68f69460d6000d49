"""End to end: `grade` on the tiny project always ends with a valid results.json that explains itself."""
import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import yaml

from autograder.config import load_config
from autograder.grading import grade, read_journal
from autograder.results import validate_results
from autograder.tests.conftest import make_submission, write_files


def graded(project, submission, tmp_path, **options):
    """Grade ``submission``; the results file's tests by question title, checked for validity."""
    results_path = tmp_path / "results" / "results.json"
    report = grade(submission, project, results_path, **options)
    data = json.loads(results_path.read_text())
    assert data == report.data
    assert validate_results(data) == []
    return {test["name"].split(" ", 1)[1]: test for test in data["tests"]}, report


def scores(tests):
    return {title: test["score"] for title, test in tests.items()}


def test_the_reference_gets_full_marks(project, tmp_path):
    tests, report = graded(project, project.reference_dir, tmp_path)
    assert scores(tests) == {"Double an array": 2, "Square an array": 3, "Negate an array": 1}
    assert report.data["score"] == 6
    assert "Total" in report.table and "6 / 6" in report.table


def test_a_decorator_only_test_is_its_own_question_as_in_a_local_run(project, tmp_path):
    write_files(project.tests_dir, {"test_bonus.py": """
        from gradescope_utils.autograder_utils.decorators import number, visibility, weight


        @weight(2)
        @number("4")
        @visibility("after_due_date")
        def test_bonus(student):
            assert student.call("mod.double", 1.0) == 3.0, "not 3"
        """})
    tests, _ = graded(project, project.reference_dir, tmp_path)
    bonus = tests["test_bonus"]
    assert (bonus["name"], bonus["number"], bonus["score"], bonus["max_score"]) == ("4 test_bonus", "4", 0, 2)
    assert (bonus["visibility"], bonus["output"]) == ("after_due_date", "The check failed: not 3")


def test_a_syntax_error_costs_only_the_questions_of_its_module(project, tmp_path):
    submission = make_submission(tmp_path / "sub", mod="def double(x):\n    return 2 * x +\n")
    tests, _ = graded(project, submission, tmp_path)
    assert scores(tests) == {"Double an array": 0, "Square an array": 0, "Negate an array": 1}
    for title in ("Double an array", "Square an array"):
        assert tests[title]["output"].splitlines() == [
            "All 2 checks failed: mod.py could not be imported: SyntaxError: invalid syntax (mod.py, line 2).",
            "    return 2 * x +",
        ]


def test_the_template_scores_zero_with_not_implemented(project, tmp_path):
    tests, _ = graded(project, project.template_dir, tmp_path)
    assert set(scores(tests).values()) == {0}
    assert tests["Negate an array"]["output"].startswith(
        "The check failed: negate is not implemented yet: return minus x (other.py, line"
    )


def test_os_exit_in_a_function_still_gives_a_valid_results_file(project, tmp_path):
    submission = make_submission(tmp_path / "sub", other="import os\n\n\ndef negate(x):\n    os._exit(3)\n")
    results_path = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "autograder", f"--config={project.path}", "grade", str(submission),
         f"--results={results_path}"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(results_path.read_text())
    assert validate_results(data) == []
    tests = {test["name"].split(" ", 1)[1]: test for test in data["tests"]}
    assert scores(tests) == {"Double an array": 2, "Square an array": 3, "Negate an array": 0}
    assert tests["Negate an array"]["output"] == (
        "not run: the grading process stopped abruptly during this test (exit code 3); "
        "does the code call exit(), os._exit() or crash the interpreter?"
    )
    assert "6" in completed.stdout and "Total" in completed.stdout


def test_a_killed_run_leaves_no_temporary_files(project, tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", None)  # forget the cached folder
    # `make test` grades the self-checks' submissions in background threads of this process, which may put
    # their own (live) folders here meanwhile: this run's folders are the ones made on this thread.
    this_thread, made, make_folder = threading.get_ident(), [], tempfile.TemporaryDirectory

    def recording(*args, **kwargs):
        folder = make_folder(*args, **kwargs)
        if threading.get_ident() == this_thread:
            made.append(Path(folder.name))
        return folder

    monkeypatch.setattr(tempfile, "TemporaryDirectory", recording)
    submission = make_submission(tmp_path / "sub", other="import os\n\n\ndef negate(x):\n    os._exit(3)\n")
    tests, _ = graded(project, submission, tmp_path)
    assert tests["Negate an array"]["score"] == 0
    assert made and all(folder.parent == temporary and not folder.exists() for folder in made)
    assert [p for p in temporary.iterdir() if not p.name.startswith("autograder-grade-")] == []


def test_an_infinite_loop_is_stopped_by_the_per_test_timeout(project, tmp_path):
    submission = make_submission(tmp_path / "sub", other="def negate(x):\n    while True:\n        pass\n")
    tests, _ = graded(project, submission, tmp_path)
    assert scores(tests) == {"Double an array": 2, "Square an array": 3, "Negate an array": 0}
    assert tests["Negate an array"]["output"]== (
        "The check failed: timed out after 2.0 s: an infinite loop, or code far slower than needed?"
    )


# A loop that swallows every exception, pytest-timeout's included: only killing the process ends it.
STUBBORN_LOOP = """
def negate(x):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
"""


def test_the_total_time_budget_ends_a_loop_that_ignores_the_per_test_timeout(tmp_path):
    from autograder.tests.conftest import make_project

    project = make_project(tmp_path / "project", per_test_seconds=1, total_seconds=30)
    submission = make_submission(tmp_path / "sub", other=STUBBORN_LOOP)
    tests, report = graded(project, submission, tmp_path, time_budget=4)
    assert scores(tests) == {"Double an array": 2, "Square an array": 3, "Negate an array": 0}
    assert tests["Negate an array"]["output"] == "not run: time budget exhausted (the whole run may take 4 s)"
    assert "Grading stopped when its time budget of 4 s ran out" in report.data["output"]
    assert 4 <= report.data["execution_time"] < 15


def test_a_budget_that_runs_out_leaves_a_gpu_question_out_of_the_maximum_as_usual(tmp_path):
    """A GPU check skipped as "not graded here" counts 0 of 0 points; one the budget never reached
    would count its points as lost. So GPU checks run first, and the maximum never depends on how far
    a submission's run got."""
    from autograder.tests.conftest import make_project

    project = make_project(tmp_path / "project", per_test_seconds=1, total_seconds=30)
    raw = yaml.safe_load(project.path.read_text(encoding="utf-8"))
    raw["questions"]["accelerated"] = {"number": "4", "title": "Train on a GPU", "points": 4}
    project.path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    write_files(project.tests_dir, {"test_zz_gpu.py": (
        "import pytest\n\n\n@pytest.mark.accelerated\n@pytest.mark.gpu\ndef test_on_a_gpu():\n"
        "    pytest.skip('not graded here: it trains on a CUDA GPU and this machine has none')\n")})
    project = load_config(project.path)
    submission = make_submission(tmp_path / "sub", other=STUBBORN_LOOP)
    tests, report = graded(project, submission, tmp_path, time_budget=4)
    assert tests["Train on a GPU"]["max_score"] == 0 and tests["Train on a GPU"]["output"].startswith(
        "Not graded here"), tests["Train on a GPU"]
    assert tests["Negate an array"]["output"] == "not run: time budget exhausted (the whole run may take 4 s)"
    assert report.data["score"] == 5


def test_a_budget_that_ends_before_collection_says_so(project, tmp_path):
    tests, report = graded(project, project.reference_dir, tmp_path, time_budget=0.1)  # pytest alone takes longer
    assert {test["output"] for test in tests.values()} == {
        "not run: time budget exhausted (the whole run may take 0.1 s), before the tests were collected."}
    assert "before the tests were even collected" in report.data["output"]


def test_tests_that_cannot_be_collected_still_give_a_results_file(project, tmp_path):
    (project.tests_dir / "test_mod.py").write_text("import no_such_module\n")
    tests, report = graded(project, project.reference_dir, tmp_path)
    assert scores(tests) == {"Double an array": 0, "Square an array": 0, "Negate an array": 0}
    assert "could not be collected" in report.data["output"]
    assert "no_such_module" in report.data["output"]


def test_read_journal_ignores_a_cut_off_line(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text(
        '{"event": "collected", "outcomes": [{"nodeid": "t::a", "question": "q"}]}\n'
        '{"event": "start", "nodeid": "t::a"}\n'
        '{"event": "outco'
    )
    journal = read_journal(path)
    assert [o.nodeid for o in journal.collected] == ["t::a"]
    assert journal.last_started == "t::a" and journal.finished == {} and not journal.complete


def test_one_broken_test_file_among_good_ones_is_shown_to_the_staff(project, tmp_path):
    write_files(project.tests_dir, {"test_broken.py": "import no_such_module\n"})
    tests, report = graded(project, project.reference_dir, tmp_path)
    assert set(scores(tests).values()) == {0}
    assert "could not be collected" in report.data["output"] and "no_such_module" in report.data["output"]
