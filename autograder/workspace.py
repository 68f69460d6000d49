"""Assemble the folder that student code runs from.

Graded files come from the submission; helper files from the submission when
present, else from the grader's copy; locked files always from the grader's
copy. Extra modules a student added are kept unless their name would shadow
an installed package or the standard library.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.config import Config

_MAX_EXTRA_FILE_BYTES = 5 * 1024 * 1024  # a data file a student ships (predictions.csv); more is abuse


@dataclass
class Workspace:
    path: Path
    modules: dict[str, str]  # module name -> where its file came from: "submission" | "grader"
    missing: dict[str, str]  # module name -> the sentence explaining why it is absent
    notes: list[str] = field(default_factory=list)  # things the student should know


def locate_submission_root(submission: Path) -> tuple[Path, list[str]]:
    """The folder that holds the modules, tolerating one level of wrapping folder.

    Students often upload a zip of a folder: the files then sit one level down.
    """
    if any(submission.glob("*.py")):
        return submission, []
    folders = [p for p in submission.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))]
    if len(folders) == 1 and any(folders[0].glob("*.py")):
        return folders[0], [f"your files were found inside the folder '{folders[0].name}/' and graded from there"]
    return submission, []


def _shadows_installed(module: str) -> bool:
    if module in sys.builtin_module_names or module in sys.stdlib_module_names:
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def build_workspace(submission: Path, config: Config, dest: Path) -> Workspace:
    """Copy the files student code needs into ``dest`` (an empty folder)."""
    dest.mkdir(parents=True, exist_ok=True)
    ws = Workspace(path=dest, modules={}, missing={})
    if not submission.is_dir():
        for name, role in config.file_roles.items():
            if role == "graded":
                ws.missing[Path(name).stem] = f"the submission folder {submission} does not exist"
        submission_root = None
    else:
        submission_root, ws.notes = locate_submission_root(submission)

    for name, role in sorted(config.file_roles.items()):
        module = Path(name).stem
        theirs = submission_root / name if submission_root else None
        ours = config.provided_dir / name
        has_theirs = theirs is not None and theirs.is_file()
        if role == "graded":
            if has_theirs:
                shutil.copyfile(theirs, dest / name)
                ws.modules[module] = "submission"
            else:  # keep the sentence about a missing submission folder, if any
                ws.missing.setdefault(module, f"{name} is missing from the submission")
        elif role == "answer":
            pass  # the student's own data file (predictions.csv): the grader reads it from the submission
        elif role == "helper" and has_theirs:
            shutil.copyfile(theirs, dest / name)
            ws.modules[module] = "submission"
        elif ours.is_file():
            if role == "locked" and has_theirs and theirs.read_bytes() != ours.read_bytes():
                ws.notes.append(f"{name} is provided by the course; your modified copy was ignored")
            shutil.copyfile(ours, dest / name)
            ws.modules[module] = "grader"

    if submission_root is not None:
        _copy_extra_files(submission_root, config, ws)
    return ws


def _copy_extra_files(root: Path, config: Config, ws: Workspace) -> None:
    for path in sorted(root.iterdir()):
        if path.name in config.file_roles or not path.is_file() or path.is_symlink():
            continue
        if path.name.startswith(".") or path.stat().st_size > _MAX_EXTRA_FILE_BYTES:
            continue
        if path.suffix == ".py":
            module = path.stem
            if not module.isidentifier() or _shadows_installed(module):
                ws.notes.append(f"{path.name} was ignored: its name would hide a library module")
                continue
            ws.modules[module] = "submission"
        shutil.copyfile(path, ws.path / path.name)
