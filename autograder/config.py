"""The assignment's configuration, read from ``autograder.yml``.

The framework knows nothing about a particular assignment; everything it
needs (questions, points, file roles, limits) comes from this file.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

CONFIG_NAME = "autograder.yml"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
FILE_ROLES = ("graded", "helper", "locked", "answer")
# answer: a data file the student produces (e.g. predictions.csv): read by the grader from the submission,
# never provided by the course (the template has none).


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
    functions: tuple[str, ...] = ()  # what the student writes, e.g. ("mod.double",); used by `export`

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"


GRADESCOPE_MARGIN_SECONDS = 60.0  # Gradescope's own start-up and our results file, inside its limit


@dataclass(frozen=True)
class TimeLimits:
    per_test_seconds: float = 60.0  # one test, enforced by pytest-timeout
    total_seconds: float = 480.0  # the whole grading run: ends it with a valid results.json ...
    gradescope_seconds: float = 600.0  # ... before the limit the course sets on Gradescope (its default, 10 min)


BACKENDS = ("inprocess", "sandbox")


@dataclass(frozen=True)
class SandboxSettings:
    """autograder.yml's ``sandbox:`` section: the sandboxed back end's limits (autograder.sandbox)."""

    backend: str = "inprocess"  # for local runs; Gradescope's runner uses the sandbox unless told otherwise
    call_seconds: float = 30.0  # one call into student code; then its processes are killed
    memory_mb: int = 1024  # memory the student's code may allocate, above the imported libraries
    processes: int = 64  # processes and threads of the sandbox user (enforced when grading as root)
    output_chars: int = 100_000  # what the student's code may print per call; the rest is dropped
    preload: tuple[str, ...] = ()  # modules the worker imports before any student code (e.g. torch: seconds)


DATASET_FORMATS = ("idx", "cifar10", "mat", "imagefolder", "synthetic")
RECIPE_KEYS = {"optimizer": str, "learning_rate": float, "epochs": int, "batch_size": int, "seed": int,
               "weight_decay": float}
WHEN_NO_GPU = ("skip", "cpu", "predictions")


@dataclass(frozen=True)
class DataSettings:
    """autograder.yml's ``data:`` section: where datasets live and how models are trained (autograder.training)."""

    folder: Path | None = None  # the data folder; $AUTOGRADER_DATA overrides it (see autograder.datasets)
    history_dir: Path | None = None  # where training histories go; $AUTOGRADER_HISTORY_DIR overrides it
    datasets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # name -> {format, path, ...}
    recipes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # name -> Recipe's fields


@dataclass(frozen=True)
class AccuracyTask:
    """One entry of ``accuracy.tasks``: train a student's builder's model and compare its accuracy to a threshold."""

    name: str
    question: str  # the question it scores (several tasks of one question share its points)
    builder: str  # "module.function" returning an nn.Sequential
    dataset: str  # a name in data.datasets
    recipe: str  # a name in data.recipes
    threshold: float  # minimum test accuracy
    device: str = "cpu"  # "cpu", or "gpu": needs CUDA (see AccuracySettings.when_no_gpu)
    input: str = "image"  # "image": (B, C, H, W); "flat": (B, C*H*W)
    timeout_seconds: float = 900.0  # this task's training and evaluation
    predictions_file: str | None = None  # with when_no_gpu: predictions, the student's CSV graded instead


@dataclass(frozen=True)
class AccuracySettings:
    """autograder.yml's ``accuracy:`` section."""

    when_no_gpu: str = "skip"  # "skip": a gpu task is skipped and its question counts 0 of 0; "cpu": train on the
    # CPU; "predictions": grade the task's predictions_file (the student's own predictions) against the threshold
    tasks: tuple[AccuracyTask, ...] = ()


@dataclass(frozen=True)
class PredictionsSettings:
    """autograder.yml's ``predictions:`` section: a CSV of held-out predictions scored by thresholds."""

    question: str
    dataset: str  # whose test labels the grader holds (a name in data.datasets)
    thresholds: tuple[tuple[float, float], ...]  # (minimum accuracy, points), increasing
    file: str = "predictions.csv"
    leaderboard: str | None = None  # the Gradescope leaderboard column, if any


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
    audit_dir: Path  # the variants corpus of `autograder audit` (variants_*.py files)
    probes_dir: Path  # the assignment's own probes (code run on the student's side), beside the framework's
    file_roles: dict[str, str]  # file name -> graded | helper | locked | answer
    questions: dict[str, Question]
    time_limits: TimeLimits = field(default_factory=TimeLimits)
    visibility: str = "visible"  # of the whole result on Gradescope
    stdout_visibility: str = "hidden"
    show_student_output: bool = False  # append what the student's code printed to each question's output
    options: dict[str, Any] = field(default_factory=dict)  # assignment-specific switches, read by its tests
    # Functions that may write into some of their arguments: ("optim.*", ("w", "config")), a pattern
    # (fnmatch) on "module.function" or "module.Class.method", then argument names. Any other change
    # of an argument is noted as an in-place mutation.
    writes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Files of the tests folder that students never get in their handout (trusted-only helpers, such as a
    # module computing the right formulas for hints); `autograder handout` leaves them out.
    handout_exclude: tuple[Path, ...] = ()
    export_by: str = "question"  # `export`'s sections: one per question, or per module ("module")
    export_heading_level: int = 1  # 1: a whole document; 2, 3: a part to include in a write-up
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    data: DataSettings = field(default_factory=DataSettings)
    accuracy: AccuracySettings = field(default_factory=AccuracySettings)
    predictions: PredictionsSettings | None = None

    @property
    def provided_dir(self) -> Path:
        """The grader's own copy of helper and locked files: the generated template."""
        return self.template_dir

    def files_with_role(self, role: str) -> list[str]:
        return sorted(name for name, r in self.file_roles.items() if r == role)


def find_config(start: Path | None = None) -> Path | None:
    """Return the autograder.yml in ``start`` (default: the working folder) or its parents, or None."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


_FOLDER_KEYS = ("tests_dir", "fixtures_dir", "reference_dir", "template_dir", "default_submission", "audit_dir",
                "probes_dir")


def write_variant(config: Config, changes: Mapping[str, Any], folder: Path) -> Path:
    """A copy of ``config``'s autograder.yml in ``folder`` with the top-level keys in ``changes`` replaced
    (e.g. ``{"writes": {}}``) and every folder made absolute, so it describes the same assignment.
    For the audit's variants of a policy: the same code graded under another declaration."""
    raw = yaml.safe_load(config.path.read_text(encoding="utf-8")) or {}
    for key in _FOLDER_KEYS:
        raw[key] = str(getattr(config, key))
    if config.handout_exclude:
        raw["handout"] = {**(raw.get("handout") or {}), "exclude": [str(p) for p in config.handout_exclude]}
    data = dict(raw.get("data") or {})
    for key in ("folder", "history_dir"):
        if getattr(config.data, key) is not None:
            data[key] = str(getattr(config.data, key))
    if data:
        raw["data"] = data
    raw.update(changes)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_NAME
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    load_config(path)  # a change that breaks the configuration fails here, naming it
    return path


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
    if time_limits.total_seconds > time_limits.gradescope_seconds - GRADESCOPE_MARGIN_SECONDS:
        # A run Gradescope kills scores 0 and shows the student nothing: ours must end first.
        raise ConfigError(
            f"{source}: time_limits.total_seconds ({time_limits.total_seconds:g}) must end the run at least "
            f"{GRADESCOPE_MARGIN_SECONDS:g} s before time_limits.gradescope_seconds ({time_limits.gradescope_seconds:g}), "
            "the limit set on Gradescope; raise both together")
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
        audit_dir=folder("audit_dir", "tests/audit"),
        probes_dir=folder("probes_dir", "tests/probes"),
        # Read-only views: one parsed Config is shared by every caller of load_config.
        file_roles=MappingProxyType(roles),
        questions=MappingProxyType(questions),
        time_limits=time_limits,
        visibility=str(results.get("visibility", "visible")),
        stdout_visibility=str(results.get("stdout_visibility", "hidden")),
        show_student_output=show_student_output,
        options=MappingProxyType(dict(raw.get("options") or {})),
        writes=_writes(raw.get("writes"), source),
        handout_exclude=_handout_exclude(raw.get("handout"), root, source),
        **_export_defaults(raw.get("export"), source),
        sandbox=_sandbox(raw.get("sandbox"), source),
        **_data_sections(raw, root, source, questions),
    )


def _functions(raw: Any, where: str) -> tuple[str, ...]:
    """A question's ``functions:``: "module.function" or "module.Class.method" names."""
    if raw is None:
        return ()
    if isinstance(raw, str) or not isinstance(raw, list):
        raise ConfigError(f"{where}: functions must be a list such as [mod.double]")
    names = []
    for item in raw:
        parts = str(item).split(".")
        if len(parts) < 2 or not all(part.isidentifier() for part in parts):
            raise ConfigError(f"{where}: {item!r} in functions is not module.function or module.Class.method")
        names.append(str(item))
    return tuple(names)


def _export_defaults(raw: Any, source: Path) -> dict[str, Any]:
    """``export: {by: module, heading_level: 2}``: what `autograder export` does without options."""
    section = _mapping(raw, f"{source}: export")
    unknown = set(section) - {"by", "heading_level"}
    if unknown:
        raise ConfigError(f"{source}: export.{sorted(unknown)[0]} is not a setting; use by or heading_level")
    by, level = section.get("by", "question"), section.get("heading_level", 1)
    if by not in ("question", "module") or level not in (1, 2, 3):
        raise ConfigError(f"{source}: export.by is {by!r} and export.heading_level {level!r}; use question or "
                          "module, and 1, 2 or 3")
    return {"export_by": by, "export_heading_level": level}


def _handout_exclude(raw: Any, root: Path, source: Path) -> tuple[Path, ...]:
    """``handout: {exclude: [tests/attention_mistakes.py]}``: paths relative to the config's folder."""
    section = _mapping(raw, f"{source}: handout")
    unknown = set(section) - {"exclude"}
    if unknown:
        raise ConfigError(f"{source}: handout.{sorted(unknown)[0]} is not a setting; use exclude")
    exclude = section.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(p, str) for p in exclude):
        raise ConfigError(f"{source}: handout.exclude must be a list of paths such as [tests/helpers.py]")
    return tuple((root / p).resolve() for p in exclude)


def _writes(raw: Any, source: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``writes:``, e.g. ``{optim.*: [w, config], mod.forward: [params]}``."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: writes must map functions to argument names, such as {{mod.forward: [params]}}")
    found = []
    for pattern, names in raw.items():
        if not isinstance(names, list) or not all(isinstance(n, str) and n.isidentifier() for n in names):
            raise ConfigError(f"{source}: writes.{pattern} must be a list of argument names such as [params]")
        if "." not in str(pattern):
            raise ConfigError(f"{source}: writes.{pattern}: name functions as module.function (patterns allowed)")
        found.append((str(pattern), tuple(names)))
    return tuple(found)


def _sandbox(raw: Any, source: Path) -> SandboxSettings:
    """The ``sandbox:`` section, every value checked: a typo must not silently lift a limit."""
    if raw is None:
        return SandboxSettings()
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: sandbox must be a mapping such as {{call_seconds: 30, memory_mb: 1024}}")
    known = SandboxSettings.__dataclass_fields__
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{source}: sandbox.{key} is not a setting; use one of {tuple(known)}")
        if key == "backend":
            if value not in BACKENDS:
                raise ConfigError(f"{source}: sandbox.backend is {value!r}; use one of {BACKENDS}")
            values[key] = value
            continue
        if key == "preload":
            if not isinstance(value, list) or not all(isinstance(v, str) and all(
                    p.isidentifier() for p in v.split(".")) for v in value):
                raise ConfigError(f"{source}: sandbox.preload must be a list of module names such as [torch]")
            values[key] = tuple(value)
            continue
        kind = float if key == "call_seconds" else int
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or kind(value) != value:
            raise ConfigError(f"{source}: sandbox.{key} is {value!r}; use a positive "
                              f"{'number' if kind is float else 'whole number'}")
        values[key] = kind(value)
    return SandboxSettings(**values)


def _data_sections(raw: dict, root: Path, source: Path, questions: Mapping[str, Question]) -> dict[str, Any]:
    """The ``data:``, ``accuracy:`` and ``predictions:`` sections, each reference checked."""
    data_raw = _mapping(raw.get("data"), f"{source}: data")
    datasets = {}
    for name, spec in _mapping(data_raw.get("datasets"), f"{source}: data.datasets").items():
        spec = _mapping(spec, f"{source}: data.datasets.{name}")
        if spec.get("format") not in DATASET_FORMATS:
            raise ConfigError(f"{source}: data.datasets.{name}.format is {spec.get('format')!r}; "
                              f"use one of {DATASET_FORMATS}")
        datasets[str(name)] = MappingProxyType(dict(spec))
    recipes = {}
    for name, spec in _mapping(data_raw.get("recipes"), f"{source}: data.recipes").items():
        spec = _mapping(spec, f"{source}: data.recipes.{name}")
        for key, value in spec.items():
            kind = RECIPE_KEYS.get(key)
            if kind is None:
                raise ConfigError(f"{source}: data.recipes.{name}.{key} is not a setting; use {tuple(RECIPE_KEYS)}")
            if kind is str and value not in ("adam", "sgd"):
                raise ConfigError(f"{source}: data.recipes.{name}.optimizer is {value!r}; use adam or sgd")
            if kind is not str and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
                                    or (kind is int and int(value) != value)):
                raise ConfigError(f"{source}: data.recipes.{name}.{key} is {value!r}; use a non-negative "
                                  f"{'whole number' if kind is int else 'number'}")
        recipes[str(name)] = MappingProxyType(dict(spec))

    def path(key: str) -> Path | None:
        value = data_raw.get(key)
        return (root / str(value)).resolve() if value else None

    data = DataSettings(path("folder"), path("history_dir"), MappingProxyType(datasets), MappingProxyType(recipes))

    def check_refs(where: str, question: Any, dataset: Any) -> None:
        if question not in questions:
            raise ConfigError(f"{source}: {where}.question is {question!r}, which is not in questions:")
        if dataset not in datasets:
            raise ConfigError(f"{source}: {where}.dataset is {dataset!r}, which is not in data.datasets")

    accuracy_raw = _mapping(raw.get("accuracy"), f"{source}: accuracy")
    when_no_gpu = accuracy_raw.get("when_no_gpu", "skip")
    if when_no_gpu not in WHEN_NO_GPU:
        raise ConfigError(f"{source}: accuracy.when_no_gpu is {when_no_gpu!r}; use one of {WHEN_NO_GPU}")
    tasks = []
    for name, spec in _mapping(accuracy_raw.get("tasks"), f"{source}: accuracy.tasks").items():
        where = f"accuracy.tasks.{name}"
        spec = _mapping(spec, f"{source}: {where}")
        known = AccuracyTask.__dataclass_fields__
        for key in spec:
            if key not in known or key == "name":
                raise ConfigError(f"{source}: {where}.{key} is not a setting; use {tuple(k for k in known if k != 'name')}")
        missing = [k for k in ("question", "builder", "dataset", "recipe", "threshold") if k not in spec]
        if missing:
            raise ConfigError(f"{source}: {where} lacks {', '.join(missing)}")
        check_refs(where, spec["question"], spec["dataset"])
        if spec["recipe"] not in recipes:
            raise ConfigError(f"{source}: {where}.recipe is {spec['recipe']!r}, which is not in data.recipes")
        parts = str(spec["builder"]).split(".")
        if len(parts) != 2 or not all(p.isidentifier() for p in parts):
            raise ConfigError(f"{source}: {where}.builder is {spec['builder']!r}; use module.function")
        threshold = spec["threshold"]
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
            raise ConfigError(f"{source}: {where}.threshold is {threshold!r}; use an accuracy between 0 and 1")
        if spec.get("device", "cpu") not in ("cpu", "gpu"):
            raise ConfigError(f"{source}: {where}.device is {spec['device']!r}; use cpu or gpu")
        if spec.get("input", "image") not in ("image", "flat"):
            raise ConfigError(f"{source}: {where}.input is {spec['input']!r}; use image or flat")
        file = spec.get("predictions_file")
        if file is not None and (not isinstance(file, str) or "/" in file or "\\" in file or file.startswith(".")):
            raise ConfigError(f"{source}: {where}.predictions_file is {file!r}; use a plain file name")
        if when_no_gpu == "predictions" and spec.get("device") == "gpu" and not file:
            raise ConfigError(f"{source}: {where} needs a predictions_file, since accuracy.when_no_gpu is predictions")
        tasks.append(AccuracyTask(name=str(name), **{**spec, "threshold": float(threshold)}))
    accuracy = AccuracySettings(when_no_gpu, tuple(tasks))

    predictions = None
    if raw.get("predictions") is not None:
        spec = _mapping(raw["predictions"], f"{source}: predictions")
        check_refs("predictions", spec.get("question"), spec.get("dataset"))
        thresholds = spec.get("thresholds")
        where = f"{source}: predictions.thresholds"
        if not isinstance(thresholds, list) or not thresholds or not all(
                isinstance(t, list) and len(t) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                            for v in t) for t in thresholds):
            raise ConfigError(f"{where} must be a list of [accuracy, points] pairs such as [[0.9, 2], [0.95, 4]]")
        pairs = tuple((float(a), float(p)) for a, p in thresholds)
        if [a for a, _ in pairs] != sorted(a for a, _ in pairs) or not all(0 <= a <= 1 and p >= 0 for a, p in pairs):
            raise ConfigError(f"{where} must rise: accuracies between 0 and 1 in increasing order, points >= 0")
        most = max(p for _, p in pairs)
        if abs(most - questions[spec["question"]].points) > 1e-9:
            raise ConfigError(f"{where}: the highest threshold gives {most:g} points but question "
                              f"{spec['question']!r} is worth {questions[spec['question']].points:g}")
        file = str(spec.get("file", "predictions.csv"))
        if "/" in file or "\\" in file or file.startswith("."):
            raise ConfigError(f"{source}: predictions.file is {file!r}; use a plain file name")
        board = spec.get("leaderboard")
        predictions = PredictionsSettings(str(spec["question"]), str(spec["dataset"]), pairs, file,
                                          str(board) if board else None)
    return {"data": data, "accuracy": accuracy, "predictions": predictions}


def _mapping(raw: Any, where: str) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping")
    return raw
