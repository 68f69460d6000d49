"""``python -m autograder benchmark``: what the sandbox costs, in time and memory.

Grades the reference solution (whatever the assignment contains) once
in-process and once sandboxed, each as its own ``autograder grade`` process,
and samples the whole process tree (the grader, its child pytest, the
zygote, the workers) every 50 ms: the peak of the summed RSS, and of the
summed PSS where /proc/PID/smaps_rollup exists (RSS counts the library pages
a forked worker shares with its zygote twice; PSS splits them). The floor is
``python -c "import numpy, torch, pytest, yaml"``, measured in the same run:
what any grade must pay before its first check. Goals: in-process at most
2.5 x the floor, sandboxed at most 3 x; peak PSS at most 600 MB (Gradescope
gives 768 MB).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.config import Config

_SAMPLE_SECONDS = 0.05
MB = 1024 * 1024
FLOOR_IMPORTS = "import numpy, torch, pytest, yaml"
GOALS = {"in-process": 2.5, "sandboxed": 3.0}  # x the floor
PEAK_GOAL_MB = 600


@dataclass
class Measure:
    label: str
    seconds: float
    peak_rss: int  # bytes, summed over the process tree
    peak_pss: int | None  # bytes, or None where smaps_rollup is unavailable
    exit_code: int


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(parent, []).append(int(entry))
    return tree


def _tree(root: int) -> list[int]:
    tree, found, stack = _children(), [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(tree.get(pid, []))
    return found


def _memory(pid: int) -> tuple[int, int | None]:
    rss, pss = 0, None
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            rss = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    return rss, pss


def measure(label: str, command: list[str], cwd: Path) -> Measure:
    """Run ``command`` and sample its process tree until it ends."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_rss, peak_pss, has_pss = 0, 0, False
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss, has_pss
        while not stop.is_set():
            total_rss, total_pss = 0, 0
            for pid in _tree(process.pid):
                rss, pss = _memory(pid)
                total_rss += rss
                if pss is not None:
                    has_pss = True
                    total_pss += pss
            peak_rss, peak_pss = max(peak_rss, total_rss), max(peak_pss, total_pss)
            stop.wait(_SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    seconds = time.monotonic() - started
    stop.set()
    sampler.join()
    return Measure(label, seconds, peak_rss, peak_pss if has_pss else None, code)


def run(config: Config, submission: Path | None = None) -> list[Measure]:
    submission = submission or config.reference_dir
    grade = [sys.executable, "-m", "autograder", "--assignment", str(config.path), "grade", str(submission)]
    with tempfile.TemporaryDirectory(prefix="autograder-benchmark-") as tmp:
        return [
            measure("floor (imports)", [sys.executable, "-c", FLOOR_IMPORTS], config.root),
            measure("grade, in-process", [*grade, "--backend", "inprocess", "--results", f"{tmp}/a.json"], config.root),
            measure("grade, sandboxed", [*grade, "--backend", "sandbox", "--results", f"{tmp}/b.json"], config.root),
        ]


def report(measures: list[Measure]) -> str:
    floor, inprocess, sandboxed = measures
    lines = [f"{'run':<22} {'wall s':>8} {'x floor':>8} {'peak RSS MB':>12} {'peak PSS MB':>12}  exit"]
    for m in measures:
        pss = f"{m.peak_pss / MB:12.0f}" if m.peak_pss is not None else f"{'n/a':>12}"
        lines.append(f"{m.label:<22} {m.seconds:8.1f} {m.seconds / floor.seconds:8.2f} {m.peak_rss / MB:12.0f} "
                     f"{pss}  {m.exit_code}")
    lines.append(f"floor: `python -c \"{FLOOR_IMPORTS}\"` ({floor.seconds:.1f} s), measured in this run")
    for label, measure_ in (("in-process", inprocess), ("sandboxed", sandboxed)):
        ratio = measure_.seconds / floor.seconds
        verdict = "within" if ratio <= GOALS[label] else "OVER"
        lines.append(f"{label}: {ratio:.2f} x the floor ({verdict} the goal of {GOALS[label]:g} x)")
    peak = sandboxed.peak_pss if sandboxed.peak_pss is not None else sandboxed.peak_rss
    lines.append(f"sandboxed peak memory {peak / MB:.0f} MB ({'PSS' if sandboxed.peak_pss is not None else 'RSS'}; "
                 f"goal <= {PEAK_GOAL_MB} MB, Gradescope gives 768 MB)")
    return "\n".join(lines)
