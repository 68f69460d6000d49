"""Grade a whole class: every submission of a folder or of Gradescope's export, resumably.

    python -m autograder batch INPUT --output DIR [--jobs N] [--engine local|ray] [--address ADDR]

INPUT is a folder of submission folders, or Gradescope's "Export Submissions"
zip, or that zip unpacked (autograder.batch_input reads them).

Each submission is graded by a warm grader (autograder.engine: the tests
collected once, each submission a fork), sandboxed unless told otherwise, and
its results.json is written by the same code as ``gradescope``'s
(grading.report_from_journal, results.write_atomically) to
``DIR/results/<submission>.json``. Beside it, ``<submission>.batch.json``
records the stamp of that grade: the hashes of the submission's files, of
the assignment (autograder.yml, tests, fixtures, provided files) and of the
framework's code, and the questions graded. Re-running the same command
skips every submission whose stamp still matches and grades the rest, so a
batch that was interrupted (Ctrl-C, a killed node) resumes where it stopped.

Two engines run the same per-submission work (``grade_submission``): local
threads, one warm grader each, from one forkserver that imported numpy,
pytest and torch once; or Ray actors, each holding a warm grader, fed
tarballs of the submissions and returning the results' dict (autograder.batch_ray). A grader that
dies or stops answering (an engine's failure, not a submission's) is
replaced and the submission retried once; one that fails twice gets a
results file that says so and a status in scores.csv, and is retried by the
next run. scores.csv and report.md are then written from the results files
(autograder.batch_report).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence


import autograder
from autograder.batch_input import UNPACKED_FOLDER, BatchError, Submission, _files, find_submissions
from autograder.build import EXCLUDED_FOLDERS, _walk
from autograder.config import Config, Question
from autograder.gradescope import SubmissionInfo
from autograder.grading import budget_message
from autograder.results import build_results, write_atomically
from autograder.run import Run
from autograder.scoring import NOT_RUN, QuestionResult, number_key

RESULTS_FOLDER = "results"
STAMP_SUFFIX = ".batch.json"
LOCK_NAME = ".batch.lock"  # held while a batch writes the output folder
GRACE_SECONDS = 60.0  # past a submission's time budget, its grader is presumed stuck and replaced
START_SECONDS = 300.0  # a warm grader's start: Python, torch and collection on a slow, busy machine

# Statuses of scores.csv: "" for an ordinary grade, else what is unusual (several joined by "; ").
NO_FILES, TIMED_OUT, CRASHED, CALL_TIMED_OUT, OUT_OF_MEMORY, IMPORT_ERROR, NOT_GRADED, FAILED_TWICE, RETRIED = (
    "no files", "timed out", "crashed", "call timed out", "out of memory", "import error", "not graded",
    "failed twice", "retried")
# The sentences written when student code hangs (a call's deadline: inprocess._tripped_by, sandbox.backend; a
# test's: outcomes), runs out of memory or cannot be imported (inprocess, also inside the sandbox's worker), or
# kills its process (sandbox.backend): flagged besides the score.
_SENTENCE_STATUSES = (("did not finish within", CALL_TIMED_OUT), ("timed out after", CALL_TIMED_OUT),
                      ("raised MemoryError", OUT_OF_MEMORY), ("crashed the submission's process", CRASHED),
                      ("the submission's process exited", CRASHED), ("could not be imported", IMPORT_ERROR))


# -- stamps: what a result was graded from ------------------------------------------------------
def _digest(files: Iterable[tuple[str, Path]]) -> str:
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def submission_hash(submission: Submission) -> str:
    """The hash of a submission's files (names and bytes)."""
    return _digest(_files(submission.folder) if submission.folder is not None else ())


ROOT_FILES = ("pytest.ini", "conftest.py")  # beside autograder.yml, read by the tests' pytest


def assignment_files(config: Config) -> list[tuple[str, Path]]:
    """What grading reads of the assignment, as the Gradescope zip holds it (autograder.build): autograder.yml,
    the tests (not the self-checks nor the audit's corpus), fixtures, provided files and probes."""
    found = {config.path.name: config.path}
    found.update({name: config.root / name for name in ROOT_FILES if (config.root / name).is_file()})
    for folder in (config.tests_dir, config.fixtures_dir, config.template_dir, config.probes_dir):
        if folder.is_dir():
            prefix = os.path.relpath(folder, config.root).replace(os.sep, "/")
            entries = _walk(folder, prefix, EXCLUDED_FOLDERS, (config.audit_dir.resolve(),))
            found.update({entry.name: entry.source for entry in entries})
    return sorted(found.items())


def assignment_hash(config: Config) -> str:
    return _digest(assignment_files(config))


def framework_hash() -> str:
    """The hash of the autograder package's code (its own tests left out)."""
    package = Path(autograder.__file__).parent
    return _digest((name, path) for name, path in _files(package)
                   if name.endswith(".py") and not name.startswith("tests/"))


@dataclass(frozen=True)
class Stamp:
    """What one result was graded from; a result whose stamp matches today's is not graded again."""

    submission: str
    assignment: str
    framework: str
    questions: tuple[str, ...] = ()  # graded only these (empty: all)

    def to_dict(self) -> dict[str, Any]:
        return {"submission": self.submission, "assignment": self.assignment, "framework": self.framework,
                "questions": list(self.questions)}


def stamp_path(results_path: Path) -> Path:
    return results_path.with_name(results_path.name[: -len(".json")] + STAMP_SUFFIX)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def up_to_date(results_path: Path, stamp: Stamp) -> bool:
    """Whether ``results_path`` holds a finished grade of exactly this stamp (a failure is never final)."""
    record = read_json(stamp_path(results_path))
    return (record is not None and record.get("stamp") == stamp.to_dict() and record.get("final") is True
            and read_json(results_path) is not None)


# -- one submission ----------------------------------------------------------------------------
@dataclass
class Graded:
    """One submission's grade as the batch records it."""

    data: dict[str, Any]  # the results.json content
    status: str  # "" or what is unusual
    seconds: float  # the whole per-submission work, as the engine saw it
    attempts: int = 1
    final: bool = True  # False: the engine failed twice; the next run tries again


def run_status(results: Sequence[QuestionResult], budget: float) -> str:
    """What is unusual about a grade, in the status column's words ("" for nothing)."""
    found = []
    outcomes = [o for r in results for o in r.outcomes]
    if not outcomes:
        found.append(NOT_GRADED)
    unfinished = [o for o in outcomes if o.outcome == NOT_RUN]
    if any(o.message == budget_message(budget) for o in unfinished):
        found.append(TIMED_OUT)
    elif unfinished:
        found.append(CRASHED)  # the grading process stopped abruptly (grading.finished_outcomes)
    for marker, status in _SENTENCE_STATUSES:
        if any(marker in o.message for o in outcomes):
            found.append(status)
    return "; ".join(dict.fromkeys(found))


def class_run(base: Run, source: Path, output: Path) -> Run:
    """The run every submission of a class is graded under: ``base``, with the class (the other submissions, a
    zip and what it unpacked to) and the output folder hidden from the sandboxed worker too, not only the
    submission's own folder and its results: hiding, not only Landlock or file modes, keeps them out of reach."""
    return base.replace(also_hidden=tuple(dict.fromkeys((*base.also_hidden, Path(source).resolve(), output.resolve()))))


def grade_submission(grader: Any, base: Run, folder: Path, results_path: Path | None,
                     info: SubmissionInfo | None) -> tuple[dict[str, Any], str]:
    """Grade one submission in a warm grader: (results.json's content, status). Both engines' work."""
    run = base.replace(submission=folder, results_path=results_path)
    report = grader.grade(run, info)
    return report.data, run_status(report.results, run.time_budget)


def questions_of(config: Config, names: Sequence[str]) -> list[Question]:
    """The graded questions (all when ``names`` is empty), by number."""
    chosen = [q for q in config.questions.values() if not names or q.name in names]
    return sorted(chosen, key=lambda q: number_key(q.number))


def failure_results(config: Config, questions: Sequence[str], reason: str) -> dict[str, Any]:
    """The results.json of a submission the engine could not grade (twice): every question 0, and why."""
    sentence = f"This submission could not be graded: {reason}. Please tell the course staff."
    results = [QuestionResult(q, 0.0, [], sentence) for q in questions_of(config, questions)]
    return build_results(config, results, 0.0, sentence)


# -- warm graders, and stopping one that is stuck -------------------------------------------------
def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, stack = [], [pid]
    while stack:
        found.append(stack.pop())
        stack.extend(children.get(found[-1], []))
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL a process and everything below it (a warm grader, its grading fork, its zygote, their workers)."""
    for each in descendants(pid):
        try:
            os.kill(each, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def grader_context(base: Run) -> Any:
    """The forkserver every warm grader of this process comes from: it imports numpy, pytest, torch once."""
    from autograder.engine import preload_modules

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload_modules(base))
    return context


class Slot:
    """One warm grader, replaced when it dies or hangs (a failure of the engine, not of a submission)."""

    def __init__(self, base: Run, context: Any):
        self.base, self.context = base, context
        self.grader = self._start()

    def _start(self) -> Any:
        from autograder.engine import WarmGrader

        return WarmGrader(self.base, self.context)

    def ready(self) -> None:
        self.grader.wait_until_ready()

    def grade(self, folder: Path, results_path: Path | None, info: SubmissionInfo | None) -> tuple[dict, str]:
        """Grade in this slot's grader; past the budget and a grace, the grader is killed (and EOFError raised)."""
        self.ready()
        stuck = threading.Timer(self.base.time_budget + GRACE_SECONDS, kill_tree, (self.grader.process.pid,))
        stuck.daemon = True
        stuck.start()
        try:
            return grade_submission(self.grader, self.base, folder, results_path, info)
        finally:
            stuck.cancel()

    def replace(self) -> None:
        self.close()
        self.grader = self._start()

    def close(self) -> None:
        if self.grader.process.pid is not None and self.grader.process.is_alive():
            kill_tree(self.grader.process.pid)
        self.grader.close()


def engine_failure(exc: BaseException) -> str:
    """An engine's failure in a sentence."""
    if isinstance(exc, (EOFError, BrokenPipeError, ConnectionError)):
        return "its grading process died (killed, out of memory, or stuck past the time budget)"
    return f"{type(exc).__name__}: {str(exc)[:300]}"


# -- the batch ---------------------------------------------------------------------------------
@dataclass
class Job:
    """One submission to grade, and where its results go."""

    submission: Submission
    folder: Path  # what is graded (an empty folder for a submission without files)
    results_path: Path
    stamp: Stamp


@dataclass
class Progress:
    """Done, failed and remaining, with an estimate of the time left: one line on stderr per grade."""

    total: int
    skipped: int
    stream: Any = None
    done: int = 0
    failed: int = 0
    first: float | None = None  # when the first grade came back (the graders' start is behind us then)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def remaining(self) -> int:
        return self.total - self.skipped - self.done - self.failed

    def line(self, seconds: float) -> str:
        graded = self.done + self.failed
        text = f"batch: done {self.done}, failed {self.failed}, remaining {self.remaining}"
        if self.skipped:
            text += f" ({self.skipped} unchanged, not graded again)"
        if graded and self.remaining:
            # The pace between grades so far (all workers together); before a second one, the first's time.
            pace = (time.monotonic() - self.first) / (graded - 1) if graded > 1 else seconds
            text += f", about {_duration(pace * self.remaining)} left"
        return text

    def count(self, key: str, graded: Graded) -> None:
        with self.lock:
            self.first = self.first or time.monotonic()
            if graded.final:
                self.done += 1
            else:
                self.failed += 1
            note = f" [{graded.status}]" if graded.status else ""
            what = f"{key}: {graded.data.get('score', 0):g}{note}, {graded.seconds:.1f} s"
            print(f"{self.line(graded.seconds)}  ({what})", file=self.stream or sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes < 90 else f"{minutes / 60:.1f} h"


@dataclass
class BatchResult:
    submissions: list[Submission]
    graded: int
    skipped: int
    failed: list[str]  # keys of submissions that failed twice
    output: Path
    seconds: float


def plan(submissions: Sequence[Submission], config: Config, base: Run, output: Path) -> tuple[list[Job], int]:
    """The jobs of the submissions whose results are missing or stale; and how many are up to date."""
    assignment, framework = assignment_hash(config), framework_hash()
    empty = output / UNPACKED_FOLDER / "_empty"
    jobs, skipped = [], 0
    for submission in submissions:
        results_path = output / RESULTS_FOLDER / f"{submission.key}.json"
        stamp = Stamp(submission_hash(submission), assignment, framework, tuple(sorted(base.questions)))
        if up_to_date(results_path, stamp):
            skipped += 1
            continue
        if not submission.has_files:
            empty.mkdir(parents=True, exist_ok=True)
        jobs.append(Job(submission, submission.folder if submission.has_files else empty, results_path, stamp))
    return jobs, skipped


def record(job: Job, graded: Graded, engine: str) -> None:
    """Write the results (when the engine has not) and then the stamp beside them, each atomically."""
    if graded.final and not job.submission.has_files:
        graded.status = NO_FILES  # and nothing else: every question says its file is missing
    if graded.final and graded.attempts > 1:
        graded.status = "; ".join(s for s in (graded.status, RETRIED) if s)
    if read_json(job.results_path) != graded.data:  # the local engine's grade has written it already
        write_atomically(job.results_path, graded.data)
    write_atomically(stamp_path(job.results_path), {
        "stamp": job.stamp.to_dict(), "final": graded.final, "status": graded.status, "attempts": graded.attempts,
        "seconds": round(graded.seconds, 3), "engine": engine, "folder": str(job.folder),
        "graded_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    })


def run_batch(config: Config, base: Run, source: Path, output: Path, *, jobs: int | None = None,
              engine: str = "local", address: str | None = None, stream: Any = None) -> BatchResult:
    """Grade every submission of ``source`` whose results in ``output`` are missing or stale, then write
    scores.csv and report.md. ``base`` is the resolved run every submission is graded under."""
    started = time.monotonic()
    output = Path(output).resolve()
    (output / RESULTS_FOLDER).mkdir(parents=True, exist_ok=True)
    with _only_batch_writing(output):
        return _run_batch(config, base, Path(source), output, started, jobs, engine, address, stream)


@contextlib.contextmanager
def _only_batch_writing(output: Path) -> Iterator[None]:
    """Hold DIR's lock (released by the system, however this process ends): two batches never share DIR."""
    import fcntl

    with open(output / LOCK_NAME, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchError(f"another batch is writing {output}; wait for it, or stop it") from None
        yield


def _run_batch(config: Config, base: Run, source: Path, output: Path, started: float, jobs: int | None,
               engine: str, address: str | None, stream: Any) -> BatchResult:
    from autograder import batch_report

    submissions = find_submissions(source, output)
    base = class_run(base, source, output)
    todo, skipped = plan(submissions, config, base, output)
    progress = Progress(len(submissions), skipped, stream)
    failed: list[str] = []

    def finished(job: Job, graded: Graded) -> None:
        if not graded.final:
            failed.append(job.submission.key)
        record(job, graded, engine)
        progress.count(job.submission.key, graded)

    print(f"batch: {len(submissions)} submissions, {len(todo)} to grade ({skipped} unchanged), "
          f"{base.backend}, engine {engine}", file=stream or sys.stderr, flush=True)
    if todo and engine == "ray":
        from autograder.batch_ray import grade_with_ray  # Ray is an optional extra

        grade_with_ray(config, base, todo, jobs, address, finished)
    elif todo:
        grade_locally(config, base, todo, max(1, min(jobs or os.cpu_count() or 1, len(todo))), finished)
    batch_report.write_outputs(config, base, submissions, output)
    return BatchResult(submissions, len(todo), skipped, failed, output, time.monotonic() - started)


# The native libraries' thread pools (torch's OpenMP, numpy's BLAS), sized by these variables when they load.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def start_slots(base: Run, workers: int) -> list[Slot]:
    """``workers`` warm graders, each with its share of the CPUs for the libraries' threads (as Ray gives
    its actors): two graders with a thread per CPU each would run four threads on two CPUs, and OpenMP's
    waiting threads spin (measured, two graders on two CPUs: 12.2 s a grade of the reference, 10.7 s with a
    thread each). A variable the user has set is left alone."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    share = {name: str(max(1, cpus // workers)) for name in THREAD_VARIABLES if name not in os.environ}
    os.environ.update(share)  # inherited by the fork server, started with the first grader, and all it forks
    try:
        context = grader_context(base)
        return [Slot(base, context) for _ in range(workers)]
    finally:
        for name in share:
            del os.environ[name]


def grade_locally(config: Config, base: Run, jobs: Sequence[Job], workers: int,
                  finished: Callable[[Job, Graded], None]) -> None:
    """``workers`` threads, each with its own warm grader, take the jobs one after another."""
    slots = start_slots(base, workers)
    waiting: queue.Queue = queue.Queue()
    for job in jobs:
        waiting.put(job)
    stop = threading.Event()
    problems: list[BaseException] = []

    def work(slot: Slot) -> None:
        try:
            while not stop.is_set():
                try:
                    job = waiting.get_nowait()
                except queue.Empty:
                    return
                graded = _grade_twice(slot, job, config, base, stop)
                if graded is not None and not stop.is_set():
                    finished(job, graded)
        except BaseException as exc:  # noqa: BLE001 - a bug of ours: stop the batch and say so
            problems.append(exc)
            stop.set()

    try:
        _first_ready(slots)
        threads = [threading.Thread(target=work, args=(slot,), daemon=True) for slot in slots]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)  # short waits, so that Ctrl-C reaches this thread
    finally:
        stop.set()
        for slot in slots:
            slot.close()
    if problems:
        raise problems[0]


def _first_ready(slots: Sequence[Slot]) -> None:
    """Wait for the graders to collect the tests; a collection error stops the batch before any grade."""
    for slot in slots:
        try:
            slot.ready()
        except (RuntimeError, EOFError, OSError) as exc:
            raise BatchError(f"the graders could not start: {exc or type(exc).__name__}") from None


def _grade_twice(slot: Slot, job: Job, config: Config, base: Run, stop: threading.Event) -> Graded | None:
    started, reasons = time.monotonic(), []
    for attempt in (1, 2):
        try:
            data, status = slot.grade(job.folder, job.results_path, job.submission.info())
            return Graded(data, status, time.monotonic() - started, attempt)
        except Exception as exc:  # noqa: BLE001 - the grader died or hung (or a bug of ours): a fresh one, once
            if stop.is_set():
                return None
            reasons.append(engine_failure(exc))
            slot.replace()
    reason = f"the grader failed twice ({reasons[-1]})"
    return Graded(failure_results(config, base.questions, reason), f"{FAILED_TWICE}: {reasons[-1]}",
                  time.monotonic() - started, 2, final=False)
