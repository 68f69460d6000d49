"""One grading run's settings, resolved once, in one place.

Every setting of a run (which assignment, which submission, where student
code runs, the time limits, the data, history and results folders) is
resolved by ``resolve``: from what the user gave explicitly (a command-line
option, a pytest option, an argument of ``grade()``), else the environment,
else autograder.yml, else a default; each value remembers where it came
from, so a message can say "time budget 60 s (from $AUTOGRADER_TIME_BUDGET)".
This module is the only reader of the environment variables in
``ENVIRONMENT``.

A run crosses into the child pytest as one JSON file (``--autograder-run``);
nothing else carries a setting between the grader's own processes. What the
sandboxed worker must not see is derived from the resolved settings
(``Run.hidden_paths``), so a folder the run uses is never left visible.

    run = resolve(config, Options(submission=Path("hw"), backend="sandbox"))
    run.time_budget, run.source("time_budget")   # 480.0, 'autograder.yml (time_limits.total_seconds)'
"""
from __future__ import annotations

import dataclasses
import functools
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from autograder.config import BACKENDS, CONFIG_NAME, Config, ConfigError, find_config, load_config

# The environment variables the grader reads, all here: setting -> variable.
ENVIRONMENT = MappingProxyType({
    "time_budget": "AUTOGRADER_TIME_BUDGET",  # seconds for the whole run
    "data_folder": "AUTOGRADER_DATA",  # where the datasets are
    "history_dir": "AUTOGRADER_HISTORY_DIR",  # where training histories go
    "gradescope_root": "AUTOGRADER_ROOT",  # a folder laid out like /autograder
    "test_processes": "AUTOGRADER_TEST_PROCESSES",  # processes a sandboxed grade splits its checks between
})
GRADESCOPE_ROOT = Path("/autograder")
_DEFAULT_HISTORY = "autograder-training"  # in the system's temporary folder


@dataclass(frozen=True)
class Options:
    """What was asked for explicitly; None (or empty) means "not given", and ``resolve`` fills it in."""

    assignment: Path | None = None  # the assignment's folder, or its autograder.yml
    submission: Path | None = None  # the folder of the student's files
    backend: str | None = None  # "inprocess" or "sandbox"
    time_budget: float | None = None  # seconds for the whole run
    data_folder: Path | None = None
    history_dir: Path | None = None
    results_path: Path | None = None  # where results.json goes
    gradescope_root: Path | None = None  # Gradescope's flow: the submission, results and metadata live here
    questions: tuple[str, ...] = ()  # grade only these (empty: all)
    test_files: tuple[str, ...] = ()  # collect only these files or node ids (empty: the tests folder)
    record_calls: bool = False  # note which submission functions each test runs (the audit's baseline)
    gradescope: bool = False  # Gradescope's flow: sandboxed, results folder emptied, metadata read
    default_submission: str = "default"  # without a submission: "default" (autograder.yml's) or "reference"
    audience: str = "staff"  # "student" (pytest, check): hidden questions are not run, and say so
    test_processes: int | None = None  # a sandboxed grade's checks split between 1 or 2 processes (autograder.parallel)


@dataclass(frozen=True)
class Run:
    """Every setting of one grading run; ``sources`` says where each came from."""

    config_path: Path  # the assignment's autograder.yml
    submission: Path
    backend: str
    time_budget: float  # the whole run, seconds
    per_test_seconds: float  # one test (pytest-timeout)
    call_seconds: float  # one call into student code, in either back end
    questions: tuple[str, ...] = ()
    test_files: tuple[str, ...] = ()
    results_path: Path | None = None
    journal_path: Path | None = None  # the child pytest's journal (set by grading.grade)
    data_folder: Path | None = None
    history_dir: Path | None = None
    gradescope_root: Path | None = None
    record_calls: bool = False
    clean_results_folder: bool = False  # empty results.json's folder but for it (Gradescope's own folder only)
    audience: str = "staff"  # "student": a hidden question is graded on Gradescope only, not in a local run
    test_processes: int = 1  # sandboxed: the checks split between this many processes (autograder.parallel)
    also_hidden: tuple[Path, ...] = ()  # more folders of the grader's: a batch's class (the other submissions)
    sources: Mapping[str, str] = field(default_factory=dict)

    @functools.cached_property
    def assignment(self) -> Config:
        """The assignment's configuration (parsed once per process and shared)."""
        return load_config(self.config_path)

    def source(self, name: str) -> str:
        return self.sources.get(name, "default")

    def describe(self, name: str) -> str:
        """``"time_budget 60 (from $AUTOGRADER_TIME_BUDGET)"``: a setting and its origin, for messages."""
        return f"{name} {getattr(self, name)} (from {self.source(name)})"

    def replace(self, **changes: Any) -> "Run":
        sources = dict(self.sources)
        sources.update({name: "the grader" for name in changes if name not in ("sources",)})
        return dataclasses.replace(self, **changes, sources=MappingProxyType(sources))

    @property
    def hidden_paths(self) -> tuple[Path, ...]:
        """Every folder of this run that student code must not see: the assignment (tests, fixtures,
        reference, config), the submission's own folder, the results, journal, data and history
        folders, Gradescope's root, a batch's class. Built from the resolved settings, never listed by hand."""
        config = self.assignment
        found = [config.root, self.config_path.parent, config.tests_dir, config.fixtures_dir, config.reference_dir,
                 config.template_dir, config.audit_dir, self.submission]
        found += [p.parent for p in (self.results_path, self.journal_path) if p is not None]
        found += [p for p in (self.data_folder, self.history_dir, self.gradescope_root) if p is not None]
        found += self.also_hidden
        return tuple(dict.fromkeys(Path(os.path.abspath(p)) for p in found))

    # -- the run file -----------------------------------------------------------
    def to_json(self) -> str:
        data = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = [str(v) if isinstance(v, Path) else v for v in value]
            data[item.name] = value
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Run":
        data = json.loads(text)
        paths = {f.name for f in dataclasses.fields(cls) if "Path" in str(f.type)}
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            if item.name not in data:
                continue
            value = data[item.name]
            if item.name == "also_hidden":
                value = tuple(Path(v) for v in value)
            elif item.name in paths and value is not None:
                value = Path(value)
            elif item.name in ("questions", "test_files"):
                value = tuple(value)
            elif item.name == "sources":
                value = MappingProxyType(dict(value))
            values[item.name] = value
        return cls(**values)

    def write(self, path: Path) -> Path:
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path | str) -> "Run":
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


# -- resolving -------------------------------------------------------------------
def locate_config(assignment: Path | str | None, start: Path | None = None) -> tuple[Path, str]:
    """(autograder.yml, where it came from): the given folder or file, else found from ``start`` upwards."""
    if assignment is not None:
        path = Path(assignment).expanduser()
        if path.is_dir():
            path = path / CONFIG_NAME
        if not path.is_file():
            raise ConfigError(f"{assignment} is neither an assignment folder (with {CONFIG_NAME}) nor its {CONFIG_NAME}")
        return path.resolve(), "--assignment"
    found = find_config(start)
    if found is None:
        raise ConfigError(f"no {CONFIG_NAME} found (looked in {(start or Path.cwd()).resolve()} and its parents); "
                          "give the assignment's folder with --assignment DIR")
    return found, f"found from {(start or Path.cwd()).resolve()}"


def load_assignment(assignment: Path | str | None = None, start: Path | None = None) -> Config:
    """The assignment's configuration: the given folder or file, else the one found from ``start``."""
    return load_config(locate_config(assignment, start)[0])


def _environment_value(name: str, environ: Mapping[str, str]) -> str | None:
    value = environ.get(ENVIRONMENT[name], "").strip()
    return value or None


def _seconds(text: str, where: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise ConfigError(f"{where} is {text!r}, not a number of seconds") from None
    if not seconds > 0:
        raise ConfigError(f"{where} must be positive, not {text!r}")
    return seconds


class _Resolver:
    """The one precedence rule: explicit, else environment, else autograder.yml, else default."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ
        self.sources: dict[str, str] = {}

    def pick(self, name: str, explicit: Any, config_value: Any = None, config_key: str = "",
             default: Any = None, convert=lambda text, where: text) -> Any:
        if explicit is not None:
            self.sources[name] = "the command line"
            return explicit
        if name in ENVIRONMENT:
            text = _environment_value(name, self.environ)
            if text is not None:
                self.sources[name] = f"${ENVIRONMENT[name]}"
                return convert(text, f"${ENVIRONMENT[name]}")
        if config_value is not None:
            self.sources[name] = f"{CONFIG_NAME} ({config_key})"
            return config_value
        self.sources[name] = "default"
        return default


def resolve(config: Config | None = None, options: Options = Options(), environ: Mapping[str, str] | None = None,
            start: Path | None = None) -> Run:
    """Every setting of a run, from ``options``, then ``environ`` (default: os.environ), then autograder.yml.

    ``config`` is the assignment when the caller has it already; otherwise it is located from
    ``options.assignment`` or found from ``start`` (default: the working folder) upwards.
    """
    environ = os.environ if environ is None else environ
    pick = _Resolver(environ)
    if config is None:
        path, pick.sources["config_path"] = locate_config(options.assignment, start)
        config = load_config(path)
    else:
        pick.sources["config_path"] = "the caller"

    root = None
    if options.gradescope or options.gradescope_root is not None:
        root = gradescope_root(options.gradescope_root, environ, pick)
    if options.submission is not None:
        submission, pick.sources["submission"] = Path(options.submission), "the command line"
    elif root is not None:
        submission, pick.sources["submission"] = root / "submission", "Gradescope's root"
    elif options.default_submission == "reference":
        submission, pick.sources["submission"] = config.reference_dir, "default (the reference solution)"
    else:
        submission, pick.sources["submission"] = config.default_submission, f"{CONFIG_NAME} (default_submission)"

    if options.backend is not None and options.backend not in BACKENDS:
        raise ConfigError(f"backend {options.backend!r}: use one of {BACKENDS}")
    if options.backend is None and options.gradescope:
        backend, pick.sources["backend"] = "sandbox", "Gradescope's flow (always sandboxed)"
    else:
        backend = pick.pick("backend", options.backend, config.sandbox.backend, "sandbox.backend")

    results_path = options.results_path
    if results_path is None and root is not None:
        results_path = root / "results" / "results.json"
    pick.sources["results_path"] = "the command line" if options.results_path else (
        "Gradescope's root" if results_path else "default (none)")

    time_budget = pick.pick("time_budget", options.time_budget, config.time_limits.total_seconds,
                            "time_limits.total_seconds", convert=_seconds)
    data_folder = pick.pick("data_folder", options.data_folder, config.data.folder, "data.folder")
    history_dir = pick.pick("history_dir", options.history_dir, config.data.history_dir, "data.history_dir",
                            default=Path(tempfile.gettempdir()) / _DEFAULT_HISTORY)
    test_processes = _test_processes(pick, options, backend, config.sandbox.memory_mb)
    return Run(
        config_path=config.path,
        submission=Path(os.path.abspath(submission)),
        backend=backend,
        time_budget=float(time_budget),
        per_test_seconds=config.time_limits.per_test_seconds,
        call_seconds=config.sandbox.call_seconds,
        questions=tuple(options.questions),
        test_files=tuple(str(f) for f in options.test_files),
        results_path=Path(os.path.abspath(results_path)) if results_path else None,
        data_folder=Path(data_folder).expanduser().resolve() if data_folder else None,
        history_dir=Path(history_dir).expanduser().resolve() if history_dir else None,
        gradescope_root=root,
        record_calls=options.record_calls,
        clean_results_folder=options.gradescope,
        audience="staff" if options.gradescope else options.audience,
        test_processes=test_processes,
        sources=MappingProxyType(pick.sources),
    )


def _test_processes(pick: _Resolver, options: Options, backend: str, worker_memory_mb: float) -> int:
    """1 or 2: a sandboxed grade splits its checks between two processes where the CPUs and memory allow
    (autograder.parallel); an in-process one never does (the submission runs inside the test process)."""
    from autograder import parallel

    if backend != "sandbox" or options.record_calls:
        pick.sources["test_processes"] = "in-process runs use one process"
        return 1
    count = pick.pick("test_processes", options.test_processes, default=None, convert=_count)
    if count is None:
        count = parallel.default_test_processes(worker_memory_mb)
        pick.sources["test_processes"] = "default (the CPUs and memory this process may use)"
    return max(1, min(parallel.MAX_TEST_PROCESSES, int(count)))


def _count(text: str, where: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise ConfigError(f"{where} is {text!r}, not a whole number") from None
    if count < 1:
        raise ConfigError(f"{where} must be at least 1, not {text!r}")
    return count


def gradescope_root(explicit: Path | None, environ: Mapping[str, str] | None = None,
                    pick: "_Resolver | None" = None) -> Path:
    """Gradescope's folder: the given one, else $AUTOGRADER_ROOT, else /autograder.

    Also used on its own when autograder.yml is broken, to leave a results.json that says so.
    """
    pick = pick or _Resolver(os.environ if environ is None else environ)
    return Path(pick.pick("gradescope_root", explicit, default=GRADESCOPE_ROOT)).resolve()


# -- the run of this process ---------------------------------------------------------
_ACTIVE: Run | None = None


def activate(run: Run | None) -> None:
    """Make ``run`` the one this process grades (the pytest plugin does, when it configures)."""
    global _ACTIVE
    _ACTIVE = run


def current() -> Run | None:
    """The run this process grades, or None outside a grading session."""
    return _ACTIVE


def current_assignment(test_file: str | Path | None = None) -> Config:
    """The assignment being graded: the active run's, else the one holding ``test_file``.

    For a test module's collection-time choices (its parametrize lists):
    ``CONFIG = current_assignment(__file__)``. Outside a grading session (``fixtures regen``
    imports the test modules), the assignment is found from the file's folder.
    """
    start = Path(test_file).resolve().parent if test_file else None
    active = _ACTIVE.assignment if _ACTIVE is not None else None
    # The active run's tests (its config may be a copy elsewhere, the audit's policy variants); any other file
    # belongs to the nearest autograder.yml above it (assignments/<name>/ sits inside the top level's folder).
    if active is not None and (start is None or start.is_relative_to(active.tests_dir)):
        return active
    return load_assignment(None, start)
