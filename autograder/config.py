"""The assignment's configuration, read from ``autograder.yml``.

The framework knows nothing about a particular assignment; everything it
needs (questions, points, file roles, limits) comes from this file.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

CONFIG_NAME = "autograder.yml"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
FILE_ROLES = ("graded", "helper", "locked")


class ConfigError(Exception):
    """autograder.yml is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Question:
    """One scored question; tests join it through a pytest marker of the same name."""

    name: str  # the marker name, e.g. "relu"
    number: str  # shown and sorted on Gradescope, e.g. "1.2"
    title: str
    points: float
    visibility: str = "visible"
    functions: tuple[str, ...] = ()  # what the student writes, e.g. ("layers.relu_forward",); used by `export`

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"


@dataclass(frozen=True)
class TimeLimits:
    per_test_seconds: float = 60.0  # one test, enforced by pytest-timeout
    total_seconds: float = 1200.0  # the whole grading run; below Gradescope's own limit


@dataclass(frozen=True)
class Config:
    """Everything autograder.yml says, with paths made absolute."""

    path: Path  # autograder.yml itself
    root: Path  # the folder that holds it
    assignment: str
    tests_dir: Path
    fixtures_dir: Path
    reference_dir: Path
    template_dir: Path
    default_submission: Path  # what a student's plain `pytest` grades
    file_roles: dict[str, str]  # file name -> graded | helper | locked
    questions: dict[str, Question]
    time_limits: TimeLimits = field(default_factory=TimeLimits)
    visibility: str = "visible"  # of the whole result on Gradescope
    stdout_visibility: str = "hidden"
    show_student_output: bool = False  # append what the student's code printed to each question's output
    options: dict[str, Any] = field(default_factory=dict)  # assignment-specific switches

    @property
    def provided_dir(self) -> Path:
        """The grader's own copy of helper and locked files: the generated template."""
        return self.template_dir

    def files_with_role(self, role: str) -> list[str]:
        return sorted(name for name, r in self.file_roles.items() if r == role)


def find_config(start: Path | None = None) -> Path | None:
    """Return the autograder.yml in ``start`` or its parents, or None."""
    explicit = os.environ.get("AUTOGRADER_CONFIG")
    if explicit:
        return Path(explicit).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate autograder.yml (found from the working directory if not given)."""
    found = Path(path) if path else find_config()
    if found is None or not found.is_file():
        raise ConfigError(f"no {CONFIG_NAME} found (looked in {Path.cwd()} and its parents)")
    found = found.resolve()
    return _load_cached(found, found.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=8)
def _load_cached(found: Path, text: str) -> Config:
    """Parsing YAML is slow and tests ask for the config often; keyed by the text, never stale."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        raw = yaml.load(text, Loader=loader) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{found}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{found}: the top level must be a mapping")
    return _parse(raw, found.parent, found)


def _parse(raw: dict, root: Path, source: Path) -> Config:
    def folder(key: str, default: str) -> Path:
        return (root / str(raw.get(key, default))).resolve()

    roles = {str(k): str(v) for k, v in (raw.get("files") or {}).items()}
    for name, role in roles.items():
        if role not in FILE_ROLES:
            raise ConfigError(f"{source}: file {name!r} has role {role!r}; use one of {FILE_ROLES}")

    questions = {}
    for name, spec in (raw.get("questions") or {}).items():
        spec = spec or {}
        if "points" not in spec:
            raise ConfigError(f"{source}: question {name!r} has no points")
        visibility = spec.get("visibility", "visible")
        if visibility not in VISIBILITIES:
            raise ConfigError(f"{source}: question {name!r} has visibility {visibility!r}; use one of {VISIBILITIES}")
        questions[str(name)] = Question(
            name=str(name),
            number=str(spec.get("number", len(questions) + 1)),
            title=str(spec.get("title", name)),
            points=float(spec["points"]),
            visibility=visibility,
            functions=_functions(spec.get("functions"), f"{source}: question {name!r}"),
        )
    if not questions:
        raise ConfigError(f"{source}: no questions defined")

    try:
        time_limits = TimeLimits(**{str(k): float(v) for k, v in (raw.get("time_limits") or {}).items()})
    except (TypeError, ValueError) as exc:  # an unknown key or a value that is not a number
        raise ConfigError(f"{source}: time_limits: {exc}") from None
    results = raw.get("results") or {}
    for key in ("visibility", "stdout_visibility"):
        if results.get(key, "visible") not in VISIBILITIES:
            raise ConfigError(f"{source}: results.{key} is {results[key]!r}; use one of {VISIBILITIES}")
    show_student_output = results.get("show_student_output", False)
    if not isinstance(show_student_output, bool):
        raise ConfigError(f"{source}: results.show_student_output is {show_student_output!r}; use true or false")
    return Config(
        path=source.resolve(),
        root=root,
        assignment=str(raw.get("assignment", root.name)),
        tests_dir=folder("tests_dir", "tests"),
        fixtures_dir=folder("fixtures_dir", "fixtures"),
        reference_dir=folder("reference_dir", "reference_solution"),
        template_dir=folder("template_dir", "student_template"),
        default_submission=folder("default_submission", "student_template"),
        # Read-only views: one parsed Config is shared by every caller of load_config.
        file_roles=MappingProxyType(roles),
        questions=MappingProxyType(questions),
        time_limits=time_limits,
        visibility=str(results.get("visibility", "visible")),
        stdout_visibility=str(results.get("stdout_visibility", "hidden")),
        show_student_output=show_student_output,
        options=MappingProxyType(dict(raw.get("options") or {})),
    )


def _functions(raw: Any, where: str) -> tuple[str, ...]:
    """A question's ``functions:``: "module.function" or "module.Class.method" names."""
    if raw is None:
        return ()
    if isinstance(raw, str) or not isinstance(raw, list):
        raise ConfigError(f"{where}: functions must be a list such as [layers.relu_forward]")
    names = []
    for item in raw:
        parts = str(item).split(".")
        if len(parts) < 2 or not all(part.isidentifier() for part in parts):
            raise ConfigError(f"{where}: {item!r} in functions is not module.function or module.Class.method")
        names.append(str(item))
    return tuple(names)
