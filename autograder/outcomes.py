"""From pytest's items and reports to ``TestOutcome`` records, in the words a student reads.

Which question a test belongs to (its marker, or gradescope-utils'
decorators), and what each phase's report means: passed, failed with a
sentence, skipped with a reason, timed out.
"""
from __future__ import annotations

from typing import Any, Mapping

import pytest

from autograder.config import Question
from autograder.errors import GradingFailure, StudentCodeError
from autograder.fixtures import FixtureError
from autograder.scoring import ERROR, FAILED, PASSED, SKIPPED, XFAILED, XPASSED, TestOutcome

SHORT_ERRORS = (GradingFailure, StudentCodeError, FixtureError)  # their str() is the whole sentence


def outcome_for_item(item: pytest.Item, questions: Mapping[str, Question],
                     implicit_questions: dict[str, Question]) -> TestOutcome | None:
    """The record of a collected test, or None if it belongs to no question.

    A test joins the question its marker names; a test with gradescope-utils'
    ``@weight`` and no marker becomes a question of its own (added to
    ``implicit_questions``).
    """
    function = getattr(item, "function", None)
    attr = lambda name: getattr(function, name, None)  # noqa: E731
    names = [m.name for m in item.iter_markers() if m.name in questions]
    weight = attr("__weight__")
    number = None
    if names:
        question = names[0]
    elif weight is not None:
        question = item.nodeid
        number = attr("__number__") or str(len(implicit_questions) + 1)
        implicit_questions[question] = Question(
            name=question, number=number, title=item.name, points=float(weight),
            visibility=attr("__visibility__") or "visible",
        )
    else:
        return None
    board = None
    if attr("__leaderboard_column__"):
        board = {"name": attr("__leaderboard_column__"), "value": None,
                 "order": attr("__leaderboard_sort_order__") or "desc"}
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


def record_report(outcome: TestOutcome, item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
    """Fold one phase's report (setup, call, teardown) into the test's outcome."""
    was_xfail = hasattr(report, "wasxfail")
    if report.when == "setup":
        if report.skipped:
            outcome.outcome, outcome.message = SKIPPED, skip_reason(report)
        elif report.failed:
            outcome.outcome, outcome.message = ERROR, failure_message(call.excinfo, item)
    elif report.when == "call":
        if report.passed:
            outcome.outcome, outcome.message = (XPASSED if was_xfail else PASSED), ""
        elif report.skipped and was_xfail:
            outcome.outcome, outcome.message = XFAILED, f"expected to fail: {report.wasxfail}"
        elif report.skipped:
            outcome.outcome, outcome.message = SKIPPED, skip_reason(report)
        else:
            outcome.outcome, outcome.message = FAILED, failure_message(call.excinfo, item)
    elif report.failed and outcome.outcome in (PASSED, XPASSED):
        outcome.outcome, outcome.message = ERROR, f"failed while cleaning up: {failure_message(call.excinfo, item)}"


def failure_message(excinfo: pytest.ExceptionInfo, item: pytest.Item) -> str:
    """The reason a test did not pass, in the words a student should read."""
    exc = excinfo.value
    if isinstance(exc, SHORT_ERRORS):
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


def skip_reason(report: pytest.TestReport) -> str:
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")
