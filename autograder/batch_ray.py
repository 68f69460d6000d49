"""The Ray engine of ``batch``: Ray actors, each holding a warm grader, fed tarballs of the submissions.

A node without the assignment's folder at the driver's path unpacks a copy shipped once through the
object store; a node whose autograder code differs from the driver's is refused, so that the resume rule
(autograder.batch's stamps) stays true. A task that fails for Ray's reasons is retried once.
"""
from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from autograder.batch import (FAILED_TWICE, GRACE_SECONDS, START_SECONDS, Graded, Job, Slot, assignment_files,
                              assignment_hash, engine_failure, failure_results, framework_hash, grader_context)
from autograder.batch_input import BatchError, _files
from autograder.config import Config
from autograder.gradescope import SubmissionInfo
from autograder.run import Run


# -- shipping folders (the Ray engine) ---------------------------------------------------------------
def pack(files: Iterable[tuple[str, Path]]) -> bytes:
    """A tarball (bytes) of regular files, by relative name."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, path in files:
            info = tarfile.TarInfo(name)
            data = path.read_bytes()
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def unpack(data: bytes, destination: Path) -> Path:
    """Unpack ``pack``'s bytes into ``destination``: regular files only, none outside it."""
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if not member.isfile() or not parts or Path(member.name).is_absolute() or ".." in parts:
                continue
            target = destination.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
    return destination


# -- the Ray engine ----------------------------------------------------------------------------------
class GraderFailed(RuntimeError):
    """A Ray actor's warm grader died or hung; the actor has a fresh one, and the driver retries once."""


def _same_assignment(config_path: Path, digest: str) -> bool:
    from autograder.config import load_config

    try:
        return config_path.is_file() and assignment_hash(load_config(config_path)) == digest
    except Exception:  # noqa: BLE001 - an unreadable copy is not the same assignment
        return False


class RayGrader:
    """A Ray actor's state: a warm grader of the assignment on whichever node Ray placed it.

    The node uses the assignment's own folder when it has the same one at the same path (a local
    instance, a shared file system); otherwise the copy the driver shipped, unpacked in a folder of
    its own. Its autograder package must be the driver's: the resume rule trusts the framework hash.
    """

    def __init__(self, base_json: str, assignment: bytes | None, digest: str, framework: str):
        if framework_hash() != framework:
            raise BatchError("this node's autograder package is not the driver's (its code differs): "
                             "install the same version on every node")
        base = Run.from_json(base_json)
        self.copy: str | None = None
        if not _same_assignment(base.config_path, digest):
            if assignment is None:
                raise BatchError(f"{base.config_path} is not on this node, and the assignment's folders are not "
                                 "all inside its root, so it could not be shipped")
            self.copy = tempfile.mkdtemp(prefix="autograder-assignment-")
            unpack(assignment, Path(self.copy))
            base = base.replace(config_path=Path(self.copy) / base.config_path.name)
        self.slot = Slot(base, grader_context(base))
        self.slot.ready()

    def ready(self) -> str:
        import socket

        return socket.gethostname()

    def grade(self, submission: bytes, info: SubmissionInfo | None) -> dict[str, Any]:
        """Grade a submission shipped as ``pack``'s bytes: {"data": results, "status", "seconds"}."""
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="autograder-batch-") as tmp:
            folder = unpack(submission, Path(tmp) / "submission")
            try:
                data, status = self.slot.grade(folder, Path(tmp) / "results" / "results.json", info)
            except Exception as exc:  # noqa: BLE001 - the grader died or hung: a fresh one, and the driver retries
                self.slot.replace()
                raise GraderFailed(engine_failure(exc)) from None
        return {"data": data, "status": status, "seconds": time.monotonic() - started}

    def close(self) -> None:
        self.slot.close()
        if self.copy:
            shutil.rmtree(self.copy, ignore_errors=True)


def _ray_reason(exc: BaseException) -> str:
    """A Ray failure in a sentence: our own exception's words, else the last line of Ray's."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException) and not isinstance(cause, type(exc)):
        return f"{type(cause).__name__}: {str(cause)[:300]}"
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {(lines[-1] if lines else '')[:300]}"


def _shippable(config: Config) -> bool:
    return all(Path(os.path.abspath(p)).is_relative_to(config.root)
               for p in (config.tests_dir, config.fixtures_dir, config.template_dir, config.probes_dir))


def grade_with_ray(config: Config, base: Run, jobs: Sequence[Job], workers: int | None, address: str | None,
                   finished: Callable[[Job, Graded], None]) -> None:
    """The jobs as Ray tasks on ``workers`` actors (each a warm grader): tarballs in, results out.

    ``address`` joins a running cluster ("auto": the one this machine belongs to; ``workers`` defaults
    to its CPUs); without one, a local instance of ``workers`` CPUs (default: this machine's) is started
    and stopped. A task that fails for Ray's reasons (an actor died, a node was lost) or whose grader
    died is retried once, on any actor; a dead actor is replaced.
    """
    try:
        import ray
    except ImportError:
        raise BatchError("the ray engine needs Ray: pip install 'nn-autograder[cluster]' (ray>=2.9)") from None
    import logging

    started_here = not ray.is_initialized()
    if started_here:
        try:
            if address:
                ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
            else:
                ray.init(num_cpus=workers or os.cpu_count() or 1, include_dashboard=False, log_to_driver=False,
                         logging_level=logging.WARNING)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"the cluster at {address}" if address else "a local instance"
            raise BatchError(f"Ray could not start or join {where}: {exc}") from None
    workers = workers or int(ray.cluster_resources().get("CPU", 1))
    pool = _ActorPool(ray, config, base, max(1, min(workers, len(jobs))))
    try:
        pool.start()
        _ray_loop(ray, pool, config, base, jobs, finished)
    finally:
        pool.close()
        if started_here:
            ray.shutdown()


class _ActorPool:
    """The driver's Ray actors: started, replaced when one dies, closed."""

    def __init__(self, ray: Any, config: Config, base: Run, workers: int):
        self.ray, self.workers = ray, workers
        self.remote = ray.remote(num_cpus=1)(RayGrader)
        shipped = pack(assignment_files(config)) if _shippable(config) else None
        # One copy of the assignment in the object store for every actor, replacements included.
        self.arguments = (base.to_json(), ray.put(shipped) if shipped else None, assignment_hash(config),
                          framework_hash())
        self.actors: list[Any] = []

    def new(self) -> Any:
        actor = self.remote.remote(*self.arguments)
        self.actors.append(actor)
        return actor

    def start(self) -> None:
        """Start the actors and wait until each has collected the tests (a problem there stops the batch)."""
        started = [self.new() for _ in range(self.workers)]
        try:
            self.ray.get([actor.ready.remote() for actor in started], timeout=START_SECONDS)
        except (self.ray.exceptions.RayError, self.ray.exceptions.GetTimeoutError) as exc:
            raise BatchError(f"the Ray workers could not start: {_ray_reason(exc)}") from None

    def replace(self, actor: Any) -> Any:
        self.kill(actor)
        return self.new()

    def kill(self, actor: Any) -> None:
        if actor in self.actors:
            self.actors.remove(actor)
        try:
            self.ray.kill(actor)
        except Exception:  # noqa: BLE001 - dead already
            pass

    def close(self) -> None:
        """Let idle actors clean up (a busy one, at Ctrl-C, is not waited for long), then end them all."""
        closing = [actor.close.remote() for actor in self.actors]
        if closing:
            self.ray.wait(closing, num_returns=len(closing), timeout=10)
        for actor in list(self.actors):
            self.kill(actor)


def _ray_loop(ray: Any, pool: _ActorPool, config: Config, base: Run, jobs: Sequence[Job],
              finished: Callable[[Job, Graded], None]) -> None:
    pending: list[tuple[Job, int, float | None, list[str]]] = [(job, 1, None, []) for job in reversed(jobs)]
    idle = list(pool.actors)
    running: dict[Any, tuple[Any, Job, int, float, list[str], float]] = {}
    # Past this, a task's actor is presumed stuck, killed and replaced (its own grader has a shorter watchdog).
    deadline = base.time_budget + GRACE_SECONDS + START_SECONDS
    while pending or running:
        while idle and pending:
            job, attempt, first, reasons = pending.pop()
            actor = idle.pop()
            ref = actor.grade.remote(pack(_files(job.folder)), job.submission.info())
            now = time.monotonic()
            running[ref] = (actor, job, attempt, first or now, reasons, now)
        ready, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
        for ref, (actor, *_, sent) in list(running.items()):
            if ref not in ready and time.monotonic() - sent > deadline:
                pool.kill(actor)  # its task then fails with RayActorError, and the actor is replaced below
        for ref in ready:
            actor, job, attempt, first, reasons, _ = running.pop(ref)
            try:
                reply = ray.get(ref)
            except ray.exceptions.RayError as exc:
                if isinstance(exc, ray.exceptions.RayActorError):
                    actor = pool.replace(actor)
                idle.append(actor)
                reasons = [*reasons, _ray_reason(exc)]
                if attempt == 1:
                    pending.append((job, 2, first, reasons))
                    continue
                reason = f"the grader failed twice ({reasons[-1]})"
                finished(job, Graded(failure_results(config, base.questions, reason), f"{FAILED_TWICE}: {reasons[-1]}",
                                     time.monotonic() - first, 2, final=False))
                continue
            idle.append(actor)
            finished(job, Graded(reply["data"], reply["status"], time.monotonic() - first, attempt))
