"""The framework names no assignment: no folder, no file and no function of one (arrows run only into it).

Every assignment of the repository is read (the top level and assignments/*), and the framework's files,
its own tests included, are searched for its folder's name, its files' names, its functions' qualified
names ("module.function") and its functions' own names when they are specific (with an underscore or a
capital). Words any neural-network code uses ("forward", "sigmoid", "loss"), and the framework's own API
names an assignment may reuse, are not specific.
"""
from __future__ import annotations

import re
from pathlib import Path

import autograder
from autograder.config import load_config

PACKAGE = Path(autograder.__file__).resolve().parent
REPOSITORY = PACKAGE.parent
# Names too generic to belong to one assignment: Python's, numpy's, torch's and the field's own vocabulary.
GENERIC = {
    "forward", "backward", "backwards", "loss", "predict", "sigmoid", "softmax", "relu", "tanh", "linear",
    "parameters", "gradients", "fit", "train", "step", "init", "call", "model", "models", "layers", "layer",
    "activations", "losses", "util", "utils", "solver", "data", "optim", "weights", "nn", "Linear", "ReLU",
    "SoftMax", "Sigmoid", "Conv2D", "Pool2D", "Activation", "predictions", "predictions.csv", "L2",
    "per_class_accuracy",  # the framework's own (autograder.training), also a name an assignment may choose
}


def forbidden_names() -> dict[str, str]:
    """{name: which assignment it belongs to}."""
    names: dict[str, str] = {}
    paths = [REPOSITORY / "autograder.yml", *sorted(REPOSITORY.glob("assignments/*/autograder.yml"))]
    for path in paths:
        config = load_config(path)
        owner = path.parent.name if path.parent != REPOSITORY else "the top-level assignment"
        if path.parent != REPOSITORY:
            names[path.parent.name] = owner
        for file, role in config.file_roles.items():
            if file not in GENERIC and Path(file).stem not in GENERIC and role != "answer":
                names[file] = owner
        for question in config.questions.values():
            for function in question.functions:
                names[function] = owner
                for part in function.split(".")[1:]:
                    if part not in GENERIC and not part.startswith("__") and ("_" in part or part[:1].isupper()):
                        names[part] = owner
    return names


def test_the_framework_names_no_assignment():
    names = forbidden_names()
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")(?![\w-])")
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in pattern.finditer(line):
                found.append(f"{path.relative_to(REPOSITORY)}:{number}: {match[1]} ({names[match[1]]})")
    assert not found, "the framework names an assignment's files or functions:\n" + "\n".join(found[:40])
