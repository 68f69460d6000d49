"""autograder.parallel: a sandboxed grade's checks split between two processes, with the same results.

The tiny assignment gets two more test files. Their checks meet at a barrier (each writes a file, then waits
for the other's), which they pass only if the two files run at the same time, in two processes; a conftest
can end the second process at its first check, to prove the first one then runs what it left.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder import parallel
from autograder.config import ConfigError, load_config
from autograder.fixtures import regenerate
from autograder.grading import grade_run
from autograder.run import Options, resolve
from autograder.tests.conftest import QUESTIONS, REFERENCE, TESTS, make_submission, write_config, write_files

# With $KILL_SECOND, the second process (whose parent is not the grader) ends at its first check, whichever
# file it took, after leaving a mark; the first process's checks wait for that mark, so it cannot take every file.
_CONFTEST = '''
import os
import time
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _end_the_second_process():
    if not os.environ.get("KILL_SECOND"):
        return
    mark = Path(os.environ["KILL_SECOND"]) / "second-ended"
    if os.getppid() != int(os.environ["GRADER_PID"]):
        mark.write_text("here")
        os._exit(9)
    deadline = time.monotonic() + 10
    while not mark.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
'''
# Each check prints its process, writes "<file>-<n>" in $BARRIER_DIR and waits (10 s at most) for the other
# file's.
_CHECK = '''
import os
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.compare import expect_close
from autograder.tolerances import FORWARD_FLOAT64


def meet(mine, theirs, n):
    folder = Path(os.environ.get("BARRIER_DIR", "."))
    if not os.environ.get("BARRIER_DIR"):
        return
    (folder / f"{{mine}}-{{n}}").write_text("here")
    deadline = time.monotonic() + 10
    while not (folder / f"{{theirs}}-{{n}}").exists():
        assert time.monotonic() < deadline, "the other file's checks did not run at the same time"
        time.sleep(0.01)


@pytest.mark.negate
@pytest.mark.parametrize("n", [2, 3])
def test_negate_{mine}(student, n):
    print(f"process {{os.getpid()}}")
    meet("{mine}", "{theirs}", n)
    got = student.call("other.negate", np.arange(float(n)))
    expect_close(got, -np.arange(float(n)), what="negate", tol=FORWARD_FLOAT64)
'''
SPLIT_TESTS = {**TESTS, "conftest.py": _CONFTEST, "test_left.py": _CHECK.format(mine="left", theirs="right"),
               "test_right.py": _CHECK.format(mine="right", theirs="left")}


@pytest.fixture
def split_project(tmp_path: Path):
    root = tmp_path / "project"
    config = load_config(write_config(root, {"mod.py": "graded", "other.py": "graded"}, QUESTIONS,
                                      per_test_seconds=30))
    write_files(root / "reference", REFERENCE)
    write_files(root / "tests", SPLIT_TESTS)
    regenerate(config)
    return config


def _grade(config, submission: Path, processes: int):
    run = resolve(config, Options(submission=submission, backend="sandbox", test_processes=processes))
    assert run.test_processes == processes
    return grade_run(run)


def _summary(report):
    return [(r.question.name, r.score, r.output) for r in report.results]


def test_two_processes_run_files_at_once_and_score_as_one(split_project, tmp_path, monkeypatch):
    submission = make_submission(tmp_path / "sub", other="def negate(x):\n    return x * -1.0 if len(x) < 3 else x\n")
    alone = _grade(split_project, submission, 1)
    monkeypatch.setenv("BARRIER_DIR", str(tmp_path))
    split = _grade(split_project, submission, 2)
    assert _summary(split) == _summary(alone)
    negate = next(r for r in split.results if r.question.name == "negate")
    assert [o.outcome for o in negate.outcomes].count("passed") == 2  # n=2 in each file; n=3 and test_negate fail
    printed = [[line for line in o.stdout.splitlines() if "process" in line]
               for r in split.results for o in r.outcomes if "_left" in o.nodeid or "_right" in o.nodeid]
    assert [len(lines) for lines in printed] == [1, 1, 1, 1], printed  # each check's own output, not the other's
    assert len({lines[0] for lines in printed}) == 2  # from two processes


def test_checks_the_second_process_left_unfinished_run_in_the_first(split_project, tmp_path, monkeypatch):
    submission = make_submission(tmp_path / "sub")
    monkeypatch.setenv("KILL_SECOND", str(tmp_path))
    monkeypatch.setenv("GRADER_PID", str(os.getpid()))
    report = _grade(split_project, submission, 2)
    assert "the second test process stopped (exit code 9)" in report.log
    assert all(r.score == r.max_score for r in report.results), _summary(report)
    assert sum(len(r.outcomes) for r in report.results) == 9


_HANGS = '''
import os

import numpy as np
import pytest


@pytest.mark.negate
def test_hang_here(student):
    print(f"process {os.getpid()}")
    student.call("other.negate", np.arange(2.0))
'''
_LATER = '''
import os
import time

import numpy as np
import pytest


@pytest.mark.negate
def test_wait_for_the_other(student):
    print(f"process {os.getpid()}")
    time.sleep(5)


@pytest.mark.negate
def test_then_call(student):
    student.call("other.negate", np.arange(2.0))
'''


def test_a_function_one_process_tripped_fails_at_once_in_the_other(tmp_path):
    """negate hangs: the process that calls it first trips it (its 2 s deadline); the other, which calls it
    after that, fails at once with the same sentence, as a single process would, rather than hanging again."""
    root = tmp_path / "project"
    config = load_config(write_config(root, {"mod.py": "graded", "other.py": "graded"}, QUESTIONS,
                                      per_test_seconds=30, sandbox={"call_seconds": 2}))
    write_files(root / "reference", REFERENCE)
    write_files(root / "tests", {"test_a_hangs.py": _HANGS, "test_b_later.py": _LATER})
    submission = make_submission(tmp_path / "sub", other="def negate(x):\n    while True:\n        pass\n")
    report = _grade(config, submission, 2)
    negate = {o.nodeid.split("::")[-1]: o for r in report.results for o in r.outcomes}
    assert len({negate["test_hang_here"].stdout, negate["test_wait_for_the_other"].stdout}) == 2  # two processes
    assert "did not finish within 2 s (check test_hang_here)" in negate["test_hang_here"].message
    assert negate["test_then_call"].outcome == "failed"
    # Its own deadline would have named it: the sentence is the other process's.
    assert "did not finish within 2 s (check test_hang_here)" in negate["test_then_call"].message


def test_in_process_runs_and_the_setting_resolve_once(tmp_path, monkeypatch):
    config = load_config(write_config(tmp_path, {"mod.py": "graded"}))
    assert resolve(config, Options(backend="inprocess", test_processes=2)).test_processes == 1
    monkeypatch.setenv("AUTOGRADER_TEST_PROCESSES", "1")
    run = resolve(config, Options(backend="sandbox"))
    assert (run.test_processes, run.source("test_processes")) == (1, "$AUTOGRADER_TEST_PROCESSES")
    monkeypatch.setenv("AUTOGRADER_TEST_PROCESSES", "two")
    with pytest.raises(ConfigError, match="AUTOGRADER_TEST_PROCESSES is 'two', not a whole number"):
        resolve(config, Options(backend="sandbox"))
    monkeypatch.delenv("AUTOGRADER_TEST_PROCESSES")
    run = resolve(config, Options(backend="sandbox"))
    assert run.test_processes == parallel.default_test_processes(config.sandbox.memory_mb)
    assert run.source("test_processes").startswith("default")


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_a_container_of_half_a_cpu_and_768_mb_grades_in_one_process(tmp_path, monkeypatch, version):
    """Gradescope's default box, as cgroup v2 or v1 files say it (a container's --cpus and --memory)."""
    files = {"v2": {"cpu.max": "50000 100000\n", "memory.max": f"{768 << 20}\n"},
             "v1": {"cpu.cfs_quota_us": "50000\n", "cpu.cfs_period_us": "100000\n",
                    "memory.limit_in_bytes": f"{768 << 20}\n"}}[version]
    write_files(tmp_path, files)
    monkeypatch.setattr(parallel, "_cgroup_folders", lambda controller: [tmp_path] if (controller is None) == (
        version == "v2") else [])
    assert parallel.usable_cpus() == 0.5
    assert parallel.usable_memory() == 768 << 20
    assert parallel.default_test_processes(1024) == 1
    (tmp_path / ("cpu.max" if version == "v2" else "cpu.cfs_quota_us")).write_text(
        "max 100000\n" if version == "v2" else "-1\n")  # no CPU quota: the machine's CPUs
    assert parallel.usable_cpus() == len(os.sched_getaffinity(0))


def test_two_cpus_and_memory_for_two_workers_at_their_cap_mean_two_processes(monkeypatch):
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 0.5)
    monkeypatch.setattr(parallel, "usable_memory", lambda: 8 << 30)
    assert parallel.default_test_processes(1024) == 1
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 16.0)
    assert parallel.default_test_processes(1024) == parallel.MAX_TEST_PROCESSES
    monkeypatch.setattr(parallel, "usable_memory", lambda: 3 << 30)  # one worker at 1 GiB and a test process: 2 GiB
    assert parallel.default_test_processes(1024) == 1
    assert parallel.default_test_processes(256) == 2
    monkeypatch.setattr(parallel, "usable_memory", lambda: 768 << 20)  # Gradescope's default box
    assert parallel.default_test_processes(0) == 1


def _item(path: str, gpu: bool = False, timeout: float | None = None):
    markers = {"gpu": SimpleNamespace(args=())} if gpu else {}
    if timeout is not None:
        markers["timeout"] = SimpleNamespace(args=(timeout,))
    return SimpleNamespace(path=Path(path), get_closest_marker=markers.get, name=path)


def test_gpu_checks_come_first_then_the_longest_work_then_file_order():
    items = [_item("a.py"), _item("a.py"), _item("train.py", timeout=900), _item("b.py", timeout=60),
             _item("gpu.py", gpu=True, timeout=900)]
    units = parallel.units_of(items)
    assert [len(unit) for unit in units] == [2, 1, 1, 1]
    order = [unit[0].name for unit in parallel.scheduled(units, per_test_seconds=60)]
    assert order == ["gpu.py", "train.py", "a.py", "b.py"]


def test_trips_cross_through_the_journal_once_each_and_a_half_written_line_waits(tmp_path):
    journal = tmp_path / "journal.jsonl"
    mine, theirs = parallel.TripExchange(journal), parallel.TripExchange(journal)
    hung = {"mod.double": "double did not finish within 30 s (check a)"}
    journal.write_text('{"event": "outcome", "outcome": {}}\n' + json.dumps(mine.record_of(hung)) + "\n")
    assert mine.record_of({"mod.double": "again"}) is None  # journaled once
    assert theirs.from_the_other_process() == hung
    assert theirs.from_the_other_process() == {}
    line = json.dumps({"event": "tripped", "functions": {"other.negate": "negate crashed"}}) + "\n"
    with open(journal, "a") as out:
        out.write(line[:20])
    assert theirs.from_the_other_process() == {}  # not a whole line yet
    with open(journal, "a") as out:
        out.write(line[20:])
    assert theirs.from_the_other_process() == {"other.negate": "negate crashed"}
    assert theirs.record_of({"other.negate": "negate crashed"}) is None  # known from the other: not journaled back


def test_the_zygote_outlives_a_second_connection_that_goes_away():
    """The second process's connection closing (its end, or its death while the zygote answers it) never ends
    the zygote that the first process's workers come from."""
    import socket

    from autograder.sandbox import zygote as zygote_module
    from autograder.sandbox.backend import Zygote

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    theirs.close()
    zygote_module._answer(ours, {"id": 1})  # the reply to a process already gone: dropped, no exception
    ours.close()
    first = Zygote()
    try:
        first.wait_until_ready()
        second = first.attach()
        second.wait_until_ready()
        second.close()
        first.wait_until_ready()  # still answered, on the first connection
        assert first.process.poll() is None
    finally:
        first.close()
