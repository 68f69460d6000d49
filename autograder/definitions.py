"""Definitions in source code, found by qualified name ("activation_forward", "Net.loss") with Python's rule.

When a module defines a name twice, Python keeps the last definition (it
runs the file top to bottom), so the lookup does too: a rubric, an export
or the audit reads the function that actually runs. One lookup for every
reader of source (template, rubric, export, audit, the circuit breaker).
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Sequence, Union

if TYPE_CHECKING:
    from autograder.config import Config

Definition = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef]
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def find_definition(tree: ast.Module | str, qualified: str) -> Definition | None:
    """The node that ``qualified`` names in ``tree`` (a module or its source), or None.

    Each part is looked up among the definitions at the top of its scope
    (the module, then the class's body), and the last one of that name wins.
    """
    body = (parse(tree) if isinstance(tree, str) else tree).body
    node: Definition | None = None
    for part in qualified.split("."):
        node = None
        for statement in body:
            if isinstance(statement, _DEFINITIONS) and statement.name == part:
                node = statement  # no break: a later definition replaces this one, as at run time
        if node is None:
            return None
        body = node.body
    return node


def first_line(node: Definition) -> int:
    """The definition's first line, its decorators included."""
    return min([node.lineno] + [d.lineno for d in node.decorator_list])


@functools.lru_cache(maxsize=64)
def parse(source: str) -> ast.Module:
    """``ast.parse`` of a source text, once per text (readers ask for the same file many times)."""
    return ast.parse(source)


def enclosing_function(source: str | ast.Module, line: int) -> str | None:
    """The qualified name ("Class.method") of the innermost function defined around ``line``
    (decorators included), wherever it sits: in a class, a function, or an if or with block."""
    best = None

    def visit(node: ast.AST, prefix: str) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _DEFINITIONS):
                if first_line(child) <= line <= (child.end_lineno or child.lineno):
                    name = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        best = name
                    visit(child, f"{name}.")
            elif isinstance(child, ast.stmt):
                visit(child, prefix)

    visit(parse(source) if isinstance(source, str) else source, "")
    return best


def qualified_name(code) -> str:
    """A code object's qualified name ("Net.loss"); Python 3.10 code objects lack co_qualname,
    so there the name is found from the function's own source file and first line."""
    name = getattr(code, "co_qualname", None)
    if name:
        return name.replace(".<locals>", "")
    try:
        with open(code.co_filename, encoding="utf-8", errors="replace") as file:
            return enclosing_function(file.read(), code.co_firstlineno) or code.co_name
    except OSError:
        return code.co_name


def imported_names(source: str) -> set[str]:
    """The top-level names ``source`` imports, absolute imports of any form (``import a.b``, ``from a import b``)."""
    found = set()
    for node in ast.walk(parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def libraries_for(config: "Config", questions: Sequence[str], libraries: Sequence[str]) -> tuple[str, ...]:
    """Which of ``libraries`` (e.g. sandbox.preload's torch) the code of ``questions`` imports: the modules
    their ``functions:`` live in, as the reference solution (or a provided file) writes them, and every
    module of the submission those import in turn. All of ``libraries`` when a question names no function
    (its code is not known), or when a module cannot be read or parsed."""
    modules: set[str] = set()
    for name in questions:
        question = config.questions.get(name)
        if question is None or not question.functions:
            return tuple(libraries)
        modules |= {function.split(".")[0] for function in question.functions}
    own = submission_modules(config)
    imported: set[str] = set()
    pending, seen = list(modules), set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        source = module_source(config, module)
        if source is None:
            return tuple(libraries)
        try:
            names = imported_names(source)
        except SyntaxError:
            return tuple(libraries)
        imported |= names
        pending += sorted(names & own)
    return tuple(name for name in libraries if name.split(".")[0] in imported)


def submission_modules(config: "Config") -> set[str]:
    """The names of the submission's modules (every ``.py`` file of ``files:``)."""
    return {Path(name).stem for name in config.file_roles if name.endswith(".py")}


def module_source(config: "Config", module: str) -> str | None:
    """A submission module's source as the reference solution (or a provided file) writes it; None if neither has it."""
    for folder in (config.reference_dir, config.provided_dir):
        path = folder / f"{module}.py"
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    return None
