"""build_workspace: which copy of each file student code runs with."""
from pathlib import Path

import pytest

from autograder.config import load_config
from autograder.tests.conftest import write_config, write_files
from autograder.workspace import build_workspace

ROLES = {"graded.py": "graded", "helper.py": "helper", "locked.py": "locked"}
GRADERS = {"graded.py": "ours = 'graded'\n", "helper.py": "ours = 'helper'\n", "locked.py": "ours = 'locked'\n"}


@pytest.fixture
def config(tmp_path):
    write_files(tmp_path / "template", GRADERS)
    return load_config(write_config(tmp_path, ROLES))


def build(tmp_path, config, files):
    submission = write_files(tmp_path / "submission", files)
    return build_workspace(submission, config, tmp_path / "workspace")


def text(ws, name):
    return (ws.path / name).read_text()


def test_graded_comes_from_the_submission_and_helper_from_ours_when_absent(tmp_path, config):
    ws = build(tmp_path, config, {"graded.py": "theirs = 1\n"})
    assert text(ws, "graded.py") == "theirs = 1\n"
    assert text(ws, "helper.py") == GRADERS["helper.py"]
    assert text(ws, "locked.py") == GRADERS["locked.py"]
    assert ws.modules == {"graded": "submission", "helper": "grader", "locked": "grader"}
    assert ws.missing == {} and ws.notes == []


def test_a_submitted_helper_is_used(tmp_path, config):
    ws = build(tmp_path, config, {"graded.py": "", "helper.py": "theirs = 'helper'\n"})
    assert text(ws, "helper.py") == "theirs = 'helper'\n"
    assert ws.modules["helper"] == "submission"


def test_locked_is_always_ours_with_a_note_when_theirs_differs(tmp_path, config):
    ws = build(tmp_path, config, {"graded.py": "", "locked.py": "theirs = 'locked'\n"})
    assert text(ws, "locked.py") == GRADERS["locked.py"]
    assert ws.modules["locked"] == "grader"
    assert ws.notes == ["locked.py is provided by the course; your modified copy was ignored"]


def test_an_unchanged_locked_file_gives_no_note(tmp_path, config):
    ws = build(tmp_path, config, {"graded.py": "", "locked.py": GRADERS["locked.py"]})
    assert ws.notes == []


def test_a_missing_graded_file_is_explained(tmp_path, config):
    ws = build(tmp_path, config, {"helper.py": ""})
    assert ws.missing == {"graded": "graded.py is missing from the submission"}
    assert not (ws.path / "graded.py").exists()


def test_a_missing_submission_folder_is_explained(tmp_path, config):
    ws = build_workspace(tmp_path / "nowhere", config, tmp_path / "workspace")
    assert list(ws.missing) == ["graded"]
    assert "does not exist" in ws.missing["graded"]


def test_a_wrapping_folder_is_detected(tmp_path, config):
    ws = build(tmp_path, config, {"hw1/graded.py": "theirs = 1\n", "hw1/extra.py": "", "__MACOSX/junk": ""})
    assert text(ws, "graded.py") == "theirs = 1\n"
    assert ws.modules["extra"] == "submission"
    assert ws.notes == ["your files were found inside the folder 'hw1/' and graded from there"]


def test_extra_modules_are_kept_unless_they_shadow_a_library(tmp_path, config):
    ws = build(tmp_path, config, {
        "graded.py": "",
        "my_utils.py": "VALUE = 1\n",
        "json.py": "raise SystemExit('hijacked')\n",
        "numpy.py": "",
        "predictions.csv": "1,2\n",
    })
    assert ws.modules["my_utils"] == "submission" and (ws.path / "my_utils.py").is_file()
    assert (ws.path / "predictions.csv").read_text() == "1,2\n"
    for shadow in ("json", "numpy"):
        assert shadow not in ws.modules and not (ws.path / f"{shadow}.py").exists()
        assert f"{shadow}.py was ignored: its name would hide a library module" in ws.notes


def test_the_grader_copy_is_taken_from_the_template(tmp_path, config):
    assert config.provided_dir == Path(tmp_path / "template").resolve()
