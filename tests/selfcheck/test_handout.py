"""What a student downloads gives away nothing and works on its own (every assignment).

The handout is built, unpacked into an empty folder, two functions are implemented there (those of the
first question that lists functions, taken from the reference), and `pytest` and `python -m autograder
check` run from that folder with the grader copy it carries (the installed plugin blocked): they give the
same verdict as `grade` on the same files. A scan finds no reference code, no trusted-only helper, no
audit corpus, and no hidden question's tests or fixtures.
"""
import json
import subprocess
import sys
import zipfile

import pytest

from autograder import definitions, fixtures
from autograder.handout import _normalise, build_handout, solution_snippets

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    made = {}

    def make(config):
        if config.path not in made:
            folder = tmp_path_factory.mktemp("handout") / "hw"
            build_handout(config, folder)
            made[config.path] = folder
        return made[config.path]

    return make


def first_question_with_functions(config):
    return next(q for q in sorted(config.questions.values(), key=lambda q: q.number) if q.functions)


def implement(config, folder, question):
    """Copy the reference's definitions of the question's functions into the handout's files."""
    for name in question.functions:
        module, _, qualified = name.partition(".")
        ours = (config.reference_dir / f"{module}.py").read_text(encoding="utf-8")
        theirs_path = folder / f"{module}.py"
        theirs = theirs_path.read_text(encoding="utf-8")
        node, stub = definitions.find_definition(ours, qualified), definitions.find_definition(theirs, qualified)
        new = ours.splitlines(keepends=True)[definitions.first_line(node) - 1: node.end_lineno]
        lines = theirs.splitlines(keepends=True)
        lines[definitions.first_line(stub) - 1: stub.end_lineno] = new
        theirs_path.write_text("".join(lines), encoding="utf-8")


def test_the_handout_holds_no_reference_code_nor_hidden_tests(assignment, handouts):
    folder = handouts(assignment)
    snippets = solution_snippets(assignment)
    hidden = {q.name for q in assignment.questions.values() if q.visibility != "visible"}
    declared = fixtures.discover(assignment)
    for path in folder.rglob("*"):
        if not path.is_file() or "autograder" in path.relative_to(folder).parts[:1]:
            continue
        relative = path.relative_to(folder).as_posix()
        assert path.name not in {p.name for p in assignment.handout_exclude}, relative
        assert not relative.startswith(("tests/audit", "tests/selfcheck")), relative
        if path.suffix == ".py":
            text = _normalise(path.read_text(encoding="utf-8", errors="replace"))
            leaked = [where for snippet, where in snippets.items() if snippet in text]
            assert not leaked, f"{relative} holds reference code: {leaked}"
        if relative.startswith("fixtures/") and path.suffix == ".npz":
            fixture_set = declared[relative.split("/")[1]]
            assert fixture_set.declared_in.name in {p.name for p in (folder / "tests").glob("test_*.py")}, relative
    for question in hidden:
        for test in (folder / "tests").glob("test_*.py"):
            assert f"mark.{question}" not in test.read_text(encoding="utf-8"), f"{test.name} tests hidden {question}"


def test_the_zip_form_is_deterministic(assignment, tmp_path):
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    build_handout(assignment, first)
    build_handout(assignment, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {"README.md", "autograder.yml", "pytest.ini", "conftest.py", "autograder/plugin.py"} <= set(
            archive.namelist())


def test_pytest_and_check_in_the_handout_agree_with_grade(assignment, handouts, tmp_path):
    folder = handouts(assignment)
    question = first_question_with_functions(assignment)
    other = next(q for q in sorted(assignment.questions.values(), key=lambda q: q.number)
                 if q.name != question.name and q.functions and q.visibility == "visible")
    implement(assignment, folder, question)
    chosen = f"{question.name} or {other.name}"
    results = tmp_path / "pytest-results.json"
    ran = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:autograder", "-m", chosen, "-q",
                          f"--results={results}"], cwd=folder, capture_output=True, text=True, timeout=600)
    assert results.is_file(), ran.stdout[-3000:] + ran.stderr[-3000:]
    by_pytest = {t["name"]: t["score"] for t in json.loads(results.read_text())["tests"]}
    checked = subprocess.run([sys.executable, "-m", "autograder", "check", question.name, other.name],
                             cwd=folder, capture_output=True, text=True, timeout=600)
    assert "Checking" in checked.stdout, checked.stdout[-3000:] + checked.stderr[-3000:]
    from autograder.grading import grade

    graded = grade(folder, assignment, questions=[question.name, other.name], backend="inprocess")
    by_grade = {r.question.label: r.score for r in graded.results}
    assert by_grade[question.label] == question.points and by_grade[other.label] == 0, by_grade
    for label, score in by_grade.items():
        assert by_pytest[label] == score, (label, by_pytest, by_grade)
        assert f"{score:g} / " in next(line for line in checked.stdout.splitlines() if label.split(" ", 1)[1][:20]
                                       in line), checked.stdout
