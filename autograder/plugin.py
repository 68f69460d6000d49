"""The pytest plugin: the ``student``, ``assignment`` and ``run`` fixtures, each test's outcome.

Loaded through the ``pytest11`` entry point; it does nothing unless an
assignment is found (``--autograder-run``, ``--assignment``, or the
rootdir and its parents). A graded test joins a question through a marker
named after it in autograder.yml (``@pytest.mark.relu``); a test without
one but with a gradescope-utils ``@weight`` or ``@partial_credit`` is a
question of its own, as gradescope-utils would score it. ``@number``,
``@visibility``, ``@hide_errors``, ``@tags`` and ``@leaderboard`` are
honoured too.

Two ways to run:
- ``grading.grade`` starts a child pytest with ``--autograder-run FILE``
  (every setting resolved once, autograder.run): each outcome goes to the
  run's journal and the parent scores; the child scores nothing.
- a student's plain ``pytest``: the settings are resolved here from the
  pytest options, and the table (and ``--results``) come at the end.
"""
from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from autograder import definitions
from autograder import run as runs
from autograder.config import Config, ConfigError, Question, find_config
from autograder.outcomes import outcome_for_item, record_report
from autograder.run import Options, Run
from autograder.scoring import (
    MAX_STUDENT_OUTPUT_CHARS, NOT_GRADED_HERE, SKIPPED, TestOutcome, format_table, score_all,
)

_SCORE_ATTRIBUTES = ("__score__", "__leaderboard_value__")  # state gradescope-utils leaves on a test function


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograder", "neural-network homework grading")
    group.addoption("--submission", help="folder of the submission to grade (default: from autograder.yml)")
    group.addoption("--assignment", "--autograder-config", dest="assignment",
                    help="the assignment's folder or its autograder.yml (default: found from the rootdir)")
    group.addoption("--results", help="write Gradescope's results.json here")
    group.addoption("--backend", choices=("inprocess", "sandbox"), default=None,
                    help="where student code runs: inprocess (fast, debuggable; local runs only) or sandbox "
                         "(a limited, unprivileged worker process); default: sandbox.backend of autograder.yml")
    group.addoption("--autograder-run", help="the run file `autograder grade` writes (every setting of the run)")


_VALUE_OPTIONS = ("--submission", "--assignment", "--autograder-config", "--results", "--backend", "--autograder-run")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Put pytest's rootdir back where the test paths put it.

    pytest chooses its rootdir and ini file before any plugin's options are known, so in
    ``pytest -m relu --submission ../my_code`` it takes ``../my_code`` for a test path: the rootdir
    becomes an ancestor of both folders, the assignment's pytest.ini is missed, and collection wanders
    into folders it should not (measured: "Defining 'pytest_plugins' in a non-top-level conftest").
    The values of this plugin's options are taken out of the test paths and the setup chosen again.
    """
    from _pytest.config.findpaths import determine_setup

    values = {args[i + 1] for i, arg in enumerate(args[:-1]) if arg in _VALUE_OPTIONS}
    if not values:
        return
    namespace = early_config.known_args_namespace  # parsed again since, with the options known
    paths = [path for path in getattr(namespace, "file_or_dir", None) or [] if path not in values]
    namespace.file_or_dir = paths
    rootpath, inipath, inicfg, _ = determine_setup(
        inifile=namespace.inifilename, override_ini=namespace.override_ini, args=paths,
        rootdir_cmd_arg=namespace.rootdir or None, invocation_dir=early_config.invocation_params.dir)
    if (rootpath, inipath) == (early_config.rootpath, early_config.inipath):
        return
    early_config._rootpath, early_config._inipath, early_config._inicfg = rootpath, inipath, inicfg
    early_config._inicache.clear()
    namespace.confcutdir = str(inipath.parent if inipath is not None else rootpath)
    args[:] = early_config._validate_args(early_config.getini("addopts"), "via addopts config") + args


def pytest_configure(config: pytest.Config) -> None:
    run = _run_for(config)
    if run is None:
        return
    runs.activate(run)
    assignment = run.assignment
    for question in assignment.questions.values():
        config.addinivalue_line("markers", f"{question.name}: question {question.number}, {question.title}")
    config.addinivalue_line("markers", "gpu: needs a CUDA device; skipped with its reason where none exists")
    session = GradingSession(config, run)
    config.pluginmanager.register(session, "autograder-session")
    if run.record_calls:
        from autograder.recording import CallRecorder

        config.pluginmanager.register(CallRecorder(session), "autograder-recorder")


def _run_for(config: pytest.Config) -> Run | None:
    """The run file's settings, or the settings of a plain pytest run resolved from its options."""
    run_file = config.getoption("autograder_run")
    if run_file:
        return Run.read(run_file)
    given = config.getoption("assignment")
    if not given and find_config(config.rootpath) is None:
        return None  # not an assignment's folder: this plugin stays out of the way
    submission = config.getoption("submission")
    results = config.getoption("results")
    options = Options(
        assignment=Path(given) if given else None, submission=Path(submission).resolve() if submission else None,
        backend=config.getoption("backend"), results_path=Path(results).resolve() if results else None,
        audience="student",  # a plain pytest is a student's local run
    )
    try:
        return runs.resolve(None, options, start=config.rootpath)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


class GradingSession:
    """One run's state in the test process: the student object, each test's outcome, the journal."""

    def __init__(self, config: pytest.Config, run: Run):
        self.config = config
        self.grading_run = run
        self.assignment_config: Config = run.assignment
        self.started = time.monotonic()
        self.outcomes: dict[str, TestOutcome] = {}
        self.implicit_questions: dict[str, Question] = {}
        self.unscored: list[str] = []
        self._student = None
        self.workspace_dir: str | None = None
        self._journal_fd: int | None = None  # O_APPEND: whole lines, also from autograder.parallel's second process
        self._check_name = ""
        self.workspace_notes: list[str] = []  # what the workspace forgave (a folder, a file name's case, ...)
        self._grader_notes: dict[str, list[str]] = {}  # nodeid -> what its check reported (grader_note)
        self._zygote = None
        self._zygote_asked: tuple[str, ...] = ()  # the libraries the zygote was asked for when it started
        self.trip_exchange = None  # split between processes (autograder.parallel): their tripped functions
        if run.backend == "sandbox":  # it imports the libraries while pytest collects the tests
            from autograder.sandbox.backend import Zygote

            self._zygote_asked = self._zygote_libraries()
            self._zygote = Zygote(preload=self._zygote_asked, probes_dir=self.assignment_config.probes_dir)

    def restart(self, run: Run, generation: int) -> None:
        """Grade ``run`` with the tests already collected: in a warm grader's fork (autograder.engine),
        its ``generation``-th, so that its requests to the shared zygote never reuse an earlier one's numbers."""
        self.close_student()
        self.grading_run = run
        self.assignment_config = run.assignment  # the same assignment, perhaps under another policy (the audit)
        runs.activate(run)
        self.started = time.monotonic()
        self._journal_fd = None
        if self._zygote is not None:
            self._zygote.renumber(generation)

    @property
    def zygote(self) -> Any:
        """The sandbox's zygote (autograder.sandbox.backend.Zygote), or None in-process."""
        return self._zygote

    def become_second_process(self, zygote: Any) -> None:
        """In the process autograder.parallel forked: its own connection to the zygote, its own journal
        descriptor and capture files (those of the fork are the first process's)."""
        self._zygote = zygote
        if self._journal_fd is not None:
            os.close(self._journal_fd)
            self._journal_fd = None
        capture = self.config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            capture.stop_global_capturing()
            capture.start_global_capturing()
            capture.suspend_global_capture()

    def stop_workers(self) -> None:
        """Kill every sandboxed worker still running (those of a warm grader's killed child)."""
        if self._zygote is not None:
            self._zygote.kill_all()

    # -- fixtures -------------------------------------------------------------------
    def student_object(self) -> Any:
        if self._student is None:
            from autograder.inprocess import InProcessStudent
            from autograder.workspace import build_workspace

            self.workspace_dir = tempfile.mkdtemp(prefix="autograder-workspace-")
            workspace = build_workspace(self.grading_run.submission, self.assignment_config, Path(self.workspace_dir))
            self.workspace_notes = list(workspace.notes)
            self.journal({"event": "notes", "notes": self.workspace_notes})
            if self.grading_run.backend == "sandbox":
                self._student = self._sandboxed(workspace)
            else:
                from autograder.probes import register_assignment_probes

                register_assignment_probes(self.assignment_config.probes_dir)
                self._student = InProcessStudent(workspace, self.call_rules())
            self._student.check_name = self._check_name
            if self.trip_exchange is not None:
                self._student.adopt_trips(self.trip_exchange.known)
        return self._student

    def call_rules(self) -> Any:
        """The per-call deadline, the output cap and the declared writes, from the run and the config."""
        from autograder.student import CallRules

        return CallRules(call_seconds=self.grading_run.call_seconds,
                         output_chars=self.assignment_config.sandbox.output_chars, writes=self.assignment_config.writes)

    def _sandboxed(self, workspace: Any) -> Any:
        """The sandboxed back end; the worker never sees any folder of this run."""
        from autograder.sandbox.backend import SandboxStudent
        from autograder.sandbox.limits import Limits

        settings = self.assignment_config.sandbox
        limits = Limits(call_seconds=self.grading_run.call_seconds, memory_mb=settings.memory_mb,
                        processes=settings.processes, output_chars=settings.output_chars)
        return SandboxStudent(workspace, limits, hide=[*self.grading_run.hidden_paths, self.workspace_dir],
                              zygote=self._zygote, writes=self.assignment_config.writes)

    @pytest.fixture(scope="session")
    def student(self) -> Any:
        """The submission, reached only through plain data and handles."""
        return self.student_object()

    @pytest.fixture(scope="session")
    def assignment(self) -> Config:
        """The assignment's configuration (autograder.yml), as this run reads it."""
        return self.assignment_config

    @pytest.fixture(scope="session")
    def run(self) -> Run:
        """Every setting of this run (autograder.run.Run), each with where it came from."""
        return self.grading_run

    @pytest.fixture
    def grader_note(self, request: pytest.FixtureRequest) -> Any:
        """``grader_note("text")`` adds a sentence (or a small table) to this check's result, shown whether the
        check passes or not: what the grader measured, such as a trained model's accuracy per class."""
        return self._grader_notes.setdefault(request.node.nodeid, []).append

    @pytest.fixture(scope="session")
    def submission_folder(self) -> Path | None:
        """The folder of the submission's files, for data files the grader reads itself (never runs),
        e.g. predictions.csv; None if the submission folder does not exist."""
        from autograder.workspace import locate_submission_root

        return locate_submission_root(self.grading_run.submission)[0] if self.grading_run.submission.is_dir() else None

    # -- collection -------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if self.grading_run.audience == "student":
            self._leave_hidden_questions_to_gradescope(config, items)
        # Checks that need a GPU run first (a stable sort): where there is none they end at once as "not
        # graded here", so a run cut short by its time budget still gives their questions the same maximum
        # (0 of 0) as every other submission's, rather than counting them as unfinished.
        items.sort(key=lambda item: item.get_closest_marker("gpu") is None)
        for item in items:
            outcome = outcome_for_item(item, self.assignment_config.questions, self.implicit_questions)
            if outcome is None:
                self.unscored.append(item.nodeid)
                continue
            self.outcomes[item.nodeid] = outcome
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(self.grading_run.per_test_seconds))
        self.journal_collected(self.outcomes.values())

    def _leave_hidden_questions_to_gradescope(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """In a student's run, a hidden question's checks (if the handout has them at all) are not run: the
        question counts 0 of 0 points with "graded on Gradescope only"."""
        hidden = {q.name for q in self.assignment_config.questions.values() if q.visibility != "visible"}
        if not hidden:
            return
        dropped = [item for item in items if any(m.name in hidden for m in item.iter_markers())]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if item not in dropped]
        for name in sorted(hidden):
            self.outcomes[f"<{name}>"] = TestOutcome(
                nodeid=f"<{name}>", question=name, outcome=SKIPPED,
                message=f"{NOT_GRADED_HERE}this question is graded on Gradescope only (its checks are hidden)")

    def pytest_collection_finish(self) -> None:
        if self._zygote is not None:
            used = self._libraries_the_tests_use()
            if used:
                self._zygote.preload(used, self.assignment_config.probes_dir)
            if not self.grading_run.questions:
                self._import_the_workers_libraries()
            self._zygote.wait_until_ready()  # here, not inside the first test's time limit
        # The libraries and tests imported so far live as long as the run: the garbage collector
        # need not walk them again at every collection of the tests' own objects.
        gc.freeze()

    def _zygote_libraries(self) -> tuple[str, ...]:
        """What the zygote imports at once, while pytest collects: sandbox.preload (torch) for a run of every
        question; for a run of some, those of them the questions' code imports in the reference solution
        (definitions.libraries_for), so that a sandboxed run of numpy questions imports no torch."""
        preload = self.assignment_config.sandbox.preload
        if not self.grading_run.questions:
            return preload
        return definitions.libraries_for(self.assignment_config, self.grading_run.questions, preload)

    def _libraries_the_tests_use(self) -> list[str]:
        """What the zygote must still import, now that the tests are collected: the config's libraries (and
        torch, which a config may not list) that the collected tests imported and the zygote was not asked for."""
        candidates = dict.fromkeys((*self.assignment_config.sandbox.preload, "torch"))
        return [name for name in candidates if name not in self._zygote_asked and name.split(".")[0] in sys.modules]

    def _import_the_workers_libraries(self) -> None:
        """Import here what the zygote preloads (torch), while it does: when every question is graded, the
        tests' own side uses those libraries too (trusted training, the values that come back), and
        importing them in the first test after waiting for the zygote ran the two imports one after the
        other (2.2 s of a 15 s sandboxed grade, measured on two cores). A run of some questions only (often
        numpy's alone) waits without importing. A library that fails here is left to the tests."""
        for name in self.assignment_config.sandbox.preload:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the zygote reports what it could not import
                pass

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        """Split the checks between processes where the run says so (autograder.parallel); else pytest's loop."""
        from autograder import parallel

        if self.grading_run.test_processes < 2 or self._zygote is None or self.grading_run.journal_path is None:
            return None
        if session.config.option.collectonly or (session.testsfailed and
                                                 not session.config.option.continue_on_collection_errors):
            return None  # pytest's own loop says what it says then
        return parallel.run_split(session, self) or None

    def journal_collected(self, outcomes: Any) -> None:
        self.journal({"event": "collected", "outcomes": [o.to_dict() for o in outcomes]})

    # -- running --------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        function = getattr(item, "function", None)
        for name in _SCORE_ATTRIBUTES:  # @partial_credit keeps its score on the function: reset per item
            if function is not None and name in getattr(function, "__dict__", {}):
                delattr(function, name)
        self._check_name = item.name
        if self.trip_exchange is not None:  # what the other process tripped (a new student adopts it all)
            news = self.trip_exchange.from_the_other_process()
            if news and self._student is not None:
                self._student.adopt_trips(news)
        if self._student is not None:
            self._student.reset_log()
            self._student.check_name = item.name
        if item.nodeid in self.outcomes:
            self.journal({"event": "start", "nodeid": item.nodeid})

    @pytest.hookimpl(specname="pytest_runtest_makereport", tryfirst=True)
    def pytest_runtest_makereport_short(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
        """A verdict's failure report holds its sentence, not a framework traceback.

        Building pytest's own long representation first would cost ~0.1 s
        per failure, which adds up when a template fails hundreds of checks.
        """
        from autograder.outcomes import SHORT_ERRORS

        if item.nodeid not in self.outcomes or call.excinfo is None:
            return None
        if not isinstance(call.excinfo.value, SHORT_ERRORS):
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
        record_report(outcome, item, call, report)
        outcome.stdout = _clip_printed(report.capstdout)  # each phase's report holds the earlier phases' too
        if report.when == "teardown":
            self._finish(outcome, item)

    def _finish(self, outcome: TestOutcome, item: pytest.Item) -> None:
        function = getattr(item, "function", None)
        score = getattr(function, "__score__", None)
        if score is not None:
            outcome.partial_score = float(score)
        if outcome.leaderboard is not None:
            outcome.leaderboard["value"] = getattr(function, "__leaderboard_value__", None)
        notes = self._student.mutation_notes() if self._student is not None else []
        outcome.notes = notes + [str(note)[:4000] for note in self._grader_notes.pop(item.nodeid, [])[:5]]
        self.journal({"event": "outcome", "outcome": outcome.to_dict()})
        if self.trip_exchange is not None:  # what this check tripped, for the other process
            self.journal(self.trip_exchange.record_of(getattr(self._student, "tripped", None) or {}))

    def journal(self, record: dict[str, Any] | None) -> None:
        """One line per event, one write each: a crash mid-test still leaves every line before it, and two
        processes appending (autograder.parallel) never interleave within a line. None writes nothing."""
        if self.grading_run.journal_path is None or record is None:
            return
        if self._journal_fd is None:
            self._journal_fd = os.open(self.grading_run.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        line = (json.dumps(record, default=str) + "\n").encode("utf-8")
        while line:
            line = line[os.write(self._journal_fd, line):]

    # -- the end (a student's plain pytest; a graded run is scored by its parent) ----------
    def question_results(self):
        questions = [*self.assignment_config.questions.values(), *self.implicit_questions.values()]
        return score_all(questions, self.outcomes.values(), self.assignment_config.show_student_output)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.outcomes or self.grading_run.journal_path is not None:
            return
        terminalreporter.section("scores by question")
        terminalreporter.write_line(f"submission: {self.grading_run.submission}")
        for note in self.workspace_notes:
            terminalreporter.write_line(f"Note: {note}.")
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
        if self.outcomes and self.grading_run.results_path and self.grading_run.journal_path is None:
            from autograder.results import build_results, write_atomically

            data = build_results(self.assignment_config, self.question_results(), time.monotonic() - self.started)
            write_atomically(self.grading_run.results_path, data)
        self.journal({"event": "finished"})

    def close_student(self) -> None:
        if self._student is not None:
            self._student.close()
            self._student = None
        if self.workspace_dir:
            shutil.rmtree(self.workspace_dir, ignore_errors=True)
            self.workspace_dir = None

    def pytest_unconfigure(self) -> None:
        self.close_student()
        if self._zygote is not None:
            self._zygote.close()
        if self._journal_fd is not None:
            os.close(self._journal_fd)
            self._journal_fd = None
        runs.activate(None)


def _clip_printed(text: str) -> str:
    if len(text) <= MAX_STUDENT_OUTPUT_CHARS:
        return text
    return text[:MAX_STUDENT_OUTPUT_CHARS] + f"\n... ({len(text) - MAX_STUDENT_OUTPUT_CHARS} more characters cut)"
