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
from typing import Any

from autograder.config import Config, Question
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


def _unfinished_reason(journal: Journal, nodeid: str, exit_code: int | None, timed_out: bool, budget: float) -> str:
    if timed_out:
        return f"time budget of {budget:g} s exhausted before this test finished"
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


def grade(submission: Path, config: Config, results_path: Path | None = None) -> GradeReport:
    """Grade ``submission`` and write results.json; never raises for the submission's sake."""
    started = time.monotonic()
    budget = config.time_limits.total_seconds
    with tempfile.TemporaryDirectory(prefix="autograder-grade-") as tmp:
        journal_path, log_path = Path(tmp) / "journal.jsonl", Path(tmp) / "pytest.log"
        command = [
            sys.executable, "-m", "pytest", str(config.tests_dir),
            f"--autograder-config={config.path}", f"--submission={submission.resolve()}",
            f"--journal={journal_path}", "-p", "no:cacheprovider", "-q", "--no-header", "-rN",
        ]
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
    results = score_all(_questions_with_implicit(config, outcomes), outcomes)

    summary = ""
    if not journal.collected:
        summary = "The tests could not be collected, so nothing was graded. The test run said:\n" + log[-_OUTPUT_TAIL_CHARS:]
        for result in results:
            result.output = "not run: the tests could not be started (see the overall output)."
    elif timed_out:
        summary = f"Grading stopped when its time budget of {budget:g} s ran out; unfinished checks score 0."
    data = build_results(config, results, time.monotonic() - started, summary)
    problems = validate_results(data)
    if problems:  # a bug of ours: still hand Gradescope a file it accepts
        data = {"score": 0, "output": "internal error in the autograder: " + "; ".join(problems), "tests": []}
    if results_path is not None:
        write_atomically(results_path, data)
    return GradeReport(results, data, log)
