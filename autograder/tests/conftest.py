"""Shared helpers for the framework's own tests: tiny assignments built in tmp_path.

Nothing here reads the repository's assignment. ``make_project`` writes a
three-question assignment (two graded modules, one FixtureSet) that the
fixture, template, plugin and grading tests run on; ``make_student`` builds
an in-process student from a dict of module sources.
"""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from autograder import fixtures, template
from autograder.config import Config, load_config
from autograder.inprocess import InProcessStudent
from autograder.workspace import build_workspace

pytest_plugins = ["pytester"]

QUESTIONS = {
    "double": {"number": "1", "title": "Double an array", "points": 2},
    "square": {"number": "2", "title": "Square an array", "points": 3},
    "negate": {"number": "3", "title": "Negate an array", "points": 1},
}

REFERENCE = {
    "mod.py": '''
        """Two graded functions."""


        def double(x):
            """Twice x, elementwise."""
            # BEGIN SOLUTION: return twice x
            return 2 * x
            # END SOLUTION


        def square(x):
            """x squared, elementwise."""
            # BEGIN SOLUTION: return x squared
            return x * x
            # END SOLUTION
        ''',
    "other.py": '''
        def negate(x):
            """-x."""
            # BEGIN SOLUTION: return minus x
            return -x
            # END SOLUTION
        ''',
}

# Test order matters to the grading tests: double and square (mod.py) run before negate (other.py).
TESTS = {
    "test_mod.py": '''
        import numpy as np
        import pytest

        from autograder.compare import expect_close
        from autograder.fixtures import Case, FixtureSet
        from autograder.tolerances import FORWARD_FLOAT64

        DOUBLE = FixtureSet(
            "double",
            make_inputs=lambda rng, n: {"x": rng.standard_normal(n)},
            compute=lambda student, x: {"out": student.call("mod.double", x)},
            cases=[Case("n3", seed=1, n=3), Case("n4", seed=2, n=4)],
        )


        @pytest.mark.double
        @pytest.mark.parametrize("case", DOUBLE.cases, ids=str)
        def test_double(student, case):
            data = DOUBLE.load(case)
            got = DOUBLE.compute(student, **data.inputs)["out"]
            expect_close(got, data.expected["out"], what="double", case=case.name, tol=FORWARD_FLOAT64)


        @pytest.mark.square
        @pytest.mark.parametrize("value", [1.5, -2.0])
        def test_square(student, value):
            got = student.call("mod.square", np.array([value]))
            expect_close(got, np.array([value * value]), what="square", tol=FORWARD_FLOAT64)


        @pytest.mark.negate
        def test_negate(student):
            got = student.call("other.negate", np.arange(3.0))
            expect_close(got, -np.arange(3.0), what="negate", tol=FORWARD_FLOAT64)
        ''',
}


def pytest_configure(config: pytest.Config) -> None:
    # The tiny project's markers, for when its test module is imported in this process.
    for name in QUESTIONS:
        config.addinivalue_line("markers", f"{name}: a question of the tiny test assignment")


def write_files(folder: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: source}`` under ``folder``, dedented; return ``folder``."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_config(
    root: Path,
    files: dict[str, str],
    questions: dict[str, Any] | None = None,
    per_test_seconds: float = 2,
    total_seconds: float = 60,
    **extra: Any,
) -> Path:
    """Write an autograder.yml in ``root`` with the given file roles (and ``extra`` keys); return its path."""
    raw = {
        "assignment": "Tiny",
        "tests_dir": "tests",
        "fixtures_dir": "fixtures",
        "reference_dir": "reference",
        "template_dir": "template",
        "default_submission": "reference",
        "files": files,
        "questions": questions or {"only": {"number": "1", "title": "Only", "points": 1}},
        "time_limits": {"per_test_seconds": per_test_seconds, "total_seconds": total_seconds},
        **extra,
    }
    root.mkdir(parents=True, exist_ok=True)
    path = root / "autograder.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def make_project(root: Path, generate: bool = True, **options: Any) -> Config:
    """The tiny assignment in ``root``; with ``generate``, its fixtures and template too.

    ``options`` go to write_config: time limits, or other autograder.yml keys.
    """
    path = write_config(root, {"mod.py": "graded", "other.py": "graded"}, QUESTIONS, **options)
    write_files(root / "reference", REFERENCE)
    write_files(root / "tests", TESTS)
    config = load_config(path)
    if generate:
        fixtures.regenerate(config)
        template.regenerate(config)
    return config


def make_submission(root: Path, **changes: str) -> Path:
    """A copy of the reference in ``root`` with some modules replaced, e.g. other="..."."""
    files = dict(REFERENCE)
    files.update({f"{name}.py": source for name, source in changes.items()})
    return write_files(root, files)


@pytest.fixture
def project(tmp_path: Path) -> Config:
    return make_project(tmp_path / "project")


@pytest.fixture
def make_student(tmp_path: Path) -> Callable[..., InProcessStudent]:
    """Build an in-process student from ``{file name: source}``; all are closed afterwards.

    Every ``.py`` file is graded unless ``roles`` says otherwise.
    """
    made: list[InProcessStudent] = []

    def make(files: dict[str, str], roles: dict[str, str] | None = None, name: str = "s") -> InProcessStudent:
        root = tmp_path / name
        submission = write_files(root / "submission", files)
        roles = roles or {n: "graded" for n in files if n.endswith(".py")}
        config = load_config(write_config(root, roles))
        student = InProcessStudent(build_workspace(submission, config, root / "workspace"))
        made.append(student)
        return student

    yield make
    for student in made:
        student.close()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """Each test gets its own fixture registry, no .pyc files and no leftover student modules."""
    monkeypatch.setattr(fixtures, "_REGISTRY", {})
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # edited sources are never read from a stale .pyc
    for name in ("AUTOGRADER_CONFIG", "AUTOGRADER_SUBMISSION"):
        monkeypatch.delenv(name, raising=False)
    yield
    base = str(tmp_path_factory.getbasetemp())
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(base):
            del sys.modules[name]
