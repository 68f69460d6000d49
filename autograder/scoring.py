"""From test outcomes to per-question scores, each with the sentences that explain it.

Pure functions over plain records, so the pytest plugin (a student's local
run) and the grade command (reading the journal of a run that may have
died) score the same way.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from autograder.config import Question

PASSED, FAILED, ERROR, SKIPPED, XFAILED, XPASSED, NOT_RUN = (
    "passed", "failed", "error", "skipped", "xfailed", "xpassed", "not_run",
)
_MAX_MESSAGE_CHARS = 1500  # one failing check; a 2 a.m. reader needs the first paragraph
_MAX_OUTPUT_CHARS = 8000  # one question's output on Gradescope
_MAX_OUTPUT_LINES = 25  # one question's output: the first failure in full, the others a line each
_MAX_FIRST_FAILURE_LINES = 12
MAX_STUDENT_OUTPUT_CHARS = 10_000  # what a student's code printed, per check and per question
_SCORE_DIGITS = 4
NOT_GRADED_HERE = "not graded here: "
"""How a skip reason starts when the check cannot run on this machine (no GPU, no dataset): such a
check weighs nothing, and a question whose checks are all such counts 0 of 0 points instead of 0 of
its points. Any other skip still loses its check's share."""


@dataclass
class TestOutcome:
    """What happened to one collected test (one parametrized item)."""

    __test__ = False  # not a pytest test class, despite the name
    nodeid: str
    question: str  # the question's name (marker), or the nodeid for a decorator-only test
    outcome: str = NOT_RUN
    message: str = ""  # why it did not pass, in a sentence or a short paragraph
    weight: float = 1.0
    partial_score: float | None = None  # set by @partial_credit's set_score
    visibility: str | None = None  # from @visibility
    hide_errors: str | None = None  # from @hide_errors
    tags: list[str] = field(default_factory=list)
    leaderboard: dict[str, Any] | None = None  # {"name", "value", "order"}
    notes: list[str] = field(default_factory=list)  # e.g. inputs mutated in place
    number: str | None = None  # of the question a decorator-only test makes (from @number)
    stdout: str = ""  # what the test printed (the student's code, in-process), clipped

    @property
    def short_name(self) -> str:
        return self.nodeid.split("::", 1)[-1]

    def earned(self) -> float:
        if self.partial_score is not None:
            return min(max(float(self.partial_score), 0.0), self.weight)
        return self.weight if self.outcome in (PASSED, XPASSED) else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TestOutcome":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class QuestionResult:
    question: Question
    score: float
    outcomes: list[TestOutcome]
    output: str

    @property
    def max_score(self) -> float:
        """The question's points; 0 when none of its checks can run here (see NOT_GRADED_HERE)."""
        return 0.0 if self.outcomes and not any(map(counts, self.outcomes)) else self.question.points

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score - 1e-9

    @property
    def summary(self) -> str:
        """One line for the table: the verdict, with the first reason when it is on a later line."""
        lines = self.output.splitlines() or [""]
        if lines[0].endswith(":") and len(lines) > 1:
            return f"{lines[0]} {lines[1].removeprefix('- ').split(': ', 1)[-1]}"
        return lines[0]

    @property
    def tags(self) -> list[str]:
        return sorted({tag for o in self.outcomes for tag in o.tags})


def counts(outcome: TestOutcome) -> bool:
    """Whether a check weighs in its question's score: all do but those skipped as not graded here."""
    return not (outcome.outcome == SKIPPED and outcome.message.startswith(NOT_GRADED_HERE))


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 40].rstrip() + f"\n... ({len(text) - limit + 40} more characters cut)"


def _redacted(outcome: TestOutcome, question: Question) -> bool:
    """Whether this check's details must not show in its question's output.

    A check less visible than its question (a ``@visibility("hidden")`` test
    inside a visible question) would otherwise leak through the question's text.
    """
    return outcome.visibility not in (None, "visible", question.visibility)


def _shows_details(outcome: TestOutcome, question: Question) -> bool:
    return outcome.hide_errors is None and not _redacted(outcome, question)


def _visible_message(outcome: TestOutcome, question: Question) -> str:
    if outcome.hide_errors is not None:
        return outcome.hide_errors or "a check failed"
    if _redacted(outcome, question):
        return "a hidden check did not pass"
    if outcome.outcome == SKIPPED:
        return f"skipped: {outcome.message}" if outcome.message else "skipped"
    if outcome.outcome == NOT_RUN:
        return f"not run: {outcome.message}" if outcome.message else "not run"
    if outcome.partial_score is not None and not outcome.message:  # set_score below the weight
        return f"earned {outcome.earned():g} of {outcome.weight:g} (partial credit)"
    return _clip(outcome.message or outcome.outcome, _MAX_MESSAGE_CHARS)


def _check_line(outcome: TestOutcome, question: Question, message: str) -> str:
    return f"- {message}" if _redacted(outcome, question) else f"- {outcome.short_name}: {message}"


def _unfinished_lines(question: Question, unfinished: list[TestOutcome], total: int) -> list[str]:
    """Checks that never ran (time budget, a crash), first: the reason leads the output."""
    messages = [_visible_message(o, question) for o in unfinished]
    if len(set(messages)) > 1:
        lines = [f"not run: {len(unfinished)} of its {total} checks did not finish:"]
        return lines + [_check_line(o, question, m.removeprefix("not run: ")) for o, m in zip(unfinished, messages)]
    if total == 1:
        return [messages[0]]
    count = f"none of its {total} checks finished" if len(unfinished) == total else (
        f"{len(unfinished)} of its {total} checks did not finish")
    return [f"{messages[0]} ({count})"]


def _failed_lines(question: Question, failed: list[TestOutcome], total: int) -> list[str]:
    """The first failing check in full; each other one by the first line of its reason."""
    messages = [_visible_message(o, question) for o in failed]
    if total == 1:
        return [f"The check failed: {messages[0]}"]
    count = "All" if len(failed) == total else f"{len(failed)} of"
    if len(set(messages)) == 1:
        return [f"{count} {total} checks failed: {messages[0]}"]
    first = _check_line(failed[0], question, messages[0]).splitlines()
    lines = [f"{count} {total} checks failed:", *first[:_MAX_FIRST_FAILURE_LINES]]
    for outcome, message in zip(failed[1:], messages[1:]):
        lines.append(_check_line(outcome, question, message.splitlines()[0] if message else ""))
    return lines


def _short(lines: list[str], question: Question) -> list[str]:
    """At most _MAX_OUTPUT_LINES lines: what does not fit is counted, and where to see it said."""
    if len(lines) <= _MAX_OUTPUT_LINES:
        return lines
    kept = lines[: _MAX_OUTPUT_LINES - 1]
    hidden = sum(1 for line in lines[len(kept):] if line.startswith("- "))
    more = f"{hidden} more failing checks" if hidden else f"{len(lines) - len(kept)} more lines"
    return kept + [f"... and {more}: run `pytest -m {question.name}` (or `python -m autograder check "
                   f"{question.name}`) to see them all."]


def explain(question: Question, outcomes: list[TestOutcome], show_output: bool = False) -> str:
    """The output shown for a question: a verdict sentence, then one line per lost check.

    Checks that did not run come first, each line starts with the reason, and
    nothing of a check hidden inside a visible question is shown. With
    ``show_output``, what the student's code printed follows.
    """
    if not outcomes:
        return "No test checks this question, so it scores 0; tell the course staff."
    if not any(map(counts, outcomes)):
        reasons = dict.fromkeys(o.message.removeprefix(NOT_GRADED_HERE) for o in outcomes)
        return _clip("Not graded here, so it counts 0 of 0 points: " + "; ".join(reasons), _MAX_OUTPUT_CHARS)
    outcomes = [o for o in outcomes if counts(o)]
    lost = [o for o in outcomes if o.earned() < o.weight]
    total = len(outcomes)
    if not lost:
        lines = [f"All {total} checks passed." if total > 1 else "The check passed."]
    else:
        unfinished = [o for o in lost if o.outcome == NOT_RUN and _shows_details(o, question)]
        failed = [o for o in lost if o not in unfinished]
        lines = _unfinished_lines(question, unfinished, total) if unfinished else []
        lines += _failed_lines(question, failed, total) if failed else []
    shown = "\n".join(lines)
    notes = dict.fromkeys(note for o in outcomes if _shows_details(o, question) for note in o.notes)
    notes_lines = [f"note: {note}" for note in notes if note not in shown]
    lines = _short(lines, question)[: _MAX_OUTPUT_LINES - min(len(notes_lines), 3)] + notes_lines[:3]
    text = _clip("\n".join(lines), _MAX_OUTPUT_CHARS)
    printed = student_output(question, outcomes) if show_output else ""
    return f"{text}\n\n{printed}" if printed else text


def student_output(question: Question, outcomes: list[TestOutcome]) -> str:
    """What the student's code printed during this question's checks, clipped to a sane size."""
    parts = [f"[{o.short_name}]\n{o.stdout.rstrip()}" for o in outcomes
             if o.stdout.strip() and _shows_details(o, question)]
    if not parts:
        return ""
    return "What your code printed:\n" + _clip("\n".join(parts), MAX_STUDENT_OUTPUT_CHARS)


def score_question(question: Question, outcomes: list[TestOutcome], show_output: bool = False) -> QuestionResult:
    total_weight = sum(o.weight for o in outcomes if counts(o))
    earned = sum(o.earned() for o in outcomes if counts(o))
    fraction = earned / total_weight if total_weight > 0 else 0.0
    score = round(question.points * fraction, _SCORE_DIGITS)
    return QuestionResult(question, score, outcomes, explain(question, outcomes, show_output))


def score_all(
    questions: Iterable[Question], outcomes: Iterable[TestOutcome], show_output: bool = False
) -> list[QuestionResult]:
    """Score every question, in the order of their numbers; none is ever left out."""
    by_question: dict[str, list[TestOutcome]] = {}
    for outcome in outcomes:
        by_question.setdefault(outcome.question, []).append(outcome)
    ordered = sorted(questions, key=lambda q: number_key(q.number))
    return [score_question(q, by_question.get(q.name, []), show_output) for q in ordered]


def number_key(number: str) -> tuple:
    """Sort key of a question number: "1.10" after "1.9"."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in number.split("."))


def format_table(results: list[QuestionResult], hidden_label: bool = True, redact: Iterable[str] = ()) -> str:
    """The per-question table printed at the end of a run.

    Questions whose visibility is in ``redact`` show their score but not why.
    """
    redact = set(redact)
    rows = []
    for r in results:
        hidden = r.question.visibility in redact
        first_line = "(not shown here)" if hidden else r.summary
        if hidden_label and r.question.visibility != "visible":
            first_line = f"[{r.question.visibility}] {first_line}"
        points = f"{'?' if hidden else f'{r.score:g}'} / {r.max_score:g}"
        rows.append((r.question.number, r.question.title, points, first_line))
    total = sum(r.score for r in results)
    possible = sum(r.max_score for r in results)
    width_number = max([len("#")] + [len(row[0]) for row in rows])
    width_title = min(40, max([len("Question")] + [len(row[1]) for row in rows]))
    width_points = max([len("Points")] + [len(row[2]) for row in rows] + [len(f"{total:g} / {possible:g}")])
    lines = [f"{'#':<{width_number}}  {'Question':<{width_title}}  {'Points':>{width_points}}  Result"]
    lines.append("-" * len(lines[0]))
    for number, title, points, first_line in rows:
        if len(title) > width_title:
            title = title[: width_title - 1] + "~"
        result = first_line if len(first_line) <= 100 else first_line[:97] + "..."
        lines.append(f"{number:<{width_number}}  {title:<{width_title}}  {points:>{width_points}}  {result}")
    lines.append("-" * len(lines[0]))
    lines.append(f"{'':<{width_number}}  {'Total':<{width_title}}  {f'{total:g} / {possible:g}':>{width_points}}")
    return "\n".join(lines)
