"""Variants of the reference solution, graded to show what the tests catch.

A variant replaces one function (or one snippet) of one reference file. A
wrong variant names the questions it must lose points in; every other
question must keep full marks, except those listed in ``may_lose`` (code
that calls the broken function, e.g. a network built on a broken layer).
A variant with no ``loses`` is a correct alternative and must get full marks.
"""
from __future__ import annotations

import ast
import shutil
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from autograder.config import Config
from autograder.grading import grade

PARALLEL_GRADES = 2  # CI has two cores; each grade runs in its own process


@dataclass(frozen=True)
class Variant:
    name: str
    file: str  # e.g. "layers.py"
    new: str  # the replacement text
    old: str | None = None  # an exact snippet of the reference to replace (occurring once) ...
    function: str | None = None  # ... or the name of a top-level function or "Class.method" to replace
    loses: tuple[str, ...] = ()  # questions that must lose points (empty: must get full marks)
    may_lose: tuple[str, ...] = ()  # questions allowed to lose points too

    def __str__(self) -> str:
        return self.name


def _function_span(source: str, qualified: str) -> tuple[int, int, int]:
    """(first line, last line, indentation) of a function, decorators included."""
    *owners, name = qualified.split(".")
    body = ast.parse(source).body
    for owner in owners:
        body = next(n.body for n in body if isinstance(n, ast.ClassDef) and n.name == owner)
    node = next(n for n in body if isinstance(n, ast.FunctionDef) and n.name == name)
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return first, node.end_lineno, node.col_offset


def apply_variant(variant: Variant, reference_dir: Path, dest: Path) -> Path:
    """A copy of the reference with the variant's change applied."""
    shutil.copytree(reference_dir, dest)
    path = dest / variant.file
    source = path.read_text(encoding="utf-8")
    if variant.function:
        first, last, indent = _function_span(source, variant.function)
        lines = source.splitlines(keepends=True)
        replacement = textwrap.indent(textwrap.dedent(variant.new).strip("\n") + "\n", " " * indent)
        source = "".join(lines[: first - 1]) + replacement + "".join(lines[last:])
    else:
        if source.count(variant.old) != 1:
            raise ValueError(f"{variant.name}: the snippet occurs {source.count(variant.old)} times in {variant.file}")
        source = source.replace(variant.old, variant.new)
    path.write_text(source, encoding="utf-8")
    return dest


def grade_variants(variants: list[Variant], config: Config, workdir: Path) -> dict[str, dict[str, float]]:
    """Each variant's score per question, grading two at a time."""
    def run(variant: Variant) -> tuple[str, dict[str, float]]:
        folder = apply_variant(variant, config.reference_dir, workdir / variant.name)
        report = grade(folder, config)
        return variant.name, {r.question.name: r.score for r in report.results} | {
            f"{r.question.name}:output": r.output for r in report.results
        }

    with ThreadPoolExecutor(PARALLEL_GRADES) as pool:
        return dict(pool.map(run, variants))


def verdict(variant: Variant, scores: dict[str, float], config: Config) -> list[str]:
    """What is wrong with how the tests treated this variant; [] if right."""
    problems = []
    for name, question in config.questions.items():
        lost = scores[name] < question.points - 1e-9
        if name in variant.loses and not lost:
            problems.append(f"survived: {name} kept all {question.points:g} points")
        elif lost and name not in variant.loses and name not in variant.may_lose:
            kind = "false failure" if not variant.loses else "collateral loss"
            problems.append(f"{kind}: {name} scored {scores[name]:g}/{question.points:g}: {scores[name + ':output']}")
    return problems
