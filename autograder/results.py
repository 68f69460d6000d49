"""Gradescope's results.json: building, validating and writing it atomically.

The format (Gradescope's "autograder specifications"): a top-level score,
execution_time, output, visibility and stdout_visibility; a list of tests,
each with name, number, score, max_score, status, output, visibility and
tags; and optional leaderboard entries {name, value, order}.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from autograder.config import VISIBILITIES, Config
from autograder.scoring import QuestionResult, TestOutcome

_TEST_FIELDS = {
    "name": str, "number": str, "score": (int, float), "max_score": (int, float),
    "status": str, "output": str, "visibility": str, "tags": list,
}
_TOP_FIELDS = {
    "score": (int, float), "execution_time": (int, float), "output": str,
    "visibility": str, "stdout_visibility": str, "tests": list, "leaderboard": list,
}


def question_entry(result: QuestionResult) -> dict[str, Any]:
    q = result.question
    return {
        "name": q.label,
        "number": q.number,
        "score": result.score,
        "max_score": result.max_score,
        "status": "passed" if result.passed else "failed",
        "output": result.output,
        "visibility": q.visibility,
        "tags": result.tags,
    }


def leaderboard_entries(outcomes: Iterable[TestOutcome]) -> list[dict[str, Any]]:
    entries = []
    for outcome in outcomes:
        board = outcome.leaderboard
        if board and board.get("name") and board.get("value") is not None:
            entries.append({"name": str(board["name"]), "value": board["value"], "order": board.get("order", "desc")})
    return entries


def build_results(
    config: Config,
    results: list[QuestionResult],
    execution_time: float,
    summary: str = "",
) -> dict[str, Any]:
    outcomes = [o for r in results for o in r.outcomes]
    total = round(sum(r.score for r in results), 4)
    possible = sum(r.max_score for r in results)
    head = f"Score: {total:g} / {possible:g}."
    return {
        "score": total,
        "execution_time": round(execution_time, 2),
        "output": f"{head}\n{summary}".strip(),
        "visibility": config.visibility,
        "stdout_visibility": config.stdout_visibility,
        "tests": [question_entry(r) for r in results],
        "leaderboard": leaderboard_entries(outcomes),
    }


def validate_results(data: Any) -> list[str]:
    """Problems that would make Gradescope reject or misread the file; [] if none."""
    if not isinstance(data, dict):
        return ["the top level is not an object"]
    problems = []
    for key, kinds in _TOP_FIELDS.items():
        if key in data and not isinstance(data[key], kinds):
            problems.append(f"{key} has type {type(data[key]).__name__}")
    if "score" not in data and not all("score" in t for t in data.get("tests", []) if isinstance(t, dict)):
        problems.append("neither a top-level score nor a score on every test")
    for key in ("visibility", "stdout_visibility"):
        if key in data and data[key] not in VISIBILITIES:
            problems.append(f"{key} is {data[key]!r}")
    for i, test in enumerate(data.get("tests", [])):
        if not isinstance(test, dict):
            problems.append(f"tests[{i}] is not an object")
            continue
        for key, kinds in _TEST_FIELDS.items():
            if key in test and not isinstance(test[key], kinds):
                problems.append(f"tests[{i}].{key} has type {type(test[key]).__name__}")
        if test.get("status", "passed") not in ("passed", "failed"):
            problems.append(f"tests[{i}].status is {test['status']!r}")
        if test.get("visibility", "visible") not in VISIBILITIES:
            problems.append(f"tests[{i}].visibility is {test['visibility']!r}")
        for key in ("score", "max_score"):
            value = test.get(key, 0)
            if isinstance(value, (int, float)) and not math.isfinite(value):
                problems.append(f"tests[{i}].{key} is not finite")
    for i, entry in enumerate(data.get("leaderboard", [])):
        if not isinstance(entry, dict) or "name" not in entry or "value" not in entry:
            problems.append(f"leaderboard[{i}] lacks name or value")
        elif entry.get("order", "desc") not in ("asc", "desc"):
            problems.append(f"leaderboard[{i}].order is {entry['order']!r}")
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        problems.append(f"not serialisable as strict JSON: {exc}")
    return problems


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write JSON so that a reader sees the old file or the whole new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, allow_nan=False)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
