"""Audit: grade known-wrong and known-right variants of the reference.

A variant replaces one function, method or snippet of one reference file.
A wrong variant names the questions it must lose points in; every other
question must keep full marks, except those listed in ``may_lose`` (code
that calls the broken function, e.g. a network built on a broken layer).
A variant with no ``loses`` is a correct alternative and must get full marks.

The corpus is the assignment's (``audit.variants_dir`` in its config, files
``variants_*.py`` each with a ``VARIANTS`` list); this module knows nothing
of any one assignment.
"""
from __future__ import annotations

import fnmatch
import importlib.util
import multiprocessing
import os
import queue
import shutil
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from autograder import definitions
from autograder.config import Config, write_variant
from autograder.engine import WarmGrader, preload_modules
from autograder.grading import GradeReport, grade_run
from autograder.recording import SOURCE_READ, SUBMISSION_FILES_READ
from autograder.run import Options, Run, resolve
from autograder.scoring import SKIPPED, QuestionResult, TestOutcome, score_all


@dataclass(frozen=True)
class Variant:
    """One change to the reference, and how the tests must treat it."""

    name: str
    file: str  # e.g. "layers.py"
    new: str  # the replacement text
    old: str | None = None  # an exact snippet of the reference to replace (occurring once) ...
    function: str | None = None  # ... or the name of a top-level function or "Class.method" to replace
    # (with neither, ``new`` is the whole file, e.g. a data file the submission adds)
    loses: tuple[str, ...] = ()  # questions that must lose points (empty: must get full marks)
    may_lose: tuple[str, ...] = ()  # questions allowed to lose points too
    # autograder.yml's top-level keys replaced for this variant, e.g. {"writes": {}}: the same code graded under
    # another policy (policies must then be read by the tests when they run, through the `assignment` fixture)
    config: Mapping[str, Any] | None = None

    def __str__(self) -> str:
        return self.name


def _function_span(source: str, qualified: str) -> tuple[int, int, int]:
    """(first line, last line, indentation) of a function, decorators included (the last definition wins)."""
    node = definitions.find_definition(source, qualified)
    if node is None:
        raise ValueError(f"no function {qualified} in the file")
    return definitions.first_line(node), node.end_lineno, node.col_offset


def apply_variant(variant: Variant, reference_dir: Path, dest: Path) -> Path:
    """A copy of the reference with the variant's change applied."""
    shutil.copytree(reference_dir, dest)
    path = dest / variant.file
    source = path.read_text(encoding="utf-8") if path.exists() else ""
    if variant.function:
        first, last, indent = _function_span(source, variant.function)
        lines = source.splitlines(keepends=True)
        replacement = textwrap.indent(textwrap.dedent(variant.new).strip("\n") + "\n", " " * indent)
        source = "".join(lines[: first - 1]) + replacement + "".join(lines[last:])
    elif variant.old is None:
        source = variant.new
    else:
        if source.count(variant.old) != 1:
            raise ValueError(f"{variant.name}: the snippet occurs {source.count(variant.old)} times in {variant.file}")
        source = source.replace(variant.old, variant.new)
    path.write_text(source, encoding="utf-8")
    return dest


# -- the corpus ---------------------------------------------------------------
CORPUS_PATTERN = "variants_*.py"


class AuditError(Exception):
    """The corpus cannot be audited as declared (a bug in a variant, not in the tests)."""


def load_corpus(config: Config, only: Sequence[str] = ()) -> list[Variant]:
    """Every variant declared in ``config.audit_dir``, optionally only those matching ``only``.

    ``only`` holds shell patterns matched against a variant's name and its
    corpus file's stem (``variants_optim`` selects that whole file).
    """
    variants: list[Variant] = []
    for path in sorted(config.audit_dir.glob(CORPUS_PATTERN)):
        declared = _import_corpus_file(path)
        variants += [v for v in declared if not only or any(
            fnmatch.fnmatchcase(v.name, pattern) or fnmatch.fnmatchcase(path.stem, pattern) for pattern in only)]
    names = [v.name for v in variants]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise AuditError(f"variant names must be unique; repeated: {', '.join(duplicates)}")
    for variant in variants:
        unknown = [q for q in (*variant.loses, *variant.may_lose) if q not in config.questions]
        if unknown:
            raise AuditError(f"{variant.name}: no question named {', '.join(unknown)} in {config.path.name}")
    return variants


def _import_corpus_file(path: Path) -> list[Variant]:
    spec = importlib.util.spec_from_file_location(f"_autograder_audit_corpus.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - name the corpus file that is broken
        raise AuditError(f"{path}: could not be loaded: {type(exc).__name__}: {exc}") from None
    declared = getattr(module, "VARIANTS", None)
    if not isinstance(declared, list) or not all(isinstance(v, Variant) for v in declared):
        raise AuditError(f"{path}: must define VARIANTS, a list of autograder.audit.Variant")
    return declared


# -- which tests a change can reach ---------------------------------------------


def importers(config: Config, module: str) -> set[str]:
    """``module`` and every module of the submission that imports it, directly or not (read from the reference)."""
    modules = definitions.submission_modules(config)
    imports = {}
    for name in modules:
        source = definitions.module_source(config, name)
        if source is not None:
            imports[name] = definitions.imported_names(source) & modules
    found, grew = {module}, True
    while grew:
        more = {name for name, used in imports.items() if used & found} - found
        found |= more
        grew = bool(more)
    return found


def tests_to_run(variant: Variant, config: Config, baseline: "Baseline") -> list[str]:
    """The tests whose outcome this variant can change: those that ran what it changes.

    The reference's run records, per test, the submission's functions it ran
    and the modules whose text it read. A change inside function F can only
    change tests that ran F or read F's module; a change outside any function
    (module-level code, a whole file) can change any test that ran code of its
    module or of a module importing it; a data file (not a module), the tests that
    read the submission's files themselves (the ``submission_folder`` fixture).
    """
    if not variant.file.endswith(".py"):
        return [nodeid for nodeid, ran in baseline.calls.items() if SUBMISSION_FILES_READ in ran]
    module = variant.file[:-3]
    function = changed_function(variant, config)
    if function is not None:
        wanted = {f"{module}.{function}", f"{module}.{SOURCE_READ}"}
        return [nodeid for nodeid, ran in baseline.calls.items() if ran & wanted]
    reached = importers(config, module)
    return [nodeid for nodeid, ran in baseline.calls.items() if any(f.split(".", 1)[0] in reached for f in ran)]


# -- grading the corpus ---------------------------------------------------------
CAUGHT, SURVIVED, COLLATERAL, FALSE_FAILURE, FULL_MARKS, NOT_CHECKABLE = (
    "caught", "survived", "collateral loss", "false failure", "full marks", "not checkable here")
FAILING_VERDICTS = (SURVIVED, COLLATERAL, FALSE_FAILURE)
_SCORE_SLACK = 1e-9
_FRAMEWORK_TRACES = ("Traceback (most recent call last)", "_pytest", "autograder/", "site-packages")


@dataclass
class Baseline:
    """How the reference itself is graded: what each variant is compared with."""

    scores: dict[str, float]
    outcomes: dict[str, TestOutcome]  # nodeid -> the reference's outcome, in run order
    calls: dict[str, set[str]]  # nodeid -> "module.function" it ran, "module.<source>" it read
    problems: list[str]  # questions the reference loses points in though they could run

    def checkable(self, question: str, config: Config) -> bool:
        """Whether the reference earns this question here (a skipped GPU check does not)."""
        return self.scores.get(question, 0.0) >= config.questions[question].points - _SCORE_SLACK


@dataclass
class VariantResult:
    variant: Variant
    verdict: str
    lost: dict[str, float]  # question -> points lost against the reference
    problems: list[str]  # one sentence per thing wrong with how the tests treated it
    outputs: dict[str, str]  # question -> its output, for the questions graded
    seconds: float

    @property
    def failed(self) -> bool:
        return bool(self.problems)


def _skipped_only(result: QuestionResult) -> bool:
    return bool(result.outcomes) and all(o.outcome == SKIPPED for o in result.outcomes)


def baseline_from_report(report: GradeReport) -> Baseline:
    """The baseline from a recorded grade of the reference (``record_calls``): scores, outcomes, reach."""
    scores, outcomes, problems = {}, {}, []
    for result in report.results:
        scores[result.question.name] = result.score
        outcomes.update({o.nodeid: o for o in result.outcomes})
        if result.score < result.question.points - _SCORE_SLACK and not _skipped_only(result):
            problems.append(f"the reference scores {result.score:g}/{result.question.points:g} on "
                            f"{result.question.name}: {_first_line(result.output)}")
    calls = {nodeid: set(report.calls.get(nodeid, ())) for nodeid in outcomes}
    return Baseline(scores, outcomes, calls, problems)


AUDIT_CALL_SECONDS = 5.0  # per call: variants are ours, and no call of a reference takes a second (measured: all
# of the top level's pass with 1 s); a variant that hangs then costs 5 s, not the configured 30


def reference_run(config: Config) -> Run:
    """How the audit grades: in-process (its variants are ours), with the run's other settings resolved."""
    run = resolve(config, Options(submission=config.reference_dir, backend="inprocess"))
    return run.replace(call_seconds=min(run.call_seconds, AUDIT_CALL_SECONDS))


def grade_baseline(config: Config, grader: WarmGrader | None = None) -> Baseline:
    """Grade the reference once, recording what each test runs."""
    run = reference_run(config).replace(record_calls=True)
    return baseline_from_report(grader.grade(run) if grader else grade_run(run))


def judge(variant: Variant, scores: dict[str, float], outputs: dict[str, str], config: Config,
          baseline: Baseline, seconds: float = 0.0) -> VariantResult:
    """The verdict on one graded variant (``scores`` holds every question)."""
    lost = {q: baseline.scores[q] - s for q, s in scores.items() if s < baseline.scores[q] - _SCORE_SLACK}
    problems = []
    if not variant.loses:
        verdict = FALSE_FAILURE if lost else FULL_MARKS
        problems += [f"false failure: {q} scored {scores[q]:g}/{config.questions[q].points:g}: "
                     f"{_first_line(outputs.get(q, ''))}" for q in lost]
        return VariantResult(variant, verdict, lost, problems, outputs, seconds)
    checkable = [q for q in variant.loses if baseline.checkable(q, config)]
    survived = [q for q in checkable if q not in lost]
    collateral = [q for q in lost if q not in variant.loses and q not in variant.may_lose]
    problems += [f"survived: {q} kept all {config.questions[q].points:g} points" for q in survived]
    problems += [f"collateral loss: {q} scored {scores[q]:g}/{config.questions[q].points:g}: "
                 f"{_first_line(outputs.get(q, ''))}" for q in collateral]
    if not checkable:
        verdict = NOT_CHECKABLE
    elif survived:
        verdict = SURVIVED
    elif collateral:
        verdict = COLLATERAL
    else:
        verdict = CAUGHT
        changed = function_names(variant, config)
        for question in variant.loses:
            if question in lost:
                # a mistake in a forward's cache shows in the backward: any function of the question will do
                names = changed + [f.split(".", 1)[1] for f in config.questions[question].functions]
                problems += [f"{question}'s message {p}" for p in message_problems(outputs.get(question, ""), names)]
    return VariantResult(variant, verdict, lost, problems, outputs, seconds)


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "(no output)"


def changed_function(variant: Variant, config: Config) -> str | None:
    """The qualified name ("Class.method") of the reference function the variant changes, if any."""
    if variant.function:
        return variant.function
    path = config.reference_dir / variant.file
    if variant.old is None or not path.is_file():
        return None
    source = path.read_text(encoding="utf-8")
    if variant.old not in source:
        return None
    return definitions.enclosing_function(source, source.count("\n", 0, source.find(variant.old)) + 1)


def function_names(variant: Variant, config: Config) -> list[str]:
    """Names a failure message about this variant may use: the changed function, its class."""
    qualified = changed_function(variant, config)
    if not qualified:
        return []
    parts = qualified.split(".")
    names = [qualified, parts[0]] if len(parts) > 1 else [qualified]
    return names + ([parts[-1]] if parts[-1] != "__init__" and len(parts) > 1 else [])


def message_problems(output: str, names: Sequence[str]) -> list[str]:
    """What a lost question's message lacks: the function's name, a reason, no framework traceback."""
    problems = [f"shows a framework traceback ({marker!r})" for marker in _FRAMEWORK_TRACES if marker in output]
    if names and not any(name in output for name in names):
        problems.append(f"does not name {names[0]}")
    if not _explains(output):
        problems.append("has no comparison (expected against got) nor the error raised")
    return problems


def _explains(output: str) -> bool:
    """Whether a message says what was expected against what came back, or what went wrong."""
    text = output.lower()
    return any(word in text for word in (
        "expected", "returned", " raised ", "timed out", "could not be imported", "not implemented",
        "did not finish", "printed more than", "crashed",
        "should", "must", " loops "))


def grade_variant(variant: Variant, config: Config, baseline: Baseline, workdir: Path,
                  grader: WarmGrader | None = None) -> VariantResult:
    """Grade the tests this variant can reach; every other test keeps the reference's outcome."""
    started = time.monotonic()
    outcomes = dict(baseline.outcomes)
    nodeids = tests_to_run(variant, config, baseline)
    if variant.loses:  # a wrong variant's may_lose questions may go either way: nothing to prove there
        nodeids = [n for n in nodeids if baseline.outcomes[n].question not in variant.may_lose]
    if nodeids:
        folder = apply_variant(variant, config.reference_dir, workdir / variant.name)
        try:
            run = reference_run(config).replace(submission=folder, test_files=tuple(nodeids))
            if variant.config:
                run = run.replace(config_path=write_variant(config, variant.config, workdir / f"{variant.name}.config"))
            report = grader.grade(run) if grader else grade_run(run)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        ran = {o.nodeid: o for result in report.results for o in result.outcomes}
        outcomes.update({nodeid: ran[nodeid] for nodeid in nodeids if nodeid in ran})
    results = score_all(list(config.questions.values()), list(outcomes.values()), config.show_student_output)
    scores = {r.question.name: r.score for r in results}
    outputs = {r.question.name: r.output for r in results}
    return judge(variant, scores, outputs, config, baseline, time.monotonic() - started)


def audit(config: Config, variants: Sequence[Variant], jobs: int | None = None,
          progress: Callable[[int, int, VariantResult], None] | None = None,
          baseline: Baseline | None = None) -> tuple[Baseline, list[VariantResult]]:
    """Grade the reference (unless its recorded ``baseline`` is given), then every variant, ``jobs`` at a time.

    Each of the ``jobs`` warm graders (autograder.engine) collects the tests once; every variant is then a
    fork of one of them that runs only the tests the variant can reach, so no variant pays for starting
    Python, importing torch or collecting the tests.
    """
    jobs = max(1, min(jobs or os.cpu_count() or 1, max(len(variants), 1)))
    base = reference_run(config)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload_modules(base))
    graders = [WarmGrader(base, context) for _ in range(jobs)]
    results: list[VariantResult] = []
    try:
        if baseline is None:
            baseline = grade_baseline(config, graders[0])
        idle: queue.Queue = queue.Queue()
        for grader in graders:
            idle.put(grader)

        def grade_one(variant: Variant, workdir: Path) -> VariantResult:
            grader = idle.get()
            try:
                return grade_variant(variant, config, baseline, workdir, grader)
            finally:
                idle.put(grader)

        with tempfile.TemporaryDirectory(prefix="autograder-audit-") as tmp, ThreadPoolExecutor(jobs) as pool:
            for future in as_completed([pool.submit(grade_one, v, Path(tmp)) for v in variants]):
                result = future.result()
                results.append(result)
                if progress:
                    progress(len(results), len(variants), result)
    finally:
        for grader in graders:
            grader.close()
    order = {v.name: i for i, v in enumerate(variants)}
    return baseline, sorted(results, key=lambda r: order[r.variant.name])


# -- the report -----------------------------------------------------------------
def mutation_score(results: Sequence[VariantResult]) -> tuple[int, int]:
    """(wrong variants caught, wrong variants that could be checked here)."""
    wrong = [r for r in results if r.variant.loses and r.verdict != NOT_CHECKABLE]
    return sum(r.verdict in (CAUGHT, COLLATERAL) for r in wrong), len(wrong)


def format_report(results: Sequence[VariantResult], baseline: Baseline, seconds: float) -> str:
    rows = [("variant", "must lose", "points lost", "verdict")]
    for r in results:
        lost = ", ".join(f"{q} -{p:g}" for q, p in r.lost.items()) or "-"
        verdict = r.verdict + (" (message)" if r.verdict == CAUGHT and r.problems else "")
        rows.append((r.variant.name, ", ".join(r.variant.loses) or "(full marks)", lost, verdict))
    # A variant's name is never cut short, so its row stays aligned; the other columns are capped.
    widths = [min(max(len(row[i]) for row in rows), cap) for i, cap in enumerate((10_000, 36, 60, 24))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    caught, checkable = mutation_score(results)
    wrong = [r for r in results if r.variant.loses]
    right = [r for r in results if not r.variant.loses]
    count = lambda verdict: sum(r.verdict == verdict for r in results)  # noqa: E731
    lines += [
        "",
        f"{len(wrong)} wrong variants: {count(CAUGHT)} caught, {count(SURVIVED)} survived, "
        f"{count(COLLATERAL)} collateral loss, {count(NOT_CHECKABLE)} not checkable here (their questions skip here)",
        f"{len(right)} correct alternatives: {count(FULL_MARKS)} full marks, {count(FALSE_FAILURE)} false failures",
        f"mutation score: {caught}/{checkable} = {100 * caught / checkable if checkable else 100:.1f} %",
        f"audit took {seconds:.0f} s",
    ]
    problems = [f"- reference: {p}" for p in baseline.problems]
    problems += [f"- {r.variant.name}: {p}" for r in results for p in r.problems]
    if problems:
        lines += ["", "Problems:"] + problems
    return "\n".join(lines)


def audit_passed(results: Sequence[VariantResult], baseline: Baseline) -> bool:
    return not baseline.problems and not any(r.failed for r in results)
