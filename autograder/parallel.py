"""A sandboxed grade's checks, split between two processes on a machine with the cores for it.

A sandboxed check is a ping-pong: the test process sends a call, waits while
the worker computes, then compares while the worker waits. One grade keeps
about one core busy; on two cores the second idles (measured: the
reference's sandboxed checks took 3.3 s after a 1.8 s start, on 2 cores).
So, where the run allows it (``Run.test_processes`` >= 2: sandboxed, a
journal to write, resolved from the CPUs and memory this process may use,
cgroup limits included), the test process forks once its libraries are
imported and its tests collected; each process runs whole test files, taken
in turn from a shared queue, with its own sandboxed worker from the same
zygote (``Zygote.attach``), and writes the same journal. The parent scores
the journal as it would a single process's, so the results are the same.

Only files are split: a module's checks run in order in one process, with
its module fixtures, as in a single process. A file's items that were sorted
apart (the GPU checks run first) form units of their own. The second
process never writes "finished": the first one does, after waiting for it;
if the second stopped abnormally, the first runs the checks it left
unfinished itself, so a check is never lost to the split. A function one
process trips (autograder.breaker: it hung, crashed or flooded) is
journaled, and the other adopts it before its next check, so a failure is
still paid about once per grade rather than once per process.
"""
from __future__ import annotations

import json
import os
import struct
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

MAX_TEST_PROCESSES = 2  # more would add memory (a test process and a worker each) for files too few to share
# Each process beyond its worker's own allowance (sandbox.memory_mb): a test process and the libraries its
# worker maps (measured: 550 MB PSS at the peak of the reference's split grade, both processes together).
PROCESS_MEMORY_BYTES = 1 << 30
_UNIT = struct.Struct("=I")  # one unit's index in the queue: a 4-byte read of a pipe takes exactly one


def usable_cpus() -> float:
    """The CPUs this process may use: its affinity, capped by a cgroup's CPU quota (a container's --cpus;
    Gradescope's default: half a CPU)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quotas = [quota for quota in (_read(folder / "cpu.max", _cpu_max) for folder in _cgroup_folders(None)) if quota]
    for folder in _cgroup_folders("cpu"):
        quota, period = (_read(folder / name, _whole_number) for name in ("cpu.cfs_quota_us", "cpu.cfs_period_us"))
        if quota and period:  # -1 (none) does not parse
            quotas.append(quota / period)
    return min([float(count), *quotas])


def usable_memory() -> int | None:
    """Bytes of memory this process may use: the machine's, capped by a cgroup's limit; None if unknown."""
    limits = [_read(folder / "memory.max", _whole_number) for folder in _cgroup_folders(None)]
    limits += [_read(folder / "memory.limit_in_bytes", _whole_number) for folder in _cgroup_folders("memory")]
    try:
        limits.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        pass
    known = [limit for limit in limits if limit]
    return min(known) if known else None


def default_test_processes(worker_memory_mb: float) -> int:
    """How many processes a sandboxed grade splits its checks between, unless told: one per usable CPU up to
    MAX_TEST_PROCESSES, as many as the memory holds if each worker used its whole allowance at once
    (``worker_memory_mb``, sandbox.memory_mb: two memory bombs must not bring the OOM killer to the grader)."""
    count = max(1, min(MAX_TEST_PROCESSES, int(usable_cpus())))
    memory = usable_memory()
    if memory is not None:
        count = min(count, max(1, int(memory // (PROCESS_MEMORY_BYTES + worker_memory_mb * (1 << 20)))))
    return count


def _cpu_max(text: str) -> float | None:
    """cgroup v2's cpu.max ("50000 100000": half a CPU; "max 100000": no quota) as CPUs."""
    quota, _, period = text.strip().partition(" ")
    return None if quota == "max" or not period else int(quota) / int(period)


def _whole_number(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _read(path: Path, parse: Callable[[str], Any]) -> Any:
    try:
        return parse(path.read_text())
    except (OSError, ValueError):
        return None


def _cgroup_folders(controller: str | None) -> list[Path]:
    """This process's cgroup folder and its ancestors: cgroup v2's (``controller`` None) or the v1 hierarchy of
    ``controller``; in a container whose cgroup is mounted as the root, the path's first folders do not exist."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controller is None and number == "0" and not controllers:
            root = Path("/sys/fs/cgroup")
            if not (root / "cgroup.controllers").exists():  # v1 mounted there (v2 alongside, unused here)
                return []
        elif controller is not None and controller in controllers.split(","):
            root = Path("/sys/fs/cgroup") / controller
        else:
            continue
        folder = root / path.strip().lstrip("/")
        return [current for current in (folder, *folder.parents) if current.is_relative_to(root)]
    return []


# -- splitting a session's checks ---------------------------------------------------------------
def units_of(items: Sequence[Any]) -> list[list[Any]]:
    """The items in runs of the same file, in order: what one process takes at a time."""
    units: list[list[Any]] = []
    for item in items:
        if units and units[-1][0].path == item.path:
            units[-1].append(item)
        else:
            units.append([item])
    return units


def scheduled(units: list[list[Any]], per_test_seconds: float) -> list[list[Any]]:
    """The order the processes take the units in: the GPU checks first (as in one process: where there is no GPU
    they end at once, so a run cut short still counts them as usual), then the units with a check that declares
    a time limit above the run's per-test one (a training: the longest work, started while the other process
    works through the rest), then the others in order."""
    def declares_more_time(item: Any) -> bool:
        marker = item.get_closest_marker("timeout")
        limit = marker.args[0] if marker is not None and marker.args else None
        return isinstance(limit, (int, float)) and limit > per_test_seconds

    return sorted(units, key=lambda unit: (all(item.get_closest_marker("gpu") is None for item in unit),
                                           not any(declares_more_time(item) for item in unit)))


class _Queue:
    """The units' indexes in a pipe both processes read: each read takes the next unit no one has taken."""

    def __init__(self, count: int):
        self._read, write = os.pipe()
        # Every index fits in the pipe's buffer at once (64 KiB: 16,384 units), so writing never blocks.
        os.write(write, b"".join(_UNIT.pack(i) for i in range(count)))
        os.close(write)

    def take(self) -> int | None:
        data = os.read(self._read, _UNIT.size)
        return _UNIT.unpack(data)[0] if len(data) == _UNIT.size else None

    def close(self) -> None:
        os.close(self._read)


class TripExchange:
    """Functions tripped in either test process (autograder.breaker), passed to the other through the journal
    both append to: after each check, a process journals its new ones; before each check, it reads the
    journal's new lines for the other's. ``known``: every tripped function seen so far, with its sentence."""

    def __init__(self, journal_path: Path):
        self.journal_path = journal_path
        self.known: dict[str, str] = {}
        self._read = 0  # bytes of the journal read so far

    def record_of(self, tripped: Mapping[str, str]) -> dict[str, Any] | None:
        """The journal record of this process's trips not journaled yet (None if there are none)."""
        new = {name: sentence for name, sentence in tripped.items() if name not in self.known}
        self.known.update(new)
        return {"event": "tripped", "functions": new} if new else None

    def from_the_other_process(self) -> dict[str, str]:
        """The trips journaled since the last look that this process did not know."""
        try:
            with open(self.journal_path, "rb") as journal:
                journal.seek(self._read)
                data = journal.read()
        except OSError:
            return {}
        complete = data[: data.rfind(b"\n") + 1]  # a line being written is read next time
        self._read += len(complete)
        new: dict[str, str] = {}
        for line in complete.splitlines():
            if b'"tripped"' not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            functions = record.get("functions") if record.get("event") == "tripped" else None
            if type(functions) is dict:
                new.update({str(k): str(v) for k, v in functions.items() if k not in self.known})
        self.known.update(new)
        return new


class _FollowingUnit:
    """The ``nextitem`` of a unit's last item: the first item of the unit this process runs next, taken from the
    queue only when pytest tears that item down, after its call. Taken any earlier, a process would hold a unit
    while it runs its own last check (measured: with two units, the second process took both and the first
    none). pytest reads a nextitem only there (``SetupState.teardown_exact``: its ``listchain()``, which is
    empty when no unit is left: everything is torn down)."""

    def __init__(self, units: list[list[Any]], queue: _Queue):
        self._units, self._queue = units, queue
        self._taken, self._index = False, None

    def index(self) -> int | None:
        if not self._taken:
            self._taken, self._index = True, self._queue.take()
        return self._index

    def listchain(self) -> list[Any]:
        index = self.index()
        return self._units[index][0].listchain() if index is not None else []

    def __bool__(self) -> bool:
        return True


def _run_units(session: Any, units: list[list[Any]], queue: _Queue) -> list[Any]:
    """Run the units this process takes, each item with the right ``nextitem`` (the next one this process
    will run, so pytest tears a module's fixtures down between files and the session's only at the end)."""
    ran: list[Any] = []
    index = queue.take()
    while index is not None:
        unit = units[index]
        following = _FollowingUnit(units, queue)
        for position, item in enumerate(unit):
            nextitem = unit[position + 1] if position + 1 < len(unit) else following
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            ran.append(item)
            if session.shouldfail:
                raise session.Failed(session.shouldfail)
            if session.shouldstop:
                raise session.Interrupted(session.shouldstop)
        index = following.index()
    return ran


def run_split(session: Any, grading: Any) -> bool:
    """pytest's test loop, with the checks split between two processes (see the module); False where there is
    one file to run, or the zygote cannot take a second connection: pytest's own loop runs them all here."""
    units = scheduled(units_of(session.items), grading.grading_run.per_test_seconds)
    if len(units) < 2:
        return False
    try:
        second_zygote = grading.zygote.attach()
    except Exception:  # noqa: BLE001 - no second connection (the zygote is gone): one process, as pytest would
        return False
    queue = _Queue(len(units))
    grading.trip_exchange = TripExchange(grading.grading_run.journal_path)  # in both processes, from the fork
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the second process: it never returns
        os.close(ready_read)
        _second_process(session, grading, second_zygote, units, queue, ready_write)
    os.close(ready_write)
    second_zygote.control.close()  # the second process's own; the zygote sees it closed when that process ends
    os.read(ready_read, 1)  # until the second process has its own capture files (they are shared until then)
    os.close(ready_read)
    try:
        ran = _run_units(session, units, queue)
    finally:
        queue.close()
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        _finish_what_the_second_left(session, grading, ran, code)
    else:  # pytest's summary below counts this process's checks only
        print(f"\nautograder: {len(session.items) - len(ran)} of the {len(session.items)} checks ran in a second test "
              "process (autograder.parallel); the summary below counts this one's", flush=True)
    return True


def _second_process(session: Any, grading: Any, zygote: Any, units: list[list[Any]], queue: _Queue,
                    ready_write: int) -> None:
    code = 3
    try:
        grading.become_second_process(zygote)
        os.write(ready_write, b"1")
        os.close(ready_write)
        _run_units(session, units, queue)
        code = 1 if session.testsfailed else 0
    except BaseException:  # noqa: BLE001 - reported, and the first process runs what is left
        traceback.print_exc()
        code = 3
    finally:
        try:
            grading.close_student()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _finish_what_the_second_left(session: Any, grading: Any, ran: list[Any], code: int) -> None:
    """The second process stopped abnormally (exit code ``code``): run here every check it left unfinished."""
    from autograder.grading import read_journal

    finished = read_journal(grading.grading_run.journal_path).finished
    left = [item for item in session.items if item not in ran and item.nodeid not in finished]
    print(f"autograder: the second test process stopped (exit code {code}); {len(left)} check(s) it left "
          "unfinished run here", file=sys.stderr, flush=True)
    for position, item in enumerate(left):
        nextitem = left[position + 1] if position + 1 < len(left) else None
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)

