"""The pytest plugin, run in a child pytest on tiny projects: scores, the table, gradescope-utils decorators.

Each run is a subprocess (runpytest_subprocess) so that student modules and
gradescope-utils' score attributes never leak between runs.
"""
import json

import pytest

from autograder.results import validate_results
from autograder.tests.conftest import write_config, write_files

QUESTIONS = {
    "alpha": {"number": "1", "title": "Alpha", "points": 2},
    "beta": {"number": "2", "title": "Beta", "points": 3},
    "gamma": {"number": "3", "title": "Gamma", "points": 4},
    "delta": {"number": "4", "title": "Delta", "points": 1},
}

SUBMISSION = {"mod.py": "def double(x):\n    return 2 * x\n"}

OUTCOMES = '''
    import numpy as np
    import pytest

    from autograder.compare import expect_close
    from autograder.tolerances import FORWARD_FLOAT64


    @pytest.fixture
    def broken():
        raise RuntimeError("fixture broke")


    @pytest.mark.alpha
    def test_alpha(student):
        expect_close(student.call("mod.double", np.ones(2)), np.full(2, 2.0), what="double", tol=FORWARD_FLOAT64)


    @pytest.mark.beta
    def test_beta_passes():
        pass


    @pytest.mark.beta
    def test_beta_fails(student):
        expect_close(student.call("mod.double", np.ones(2)), np.full(2, 3.0), what="double", case="ones",
                     tol=FORWARD_FLOAT64)


    @pytest.mark.beta
    def test_beta_skipped():
        pytest.skip("not today")


    @pytest.mark.beta
    def test_beta_pytest_fail():
        pytest.fail("a reason given by pytest.fail")


    @pytest.mark.gamma
    def test_gamma_fixture_error(broken):
        pass


    @pytest.mark.gamma
    @pytest.mark.xfail(reason="known issue")
    def test_gamma_xfail():
        assert False


    @pytest.mark.gamma
    @pytest.mark.parametrize("n", [1, 2])
    def test_gamma_passes(n):
        pass


    def test_not_in_any_question():
        pass
    '''


def make_project(pytester, tests: str, questions=QUESTIONS) -> None:
    write_config(pytester.path, {"mod.py": "graded"}, questions, per_test_seconds=10)
    write_files(pytester.path / "submission", SUBMISSION)
    write_files(pytester.path / "tests", {"test_x.py": tests})


def run(pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    """Run pytest on the project, grading ./submission; (the run, results.json by question name)."""
    results = pytester.path / "results.json"
    result = pytester.runpytest_subprocess(
        f"--submission={pytester.path / 'submission'}", f"--results={results}", *args
    )
    data = json.loads(results.read_text())
    assert validate_results(data) == []
    return result, data


def by_name(data: dict) -> dict[str, dict]:
    return {test["name"]: test for test in data["tests"]}


def test_outcomes_give_per_question_scores(pytester):
    make_project(pytester, OUTCOMES)
    result, data = run(pytester, "--strict-markers")
    result.assert_outcomes(passed=5, failed=2, skipped=1, errors=1, xfailed=1)
    tests = by_name(data)
    assert list(tests) == ["1 Alpha", "2 Beta", "3 Gamma", "4 Delta"]  # every question, in order
    assert [t["score"] for t in tests.values()] == [2.0, 0.75, 2.0, 0.0]
    assert data["score"] == 4.75
    assert tests["1 Alpha"]["output"] == "The check passed."
    beta = tests["2 Beta"]["output"].splitlines()
    assert beta[0] == "3 of 4 checks failed:"
    assert beta[1].startswith("- test_beta_fails: double, case 'ones': values differ at 2 of 2 elements")
    assert "- test_beta_skipped: skipped: not today" in beta
    assert "- test_beta_pytest_fail: a reason given by pytest.fail" in beta
    gamma = tests["3 Gamma"]["output"]
    assert "test_gamma_fixture_error: the test itself raised RuntimeError: fixture broke" in gamma
    assert "test_gamma_xfail: expected to fail: known issue" in gamma
    assert tests["4 Delta"]["output"].startswith("No test checks this question")
    assert [t["status"] for t in tests.values()] == ["passed", "failed", "failed", "failed"]


def test_a_plain_run_ends_with_the_table(pytester):
    make_project(pytester, OUTCOMES)
    result = pytester.runpytest_subprocess(f"--submission={pytester.path / 'submission'}")
    assert not (pytester.path / "results.json").exists()
    output = result.stdout.str()
    table = output[output.index("scores by question"):]
    assert "submission: " in table
    result.stdout.fnmatch_lines([
        "*scores by question*",
        "#*Question*Points*Result",
        "1*Alpha*2 / 2*The check passed.",
        "2*Beta*0.75 / 3*3 of 4 checks failed: double, case 'ones': values differ*",
        "3*Gamma*2 / 4*2 of 4 checks failed: *",
        "*Total*4.75 / 9",
        "(1 question(s) had no test in this run: 4 Delta)",
        "(1 collected tests belong to no question and were not scored)",
    ])
    # A failed check shows its sentence, not a traceback through the framework.
    assert "compare.py" not in output


DECORATED = '''
    import pytest
    from gradescope_utils.autograder_utils.decorators import (
        hide_errors, leaderboard, number, tags, visibility, weight,
    )


    @weight(2)
    @number("7.5")
    def test_weighted(student):
        assert student.call("mod.double", 1.0) == 2.0


    @weight(1)
    @visibility("hidden")
    def test_hidden_question():
        assert False, "hidden question detail"


    @pytest.mark.alpha
    @hide_errors("Check the sign.")
    def test_hide_errors():
        assert False, "the secret value is 4242"


    @pytest.mark.alpha
    @visibility("hidden")
    def test_hidden_check():
        assert False, "another secret 9999"


    @pytest.mark.alpha
    @tags("numpy", "easy")
    def test_tagged():
        pass


    @pytest.mark.alpha
    @leaderboard("accuracy", "asc")
    def test_board(set_leaderboard_value=None):
        set_leaderboard_value(0.75)
    '''


def test_gradescope_utils_decorators(pytester):
    make_project(pytester, DECORATED, {"alpha": QUESTIONS["alpha"]})
    _, data = run(pytester)
    tests = by_name(data)
    assert set(tests) == {"1 Alpha", "7.5 test_weighted", "2 test_hidden_question"}

    weighted = tests["7.5 test_weighted"]  # @weight without a marker: a question of its own
    assert (weighted["number"], weighted["score"], weighted["max_score"]) == ("7.5", 2.0, 2.0)

    hidden = tests["2 test_hidden_question"]
    assert (hidden["visibility"], hidden["score"], hidden["max_score"]) == ("hidden", 0.0, 1.0)

    alpha = tests["1 Alpha"]
    assert alpha["score"] == 1.0  # 2 of 4 checks passed
    assert alpha["tags"] == ["easy", "numpy"]
    assert alpha["output"].splitlines() == [
        "2 of 4 checks failed:",
        "- test_hide_errors: Check the sign.",
        "- a hidden check did not pass",  # not even its name
    ]
    text = json.dumps(data)
    assert "4242" not in text and "9999" not in text
    assert data["leaderboard"] == [{"name": "accuracy", "value": 0.75, "order": "asc"}]


PARTIAL = '''
    import pytest
    from gradescope_utils.autograder_utils.decorators import partial_credit


    @partial_credit(10)
    @pytest.mark.parametrize("sets_score", [True, False])
    def test_partial(sets_score, set_score=None):
        if sets_score:
            set_score(4)
        else:
            assert False, "no score set"


    @pytest.mark.alpha
    @partial_credit(1)
    def test_partial_in_a_question(set_score=None):
        set_score(0.5)
    '''


def test_partial_credit_is_reset_for_each_parametrized_item(pytester):
    make_project(pytester, PARTIAL, {"alpha": QUESTIONS["alpha"]})
    _, data = run(pytester)
    scores = {t["name"]: (t["score"], t["max_score"]) for t in data["tests"]}
    assert scores == {
        "1 Alpha": (1.0, 2.0),  # half of the question's only check
        "1 test_partial[True]": (4.0, 10.0),
        "2 test_partial[False]": (0.0, 10.0),  # not the 4 its sibling set
    }
    outputs = {t["name"]: t["output"] for t in data["tests"]}
    assert outputs["1 Alpha"] == "The check failed: earned 0.5 of 1 (partial credit)"
    assert outputs["2 test_partial[False]"] == "The check failed: no score set"


def test_a_grader_note_shows_with_a_passing_check(pytester, project):
    pytester.makepyfile(test_notes='''
        import pytest

        @pytest.mark.double
        def test_table(grader_note):
            grader_note("per class: a 0.90, b 0.80")
        ''')
    result = pytester.runpytest(f"--assignment={project.path}", "-p", "no:cacheprovider", "--results=out.json")
    data = __import__("json").loads((pytester.path / "out.json").read_text())
    double = next(t for t in data["tests"] if t["name"].startswith("1 "))
    assert double["score"] == double["max_score"] and "note: per class: a 0.90, b 0.80" in double["output"], result.stdout.str()
