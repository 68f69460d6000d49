"""Gradescope end to end on this assignment: the zip, unpacked in a fake /autograder, grades as the repository does.

Builds the zip twice (the bytes must match, and no file of it may be, or
copy, a reference file students do not get), then runs ``run_autograder``
from the unpacked zip on four submissions, two at a time: the reference,
the template, the reference with a syntax error in optim.py, and the
reference with a ReLU that loops forever swallowing every exception
(graded under a short time budget).
"""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.build import build_zip, secret_files
from autograder.config import load_config
from autograder.grading import grade
from autograder.results import validate_results

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "autograder.yml")
PARALLEL_RUNS = 2  # CI has two cores
LOOP_BUDGET = 10  # seconds for the whole run of the looping submission
METADATA = {"id": 424242, "created_at": "2030-01-01T10:00:00-08:00",
            "assignment": {"due_date": "2030-01-01T09:00:00-08:00"}, "users": [{"id": 1}]}

STUBBORN_RELU = '''


def relu_forward(x):  # replaces the reference's: loops forever, swallowing every exception
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
'''


@pytest.fixture(scope="module")
def zip_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("zip") / "autograder.zip"
    build_zip(CONFIG, path)
    return path


def test_the_zip_is_deterministic(zip_path, tmp_path):
    again = tmp_path / "again.zip"
    build_zip(CONFIG, again)
    assert again.read_bytes() == zip_path.read_bytes()


def test_the_zip_has_what_gradescope_needs_and_no_reference_file(zip_path):
    with zipfile.ZipFile(zip_path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    names = set(contents)
    assert {"setup.sh", "run_autograder", "autograder.yml", "requirements.txt", "pyproject.toml", "pytest.ini",
            "autograder/__init__.py", "autograder/plugin.py"} <= names
    tops = {name.split("/", 1)[0] for name in names if "/" in name}
    assert tops == {"autograder", CONFIG.tests_dir.name, CONFIG.fixtures_dir.name, CONFIG.template_dir.name}
    assert not [n for n in names if n.startswith(("autograder/tests/", f"{CONFIG.tests_dir.name}/selfcheck/"))]
    reference = CONFIG.reference_dir.name + "/"
    assert not [n for n in names if n.startswith(reference)]
    secrets = secret_files(CONFIG)
    assert secrets, "the reference should differ from the template somewhere"
    copied = {name: secrets[data] for name, data in contents.items() if data in secrets}
    assert not copied, f"files of the zip with a reference file's content: {copied}"
    template = {p.name for p in CONFIG.template_dir.iterdir() if p.is_file()}
    assert {n.split("/", 1)[1] for n in names if n.startswith(CONFIG.template_dir.name + "/")} >= template


def _submission(name: str, workdir: Path) -> Path:
    folder = workdir / f"submission-{name}"
    if name == "template":
        shutil.copytree(CONFIG.template_dir, folder)
        return folder
    shutil.copytree(CONFIG.reference_dir, folder)
    if name == "broken_optim":
        (folder / "optim.py").write_text("def sgd(w, dw, config=None):\n    return w -\n")
    elif name == "stubborn_loop":
        with open(folder / "layers.py", "a", encoding="utf-8") as layers:
            layers.write(STUBBORN_RELU)
    return folder


def _run_on_fake_root(name: str, zip_path: Path, workdir: Path) -> tuple[subprocess.CompletedProcess, dict]:
    root = workdir / f"root-{name}"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "source" / "run_autograder").chmod(0o755)  # zipfile does not restore permissions
    shutil.move(_submission(name, workdir), root / "submission")
    (root / "submission_metadata.json").write_text(json.dumps(METADATA))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    for variable in ("AUTOGRADER_CONFIG", "AUTOGRADER_SUBMISSION", "AUTOGRADER_TIME_BUDGET"):
        env.pop(variable, None)
    if name == "stubborn_loop":
        env["AUTOGRADER_TIME_BUDGET"] = str(LOOP_BUDGET)
    completed = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                               timeout=600)
    data = json.loads((root / "results" / "results.json").read_text())
    return completed, data


@pytest.fixture(scope="module")
def runs(zip_path, tmp_path_factory):
    """Each submission's (completed run_autograder, results.json), and the repository's own grade of the reference."""
    workdir = tmp_path_factory.mktemp("gradescope")
    names = ["stubborn_loop", "reference", "template", "broken_optim"]  # the longest first
    with ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        local = pool.submit(grade, CONFIG.reference_dir, CONFIG)
        found = dict(zip(names, pool.map(lambda n: _run_on_fake_root(n, zip_path, workdir), names)))
    found["local_reference"] = (None, local.result().data)
    return found


def by_number(data: dict) -> dict[str, dict]:
    return {test["number"]: test for test in data["tests"]}


@pytest.mark.parametrize("name", ["reference", "template", "broken_optim", "stubborn_loop"])
def test_every_run_exits_0_with_a_valid_results_file(runs, name):
    completed, data = runs[name]
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert validate_results(data) == []
    assert len(data["tests"]) == len(CONFIG.questions)
    assert data["output"].splitlines()[1] == "Submission 424242, submitted 2030-01-01 10:00:00-08:00, " \
                                             "1 h 0 min after the due date."
    assert "Total" in completed.stdout


def test_the_zip_grades_the_reference_as_the_repository_does(runs):
    _, data = runs["reference"]
    _, local = runs["local_reference"]
    assert data["tests"] == local["tests"]
    assert data["score"] == local["score"]


def test_the_template_scores_zero_with_a_reason_per_question(runs):
    _, data = runs["template"]
    for test in data["tests"]:
        assert test["score"] == 0, f"{test['name']}: the template earns {test['score']}"
        assert test["output"].strip() and "passed" not in test["output"].splitlines()[0], test


def test_a_syntax_error_in_optim_costs_only_what_needs_optim(runs):
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


def test_a_loop_that_swallows_every_exception_is_stopped_by_the_time_budget(runs):
    _, reference = runs["reference"]
    completed, data = runs["stubborn_loop"]
    assert f"Grading stopped when its time budget of {LOOP_BUDGET} s ran out" in data["output"]
    assert data["execution_time"] < LOOP_BUDGET + 30
    expected = by_number(reference)
    stopped = [n for n, t in by_number(data).items() if t["output"].startswith("not run: time budget exhausted")]
    assert stopped, "no question says the time budget ran out"
    assert CONFIG.questions["relu"].number in stopped
    for number, test in by_number(data).items():
        if number not in stopped:  # finished before the loop: graded as usual
            assert test["score"] == expected[number]["score"], test
