"""Assemble the folder that student code runs from, forgiving what students really upload.

Graded files come from the submission; helper files from the submission when
present, else from the grader's copy; locked files always from the grader's
copy. Extra modules a student added are kept unless their name would shadow
an installed package or the standard library.

What students upload is not always what the handout asked for, and each near
miss gets one sentence (``Workspace.notes``, shown at the top of the
results) instead of a zero:
- the files inside a folder (a zipped folder, or deeper): graded from there;
- ``Layers.py`` for ``layers.py``: graded, with a word about the name;
- a notebook instead of the module: the imports, functions and classes of its
  code cells are graded (never its other statements, which may train for an hour);
- a file that is not UTF-8 (a Windows editor's curly quote): read as Windows-1252;
- the course's package layout (``from cs231n.layers import *``, ``from .layers import *``):
  the imports of the assignment's own modules are read as the bare names they are here.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.config import Config

_MAX_EXTRA_FILE_BYTES = 5 * 1024 * 1024  # a data file a student ships (predictions.csv); more is abuse
_MAX_SEARCH_DEPTH = 3  # folders below the submission searched for its files
_MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024  # outputs (plots) make notebooks large; more is not homework


@dataclass
class Workspace:
    path: Path
    modules: dict[str, str]  # module name -> where its file came from: "submission" | "grader"
    missing: dict[str, str]  # module name -> the sentence explaining why it is absent
    notes: list[str] = field(default_factory=list)  # things the student should know, one sentence each


# -- finding the submission's files -------------------------------------------------------------
def locate_submission_root(submission: Path, wanted: tuple[str, ...] = ()) -> tuple[Path, list[str]]:
    """The folder that holds the submission's files: the submission itself, or the folder below it
    (up to a few levels) that holds the most of the ``wanted`` file names (any ``.py`` file if none)."""
    def score(folder: Path) -> int:
        names = {p.name.lower() for p in folder.iterdir() if p.is_file()}
        return sum(name.lower() in names for name in wanted) if wanted else int(any(folder.glob("*.py")))

    if not submission.is_dir() or score(submission):
        return submission, []
    best, best_score = submission, 0
    for depth in range(1, _MAX_SEARCH_DEPTH + 1):
        for folder in sorted(p for p in submission.glob("/".join(["*"] * depth)) if p.is_dir()):
            if any(part.startswith((".", "__")) for part in folder.relative_to(submission).parts):
                continue  # .git, __MACOSX, __pycache__
            found = score(folder)
            if found > best_score:
                best, best_score = folder, found
        if best_score:
            break
    if best is submission:
        return submission, []
    where = best.relative_to(submission).as_posix()
    return best, [f"your files were found inside the folder '{where}/' and graded from there"]


def _by_case(root: Path) -> dict[str, Path]:
    """The files of ``root`` by lower-cased name."""
    return {p.name.lower(): p for p in root.iterdir() if p.is_file() and not p.is_symlink()}


def _shadows_installed(module: str) -> bool:
    if module in sys.builtin_module_names or module in sys.stdlib_module_names:
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# -- the workspace ------------------------------------------------------------------------------
def build_workspace(submission: Path, config: Config, dest: Path) -> Workspace:
    """Copy the files student code needs into ``dest`` (an empty folder)."""
    dest.mkdir(parents=True, exist_ok=True)
    ws = Workspace(path=dest, modules={}, missing={})
    graded_names = tuple(n for n, role in config.file_roles.items() if role in ("graded", "helper"))
    if not submission.is_dir():
        for name, role in config.file_roles.items():
            if role == "graded":
                ws.missing[Path(name).stem] = f"the submission folder {submission} does not exist"
        root = None
    else:
        root, ws.notes = locate_submission_root(submission, graded_names)

    theirs_by_case = _by_case(root) if root else {}
    for name, role in sorted(config.file_roles.items()):
        module = Path(name).stem
        theirs = root / name if root else None
        if root and not theirs.is_file() and name.lower() in theirs_by_case and role in ("graded", "helper"):
            theirs = theirs_by_case[name.lower()]
            ws.notes.append(f"{theirs.name} was graded as {name}: file names are case-sensitive on the grader, "
                            f"so rename it {name}")
        ours = config.provided_dir / name
        has_theirs = theirs is not None and theirs.is_file()
        is_module = name.endswith(".py")
        if role == "graded":
            if has_theirs:
                _copy_source(theirs, dest / name, ws)
                ws.modules[module] = "submission"
            else:  # keep the sentence about a missing submission folder, if any
                ws.missing.setdefault(module, f"{name} is missing from the submission")
        elif role == "answer":
            pass  # the student's own data file (predictions.csv): the grader reads it from the submission
        elif role == "helper" and has_theirs:
            _copy_source(theirs, dest / name, ws)
            if is_module:
                ws.modules[module] = "submission"
        elif ours.is_file():
            if role == "locked" and has_theirs and theirs.read_bytes() != ours.read_bytes():
                ws.notes.append(f"{name} is provided by the course; your modified copy was ignored")
            shutil.copyfile(ours, dest / name)
            if is_module:
                ws.modules[module] = "grader"

    if root is not None:
        _copy_extra_files(root, config, ws)
        _from_notebooks(root, config, ws)
    _normalise_imports(ws)
    return ws


def _copy_source(source: Path, target: Path, ws: Workspace) -> None:
    """Copy a module; a file that is not UTF-8 (a Windows editor's) is read as Windows-1252, with a note."""
    data = source.read_bytes()
    if source.suffix == ".py":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            ws.notes.append(
                f"{source.name} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}, such as a curly "
                "quote saved by a Windows editor): it was read as Windows-1252; save it as UTF-8")
            data = data.decode("cp1252", errors="replace").encode("utf-8")
    target.write_bytes(data)


def _copy_extra_files(root: Path, config: Config, ws: Workspace) -> None:
    known = {name.lower() for name in config.file_roles}
    for path in sorted(root.iterdir()):
        if path.name.lower() in known or not path.is_file() or path.is_symlink():
            continue
        if path.name.startswith(".") or path.stat().st_size > _MAX_EXTRA_FILE_BYTES or path.suffix == ".ipynb":
            continue
        if path.suffix == ".py":
            module = path.stem
            if not module.isidentifier() or _shadows_installed(module):
                ws.notes.append(f"{path.name} was ignored: its name would hide a library module")
                continue
            ws.modules[module] = "submission"
            _copy_source(path, ws.path / path.name, ws)
        else:
            shutil.copyfile(path, ws.path / path.name)


# -- notebooks ------------------------------------------------------------------------------------
def notebook_definitions(path: Path) -> tuple[str, list[str]]:
    """(source, defined names): the imports, functions and classes of a notebook's code cells, in order.

    Nothing else of the notebook is kept: a cell that trains a model, downloads data or plots never runs
    on the grader. A cell that is not valid Python (a shell escape, a magic) is skipped whole.
    """
    try:
        if path.stat().st_size > _MAX_NOTEBOOK_BYTES:
            return "", []
        cells = json.loads(path.read_text(encoding="utf-8", errors="replace")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return "", []
    kept: list[str] = []
    names: list[str] = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        # IPython's magics and shell escapes (%matplotlib inline, !pip install) are not Python: blank them,
        # keeping the line numbers of the rest.
        source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines = source.splitlines()
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                kept.append("\n".join(lines[first - 1: node.end_lineno]))
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    names.append(node.name)
    return "\n\n\n".join(kept) + ("\n" if kept else ""), names


def _from_notebooks(root: Path, config: Config, ws: Workspace) -> None:
    """A graded module that is missing, but whose functions a notebook of the submission defines, is made
    from the notebook's definitions."""
    notebooks = sorted(p for p in root.glob("*.ipynb") if p.is_file())
    if not notebooks:
        return
    wanted: dict[str, set[str]] = {}
    for question in config.questions.values():
        for function in question.functions:
            module, _, name = function.partition(".")
            wanted.setdefault(module, set()).add(name.split(".")[0])
    for notebook in notebooks:
        source, names = notebook_definitions(notebook)
        for module, functions in sorted(wanted.items()):
            if module not in ws.missing or not functions & set(names):
                continue
            (ws.path / f"{module}.py").write_text(source, encoding="utf-8")
            ws.modules[module] = "submission"
            del ws.missing[module]
            ws.notes.append(f"{module}.py is missing, so its functions were taken from the notebook {notebook.name}: "
                            "its imports, functions and classes only (no other statement of it was run); upload "
                            f"{module}.py itself to be sure of what is graded")


# -- imports of the course's package layout ----------------------------------------------------------
_FROM_IMPORT = re.compile(r"^(?P<indent>[ \t]*)from[ \t]+(?P<module>\.*[\w.]*)[ \t]+import[ \t]")


def _normalise_imports(ws: Workspace) -> None:
    """``from cs231n.layers import *``, ``from .layers import *``, ``from ..layers import x``: imports of the
    assignment's own modules through a package or a relative path are read as the bare names they have
    here (a flat folder). Only the module path of such a line changes; the line numbers stay."""
    own = set(ws.modules) | set(ws.missing)
    for module, origin in ws.modules.items():
        path = ws.path / f"{module}.py"
        if origin != "submission" or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        changed = False
        lines = text.splitlines(keepends=True)
        for index, line in enumerate(lines):
            match = _FROM_IMPORT.match(line)
            if not match:
                continue
            target = match["module"]
            last = target.lstrip(".").rsplit(".", 1)[-1]
            if (target.startswith(".") or "." in target) and last in own:
                lines[index] = line[: match.start("module")] + last + line[match.end("module"):]
                changed = True
            elif target and not target.strip("."):  # from . import layers, optim
                names = [n.strip() for n in line[match.end():].split("#")[0].strip().strip("()").split(",")]
                if names and all(n in own for n in names):
                    lines[index] = f"{match['indent']}import {', '.join(names)}\n"
                    changed = True
        if changed:
            path.write_text("".join(lines), encoding="utf-8")
