"""Generate the student template from the reference solution.

In the reference, each part students write sits between two marker lines,
inside a function or method:

    # BEGIN SOLUTION: compute out, the elementwise max(0, x)
    out = np.maximum(0, x)
    # END SOLUTION

The template keeps everything else and replaces each block with a TODO
comment and a ``raise NotImplementedError`` naming the function and the
task, at the block's indentation. Files without markers are copied as they
are; a graded file without markers is an error, since its template would
give the solution away.
"""
from __future__ import annotations

import ast
import re
import shutil
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from autograder import definitions
from autograder.config import Config

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::\s*(?P<task>.*?))?\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
_SKIPPED = ("__pycache__", ".pytest_cache")


class TemplateError(Exception):
    """Markers are unbalanced, misplaced, or missing from a graded file."""


@dataclass(frozen=True)
class Block:
    first_line: int  # 1-based line of BEGIN
    last_line: int  # 1-based line of END
    indent: str
    task: str
    function: str  # qualified name of the enclosing function, e.g. "Net.loss"


def find_blocks(source: str, filename: str) -> list[Block]:
    lines = source.splitlines()
    tree = ast.parse(source, filename)
    statement_lines = sorted({node.lineno for node in ast.walk(tree) if isinstance(node, ast.stmt)})
    blocks: list[Block] = []
    start: tuple[int, re.Match] | None = None
    for number, line in enumerate(lines, start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if start:
                raise TemplateError(f"{filename}:{number}: BEGIN SOLUTION inside another block (line {start[0]})")
            start = (number, begin)
        elif end:
            if not start:
                raise TemplateError(f"{filename}:{number}: END SOLUTION without BEGIN SOLUTION")
            first, match = start
            # A function's range ends at its last statement, so an END marker after a final
            # `return` lies outside it: place the block by its first statement instead.
            inside = [line for line in statement_lines if first < line < number]
            anchor = inside[0] if inside else first
            function = definitions.enclosing_function(tree, anchor)
            if function is None:
                raise TemplateError(f"{filename}:{first}: a solution block must sit inside a function")
            task = match.group("task") or "implement this part (see the docstring)"
            blocks.append(Block(first, number, match.group("indent"), task.rstrip("."), function))
            start = None
    if start:
        raise TemplateError(f"{filename}:{start[0]}: BEGIN SOLUTION is never closed")
    return blocks


def strip_solutions(source: str, filename: str, style: str = "raise") -> str:
    """The template version of one reference file.

    ``style="raise"``: each block becomes a TODO and ``raise NotImplementedError("<function>: <task>")``.
    ``style="pass"``: each block becomes what CS231n-style starters hand out instead, the names the block
    assigns set to None and a ``pass`` (used to prove that an untouched stub earns nothing).
    """
    blocks = find_blocks(source, filename)
    lines = source.splitlines(keepends=True)
    for block in reversed(blocks):
        message = f"{block.function}: {block.task}."
        if style == "pass":
            body = textwrap.dedent("".join(lines[block.first_line: block.last_line - 1]))
            stub = [f"{block.indent}{name} = None\n" for name in _assigned_names(body)]
            stub += [f"{block.indent}# TODO: {message}\n", f"{block.indent}pass\n"]
        else:
            stub = [
                f"{block.indent}# TODO: {message}\n",
                f"{block.indent}raise NotImplementedError({message!r})\n",
            ]
        lines[block.first_line - 1 : block.last_line] = stub
    stripped = "".join(lines)
    ast.parse(stripped, filename)  # the template must stay importable
    return stripped


def _assigned_names(body: str) -> list[str]:
    """Names (``out``) and attributes of a name (``self.attn``) a block assigns, in order, each once."""
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return []
    found: dict[str, None] = {}
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
        for target in targets:
            for item in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]):
                if isinstance(item, ast.Name) or (isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name)):
                    found[ast.unparse(item)] = None
    return list(found)


def render_pass_stubs(config: Config, out_dir: Path) -> list[Path]:
    """The template as CS231n-style starters write it (``pass`` stubs), into ``out_dir``: a submission that
    computes nothing, which must score 0 in every question with "not implemented yet"."""
    written = render(config, out_dir)
    for path in written:
        relative = path.relative_to(out_dir).as_posix()
        if path.suffix == ".py" and config.file_roles.get(relative) == "graded":
            source = (config.reference_dir / relative).read_text(encoding="utf-8")
            path.write_text(strip_solutions(source, relative, style="pass"), encoding="utf-8")
    return written


def _source_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(part in _SKIPPED for part in p.relative_to(folder).parts)
    )


def render(config: Config, out_dir: Path) -> list[Path]:
    """Write the template for every file of the reference into ``out_dir``."""
    written = []
    for source_path in _source_files(config.reference_dir):
        relative = source_path.relative_to(config.reference_dir)
        if config.file_roles.get(relative.as_posix()) == "answer":  # e.g. predictions.csv: the student makes it
            continue
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source_path.suffix == ".py":
            text = source_path.read_text(encoding="utf-8")
            stripped = strip_solutions(text, relative.as_posix())
            if config.file_roles.get(relative.as_posix()) == "graded" and stripped == text:
                raise TemplateError(f"{relative}: a graded file has no solution markers; its template would be the solution")
            target.write_text(stripped, encoding="utf-8")
        else:
            shutil.copyfile(source_path, target)
        written.append(target)
    return written


def regenerate(config: Config) -> list[Path]:
    """Rewrite ``student_template/`` from the reference, removing stale files."""
    out_dir = config.template_dir
    with tempfile.TemporaryDirectory(prefix="autograder-template-") as tmp:
        render(config, Path(tmp))  # a marker error stops us before the checked-in template is removed
    if out_dir.exists():
        shutil.rmtree(out_dir)
    return render(config, out_dir)


def verify(config: Config) -> list[str]:
    """Differences between the checked-in template and a fresh rendering."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="autograder-template-") as tmp:
        fresh_dir = Path(tmp)
        try:
            render(config, fresh_dir)
        except (TemplateError, SyntaxError) as exc:
            return [str(exc)]
        fresh = {p.relative_to(fresh_dir).as_posix(): p for p in _source_files(fresh_dir)}
        current = {}
        if config.template_dir.is_dir():
            current = {p.relative_to(config.template_dir).as_posix(): p for p in _source_files(config.template_dir)}
        for name in sorted(fresh.keys() | current.keys()):
            if name not in current:
                problems.append(f"{name}: missing from {config.template_dir.name}/")
            elif name not in fresh:
                problems.append(f"{name}: in {config.template_dir.name}/ but not made from the reference")
            elif fresh[name].read_bytes() != current[name].read_bytes():
                problems.append(f"{name}: differs from a fresh regeneration")
    if problems:
        problems.append("run `python -m autograder template regen` and commit the result")
    return problems
