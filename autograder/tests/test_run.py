"""The run: every setting resolved once, with where it came from, and carried as one file."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import autograder
from autograder.config import ConfigError
from autograder.run import ENVIRONMENT, Options, Run, current_assignment, locate_config, resolve

PACKAGE = Path(autograder.__file__).resolve().parent


def test_explicit_then_environment_then_config_then_default(project, tmp_path):
    environ = {"AUTOGRADER_TIME_BUDGET": "12", "AUTOGRADER_DATA": str(tmp_path / "env-data")}
    run = resolve(project, Options(time_budget=3), environ)
    assert run.time_budget == 3 and run.source("time_budget") == "the command line"
    run = resolve(project, Options(), environ)
    assert run.time_budget == 12 and run.source("time_budget") == "$AUTOGRADER_TIME_BUDGET"
    assert run.data_folder == (tmp_path / "env-data").resolve() and run.source("data_folder") == "$AUTOGRADER_DATA"
    run = resolve(project, Options(), {})
    assert run.time_budget == project.time_limits.total_seconds
    assert run.source("time_budget") == "autograder.yml (time_limits.total_seconds)"
    assert run.backend == "inprocess" and run.source("backend") == "autograder.yml (sandbox.backend)"
    assert run.describe("time_budget") == "time_budget 60.0 (from autograder.yml (time_limits.total_seconds))"


def test_a_bad_environment_value_names_its_variable(project):
    with pytest.raises(ConfigError, match=r"\$AUTOGRADER_TIME_BUDGET is 'soon'"):
        resolve(project, Options(), {"AUTOGRADER_TIME_BUDGET": "soon"})
    with pytest.raises(ConfigError, match="must be positive"):
        resolve(project, Options(), {"AUTOGRADER_TIME_BUDGET": "-4"})


def test_the_submission_defaults_to_the_configs_or_the_reference(project, tmp_path):
    assert resolve(project, Options(), {}).submission == project.default_submission
    assert resolve(project, Options(default_submission="reference"), {}).submission == project.reference_dir
    assert resolve(project, Options(submission=tmp_path / "s"), {}).submission == tmp_path / "s"


def test_the_run_file_round_trips(project, tmp_path):
    run = resolve(project, Options(questions=("double",), test_files=("tests/test_mod.py",),
                                   results_path=tmp_path / "r" / "results.json", record_calls=True), {})
    again = Run.read(run.write(tmp_path / "run.json"))
    assert again == run and again.sources["time_budget"] == run.sources["time_budget"]
    assert again.replace(journal_path=tmp_path / "j").source("journal_path") == "the grader"


def test_every_folder_of_the_run_is_hidden_even_outside_the_assignment(project, tmp_path):
    """A data folder given as an absolute path elsewhere on the disk is on the sandbox's hide list."""
    outside = tmp_path / "elsewhere" / "labels"
    run = resolve(project, Options(data_folder=outside, results_path=tmp_path / "out" / "results.json"), {})
    hidden = set(run.hidden_paths)
    assert outside.resolve() in hidden and tmp_path / "out" in hidden
    assert {project.root, project.tests_dir, project.fixtures_dir, project.reference_dir} <= hidden
    assert run.submission in hidden and run.history_dir in hidden


def test_the_assignment_is_a_folder_or_its_file_or_found_upwards(project, tmp_path):
    assert locate_config(project.root)[0] == project.path
    assert locate_config(project.path)[0] == project.path
    assert locate_config(None, project.tests_dir)[0] == project.path
    with pytest.raises(ConfigError, match="--assignment"):
        locate_config(None, tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="neither an assignment folder"):
        locate_config(tmp_path / "nowhere")
    assert current_assignment(project.tests_dir / "test_mod.py").path == project.path


def _environment_reads(source: str) -> list[str]:
    """Variables a module reads (os.environ[...], os.environ.get(...), os.getenv(...)) or names as a constant."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ENVIRONMENT.values():
            found.append(node.value)
        key = None
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            key = node.slice
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in ("os.environ.get", "os.getenv") and node.args:
            key = node.args[0]
        if key is not None:
            found.append(key.value if isinstance(key, ast.Constant) else ast.unparse(key))
    return found


def test_no_run_setting_is_read_from_the_environment_outside_the_resolver():
    """autograder.run is the one reader of the variables in ENVIRONMENT; elsewhere only the
    sandbox reads the few process variables it passes on to the worker (PATH, thread counts)."""
    readers = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.relative_to(PACKAGE).parts or path.name == "run.py":
            continue
        readers += [f"{path.relative_to(PACKAGE)}: {name}" for name in _environment_reads(path.read_text("utf-8"))]
    allowed = {"sandbox/backend.py: PATH", "sandbox/backend.py: name", "sandbox/privileges.py: name",
               "grading.py: TMPDIR",  # set, not read: a forked child's temporary files go into the grade's folder
               "batch.py: name"}  # the thread-count variables a user has set are left alone (process settings)
    assert [r for r in readers if r not in allowed] == []
