"""The self-checks' shared grades: each submission of each assignment is graded once per session.

Every assignment of the repository (the top level, and each ``assignments/<name>/``) is checked
the same way: its reference earns every point, its template none with a reason per question, its
fixtures and template match a fresh regeneration, its audit catches every wrong variant and keeps
every correct one at full marks, and its Gradescope zip grades as the repository does. The grades
those checks read are made here, once, and shared: the reference's recorded in-process grade is
also the audit's baseline, and the sandboxed runs through the zip also prove the sandbox.

A new assignment folder is picked up by ``discover_assignments``: the suite grows by what the new
assignment costs (its grades and its audit), never by a multiple of it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pytest

from autograder import audit
from autograder.build import build_zip
from autograder.config import Config, load_config
from autograder.grading import GradeReport, grade
from autograder.template import render_pass_stubs

REPOSITORY = Path(__file__).resolve().parents[2]
PARALLEL_RUNS = 2  # CI has two cores; each sandboxed run is mostly one child process
METADATA = {"id": 424242, "created_at": "2030-01-01T10:00:00-08:00",
            "assignment": {"due_date": "2030-01-01T09:00:00-08:00"}, "users": [{"id": 1}]}


def discover_assignments() -> list[Config]:
    """The top-level assignment, then every ``assignments/<name>/`` holding an autograder.yml."""
    paths = [REPOSITORY / "autograder.yml", *sorted(REPOSITORY.glob("assignments/*/autograder.yml"))]
    return [load_config(path) for path in paths]


ASSIGNMENTS = discover_assignments()
TOP_LEVEL = ASSIGNMENTS[0]


def assignment_id(config: Config) -> str:
    return "top-level" if config.root == REPOSITORY else config.root.name


def pytest_configure(config: pytest.Config) -> None:
    for name, what in (("assignment", "an assignment's reference, template, fixtures and template files"),
                       ("audit", "an assignment's audit: every variant graded"),
                       ("e2e", "end to end: the Gradescope zip, run_autograder, the sandbox, the attacks")):
        config.addinivalue_line("markers", f"{name}: {what}")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks (--dist loadgroup)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every self-check is an `assignment` check unless it says it is an audit or end-to-end one; under
    pytest-xdist, each self-check is given the unit of work it is sent with (``work_unit``)."""
    grouped = config.pluginmanager.hasplugin("xdist")
    for item in items:
        if "selfcheck" not in item.nodeid:
            continue
        if not any(item.get_closest_marker(m) for m in ("audit", "e2e")):
            item.add_marker(pytest.mark.assignment)
        if grouped:
            item.add_marker(pytest.mark.xdist_group(work_unit(item)))


def graded_assignment(item: pytest.Item) -> Config | None:
    """The assignment whose shared grades ``item`` reads (the top level's, unless it is parametrized by
    another), or None for a check that reads no shared grade."""
    if "grades" not in getattr(item, "fixturenames", ()):
        return None
    params = getattr(getattr(item, "callspec", None), "params", {})
    return next((value for value in params.values() if isinstance(value, Config)), TOP_LEVEL)


def work_unit(item: pytest.Item) -> str:
    """What a pytest-xdist worker takes whole: the checks reading one assignment's shared grades together,
    so that each submission is still graded once per session; any other self-check with the rest of its
    file, whose module-scoped fixtures are then made once too."""
    graded = graded_assignment(item)
    return f"grades-{assignment_id(graded)}" if graded is not None else item.nodeid.split("::")[0]


class _Once:
    """Memoised results, each computed once even when asked for from two threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[Any, threading.Lock] = {}
        self._values: dict[Any, Any] = {}

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = make()
            return self._values[key]


ZipRuns = dict[str, tuple[subprocess.CompletedProcess, dict]]  # submission -> run_autograder's process, results


class Grades:
    """The session's grades, by assignment."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self._once = _Once()
        # One grade in the background while the test asking for another waits on it: CI's second core.
        self._background = ThreadPoolExecutor(PARALLEL_RUNS - 1)
        self._started: set[Path] = set()

    def stop(self) -> None:
        self._background.shutdown(wait=False, cancel_futures=True)

    def start(self, plans: list[tuple[Config, bool]]) -> None:
        """Grade the assignments' references, templates and pass stubs in the background, then run the zips
        of those whose plan says so (``(config, zip_runs)``) through run_autograder, one at a time: the
        foreground has the other core."""
        for config, _ in plans:
            self._background.submit(self.reference, config)
        for config, zip_runs in plans:
            if zip_runs:
                self._background.submit(self.gradescope, config, 1)

    def _start_the_others(self, config: Config, asked: str) -> None:
        """The first of an assignment's in-process grades asked for starts the other two in the background
        (each is mostly one child process): the reference, the template and the pass stubs are all read."""
        if config.path in self._started:
            return
        self._started.add(config.path)
        for name in ("template", "pass_stubs", "reference"):
            if name != asked:
                self._background.submit(getattr(self, name), config)

    def _folder(self, config: Config, name: str) -> Path:
        folder = self.workdir / assignment_id(config) / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def reference(self, config: Config) -> GradeReport:
        """The reference, in-process, recording which functions each test runs (the audit's baseline)."""
        self._start_the_others(config, "reference")
        return self._once.get(("reference", config.path), lambda: grade(
            config.reference_dir, config, self._folder(config, "reference") / "results.json", record_calls=True))

    def template(self, config: Config) -> GradeReport:
        self._start_the_others(config, "template")
        return self._once.get(("template", config.path), lambda: grade(
            config.template_dir, config, self._folder(config, "template") / "results.json", backend="inprocess"))

    def pass_stubs(self, config: Config) -> GradeReport:
        """The template as CS231n-style starters write it: every solution a ``pass`` (and None results)."""
        def run() -> GradeReport:
            folder = self._folder(config, "pass-stubs") / "submission"
            render_pass_stubs(config, folder)
            return grade(folder, config, backend="inprocess")

        self._start_the_others(config, "pass_stubs")
        return self._once.get(("pass_stubs", config.path), run)

    def audit(self, config: Config) -> tuple[audit.Baseline, dict[str, audit.VariantResult]]:
        def run() -> tuple[audit.Baseline, dict[str, audit.VariantResult]]:
            baseline = audit.baseline_from_report(self.reference(config))
            variants = audit.load_corpus(config)
            baseline, results = audit.audit(config, variants, baseline=baseline)
            print("\n" + audit.format_report(results, baseline, sum(r.seconds for r in results)))
            return baseline, {r.variant.name: r for r in results}

        return self._once.get(("audit", config.path), run)

    def zip(self, config: Config) -> Path:
        def build() -> Path:
            path = self._folder(config, "zip") / "autograder.zip"
            build_zip(config, path)
            return path

        return self._once.get(("zip", config.path), build)

    def gradescope(self, config: Config, parallel: int = PARALLEL_RUNS) -> ZipRuns:
        """``run_autograder`` from the unpacked zip, sandboxed, on each of the assignment's
        end-to-end submissions (``gradescope_submissions``), ``parallel`` at a time."""
        def run() -> ZipRuns:
            submissions = gradescope_submissions(config)
            with ThreadPoolExecutor(parallel) as pool:
                found = pool.map(lambda n: self._run_autograder(config, n, *submissions[n]), submissions)
                return dict(zip(submissions, found))

        return self._once.get(("gradescope", config.path), run)

    def _run_autograder(self, config: Config, name: str, make: Callable[[Path], Path],
                        budget: float | None) -> tuple[subprocess.CompletedProcess, dict]:
        root = self._folder(config, f"root-{name}")
        with zipfile.ZipFile(self.zip(config)) as archive:
            archive.extractall(root / "source")
        (root / "source" / "run_autograder").chmod(0o755)  # zipfile does not restore permissions
        shutil.move(make(self._folder(config, f"made-{name}")), root / "submission")
        (root / "submission_metadata.json").write_text(json.dumps(METADATA))
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
        env.pop("AUTOGRADER_TIME_BUDGET", None)
        if budget is not None:
            env["AUTOGRADER_TIME_BUDGET"] = str(budget)
        completed = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True,
                                   text=True, timeout=900)
        data = json.loads((root / "results" / "results.json").read_text())
        return completed, data


_SESSION_GRADES: list[Grades] = []  # the session's one Grades, made when collection ends


_ZIP_RUN_FILES = ("test_gradescope.py", "test_attacks.py")  # the self-checks reading the zips' runs
_STARTS: dict[Path, tuple[Config, bool]] = {}  # assignment -> (its config, run its zip too), not yet started


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the grades the collected self-checks read, in the background. In one process, all of them now:
    the framework's own tests (collected first) keep one core busy, and these use the other. Under
    pytest-xdist every worker collects every test, so each assignment's are started by the worker that is
    sent its checks, when the first of them starts (``pytest_runtest_setup``)."""
    if session.config.option.collectonly:
        return
    for item in session.items:
        config = graded_assignment(item)
        if config is not None:
            _, zip_runs = _STARTS.get(config.path, (config, False))
            _STARTS[config.path] = (config, zip_runs or item.path.name in _ZIP_RUN_FILES)
    if not _STARTS:
        return
    grades = Grades(session.config._tmp_path_factory.mktemp("grades"))  # the tmp_path_factory fixture's own
    _SESSION_GRADES.append(grades)
    if not hasattr(session.config, "workerinput"):  # not an xdist worker
        grades.start(list(_STARTS.values()))
        _STARTS.clear()


def pytest_runtest_setup(item: pytest.Item) -> None:
    config = graded_assignment(item)
    if config is not None and config.path in _STARTS and _SESSION_GRADES:
        _SESSION_GRADES[0].start([_STARTS.pop(config.path)])


def pytest_sessionfinish() -> None:
    for grades in _SESSION_GRADES:  # a run stopped early (-x, Ctrl-C) does not wait for grades nobody reads
        grades.stop()


@pytest.fixture(scope="session")
def grades(tmp_path_factory: pytest.TempPathFactory) -> Grades:
    if not _SESSION_GRADES:
        _SESSION_GRADES.append(Grades(tmp_path_factory.mktemp("grades")))
    return _SESSION_GRADES[0]


@pytest.fixture(scope="session", params=ASSIGNMENTS, ids=assignment_id)
def assignment(request: pytest.FixtureRequest) -> Config:
    """Each assignment of the repository in turn."""
    return request.param


@pytest.fixture(scope="session")
def top_level() -> Config:
    """The top-level assignment, for the checks of its own questions."""
    return TOP_LEVEL


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test taking ``variant`` runs once per variant of every assignment's audit corpus."""
    if "variant" in metafunc.fixturenames:
        params = [pytest.param(config, variant, id=f"{assignment_id(config)}-{variant.name}")
                  for config in ASSIGNMENTS for variant in audit.load_corpus(config)]
        metafunc.parametrize("config, variant", params)


def copy_of(folder: Path, change: Callable[[Path], None] | None = None) -> Callable[[Path], Path]:
    """A submission maker: a copy of ``folder`` (the reference or the template), then ``change`` to it."""
    def make(where: Path) -> Path:
        shutil.copytree(folder, where / "submission")
        if change is not None:
            change(where / "submission")
        return where / "submission"
    return make


LOOP_BUDGET = 10  # seconds for the whole run of the top level's looping submission
STUBBORN_RELU = '''


def relu_forward(x):  # replaces the reference's: loops forever, swallowing every exception
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
'''


def _append(name: str, text: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        with open(folder / name, "a", encoding="utf-8") as file:
            file.write(text)
    return change


def gradescope_submissions(config: Config) -> dict[str, tuple[Callable[[Path], Path], float | None]]:
    """What each assignment's zip grades end to end: (submission maker, time budget or None), the longest
    first. Every assignment: its reference and its template; the top level also a syntax error and a
    loop that swallows every exception (what they prove does not depend on the assignment)."""
    found: dict[str, tuple[Callable[[Path], Path], float | None]] = {}
    if config.root == REPOSITORY:
        found["stubborn_loop"] = (copy_of(config.reference_dir, _append("layers.py", STUBBORN_RELU)), LOOP_BUDGET)
    found["reference"] = (copy_of(config.reference_dir), None)
    found["template"] = (copy_of(config.template_dir), None)
    if config.root == REPOSITORY:
        def broken(folder: Path) -> None:
            (folder / "optim.py").write_text("def sgd(w, dw, config=None):\n    return w -\n")
        found["broken_optim"] = (copy_of(config.reference_dir, broken), None)
    return found
