"""Exceptions that carry a verdict's reason to the scoring plugin.

Each one's ``str()`` is the sentence a student reads: it names the function,
the case and what went wrong, with no framework traceback.
"""
from __future__ import annotations


class GradingFailure(AssertionError):
    """A check on the student's output failed; the message says why."""


class StudentCodeError(Exception):
    """The student's code raised, returned something unusable, or cannot run.

    ``summary`` is one sentence; ``details`` is the traceback cut to the
    student's own frames (may be empty).
    """

    def __init__(self, summary: str, details: str = ""):
        super().__init__(summary)
        self.summary = summary
        self.details = details

    def __str__(self) -> str:
        return self.summary + (f"\n{self.details}" if self.details else "")


class SubmissionImportError(StudentCodeError):
    """A module of the submission is missing or failed to import."""

    def __init__(self, module: str, summary: str, details: str = ""):
        super().__init__(summary, details)
        self.module = module


class StudentRaised(StudentCodeError):
    """A student function or method raised an exception."""

    def __init__(self, target: str, exc_type: str, summary: str, details: str = ""):
        super().__init__(summary, details)
        self.target = target
        self.exc_type = exc_type


class InvalidReturn(StudentCodeError):
    """The student returned a value the grader refuses to use (e.g. an ndarray subclass)."""
