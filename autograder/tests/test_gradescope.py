"""Gradescope end to end on the tiny project: the zip, run_autograder on a fake /autograder, the metadata."""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import autograder
from autograder.build import BuildError, build_zip
from autograder.cli import main, stdout_redactions
from autograder.config import load_config
from autograder.gradescope import read_metadata
from autograder.run import Options, resolve
from autograder.results import validate_results
from autograder.tests.conftest import make_project, make_submission, write_files

REPO = Path(autograder.__file__).resolve().parents[1]
PACIFIC = timezone(timedelta(hours=-7))


def with_entry_points(config):
    """The tiny project, plus the repository's setup.sh and run_autograder, which the zip needs."""
    for name in ("setup.sh", "run_autograder"):
        shutil.copy2(REPO / name, config.root / name)
    return config


@pytest.fixture
def shippable(tmp_path):
    config = make_project(tmp_path / "project", results={"show_student_output": True})
    return with_entry_points(config)


# -- submission_metadata.json -------------------------------------------------

METADATA = {
    "id": 123456,
    "created_at": "2018-07-01T14:22:32.365935-07:00",
    "assignment": {"due_date": "2018-07-01T12:00:00.000000-07:00", "title": "HW", "total_points": "20.0"},
    "users": [{"email": "s@example.com", "id": 1, "name": "S"}],
    "previous_submissions": [],
}


def metadata_file(tmp_path, data):
    path = tmp_path / "submission_metadata.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_metadata_gives_the_submission_and_its_lateness(tmp_path):
    info = read_metadata(metadata_file(tmp_path, METADATA))
    assert info.submission_id == "123456"
    assert info.created_at == datetime(2018, 7, 1, 14, 22, 32, 365935, tzinfo=PACIFIC)
    assert info.describe() == "Submission 123456, submitted 2018-07-01 14:22:32-07:00, 2 h 22 min after the due date."


def test_a_students_extension_wins_over_the_assignments_due_date(tmp_path):
    extended = {**METADATA, "users": [{"id": 1, "assignment": {"due_date": "2018-07-02T00:00:00-07:00"}}]}
    assert read_metadata(metadata_file(tmp_path, extended)).describe() == (
        "Submission 123456, submitted 2018-07-01 14:22:32-07:00.")


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not readable JSON (JSONDecodeError)"),
    ("[1, 2]", "the top level is not an object"),
    (b"\xff\xfe", "not readable JSON (UnicodeDecodeError)"),
])
def test_a_malformed_metadata_file_is_reported_not_fatal(tmp_path, content, problem):
    path = tmp_path / "submission_metadata.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    info = read_metadata(path)
    assert info.problem == problem
    assert info.describe() == f"(submission_metadata.json was not used: {problem})"


def test_metadata_fields_of_the_wrong_type_are_ignored(tmp_path):
    odd = {"id": True, "created_at": 5, "assignment": "x", "users": {"a": 1}}
    info = read_metadata(metadata_file(tmp_path, odd))
    assert (info.submission_id, info.created_at, info.due_date, info.problem) == (None, None, None, None)
    assert info.describe() == ""
    assert read_metadata(tmp_path / "absent.json") is None


def test_the_root_comes_from_the_argument_then_the_environment(project, tmp_path):
    environ = {"AUTOGRADER_ROOT": str(tmp_path)}
    run = resolve(project, Options(gradescope=True), environ)
    assert run.results_path == tmp_path / "results" / "results.json" and run.backend == "sandbox"
    assert run.source("gradescope_root") == "$AUTOGRADER_ROOT" and run.clean_results_folder
    run = resolve(project, Options(gradescope=True, gradescope_root=tmp_path / "x"), environ)
    assert run.submission == tmp_path / "x" / "submission" and run.source("gradescope_root") == "the command line"
    assert resolve(project, Options(gradescope=True), {}).gradescope_root == Path("/autograder")
    assert {tmp_path / "x", tmp_path / "x" / "results"} <= set(
        resolve(project, Options(gradescope=True, gradescope_root=tmp_path / "x"), {}).hidden_paths)


def test_printed_verdicts_follow_stdout_visibility():
    assert stdout_redactions("hidden") == set()
    assert stdout_redactions("visible") == {"hidden", "after_due_date", "after_published"}
    assert stdout_redactions("after_due_date") == {"hidden", "after_published"}


# -- the zip ----------------------------------------------------------------------

def test_the_zip_is_deterministic_and_holds_what_grading_needs(shippable, tmp_path):
    write_files(shippable.tests_dir, {"selfcheck/test_reference.py": "x = 1\n", "__pycache__/junk.pyc": "x"})
    first, second = tmp_path / "a.zip", tmp_path / "b" / "autograder.zip"
    names = build_zip(shippable, first)
    os.utime(shippable.tests_dir / "test_mod.py", (0, 0))  # timestamps must not matter
    build_zip(shippable, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == names == sorted(names)
    assert {"setup.sh", "run_autograder", "autograder.yml", "autograder/cli.py", "autograder/plugin.py",
            "tests/test_mod.py", "fixtures/MANIFEST.json", "template/mod.py"} <= set(names)
    assert not [n for n in names if n.startswith(("reference/", "autograder/tests/", "tests/selfcheck/"))
                or "__pycache__" in n]
    modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in infos}
    assert (modes["run_autograder"], modes["setup.sh"], modes["autograder.yml"]) == (0o755, 0o755, 0o644)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_the_zip_refuses_a_copy_of_the_reference(shippable, tmp_path, capsys):
    shutil.copy(shippable.reference_dir / "mod.py", shippable.tests_dir / "solution_notes.py")
    with pytest.raises(BuildError, match=r"tests/solution_notes.py has the same content as reference/mod.py"):
        build_zip(shippable, tmp_path / "a.zip")
    output = tmp_path / "b.zip"
    assert main([f"--config={shippable.path}", "build", f"--output={output}"]) == 1
    assert "no zip written" in capsys.readouterr().err and not output.exists()


def test_a_reference_folder_inside_the_tests_is_refused(tmp_path):
    root = tmp_path / "project"
    config = with_entry_points(make_project(root))
    moved = root / "moved.yml"  # a new file: load_config caches by path and modification time
    moved.write_text(config.path.read_text().replace("reference_dir: reference", "reference_dir: tests/reference"))
    shutil.copytree(root / "reference", root / "tests" / "reference")
    with pytest.raises(BuildError, match=r"tests/reference/mod.py is part of the reference solution"):
        build_zip(load_config(moved), tmp_path / "a.zip")


# -- run_autograder on a fake /autograder ------------------------------------------

def fake_root(zip_path, tmp_path, submission, metadata=None):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "source" / "run_autograder").chmod(0o755)  # zipfile does not restore permissions
    shutil.copytree(submission, root / "submission")
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata))
    return root


def run_autograder(root, **env):
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable, **env}
    environment.pop("AUTOGRADER_CONFIG", None)
    return subprocess.run([str(root / "source" / "run_autograder")], env=environment, capture_output=True,
                          text=True, timeout=120)


def test_run_autograder_grades_the_zip_on_a_fake_root(shippable, tmp_path):
    zip_path = tmp_path / "autograder.zip"
    build_zip(shippable, zip_path)
    submission = make_submission(tmp_path / "sub", mod='''
        def double(x):
            print("doubling", x.shape)
            return 2 * x


        def square(x):
            return x * x
        ''', other="def negate(x):\n    return x\n")
    root = fake_root(zip_path, tmp_path, submission, METADATA)
    completed = run_autograder(root)
    assert completed.returncode == 0, completed.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    assert validate_results(data) == []
    assert data["score"] == 5
    assert data["output"].splitlines()[:2] == [
        "Score: 5 / 6.", "Submission 123456, submitted 2018-07-01 14:22:32-07:00, 2 h 22 min after the due date."]
    double, square, negate = data["tests"]
    assert double["output"].startswith("All 2 checks passed.\n\nWhat your code printed:\n[test_double[n3]]\n"
                                       "doubling (3,)\n[test_double[n4]]\ndoubling (4,)")
    assert square["output"] == "All 2 checks passed."
    assert (negate["score"], negate["status"]) == (0, "failed")
    assert "Total" in completed.stdout and f"results written to {root / 'results' / 'results.json'}" in completed.stdout


def test_run_autograder_writes_a_verdict_even_when_python_is_missing(tmp_path):
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    shutil.copy2(REPO / "run_autograder", root / "source" / "run_autograder")
    completed = run_autograder(root, AUTOGRADER_PYTHON=str(tmp_path / "no-python"))
    assert completed.returncode != 0
    data = json.loads((root / "results" / "results.json").read_text())
    assert validate_results(data) == [] and data["score"] == 0
    assert data["output"].startswith("The autograder could not start (exit code 127)")


def test_a_misconfigured_autograder_still_writes_results(tmp_path):
    (tmp_path / "autograder.yml").write_text("questions: {}\n")
    root = tmp_path / "root"
    assert main([f"--config={tmp_path / 'autograder.yml'}", "gradescope", f"--root={root}"]) == 2
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and data["output"].startswith("The autograder is misconfigured: ")
