"""The pytest plugin: the ``student`` fixture, per-question scoring, the table, results.json.

Loaded through the ``pytest11`` entry point; it does nothing unless an
autograder.yml is found (``--autograder-config``, $AUTOGRADER_CONFIG, or
the rootdir and its parents) and the run collects graded tests. A graded
test joins a question through a marker named after it in autograder.yml
(``@pytest.mark.relu``); a test without one but with a gradescope-utils
``@weight`` or ``@partial_credit`` is a question of its own, as
gradescope-utils would score it. ``@number``, ``@visibility``,
``@hide_errors``, ``@tags`` and ``@leaderboard`` are honoured too.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from autograder.config import Config, ConfigError, Question, find_config, load_config
from autograder.errors import GradingFailure, StudentCodeError
from autograder.fixtures import FixtureError
from autograder.results import build_results, write_atomically
from autograder.scoring import (
    ERROR, FAILED, MAX_STUDENT_OUTPUT_CHARS, PASSED, SKIPPED, XFAILED, XPASSED, TestOutcome, format_table, score_all,
)

_SCORE_ATTRIBUTES = ("__score__", "__leaderboard_value__")  # state gradescope-utils leaves on a test function
_SHORT_ERRORS = (GradingFailure, StudentCodeError, FixtureError)


SUBMISSION_FILES_READ = "<files>"  # recorded by --record-calls for a test that reads the submission's files itself


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograder", "neural-network homework grading")
    group.addoption("--submission", help="folder of the submission to grade (default: from autograder.yml)")
    group.addoption("--autograder-config", help="path of autograder.yml (default: found from the rootdir)")
    group.addoption("--results", help="write Gradescope's results.json here")
    group.addoption("--journal", help="append one JSON line per test outcome here (used by `autograder grade`)")
    group.addoption("--record-calls", action="store_true",
                    help="journal the submission's functions each test runs (in-process; used by `autograder audit`)")
    group.addoption("--backend", choices=("inprocess", "sandbox"), default=None,
                    help="where student code runs: inprocess (fast, debuggable; local runs only) or sandbox "
                         "(a limited, unprivileged worker process); default: sandbox.backend of autograder.yml")


def pytest_configure(config: pytest.Config) -> None:
    explicit = config.getoption("autograder_config")
    path = Path(explicit) if explicit else find_config(config.rootpath)
    if path is None:
        return
    try:
        assignment = load_config(path)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    for question in assignment.questions.values():
        config.addinivalue_line("markers", f"{question.name}: question {question.number}, {question.title}")
    config.addinivalue_line("markers", "gpu: needs a CUDA device; skipped with its reason where none exists")
    config.pluginmanager.register(GradingSession(config, assignment), "autograder-session")


def _message(excinfo: pytest.ExceptionInfo, item: pytest.Item) -> str:
    """The reason a test did not pass, in the words a student should read."""
    exc = excinfo.value
    if isinstance(exc, _SHORT_ERRORS):
        return str(exc)
    text = str(exc).strip()
    if type(exc).__name__ == "Failed" and text.startswith("Timeout"):
        seconds = text.split(">")[-1].split("s")[0] if ">" in text else "?"
        return f"timed out after {seconds} s: an infinite loop, or code far slower than needed?"
    if isinstance(exc, AssertionError):
        return text.splitlines()[0] if text else f"an assertion in {item.name} failed"
    if isinstance(exc, pytest.fail.Exception) or type(exc).__module__.startswith("_pytest"):  # pytest.fail(...)
        return text or type(exc).__name__
    return f"the test itself raised {type(exc).__name__}: {text[:300]}; please tell the course staff."


class GradingSession:
    """Per-run state: the student object, each test's outcome, the scores."""

    def __init__(self, config: pytest.Config, assignment: Config):
        self.config = config
        self.assignment = assignment
        self.started = time.monotonic()
        self.outcomes: dict[str, TestOutcome] = {}
        self.implicit_questions: dict[str, Question] = {}
        self.unscored: list[str] = []
        self._student = None
        self._workspace_dir: str | None = None
        journal = config.getoption("journal")
        self.journal_path = Path(journal) if journal else None
        self.backend = config.getoption("backend") or assignment.sandbox.backend
        self._zygote = None
        self._torch_asked = False
        if self.backend == "sandbox":  # it imports the libraries while pytest collects the tests
            from autograder.sandbox.backend import Zygote

            self._zygote = Zygote()
            self._torch_asked = _tests_mention_torch(config.args, assignment.tests_dir)
            if self._torch_asked:  # guessed from the test files' text, so torch imports while pytest collects
                self._zygote.preload(torch=True)

    # -- the student fixture ------------------------------------------------
    @property
    def submission(self) -> Path:
        given = self.config.getoption("submission") or os.environ.get("AUTOGRADER_SUBMISSION")
        if given:
            return Path(given).resolve()
        return self.assignment.default_submission

    def student_object(self) -> Any:
        if self._student is None:
            from autograder.inprocess import InProcessStudent
            from autograder.workspace import build_workspace

            self._workspace_dir = tempfile.mkdtemp(prefix="autograder-workspace-")
            workspace = build_workspace(self.submission, self.assignment, Path(self._workspace_dir))
            self._student = self._sandboxed(workspace) if self.backend == "sandbox" else InProcessStudent(workspace)
        return self._student

    def _sandboxed(self, workspace: Any) -> Any:
        """The sandboxed back end; the worker never sees the grader's folders listed here."""
        from autograder.sandbox.backend import SandboxStudent
        from autograder.sandbox.limits import Limits

        settings = self.assignment.sandbox
        limits = Limits(call_seconds=settings.call_seconds, memory_mb=settings.memory_mb,
                        processes=settings.processes, output_chars=settings.output_chars)
        hide = [self.assignment.root, self.assignment.path.parent, self.submission, self._workspace_dir,
                self.assignment.tests_dir, self.assignment.fixtures_dir, self.assignment.reference_dir]
        hide += [Path(p).resolve().parent for p in (self.config.getoption("results"), self.journal_path) if p]
        hide += [p for p in os.environ.get("AUTOGRADER_SANDBOX_HIDE", "").split(os.pathsep) if p]  # from grade()
        hide += [os.environ[v] for v in ("AUTOGRADER_DATA", "AUTOGRADER_HISTORY_DIR") if os.environ.get(v)]
        return SandboxStudent(workspace, limits, hide=hide, zygote=self._zygote)

    @pytest.fixture(scope="session")
    def student(self) -> Any:
        """The submission, reached only through plain data and handles."""
        return self.student_object()

    @pytest.fixture(scope="session")
    def submission_folder(self) -> Path | None:
        """The folder of the submission's files, for data files the grader reads itself (never runs),
        e.g. predictions.csv; None if the submission folder does not exist."""
        from autograder.workspace import locate_submission_root

        return locate_submission_root(self.submission)[0] if self.submission.is_dir() else None

    # -- collection ---------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            outcome = self._outcome_for(item)
            if outcome is None:
                self.unscored.append(item.nodeid)
                continue
            self.outcomes[item.nodeid] = outcome
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(self.assignment.time_limits.per_test_seconds))
        self._journal({"event": "collected", "outcomes": [o.to_dict() for o in self.outcomes.values()]})

    def pytest_collection_finish(self) -> None:
        if self._zygote is not None:  # the collected tests tell whether the worker needs torch
            if not self._torch_asked:
                self._zygote.preload(torch="torch" in sys.modules)
            elif "torch" not in sys.modules:
                # The tests use torch, so this process imports it anyway: now, while the zygote imports
                # its own copy, rather than after (measured: 2 s less of a 20 s run on 2 cores).
                import torch  # noqa: F401
            self._zygote.wait_until_ready()  # here, not inside the first test's time limit

    def _outcome_for(self, item: pytest.Item) -> TestOutcome | None:
        function = getattr(item, "function", None)
        attr = lambda name: getattr(function, name, None)  # noqa: E731
        names = [m.name for m in item.iter_markers() if m.name in self.assignment.questions]
        weight = attr("__weight__")
        number = None
        if names:
            question = names[0]
        elif weight is not None:
            question = item.nodeid
            number = attr("__number__") or str(len(self.implicit_questions) + 1)
            self.implicit_questions[question] = Question(
                name=question, number=number, title=item.name, points=float(weight),
                visibility=attr("__visibility__") or "visible",
            )
        else:
            return None
        board = None
        if attr("__leaderboard_column__"):
            board = {"name": attr("__leaderboard_column__"), "value": None, "order": attr("__leaderboard_sort_order__") or "desc"}
        return TestOutcome(
            nodeid=item.nodeid,
            question=question,
            weight=float(weight) if weight is not None else 1.0,
            visibility=attr("__visibility__"),
            hide_errors=attr("__hide_errors__"),
            tags=[str(t) for t in (attr("__tags__") or ())],
            leaderboard=board,
            message="the run ended before this test",
            number=number,
        )

    # -- running ------------------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        """With --record-calls, journal which of the submission's functions this test ran.

        ``autograder audit`` reads it from the reference's run: a variant that
        changes one function can only change the outcome of the tests that ran it.
        """
        if not self.config.getoption("record_calls") or item.nodeid not in self.outcomes:
            yield
            return
        from autograder.inprocess import InProcessStudent

        called: set[str] = set()
        folder: list[str] = []  # the workspace's real path, once the first test has made it
        source_read = InProcessStudent.source.__code__  # a rubric check reads a module's text: "module.<source>"

        def profile(frame: Any, event: str, arg: Any) -> None:
            if event != "call":
                return
            if frame.f_code is source_read:
                called.add(f"{frame.f_locals.get('module')}.<source>")
                return
            if not folder:
                if not self._workspace_dir:
                    return
                folder.append(os.path.realpath(self._workspace_dir) + os.sep)
            code = frame.f_code
            if code.co_filename.startswith(folder[0]):
                called.add(f"{Path(code.co_filename).stem}.{code.co_qualname.replace('.<locals>', '')}")

        if "submission_folder" in getattr(item, "fixturenames", ()):
            called.add(SUBMISSION_FILES_READ)  # it reads the submission's data files itself (predictions.csv)
        previous = sys.getprofile()
        sys.setprofile(profile)
        try:
            yield
        finally:
            sys.setprofile(previous)
            self._journal({"event": "calls", "nodeid": item.nodeid, "functions": sorted(called)})

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        function = getattr(item, "function", None)
        for name in _SCORE_ATTRIBUTES:  # @partial_credit keeps its score on the function: reset per item
            if function is not None and name in getattr(function, "__dict__", {}):
                delattr(function, name)
        if self._student is not None:
            self._student.reset_log()
        if item.nodeid in self.outcomes:
            self._journal({"event": "start", "nodeid": item.nodeid})

    @pytest.hookimpl(specname="pytest_runtest_makereport", tryfirst=True)
    def pytest_runtest_makereport_short(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
        """A verdict's failure report holds its sentence, not a framework traceback.

        Building pytest's own long representation first would cost ~0.1 s
        per failure, which adds up when a template fails hundreds of checks.
        """
        if item.nodeid not in self.outcomes or call.excinfo is None:
            return None
        if not isinstance(call.excinfo.value, _SHORT_ERRORS):
            return None
        sections = [(f"Captured {key} {when}", content) for when, key, content in item._report_sections]
        return pytest.TestReport(
            item.nodeid, item.location, {k: 1 for k in item.keywords}, "failed", str(call.excinfo.value),
            call.when, sections, call.duration, call.start, call.stop, user_properties=item.user_properties,
        )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = (yield).get_result()
        outcome = self.outcomes.get(item.nodeid)
        if outcome is None:
            return
        self._record(outcome, item, call, report)
        outcome.stdout = _clip_printed(report.capstdout)  # each phase's report holds the earlier phases' too
        if report.when == "teardown":
            self._finish(outcome, item)

    def _record(self, outcome: TestOutcome, item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
        was_xfail = hasattr(report, "wasxfail")
        if report.when == "setup":
            if report.skipped:
                outcome.outcome, outcome.message = SKIPPED, _skip_reason(report)
            elif report.failed:
                outcome.outcome, outcome.message = ERROR, _message(call.excinfo, item)
        elif report.when == "call":
            if report.passed:
                outcome.outcome, outcome.message = (XPASSED if was_xfail else PASSED), ""
            elif report.skipped and was_xfail:
                outcome.outcome, outcome.message = XFAILED, f"expected to fail: {report.wasxfail}"
            elif report.skipped:
                outcome.outcome, outcome.message = SKIPPED, _skip_reason(report)
            else:
                outcome.outcome, outcome.message = FAILED, _message(call.excinfo, item)
        elif report.failed and outcome.outcome in (PASSED, XPASSED):
            outcome.outcome, outcome.message = ERROR, f"failed while cleaning up: {_message(call.excinfo, item)}"

    def _finish(self, outcome: TestOutcome, item: pytest.Item) -> None:
        function = getattr(item, "function", None)
        score = getattr(function, "__score__", None)
        if score is not None:
            outcome.partial_score = float(score)
        if outcome.leaderboard is not None:
            outcome.leaderboard["value"] = getattr(function, "__leaderboard_value__", None)
        if self._student is not None:
            outcome.notes = self._student.mutation_notes()
        self._journal({"event": "outcome", "outcome": outcome.to_dict()})

    def _journal(self, record: dict[str, Any]) -> None:
        if self.journal_path is None:
            return
        with open(self.journal_path, "a", encoding="utf-8") as journal:
            journal.write(json.dumps(record, default=str) + "\n")

    # -- the end ------------------------------------------------------------
    def question_results(self):
        questions = [*self.assignment.questions.values(), *self.implicit_questions.values()]
        return score_all(questions, self.outcomes.values(), self.assignment.show_student_output)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.outcomes:
            return
        terminalreporter.section("scores by question")
        terminalreporter.write_line(f"submission: {self.submission}")
        # A run of one question (pytest -m relu, or one file) shows that question only.
        results = self.question_results()
        shown = [r for r in results if r.outcomes]
        terminalreporter.write_line(format_table(shown))
        absent = [r.question.label for r in results if not r.outcomes]
        if absent:
            names = ", ".join(absent[:5]) + (", ..." if len(absent) > 5 else "")
            terminalreporter.write_line(f"({len(absent)} question(s) had no test in this run: {names})")
        if self.unscored:
            terminalreporter.write_line(f"({len(self.unscored)} collected tests belong to no question and were not scored)")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        results_path = self.config.getoption("results")
        if self.outcomes and results_path:
            data = build_results(self.assignment, self.question_results(), time.monotonic() - self.started)
            write_atomically(Path(results_path), data)
        self._journal({"event": "finished"})

    def pytest_unconfigure(self) -> None:
        if self._student is not None:
            self._student.close()
        if self._zygote is not None:
            self._zygote.close()
        if self._workspace_dir:
            shutil.rmtree(self._workspace_dir, ignore_errors=True)


def _tests_mention_torch(args: list[str], tests_dir: Path) -> bool:
    """Whether the test files about to be collected import torch (read as text, not imported)."""
    files: list[Path] = []
    for arg in args or [str(tests_dir)]:
        path = Path(arg.split("::")[0])
        if path.is_dir():
            files += sorted(path.rglob("test_*.py"))
        elif path.suffix == ".py":
            files.append(path)
    for file in files:
        try:
            if "import torch" in file.read_text(encoding="utf-8", errors="replace"):
                return True
        except OSError:
            continue
    return False


def _clip_printed(text: str) -> str:
    if len(text) <= MAX_STUDENT_OUTPUT_CHARS:
        return text
    return text[:MAX_STUDENT_OUTPUT_CHARS] + f"\n... ({len(text) - MAX_STUDENT_OUTPUT_CHARS} more characters cut)"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")
