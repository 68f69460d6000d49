"""Gradescope's side of a grade: its folder layout and its submission_metadata.json.

Gradescope unpacks the autograder zip in ``/autograder/source``, puts the
submission in ``/autograder/submission`` and a description of it in
``/autograder/submission_metadata.json``, and reads
``/autograder/results/results.json``. ``python -m autograder gradescope
--root FOLDER`` (what ``run_autograder`` calls) runs that flow on any folder
laid out the same way, through the same ``grading.grade_run`` as ``grade``
(the root is a setting of the run: autograder.run).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

_MAX_METADATA_BYTES = 5 * 1024 * 1024  # previous_submissions can be long; more is not Gradescope's file


@dataclass(frozen=True)
class SubmissionInfo:
    """What submission_metadata.json says about this submission (all optional)."""

    submission_id: str | None = None
    created_at: datetime | None = None
    due_date: datetime | None = None
    problem: str | None = None  # why the file could not be read, when it could not

    def describe(self) -> str:
        """One line for the results' top-level output; empty when there is nothing to say."""
        if self.problem:
            return f"(submission_metadata.json was not used: {self.problem})"
        parts = []
        if self.submission_id:
            parts.append(f"Submission {self.submission_id}")
        if self.created_at:
            parts.append(f"submitted {self.created_at.isoformat(sep=' ', timespec='seconds')}")
            if self.due_date and self.created_at > self.due_date:
                parts.append(f"{_duration(self.created_at - self.due_date)} after the due date")
        return (", ".join(parts) + ".") if parts else ""


def _duration(delta: Any) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None  # naive and aware times do not compare


def read_metadata(path: Path) -> SubmissionInfo | None:
    """Parse Gradescope's submission_metadata.json; None when there is none.

    Never raises: a malformed file gives a SubmissionInfo whose ``problem``
    says why, and every field is read only if it has the expected type. A
    student's own due date (an extension, in ``users[].assignment``) wins
    over the assignment's.
    """
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > _MAX_METADATA_BYTES:
            return SubmissionInfo(problem="the file is too large")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return SubmissionInfo(problem=f"not readable JSON ({type(exc).__name__})")
    if not isinstance(data, dict):
        return SubmissionInfo(problem="the top level is not an object")
    submission_id = data.get("id")
    if isinstance(submission_id, bool) or not isinstance(submission_id, (int, str)) or submission_id == "":
        submission_id = None
    assignment = data.get("assignment") if isinstance(data.get("assignment"), dict) else {}
    due_date = _timestamp(assignment.get("due_date"))
    for user in data.get("users") if isinstance(data.get("users"), list) else []:
        own = user.get("assignment") if isinstance(user, dict) else None
        if isinstance(own, dict) and _timestamp(own.get("due_date")):
            due_date = _timestamp(own.get("due_date"))
            break
    return SubmissionInfo(
        submission_id=None if submission_id is None else str(submission_id),
        created_at=_timestamp(data.get("created_at")),
        due_date=due_date,
    )
