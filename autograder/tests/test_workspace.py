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


# -- what students really upload -------------------------------------------------------------------
def test_files_deeper_in_folders_are_found_and_said(tmp_path, config):
    ws = build(tmp_path, config, {"hw6/code/graded.py": "theirs = 1\n", "hw6/readme.txt": "x"})
    assert text(ws, "graded.py") == "theirs = 1\n"
    assert ws.notes == ["your files were found inside the folder 'hw6/code/' and graded from there"]


def test_a_file_name_that_differs_only_in_case_is_graded_and_named(tmp_path, config):
    ws = build(tmp_path, config, {"Graded.py": "theirs = 1\n"})
    assert text(ws, "graded.py") == "theirs = 1\n" and ws.modules["graded"] == "submission"
    assert ws.notes == ["Graded.py was graded as graded.py: file names are case-sensitive on the grader, so "
                        "rename it graded.py"]
    assert not (ws.path / "Graded.py").exists()  # not also an extra module


def test_a_windows_1252_file_is_read_as_such_and_named(tmp_path, config):
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "graded.py").write_bytes(b'"""It\x92s mine."""\ntheirs = 1\n')
    ws = build_workspace(submission, config, tmp_path / "workspace")
    assert text(ws, "graded.py") == '"""It\u2019s mine."""\ntheirs = 1\n'
    assert ws.notes == ["graded.py is not UTF-8 text (byte 0x92 on line 1, such as a curly quote saved by a Windows "
                        "editor): it was read as Windows-1252; save it as UTF-8"]


def test_a_notebook_stands_in_for_a_missing_module_with_its_definitions_only(tmp_path):
    import json

    write_files(tmp_path / "template", {"mod.py": ""})
    config = load_config(write_config(tmp_path, {"mod.py": "graded"},
                                      {"q": {"points": 1, "functions": ["mod.double"]}}))
    cells = [{"cell_type": "code", "source": ["import numpy as np\n", "%matplotlib inline\n"]},
             {"cell_type": "code", "source": "def double(x):\n    return 2 * x\n\nprint(double(2))\nwhile True: pass\n"},
             {"cell_type": "markdown", "source": "def not_code(): pass"},
             {"cell_type": "code", "source": "!pip install torch\nclass Net:\n    pass\n"}]
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "hw.ipynb").write_text(json.dumps({"cells": cells}))
    ws = build_workspace(submission, config, tmp_path / "workspace")
    assert text(ws, "mod.py") == "import numpy as np\n\n\ndef double(x):\n    return 2 * x\n\n\nclass Net:\n    pass\n"
    assert ws.missing == {} and ws.modules["mod"] == "submission"
    assert "taken from the notebook hw.ipynb" in ws.notes[0] and "no other statement" in ws.notes[0]


def test_imports_of_the_courses_package_layout_read_as_bare_names(tmp_path, config):
    ws = build(tmp_path, config, {"graded.py": (
        "from cs231n.helper import *\n"
        "from cs231n.classifiers.locked import thing  # a comment\n"
        "    from .helper import x\n"
        "from ..locked import y\n"
        "from . import helper, locked\n"
        "from numpy.linalg import norm\n"
        "from .elsewhere import z\n")})
    assert text(ws, "graded.py") == (
        "from helper import *\n"
        "from locked import thing  # a comment\n"
        "    from helper import x\n"
        "from locked import y\n"
        "import helper, locked\n"
        "from numpy.linalg import norm\n"
        "from .elsewhere import z\n")
