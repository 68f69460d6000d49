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
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from autograder.config import Config, Question
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


def read_journal(path: Path) -> Journal:
    collected: list[TestOutcome] = []
    finished: dict[str, TestOutcome] = {}
    last_started, complete = None, False
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
    return Journal(collected, finished, last_started, complete)


@dataclass
class GradeReport:
    results: list[QuestionResult]
    data: dict[str, Any]  # the results.json content
    log: str  # the child pytest's own output

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


def grade(
    submission: Path,
    config: Config,
    results_path: Path | None = None,
    *,
    questions: Sequence[str] | None = None,
    time_budget: float | None = None,
    submission_info: SubmissionInfo | None = None,
) -> GradeReport:
    """Grade ``submission`` and write results.json; never raises for the submission's sake.

    Args:
        submission: the folder of the student's files.
        config: the assignment.
        results_path: where to write results.json (nowhere if None).
        questions: grade only these questions (their markers); default all.
        time_budget: seconds for the whole run instead of ``time_limits.total_seconds``.
        submission_info: what Gradescope's submission_metadata.json says, for the output.
    """
    started = time.monotonic()
    budget = time_budget if time_budget is not None else config.time_limits.total_seconds
    with tempfile.TemporaryDirectory(prefix="autograder-grade-") as tmp:
        journal_path, log_path = Path(tmp) / "journal.jsonl", Path(tmp) / "pytest.log"
        command = [
            sys.executable, "-m", "pytest", str(config.tests_dir),
            f"--autograder-config={config.path}", f"--submission={submission.resolve()}",
            f"--journal={journal_path}", "-p", "no:cacheprovider", "-q", "--no-header", "-rN",
            "--show-capture=no",  # what the student printed reaches the results through the journal, clipped
        ]
        if questions:
            command += ["-m", marker_expression(questions)]
        exit_code, timed_out = _run_child(command, config.root, budget, log_path)
        journal = read_journal(journal_path)
        log = log_path.read_text(encoding="utf-8", errors="replace")

    outcomes = []
    for outcome in journal.collected:
        done = journal.finished.get(outcome.nodeid)
        if done is None:
            outcome.outcome = NOT_RUN
            outcome.message = _unfinished_reason(journal, outcome.nodeid, exit_code, timed_out, budget)
            done = outcome
        outcomes.append(done)
    graded = _questions_with_implicit(config, outcomes)
    if questions:
        graded = [q for q in graded if q.name in questions]
    results = score_all(graded, outcomes, config.show_student_output)

    summary = [submission_info.describe()] if submission_info else []
    if not journal.collected and timed_out:
        summary.append(f"Grading stopped when its time budget of {budget:g} s ran out, before the tests were "
                       "even collected; nothing was graded.")
        for result in results:
            result.output = f"not run: {budget_message(budget)}, before the tests were collected."
    elif not timed_out and journal.last_started is None and exit_code not in (0, 5):  # 5: none selected (-m)
        summary.append("The tests could not be collected, so nothing was graded. The test run said:\n"
                       + log[-_OUTPUT_TAIL_CHARS:])
        for result in results:
            result.output = "not run: the tests could not be started (see the overall output)."
    elif timed_out:
        summary.append(f"Grading stopped when its time budget of {budget:g} s ran out; unfinished checks score 0.")
    data = build_results(config, results, time.monotonic() - started, "\n".join(s for s in summary if s))
    problems = validate_results(data)
    if problems:  # a bug of ours: still hand Gradescope a file it accepts
        data = {"score": 0, "output": "internal error in the autograder: " + "; ".join(problems), "tests": []}
    if results_path is not None:
        write_atomically(results_path, data)
    return GradeReport(results, data, log)
