"""Which of the submission's functions each test runs: the audit's map of reach.

Registered by the plugin when the run says ``record_calls`` (the audit's
grade of the reference, in-process). Per test it journals the submission's
functions that ran (``mod.double``, ``models.Net.loss``),
the modules whose text a rubric check read (``layers.<source>``) and
whether the test read the submission's files itself (``<files>``). A
variant that changes function F can then only change the tests that ran F.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from autograder.definitions import qualified_name

SUBMISSION_FILES_READ = "<files>"  # a test that reads the submission's data files itself (predictions.csv)
SOURCE_READ = "<source>"  # recorded as "module.<source>" when a test reads a module's text (rubric checks)


class CallRecorder:
    """Journals, after each graded test, the submission functions it ran."""

    def __init__(self, session: Any):
        self.session = session  # the plugin's GradingSession: its outcomes, workspace and journal

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        if item.nodeid not in self.session.outcomes:
            yield
            return
        called: set[str] = set()
        if "submission_folder" in getattr(item, "fixturenames", ()):
            called.add(SUBMISSION_FILES_READ)
        previous = sys.getprofile()
        sys.setprofile(self._profiler(called))
        try:
            yield
        finally:
            sys.setprofile(previous)
            self.session.journal({"event": "calls", "nodeid": item.nodeid, "functions": sorted(called)})

    def _profiler(self, called: set[str]):
        from autograder.inprocess import InProcessStudent

        source_read = InProcessStudent.source.__code__
        folder: list[str] = []  # the workspace's real path, once the first test has made it

        def profile(frame: Any, event: str, arg: Any) -> None:
            if event != "call":
                return
            if frame.f_code is source_read:
                called.add(f"{frame.f_locals.get('module')}.{SOURCE_READ}")
                return
            if not folder:
                workspace = self.session.workspace_dir
                if not workspace:
                    return
                folder.append(os.path.realpath(workspace) + os.sep)
            code = frame.f_code
            if code.co_filename.startswith(folder[0]):
                called.add(f"{Path(code.co_filename).stem}.{qualified_name(code)}")

        return profile
