"""Gradescope end to end on every assignment: its zip, unpacked in a fake /autograder, grades as the repository does.

The zip is built twice (the bytes must match, and no file of it may be, or copy, a reference file
students do not get, nor anything of the audit corpus); then ``run_autograder`` from the unpacked
zip grades, sandboxed, each assignment's reference and template, and for the top level also a
syntax error in optim.py and a ReLU that loops forever swallowing every exception (under a short
time budget). The runs are the session's shared ones (conftest.Grades).
"""
import zipfile

import pytest

from autograder.build import build_zip, secret_files
from autograder.results import validate_results

pytestmark = pytest.mark.e2e
LOOP_BUDGET = 10  # conftest.LOOP_BUDGET: the looping submission's whole run


def test_the_zip_is_deterministic(assignment, grades, tmp_path):
    again = tmp_path / "again.zip"
    build_zip(assignment, again)
    assert again.read_bytes() == grades.zip(assignment).read_bytes()


def test_the_zip_has_what_gradescope_needs_and_no_reference_file(assignment, grades):
    with zipfile.ZipFile(grades.zip(assignment)) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    names = set(contents)
    assert {"setup.sh", "run_autograder", "autograder.yml", "autograder/__init__.py", "autograder/plugin.py"} <= names
    root = assignment.root
    tops = {name.split("/", 1)[0] for name in names if "/" in name}
    assert tops == {"autograder"} | {d.relative_to(root).parts[0] for d in
                                     (assignment.tests_dir, assignment.fixtures_dir, assignment.template_dir)}
    assert not [n for n in names if n.startswith("autograder/tests/") or "/selfcheck/" in n]
    audit_prefix = assignment.audit_dir.relative_to(root).as_posix() + "/"
    assert not [n for n in names if n.startswith(audit_prefix)], "the audit corpus (solution code) is in the zip"
    assert not [n for n in names if n.startswith(assignment.reference_dir.relative_to(root).as_posix() + "/")]
    secrets = secret_files(assignment)
    assert secrets, "the reference should differ from the template somewhere"
    copied = {name: secrets[data] for name, data in contents.items() if data in secrets}
    assert not copied, f"files of the zip with a reference file's content: {copied}"
    template_prefix = assignment.template_dir.relative_to(root).as_posix() + "/"
    template = {p.relative_to(assignment.template_dir).as_posix() for p in assignment.template_dir.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    assert {n[len(template_prefix):] for n in names if n.startswith(template_prefix)} >= template


def test_every_run_exits_0_with_a_valid_results_file(assignment, grades):
    for name, (completed, data) in grades.gradescope(assignment).items():
        assert completed.returncode == 0, f"{name}: {completed.stderr[-3000:]}"
        assert validate_results(data) == [], name
        assert len(data["tests"]) == len(assignment.questions), name
        assert data["output"].splitlines()[1] == "Submission 424242, submitted 2030-01-01 10:00:00-08:00, " \
                                                 "1 h 0 min after the due date.", name
        assert "Total" in completed.stdout, name


def test_the_zip_grades_the_reference_as_the_repository_does(assignment, grades):
    _, data = grades.gradescope(assignment)["reference"]
    local = grades.reference(assignment).data
    assert data["tests"] == local["tests"]
    assert data["score"] == local["score"]


def test_the_template_scores_zero_with_a_reason_per_question(assignment, grades):
    _, data = grades.gradescope(assignment)["template"]
    for test in data["tests"]:
        assert test["score"] == 0, f"{test['name']}: the template earns {test['score']}"
        assert test["output"].strip() and "passed" not in test["output"].splitlines()[0], test


def by_number(data: dict) -> dict[str, dict]:
    return {test["number"]: test for test in data["tests"]}


def test_a_syntax_error_in_optim_costs_only_what_needs_optim(top_level, grades):
    runs = grades.gradescope(top_level)
    _, reference = runs["reference"]
    _, data = runs["broken_optim"]
    expected = by_number(reference)
    lost = []
    for number, test in by_number(data).items():
        if "SyntaxError: invalid syntax (optim.py, line 2)" in test["output"]:  # optim.py's, or solver.py's import
            lost.append(number)
            assert test["score"] < expected[number]["score"], test
        else:
            assert test["score"] == expected[number]["score"], test
    assert lost, "no question noticed the broken optim.py"
    assert 0 < data["score"] < reference["score"]


def test_a_loop_that_swallows_every_exception_is_stopped_by_the_time_budget(top_level, grades):
    runs = grades.gradescope(top_level)
    _, reference = runs["reference"]
    completed, data = runs["stubborn_loop"]
    assert f"Grading stopped when its time budget of {LOOP_BUDGET} s ran out" in data["output"]
    assert data["execution_time"] < LOOP_BUDGET + 30
    expected = by_number(reference)
    stopped = [n for n, t in by_number(data).items() if t["output"].startswith("not run: time budget exhausted")]
    assert stopped, "no question says the time budget ran out"
    assert top_level.questions["relu"].number in stopped
    for number, test in by_number(data).items():
        if number not in stopped:  # finished before the loop: graded as usual
            assert test["score"] == expected[number]["score"], test
