"""Grade a submission: run the tests in a child pytest, score from its journal.

The child writes one journal line per event (collected, start, outcome);
this process owns the scores and the results file. Whatever the child does
(fails, hangs past the time budget, dies in the middle of a test) the
journal says which tests finished, and every other test is scored 0 with
the reason it did not run. Grading never raises for a submission's sake.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from autograder.config import Config, Question
from autograder.run import Options, Run, resolve
from autograder.gradescope import SubmissionInfo
from autograder.results import build_results, validate_results, write_atomically
from autograder.scoring import NOT_RUN, QuestionResult, TestOutcome, format_table, score_all

_OUTPUT_TAIL_CHARS = 2000  # of the child's own output, shown when it could not start


@dataclass
class Journal:
    collected: list[TestOutcome]
    finished: dict[str, TestOutcome]
    last_started: str | None
    complete: bool
    calls: dict[str, list[str]] = field(default_factory=dict)  # nodeid -> submission functions run (--record-calls)
    notes: list[str] = field(default_factory=list)  # what the workspace forgave: a folder, a file name's case, ...


def read_journal(path: Path) -> Journal:
    collected: list[TestOutcome] = []
    finished: dict[str, TestOutcome] = {}
    last_started, complete = None, False
    calls: dict[str, list[str]] = {}
    notes: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut off by a crash
            event = record.get("event")
            if event == "collected":
                collected = [TestOutcome.from_dict(o) for o in record["outcomes"]]
            elif event == "start":
                last_started = record["nodeid"]
            elif event == "outcome":
                outcome = TestOutcome.from_dict(record["outcome"])
                finished[outcome.nodeid] = outcome
            elif event == "finished":
                complete = True
            elif event == "calls":
                calls[record["nodeid"]] = record["functions"]
            elif event == "notes":
                notes = [str(note) for note in record.get("notes", [])][:20]
    return Journal(collected, finished, last_started, complete, calls, notes)


@dataclass
class GradeReport:
    results: list[QuestionResult]
    data: dict[str, Any]  # the results.json content
    log: str  # the child pytest's own output
    calls: dict[str, list[str]] = field(default_factory=dict)  # with record_calls: nodeid -> functions run
    nonce: str = ""  # this run's secret, also in data["extra_data"]["autograder_nonce"]: proof the grader wrote it
    notes: list[str] = field(default_factory=list)  # what the workspace forgave, one sentence each

    @property
    def table(self) -> str:
        return format_table(self.results)


def _run_child(command: list[str], cwd: Path, budget: float, log_path: Path) -> tuple[int | None, bool]:
    """Run the child in its own process group; (exit code or None, timed out?)."""
    # The child's temporary files (its workspace) live in our folder, so a child that is
    # killed or calls os._exit leaves nothing behind once grade() removes that folder.
    env = {**os.environ, "TMPDIR": str(log_path.parent)}
    with open(log_path, "wb") as log:
        child = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True, env=env)
        try:
            return child.wait(timeout=budget), False
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            return None, True


def use_temporary_folder(folder: Path) -> None:
    """In a forked child: its temporary files (the workspace) go into ``folder``, which the caller removes."""
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None


def wait_or_kill(pid: int, budget: float) -> tuple[int | None, bool]:
    """Wait for a child (the leader of its own session); kill its group at the budget. (exit code, timed out?)"""
    deadline = time.monotonic() + budget
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), False
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return None, True
        time.sleep(0.01)


def budget_message(budget: float) -> str:
    """Why a check did not run when the run's time budget ran out (shown after "not run: ")."""
    return f"time budget exhausted (the whole run may take {budget:g} s)"


def _unfinished_reason(journal: Journal, nodeid: str, exit_code: int | None, timed_out: bool, budget: float) -> str:
    if timed_out:
        return budget_message(budget)
    if nodeid == journal.last_started:
        return (f"the grading process stopped abruptly during this test (exit code {exit_code}); "
                "does the code call exit(), os._exit() or crash the interpreter?")
    if journal.last_started:
        return f"grading stopped early, during {journal.last_started.split('::', 1)[-1]}"
    return f"grading stopped before this test (exit code {exit_code})"


def _questions_with_implicit(config: Config, outcomes: list[TestOutcome]) -> list[Question]:
    questions = list(config.questions.values())
    for outcome in outcomes:  # decorator-only tests are questions of their own
        if outcome.question not in config.questions:
            questions.append(Question(outcome.question, outcome.number or outcome.question, outcome.short_name,
                                      outcome.weight, outcome.visibility or "visible"))
    return questions


def marker_expression(questions: Iterable[str]) -> str:
    """The ``-m`` expression that selects these questions' tests."""
    return " or ".join(questions)


@dataclass(frozen=True)
class ChildEnd:
    """How the child pytest ended."""

    exit_code: int | None  # None: killed at the end of the time budget
    timed_out: bool
    log: str  # its own output (pytest's), for when it could not even start


def grade(
    submission: Path,
    config: Config,
    results_path: Path | None = None,
    *,
    questions: Sequence[str] | None = None,
    time_budget: float | None = None,
    submission_info: SubmissionInfo | None = None,
    test_files: Sequence[Path | str] | None = None,
    backend: str | None = None,
    clean_results_folder: bool = False,
    record_calls: bool = False,
    audience: str = "staff",
) -> GradeReport:
    """Grade ``submission`` and write results.json; never raises for the submission's sake.

    The arguments are the run's explicit settings; everything else is resolved from the
    environment and autograder.yml by autograder.run.resolve, once.

    Args:
        submission: the folder of the student's files.
        config: the assignment.
        results_path: where to write results.json (nowhere if None).
        questions: grade only these questions (their markers); default all.
        time_budget: seconds for the whole run instead of ``time_limits.total_seconds``.
        submission_info: what Gradescope's submission_metadata.json says, for the output.
        test_files: collect only these test files or node ids (default: the whole tests folder).
        backend: "inprocess" or "sandbox" (default: sandbox.backend of autograder.yml). In-process,
            student code runs inside the child and could write its journal: local runs only.
        clean_results_folder: remove everything else from the results file's folder before
            writing it (Gradescope's dedicated results folder only, never a shared one).
        record_calls: note which of the submission's functions each test runs (in-process), for the audit.
        audience: "student" for a student's own check: hidden questions are then graded on Gradescope only.
    """
    options = Options(submission=submission, backend="inprocess" if record_calls else backend,
                      time_budget=time_budget, results_path=results_path, questions=tuple(questions or ()),
                      test_files=tuple(str(f) for f in test_files or ()), record_calls=record_calls,
                      audience=audience)
    run = resolve(config, options)
    if clean_results_folder:
        run = run.replace(clean_results_folder=True)
    return grade_run(run, submission_info=submission_info)


def pytest_arguments(run: Run, run_file: Path) -> list[str]:
    """The child pytest's command line: what to collect and select; every setting is in the run file."""
    arguments = [*(run.test_files or [str(run.assignment.tests_dir)]), f"--autograder-run={run_file}",
                 "-p", "no:cacheprovider", "-q", "--no-header", "-rN",
                 "-p", "no:unraisableexception",  # its five gc.collect() at the end cost 0.5 s with torch loaded
                 "-p", "no:xdist", "-p", "no:xdist.looponfail",  # installed for our own suite; no grade uses them
                 # The tests fail with GradingFailure's sentences, not with asserts: rewriting every test module's
                 # asserts cost 0.8 s a grade, paid every time where no bytecode is kept (a fresh container).
                 "--assert=plain",
                 "--show-capture=no"]  # what the student printed reaches the results through the journal, clipped
    if run.questions:
        arguments += ["-m", marker_expression(run.questions)]
    return arguments


def grade_run(run: Run, *, submission_info: SubmissionInfo | None = None) -> GradeReport:
    """Grade one resolved run: a child pytest under the time budget, then the results from its journal."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="autograder-grade-") as tmp:
        run = run.replace(journal_path=Path(tmp) / "journal.jsonl")
        run_file = run.write(Path(tmp) / "run.json")
        log_path = Path(tmp) / "pytest.log"
        command = [sys.executable, "-m", "autograder.child", *pytest_arguments(run, run_file)]
        exit_code, timed_out = _run_child(command, run.assignment.root, run.time_budget, log_path)
        journal = read_journal(run.journal_path)
        log = log_path.read_text(encoding="utf-8", errors="replace")
    return report_from_journal(run, journal, ChildEnd(exit_code, timed_out, log), started, submission_info)


def report_from_journal(run: Run, journal: Journal, end: ChildEnd, started: float,
                        submission_info: SubmissionInfo | None = None) -> GradeReport:
    """Score the journal's outcomes (every unfinished test 0, with why), write results.json."""
    config = run.assignment
    outcomes = finished_outcomes(journal, end, run.time_budget)
    graded = _questions_with_implicit(config, outcomes)
    if run.questions:
        graded = [q for q in graded if q.name in run.questions]
    results = score_all(graded, outcomes, config.show_student_output)
    summary = _summary(run, journal, end, results, submission_info)
    data = build_results(config, results, time.monotonic() - started, summary)
    problems = validate_results(data)
    if problems:  # a bug of ours: still hand Gradescope a file it accepts
        data = {"score": 0, "output": "internal error in the autograder: " + "; ".join(problems), "tests": []}
    nonce = secrets.token_hex(16)  # known only here, after every line of student code has run
    data["extra_data"] = {**(data.get("extra_data") or {}), "autograder_nonce": nonce}
    if run.results_path is not None:
        if run.clean_results_folder:
            _discard_other_files(run.results_path)
        write_atomically(run.results_path, data)
    return GradeReport(results, data, end.log, journal.calls, nonce, list(journal.notes))


def finished_outcomes(journal: Journal, end: ChildEnd, budget: float) -> list[TestOutcome]:
    """Every collected test's outcome; a test that never finished scores 0 with the reason."""
    outcomes = []
    for outcome in journal.collected:
        done = journal.finished.get(outcome.nodeid)
        if done is None:
            outcome.outcome = NOT_RUN
            outcome.message = _unfinished_reason(journal, outcome.nodeid, end.exit_code, end.timed_out, budget)
            done = outcome
        outcomes.append(done)
    return outcomes


def _summary(run: Run, journal: Journal, end: ChildEnd, results: list[QuestionResult],
             submission_info: SubmissionInfo | None) -> str:
    """The results' top-level output; run-wide problems also reach each question's output."""
    budget = run.time_budget
    summary = [submission_info.describe()] if submission_info else []
    summary += [f"Note: {note}." for note in journal.notes]
    if not journal.collected and end.timed_out:
        summary.append(f"Grading stopped when its time budget of {budget:g} s ran out, before the tests were "
                       "even collected; nothing was graded.")
        for result in results:
            result.output = f"not run: {budget_message(budget)}, before the tests were collected."
    elif not end.timed_out and journal.last_started is None and end.exit_code not in (0, 5):  # 5: none selected
        summary.append("The tests could not be collected, so nothing was graded. The test run said:\n"
                       + end.log[-_OUTPUT_TAIL_CHARS:])
        for result in results:
            result.output = "not run: the tests could not be started (see the overall output)."
    elif end.timed_out:
        summary.append(f"Grading stopped when its time budget of {budget:g} s ran out; unfinished checks score 0.")
    return "\n".join(s for s in summary if s)


def _discard_other_files(results_path: Path) -> None:
    """Empty the results folder but for results.json: nothing a submission left there reaches Gradescope."""
    folder = results_path.parent
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name == results_path.name and entry.is_file() and not entry.is_symlink():
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
        except OSError:
            pass
