"""A student's own check: one question or all, the table and the reasons, nothing else.

``python -m autograder check relu`` in a terminal and ``check("relu")`` in a
notebook both run the tests in a fresh pytest process (``grading.grade``),
so a notebook kernel's cached, stale modules never reach the verdict, and
a hang is stopped by the same time limits as on Gradescope.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from autograder.config import Config, ConfigError
from autograder.scoring import QuestionResult, format_table


def verdict_text(submission: Path, results: list[QuestionResult], notes: list[str] = ()) -> str:
    """What the workspace forgave, the table, then each question that lost points with its reasons."""
    try:
        shown = submission.relative_to(Path.cwd())
    except ValueError:
        shown = submission
    lines = [f"Checking {shown}", *(f"Note: {note}." for note in notes), format_table(results, hidden_label=False)]
    for result in results:
        if not result.passed:
            lines += ["", f"{result.question.label} ({result.score:g} / {result.max_score:g}):", result.output]
    if all(r.passed for r in results):
        lines += ["", "Everything checked passed."]
    return "\n".join(lines)


def unknown_questions(config: Config, questions: tuple[str, ...]) -> list[str]:
    return [q for q in questions if q not in config.questions]


def run_check(
    config: Config, questions: tuple[str, ...] = (), submission: Path | None = None, backend: str | None = None
) -> tuple[str, dict[str, Any], bool]:
    """(the text to print, the results data, whether everything passed)."""
    from autograder.grading import grade

    unknown = unknown_questions(config, questions)
    if unknown:
        known = ", ".join(config.questions)
        raise ConfigError(f"no question named {', '.join(unknown)}; the questions are: {known}")
    folder = (submission or config.default_submission).resolve()
    report = grade(folder, config, questions=questions or None, backend=backend, audience="student")
    text = verdict_text(folder, report.results, report.notes)
    rest = [line for line in report.data.get("output", "").splitlines()[1:] if not line.startswith("Note: ")]
    if rest:  # something beyond "Score: ..." and the notes: a budget, a broken test run
        text += "\n\n" + "\n".join(rest)
    return text, report.data, all(r.passed for r in report.results)


def check(*questions: str, submission: str | Path | None = None, config: str | Path | None = None) -> dict[str, Any]:
    """Check your code, print the verdict, and return the results (Gradescope's format).

    Args:
        questions: question names (``"relu"``, ``"affine"``), or lists of them; none means all.
        submission: the folder of your files (default: the one autograder.yml names).
        config: the assignment's folder or its autograder.yml (default: found from the current folder).

    Example, in a notebook:

        from autograder import check
        check("relu")
    """
    from autograder.run import load_assignment

    assignment = load_assignment(config)
    names = tuple(name for item in questions for name in ([item] if isinstance(item, str) else item))
    text, data, _ = run_check(assignment, names, Path(submission) if submission else None)
    print(text)
    return data
