"""What students really upload: each near miss gets its sentence and costs only what its real mistake costs.

Each case is the reference altered the way a real upload was, graded in-process on a few questions
(those it touches and one it must not), through the same grade() as Gradescope's.
"""
import json
import shutil

import pytest

from autograder.grading import grade

QUESTIONS = ["relu", "sgd", "two_layer_net"]


def _copy(reference, folder):
    shutil.copytree(reference, folder)
    return folder


def _append(path, text):
    with open(path, "a", encoding="utf-8") as file:
        file.write(text)


def renamed(reference, folder):
    _copy(reference, folder)
    (folder / "layers.py").rename(folder / "Layers.py")
    return folder


def in_a_folder(reference, folder):
    _copy(reference, folder / "hw6" / "code")
    return folder


def notebook(reference, folder):
    _copy(reference, folder)
    source = (folder / "layers.py").read_text(encoding="utf-8")
    (folder / "layers.py").unlink()
    cells = [{"cell_type": "markdown", "source": "# Homework 6"},
             {"cell_type": "code", "source": "%matplotlib inline\nimport numpy as np"},
             {"cell_type": "code", "source": source},
             {"cell_type": "code", "source": "print(relu_forward(np.ones(3)))\nwhile True:\n    pass\n"}]
    (folder / "hw6.ipynb").write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5}))
    return folder


def unused_import(reference, folder):
    _copy(reference, folder)
    text = (folder / "layers.py").read_text(encoding="utf-8")
    (folder / "layers.py").write_text("import notinstalled_plotting_library as plt\n" + text, encoding="utf-8")
    return folder


def windows_1252(reference, folder):
    _copy(reference, folder)
    _append(folder / "optim.py", "")
    data = (folder / "optim.py").read_bytes().replace(b'"""Vanilla', b'"""It\x92s vanilla', 1)
    (folder / "optim.py").write_bytes(data)
    return folder


def float32(reference, folder):
    _copy(reference, folder)
    text = (folder / "layers.py").read_text(encoding="utf-8")
    (folder / "layers.py").write_text(text.replace("out = np.maximum(x, 0)", "out = np.maximum(x, 0).astype(np.float32)"),
                                      encoding="utf-8")
    return folder


def chatty(reference, folder):
    _copy(reference, folder)
    text = (folder / "layers.py").read_text(encoding="utf-8")
    (folder / "layers.py").write_text(text.replace("out = np.maximum(x, 0)",
                                                   "for i in range(20_000):\n        print('computing relu', i)\n"
                                                   "    out = np.maximum(x, 0)"), encoding="utf-8")
    return folder


def edited_provided_file(reference, folder):
    _copy(reference, folder)
    _append(folder / "solver.py", "\n# my own tweak\n")
    return folder


# (make the upload, the sentence it must get, questions that lose points: the rest keep them all)
UPLOADS = {
    "Layers.py": (renamed, "Layers.py was graded as layers.py: file names are case-sensitive", ()),
    "files in a folder": (in_a_folder, "your files were found inside the folder 'hw6/code/'", ()),
    "a notebook": (notebook, "layers.py is missing, so its functions were taken from the notebook hw6.ipynb", ()),
    "an uninstalled library": (unused_import, "No module named 'notinstalled_plotting_library': it is neither one of "
                               "the assignment's modules", ("relu", "two_layer_net")),
    "Windows-1252 text": (windows_1252, "optim.py is not UTF-8 text (byte 0x92", ()),
    "float32 results": (float32, "got has dtype float32", ("relu", "two_layer_net")),
    "heavy printing": (chatty, "printed more than 100,000 characters in one call", ("relu", "two_layer_net")),
    "an edited provided file": (edited_provided_file, "solver.py is provided by the course; your modified copy was "
                                "ignored", ()),
}


@pytest.mark.parametrize("upload", list(UPLOADS))
def test_an_upload_gets_its_sentence_and_loses_only_what_its_mistake_costs(top_level, tmp_path, upload):
    make, sentence, losing = UPLOADS[upload]
    submission = make(top_level.reference_dir, tmp_path / "submission")
    report = grade(submission, top_level, questions=QUESTIONS, backend="inprocess")
    everything = report.data["output"] + "\n" + "\n".join(t["output"] for t in report.data["tests"])
    assert sentence in everything, everything[:3000]
    for result in report.results:
        if result.question.name in losing:
            assert result.score < result.max_score, f"{upload}: {result.question.label} kept its points"
        else:
            assert result.score == result.max_score, f"{upload}: {result.question.label}: {result.output}"
