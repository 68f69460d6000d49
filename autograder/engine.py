"""Warm graders: one assignment's tests, collected once, grading submission after submission.

A single grade pays for starting Python, importing numpy, pytest and torch,
and collecting the tests: seconds, before the first check runs. A warm
grader pays that once. It is a process running a pytest session of the
assignment whose test loop is ours (``WarmServer.pytest_runtestloop``): for
each run it receives, it forks a child that points the session at the
run's submission (``GradingSession.restart``), runs the selected tests and
writes the run's journal, exactly as the child pytest of
``grading.grade_run`` would; the warm grader kills the child at the run's
time budget. The caller scores the journal with the same code as a single
grade (``grading.report_from_journal``), so a warm grade and a cold one
give the same results.json.

Each child is a fork of a process that has collected the tests but never
run one, so no state of one submission reaches the next. Used by the audit
(variant after variant) and by batch grading (submission after
submission).

    with WarmGrader(base_run) as grader:
        report = grader.grade(run)       # a grading.GradeReport
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from autograder import fixtures
from autograder.grading import use_temporary_folder, wait_or_kill
from autograder.run import Run

_START_SECONDS = 300.0  # a warm grader's own start: Python, torch and collection on a slow, busy machine


def preload_modules(run: Run) -> list[str]:
    """What every warm grader imports: once, in the fork server all of them come from."""
    return ["numpy", "pytest", "autograder.plugin", "autograder.grading", "autograder.engine",
            *run.assignment.sandbox.preload]


class WarmGrader:
    """A warm grader process and the pipe to it."""

    def __init__(self, base: Run, context: Any = None):
        """Start a process that collects ``base``'s assignment tests (every test file, every question)."""
        context = context or multiprocessing.get_context("forkserver")
        self.base = base.replace(questions=(), test_files=(), journal_path=None, results_path=None,
                                 test_processes=1)
        self._folder = tempfile.mkdtemp(prefix="autograder-warm-")
        run_file = self.base.write(Path(self._folder) / "base-run.json")
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, str(run_file), self._folder), daemon=True)
        self.process.start()
        theirs.close()
        self._ready = False

    def wait_until_ready(self) -> None:
        """Block until the tests are collected (a problem there raises RuntimeError with pytest's words)."""
        if self._ready:
            return
        if not self.connection.poll(_START_SECONDS):
            raise RuntimeError("a warm grader did not start in time")
        message = self.connection.recv()
        if message.get("error"):
            raise RuntimeError(f"a warm grader could not collect the tests: {message['error']}")
        self._ready = True

    def grade(self, run: Run, submission_info: Any = None) -> Any:
        """Grade ``run`` (its submission, questions, tests, budget) in a fork of the collected session."""
        from autograder.grading import ChildEnd, read_journal, report_from_journal

        self.wait_until_ready()
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="autograder-grade-") as tmp:
            # One process per run: the warm grader's own test loop runs the fork's checks (no autograder.parallel).
            run = run.replace(journal_path=Path(tmp) / "journal.jsonl", test_processes=1)
            self.connection.send({"run": run.to_json()})
            reply = self.connection.recv()
            journal = read_journal(run.journal_path)
            log_path = Path(tmp) / "pytest.log"
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
        end = ChildEnd(reply["exit_code"], reply["timed_out"], log)
        return report_from_journal(run, journal, end, started, submission_info)

    def close(self) -> None:
        try:
            self.connection.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()
        import shutil

        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> "WarmGrader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# -- inside the warm grader ------------------------------------------------------------
def _serve(connection: Connection, run_file: str, folder: str) -> None:
    """The warm grader process: a pytest session whose test loop serves runs from ``connection``."""
    import importlib

    from autograder.grading import pytest_arguments

    base = Run.read(run_file)
    os.chdir(base.assignment.root)
    # The fork server is one per process, preloaded by whoever started it first (another assignment's
    # batch, say): what this assignment's children need is imported here, once, not in every child.
    for name in preload_modules(base):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    server = WarmServer(connection)
    log = open(Path(folder) / "collection.log", "wb")  # pytest's own words, should collection fail
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    code = pytest.main(pytest_arguments(base, Path(run_file)), plugins=[server])
    if not server.served:  # collection failed: say why, with pytest's words
        log.flush()
        text = (Path(folder) / "collection.log").read_text(encoding="utf-8", errors="replace")
        connection.send({"error": f"exit code {code}: {text[-2000:]}"})


class WarmServer:
    """The pytest plugin of a warm grader: after collection, serve runs until told to stop."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.served = False
        self._tasks = 0

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            return None  # pytest's own loop stops the session ("errors during collection"), as a cold grade's does
        self.served = True
        fixtures.read_declared_files()  # each forked grade finds them parsed
        self.connection.send({"ready": True})
        while True:
            message = self.connection.recv()
            if message is None:
                return True
            run = Run.from_json(message["run"])
            exit_code, timed_out = self._grade_in_child(session, run)
            self.connection.send({"exit_code": exit_code, "timed_out": timed_out})

    def _grade_in_child(self, session: pytest.Session, run: Run) -> tuple[int | None, bool]:
        self._tasks += 1
        log_path = run.journal_path.with_name("pytest.log")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 70
            try:
                os.setsid()
                with open(log_path, "wb") as log:
                    os.dup2(log.fileno(), 1)
                    os.dup2(log.fileno(), 2)
                use_temporary_folder(run.journal_path.parent)
                code = run_selected(session, run, self._tasks)
            except BaseException:  # noqa: BLE001 - the journal tells the caller what finished
                pass
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        result = wait_or_kill(pid, run.time_budget)
        grading = session.config.pluginmanager.get_plugin("autograder-session")
        grading.stop_workers()  # a sandboxed worker of a killed child must not outlive it
        return result


def run_selected(session: pytest.Session, run: Run, generation: int) -> int:
    """In a warm grader's child: run ``run``'s tests against its submission; pytest's exit code."""
    config = session.config
    grading = config.pluginmanager.get_plugin("autograder-session")
    grading.restart(run, generation)
    if run.record_calls:
        from autograder.recording import CallRecorder

        config.pluginmanager.register(CallRecorder(grading), "autograder-recorder")
    items = selected_items(session.items, run, Path(config.rootpath))
    grading.journal_collected([grading.outcomes[item.nodeid] for item in items if item.nodeid in grading.outcomes])
    for index, item in enumerate(items):
        following = items[index + 1] if index + 1 < len(items) else None
        config.hook.pytest_runtest_protocol(item=item, nextitem=following)
    grading.journal({"event": "finished"})
    grading.close_student()
    return 0 if items else 5  # 5: pytest's "no tests collected"


def selected_items(items: list[pytest.Item], run: Run, rootpath: Path) -> list[pytest.Item]:
    """The items ``run`` asks for: its test files or node ids (all if none), then its questions' markers."""
    wanted = []
    for entry in run.test_files:
        path, sep, rest = entry.partition("::")
        absolute = Path(path) if Path(path).is_absolute() else rootpath / path
        try:
            path = absolute.resolve().relative_to(rootpath.resolve()).as_posix()
        except ValueError:
            path = absolute.as_posix()
        wanted.append(path + sep + rest)
    chosen = []
    for item in items:
        # A file, a folder, a class or a function (all its parametrizations, as pytest selects them), or one item.
        if wanted and not any(item.nodeid == w or item.nodeid.startswith((w + "::", w + "[", w.rstrip("/") + "/"))
                              for w in wanted):
            continue
        if run.questions and not any(m.name in run.questions for m in item.iter_markers()):
            continue
        chosen.append(item)
    return chosen
