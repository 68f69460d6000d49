"""A student's check: one question, the table and the reasons, the student's own frames only."""
import pytest

import autograder
from autograder.cli import main
from autograder.config import ConfigError
from autograder.tests.conftest import make_submission

RAISES_IN_A_HELPER = '''
def _norm(x):
    return float(x.sum()) / 0.0 if x.size > 100 else x.missing_attribute


def negate(x):
    scale = _norm(x)
    return -x * scale
'''


def test_check_one_question_prints_the_table_and_the_reason_first(project, tmp_path, capsys):
    submission = make_submission(tmp_path / "sub", other=RAISES_IN_A_HELPER)
    assert main([f"--config={project.path}", "check", "negate", f"--submission={submission}"]) == 1
    out = capsys.readouterr().out
    table, failure = out.split("\n\n", 1)
    lines = table.splitlines()
    assert lines[0].startswith("Checking ") and lines[0].endswith("sub")
    assert [line.split()[0] for line in lines[3:-2]] == ["3"]  # the one question asked for, nothing else
    failure = failure.splitlines()
    assert failure == [
        "3 Negate an array (0 / 1):",
        "The check failed: negate raised AttributeError: 'numpy.ndarray' object has no attribute "
        "'missing_attribute' (other.py, line 2: `return float(x.sum()) / 0.0 if x.size > 100 else "
        "x.missing_attribute`).",
        "Traceback (your code only):",
        "  other.py, line 6, in negate",
        "    scale = _norm(x)",
        "  other.py, line 2, in _norm",
        "    return float(x.sum()) / 0.0 if x.size > 100 else x.missing_attribute",
    ]
    for noise in ("====", "pytest", "autograder/", "site-packages", str(tmp_path / "sub" / "")):
        assert noise not in out.split("\n", 1)[1]


def test_check_in_a_notebook_returns_the_results(project, capsys):
    data = autograder.check("double", "square", submission=project.reference_dir, config=project.path)
    assert [(t["number"], t["score"]) for t in data["tests"]] == [("1", 2), ("2", 3)]
    out = capsys.readouterr().out
    assert "5 / 5" in out and out.rstrip().endswith("Everything checked passed.")
    with pytest.raises(ConfigError, match="no question named relu; the questions are: double, square, negate"):
        autograder.check("relu", config=project.path)
