"""``python -m autograder benchmark``: what the sandbox costs, in time and memory.

Grades the reference solution (whatever the assignment contains)
in-process and sandboxed, each as its own ``autograder grade`` process,
three times in turn with the floor (``--rounds``; the median time is
reported: single runs on a shared machine moved by 20 %), and samples the
whole process tree (the grader, its child pytest, the
zygote, the workers) every 50 ms: the peak of the summed RSS, and of the
summed PSS where /proc/PID/smaps_rollup exists (RSS counts the library pages
a forked worker shares with its zygote twice; PSS splits them). The floor is
``python -c "import numpy, torch, pytest, yaml"``, measured in the same run:
what any grade must pay before its first check. Goals: in-process at most
2.5 x the floor, sandboxed at most 3 x; peak PSS at most 600 MB (Gradescope
gives 768 MB).

``--batch N`` measures ``autograder batch`` instead, on N submissions (the
reference, the template and wrong variants of the audit corpus in turn),
sandboxed, every question: submissions per minute with 1 and 2 local workers
and with Ray (2 workers, a local instance), the per-submission overhead of a
warm worker against a single cold ``grade`` (each minus the tests' own time,
pytest's durations of a cold run of the reference), and the peak memory of
the batch's process tree. Goals: 2 workers at least 1.8 x one on a 2-core
machine; a warm worker's overhead at most 10 % of the tests' time; 2 workers
at most 1.2 GB.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.config import Config

_SAMPLE_SECONDS = 0.05
MB = 1024 * 1024
FLOOR_IMPORTS = "import numpy, torch, pytest, yaml"
GOALS = {"in-process": 2.5, "sandboxed": 3.0}  # x the floor
PEAK_GOAL_MB = 600
ROUNDS = 3  # runs of each measure, in turn; the median is reported


@dataclass
class Measure:
    label: str
    seconds: float
    peak_rss: int  # bytes, summed over the process tree
    peak_pss: int | None  # bytes, or None where smaps_rollup is unavailable
    exit_code: int
    each: list[float] = field(default_factory=list)  # every run's seconds, when several were combined


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
    return Measure(label, seconds, peak_rss, peak_pss if has_pss else None, code, [seconds])


def run(config: Config, submission: Path | None = None, rounds: int | None = None) -> list[Measure]:
    """The floor, an in-process grade and a sandboxed one, ``rounds`` times in turn: each one's median time
    (one run on a shared machine moved by 20 % here), and the peak memory and worst exit code of all."""
    submission = submission or config.reference_dir
    grade = [sys.executable, "-m", "autograder", "--assignment", str(config.path), "grade", str(submission)]
    with tempfile.TemporaryDirectory(prefix="autograder-benchmark-") as tmp:
        commands = [
            ("floor (imports)", [sys.executable, "-c", FLOOR_IMPORTS]),
            ("grade, in-process", [*grade, "--backend", "inprocess", "--results", f"{tmp}/a.json"]),
            ("grade, sandboxed", [*grade, "--backend", "sandbox", "--results", f"{tmp}/b.json"]),
        ]
        rounds_measured = [[measure(label, command, config.root) for label, command in commands]
                           for _ in range(rounds or ROUNDS)]
    return [_combined(list(same)) for same in zip(*rounds_measured)]


def _combined(measures: list[Measure]) -> Measure:
    import statistics

    pss = [m.peak_pss for m in measures if m.peak_pss is not None]
    worst = max((m.exit_code for m in measures), key=lambda code: code != 0)
    return Measure(measures[0].label, statistics.median(m.seconds for m in measures), max(m.peak_rss for m in measures),
                   max(pss) if pss else None, worst, [m.seconds for m in measures])


def report(measures: list[Measure]) -> str:
    floor, inprocess, sandboxed = measures
    lines = [f"{'run':<22} {'wall s':>8} {'x floor':>8} {'peak RSS MB':>12} {'peak PSS MB':>12}  exit  each run, s"]
    for m in measures:
        pss = f"{m.peak_pss / MB:12.0f}" if m.peak_pss is not None else f"{'n/a':>12}"
        each = " ".join(f"{seconds:.2f}" for seconds in m.each)
        lines.append(f"{m.label:<22} {m.seconds:8.2f} {m.seconds / floor.seconds:8.2f} {m.peak_rss / MB:12.0f} "
                     f"{pss}  {m.exit_code:4}  {each}")
    lines.append(f"floor: `python -c \"{FLOOR_IMPORTS}\"`, measured in this run; wall s: the median of "
                 f"{len(floor.each)} runs of each, taken in turn; peaks: the highest of them")
    for label, measure_ in (("in-process", inprocess), ("sandboxed", sandboxed)):
        ratio = measure_.seconds / floor.seconds
        verdict = "within" if ratio <= GOALS[label] else "OVER"
        lines.append(f"{label}: {ratio:.2f} x the floor ({verdict} the goal of {GOALS[label]:g} x)")
    peak = sandboxed.peak_pss if sandboxed.peak_pss is not None else sandboxed.peak_rss
    lines.append(f"sandboxed peak memory {peak / MB:.0f} MB ({'PSS' if sandboxed.peak_pss is not None else 'RSS'}; "
                 f"goal <= {PEAK_GOAL_MB} MB, Gradescope gives 768 MB)")
    return "\n".join(lines)


# -- python -m autograder benchmark --batch N ------------------------------------------------------
BATCH_SPEEDUP_GOAL = 1.8  # 2 workers against one, on a 2-core machine
BATCH_OVERHEAD_GOAL = 0.10  # a warm worker's per-submission overhead, as a fraction of the tests' own time
BATCH_PEAK_GOAL_MB = 1200  # the process tree of a batch with 2 workers
_HANGS = ("loop", "forever", "hang", "sleep")  # variants whose cost is their deadline, not grading


@dataclass
class BatchRun:
    measure: Measure
    workers: int
    first_result: float | None  # seconds from the start to the first result (the warm start)
    steady: float | None  # seconds between results after the first, per submission
    reference_seconds: float | None  # the reference's own grade in the batch (1 worker: no contention)
    scores: str = ""  # scores.csv, to check that every run gives every submission the same scores


@dataclass
class BatchMeasures:
    count: int
    cpus: int
    cold: Measure  # `autograder grade` of the reference alone
    tests_seconds: float  # the reference's tests' own time (pytest's durations, from a cold run)
    runs: list[BatchRun]
    ray_missing: str | None = None
    fixed_seconds: float | None = None  # a warm grade that runs no test: the fork, the journal, the scores


def _warm_fixed_seconds(config: Config, submission: Path) -> float:
    """The median time of a sandboxed warm grade that selects no test: the per-submission cost of the engine
    itself, measured without the noise of comparing a warm grade with a cold run's test times."""
    import statistics

    from autograder.batch import grader_context
    from autograder.engine import WarmGrader
    from autograder.run import Options, resolve

    base = resolve(config, Options(submission=submission, backend="sandbox"))
    with WarmGrader(base, grader_context(base)) as grader:
        grader.wait_until_ready()
        empty = base.replace(test_files=(str(config.tests_dir / "no-such-test.py"),))
        times = []
        for _ in range(5):
            started = time.monotonic()
            grader.grade(empty)
            times.append(time.monotonic() - started)
    return statistics.median(times)


def batch_class(config: Config, count: int, folder: Path) -> Path:
    """``count`` submissions: the reference first, then the template and wrong variants of the audit corpus in turn."""
    import shutil

    from autograder import audit

    wrong = [v for v in audit.load_corpus(config) if v.loses and not v.config
             and not any(word in v.name for word in _HANGS)][: max(count, 1)]
    makers = [lambda dest: shutil.copytree(config.reference_dir, dest),
              lambda dest: shutil.copytree(config.template_dir, dest)]
    makers += [lambda dest, v=v: audit.apply_variant(v, config.reference_dir, dest) for v in wrong]
    for index in range(count):
        makers[index % len(makers)](folder / f"s{index:03d}")
    return folder


def _tests_seconds(config: Config, submission: Path, folder: Path) -> float:
    """The tests' own time in a cold grade of ``submission`` (sandboxed): the sum of pytest's durations."""
    import xml.etree.ElementTree as ElementTree

    from autograder.grading import pytest_arguments
    from autograder.run import Options, resolve

    # One test process: pytest's report holds every check's duration (a split run's second process writes none).
    run = resolve(config, Options(submission=submission, backend="sandbox", test_processes=1))
    run = run.replace(journal_path=folder / "journal")
    run_file = run.write(folder / "run.json")
    report = folder / "junit.xml"
    subprocess.run([sys.executable, "-m", "pytest", *pytest_arguments(run, run_file), f"--junitxml={report}"],
                   cwd=config.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=run.time_budget + 120)
    return sum(float(case.get("time", 0)) for case in ElementTree.parse(report).iter("testcase"))


def _batch_run(config: Config, source: Path, output: Path, workers: int, *engine: str) -> BatchRun:
    import json

    command = [sys.executable, "-m", "autograder", "--assignment", str(config.path), "batch", str(source),
               "--output", str(output), "--jobs", str(workers), *engine]
    label = f"batch, {'Ray' if engine else 'local'}, {workers} worker{'s' if workers > 1 else ''}"
    started = time.time()
    measured = measure(label, command, config.root)
    stamps = sorted(output.glob("results/*.batch.json"), key=lambda p: p.stat().st_mtime)
    times = [p.stat().st_mtime for p in stamps]
    steady = (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else None
    reference = json.loads((output / "results" / "s000.batch.json").read_text()).get("seconds") if stamps else None
    scores = (output / "scores.csv").read_text() if (output / "scores.csv").is_file() else ""
    return BatchRun(measured, workers, times[0] - started if times else None, steady, reference, scores)


def run_batch(config: Config, count: int) -> BatchMeasures:
    """Grade ``count`` submissions with 1 and 2 local workers and with Ray (2 workers), and the reference alone."""
    with tempfile.TemporaryDirectory(prefix="autograder-benchmark-batch-") as tmp:
        work = Path(tmp)
        source = batch_class(config, count, work / "class")
        reference = source / "s000"
        grade = [sys.executable, "-m", "autograder", "--assignment", str(config.path), "grade", str(reference),
                 "--backend", "sandbox", "--results", str(work / "alone.json")]
        cold = measure("grade, alone (cold)", grade, config.root)
        tests_seconds = _tests_seconds(config, reference, work)
        runs = [_batch_run(config, source, work / "one", 1), _batch_run(config, source, work / "two", 2)]
        import importlib.util

        missing = None if importlib.util.find_spec("ray") else (
            "Ray is not installed (pip install nn-autograder[cluster])")
        if missing is None:
            runs.append(_batch_run(config, source, work / "ray", 2, "--engine", "ray"))
        return BatchMeasures(count, os.cpu_count() or 1, cold, tests_seconds, runs, missing,
                             _warm_fixed_seconds(config, reference))


def batch_report(measures: BatchMeasures) -> str:
    count = measures.count
    lines = [f"{count} submissions (the reference, the template, wrong variants), sandboxed, every question; "
             f"{measures.cpus} CPUs",
             f"{'run':<26} {'wall s':>7} {'subs/min':>9} {'first s':>8} {'s/sub after':>12} {'peak RSS MB':>12} "
             f"{'peak PSS MB':>12}  exit"]
    for run in measures.runs:
        m = run.measure
        pss = f"{m.peak_pss / MB:12.0f}" if m.peak_pss is not None else f"{'n/a':>12}"
        first = f"{run.first_result:8.1f}" if run.first_result is not None else f"{'-':>8}"
        steady = f"{run.steady:12.2f}" if run.steady is not None else f"{'-':>12}"
        lines.append(f"{m.label:<26} {m.seconds:7.1f} {60 * count / m.seconds:9.1f} {first} {steady} "
                     f"{m.peak_rss / MB:12.0f} {pss}  {m.exit_code}")
    if measures.ray_missing:
        lines.append(f"batch, Ray: not measured: {measures.ray_missing}")
    one, two = measures.runs[0], measures.runs[1]
    speedup = one.measure.seconds / two.measure.seconds
    steady = (one.steady / two.steady) if one.steady and two.steady else None
    lines.append(f"2 workers: {speedup:.2f} x one worker's rate, start included"
                 + (f", {steady:.2f} x after the first result" if steady else "")
                 + f" (goal >= {BATCH_SPEEDUP_GOAL:g} x on a 2-core machine: "
                 + ("met" if speedup >= BATCH_SPEEDUP_GOAL else "NOT met")
                 + f"; this machine has {measures.cpus} CPUs)")
    tests = measures.tests_seconds
    cold_overhead = measures.cold.seconds - tests
    lines.append(f"the reference alone, cold: {measures.cold.seconds:.1f} s, of which its tests {tests:.1f} s "
                 f"(pytest's durations): {cold_overhead:.1f} s of overhead "
                 f"({100 * cold_overhead / tests:.0f} % of the tests)")
    if one.reference_seconds is not None:
        warm = one.reference_seconds - tests
        verdict = "met" if warm <= BATCH_OVERHEAD_GOAL * tests else "NOT met"
        lines.append(f"the reference in a warm worker (1 worker): {one.reference_seconds:.1f} s: {warm:+.2f} s of "
                     f"overhead = {100 * warm / tests:+.1f} % of its tests' time "
                     f"(goal <= {100 * BATCH_OVERHEAD_GOAL:g} %: {verdict}; the tests' time comes from another, "
                     "cold run: about a second of noise)")
    if measures.fixed_seconds is not None:
        lines.append(f"a warm grade that runs no test (fork, journal, scores; the median of 5): "
                     f"{1000 * measures.fixed_seconds:.0f} ms = {100 * measures.fixed_seconds / tests:.1f} % of the "
                     "reference's tests' time")
    same = len({run.scores for run in measures.runs}) == 1 and bool(one.scores)
    lines.append("scores: " + ("every run gave every submission the same scores" if same else
                               "the runs' scores.csv DIFFER (or one is missing): compare them"))
    peak = two.measure.peak_pss if two.measure.peak_pss is not None else two.measure.peak_rss
    kind = "PSS" if two.measure.peak_pss is not None else "RSS"
    lines.append(f"peak memory of 2 local workers (the batch's process tree): {peak / MB:.0f} MB {kind} "
                 f"(goal <= {BATCH_PEAK_GOAL_MB} MB: {'met' if peak / MB <= BATCH_PEAK_GOAL_MB else 'NOT met'})")
    return "\n".join(lines)
