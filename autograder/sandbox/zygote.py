"""The zygote: a process that imports the libraries once and forks a worker per need.

It is started with a clean environment and never loads a test, a fixture,
an expected value or the results file: a fork copies its memory, so a
worker can find nothing there. Forking a worker takes milliseconds and
shares the library pages, so replacing a worker after a timeout or a crash
is cheap.

Each worker is two processes: a small supervisor (zygote code, root when
the grader is root), which enters new namespaces and waits, and below it the
worker proper, which hides the grader's paths, drops to the unprivileged
user and serves requests. SIGTERM to the supervisor kills the worker (the
init of its own PID namespace, so all it started dies with it); the
supervisor's exit code reports how the worker ended (128 + signal number if
a signal killed it).

Protocol on the control socket (SOCK_SEQPACKET, one JSON object per packet):
``{"op": "fork", "spec": {...}}`` with the worker's socket passed along
(SCM_RIGHTS) -> ``{"pid": supervisor pid}``; ``{"op": "wait", "pid": n}`` ->
``{"code": exit code of the supervisor}``; ``{"op": "attach"}`` with a socket
passed along: one more control socket, served like the first (a grade whose
checks are split between processes, autograder.parallel). EOF on the first
socket: the zygote exits.
"""
from __future__ import annotations

import gc
import importlib
import json
import os
import select
import signal
import socket
import sys
from pathlib import Path

# What a worker may need, imported here once: a worker forked after these imports starts
# in milliseconds and shares their memory. (Anything else can still be imported by a
# worker: the library folders stay readable to it, see privileges.hide_paths.)
PRELOAD = (
    "abc argparse array ast base64 bisect calendar collections collections.abc colorsys contextlib copy "
    "csv dataclasses datetime decimal difflib encodings.idna enum fractions functools gc glob gzip hashlib heapq hmac "
    "inspect io itertools json linecache locale logging math numbers operator os pathlib pickle platform "
    "pprint queue random re secrets shutil signal socket statistics string struct subprocess sys tempfile "
    "textwrap threading time timeit traceback types typing unittest uuid warnings weakref zipfile zlib "
    "ctypes ctypes.util multiprocessing concurrent.futures "
    "numpy numpy.linalg numpy.fft numpy.random numpy.testing numpy.lib.stride_tricks numpy.polynomial "
    "autograder.errors autograder.plain autograder.student autograder.inprocess autograder.workspace "
    "autograder.probes autograder.sandbox.transport autograder.sandbox.worker autograder.sandbox.limits "
    "autograder.sandbox.privileges"
).split()
# Asked for when the tests use torch (the trusted side saw them import it): torch costs
# seconds to import. Not torch._dynamo, which an optimizer's first step imports: 2.6 s and
# 72 MB more (measured), and the probes train with written-out optimizers; a submission that
# steps a torch.optim optimizer itself pays that import inside its call's deadline. Not
# torch.fx.experimental.symbolic_shapes either (1 s, 35 MB with sympy): only a backward pass given an
# explicit gradient imports it, and the probes take the gradient of a scalar instead.
PRELOAD_TORCH = (
    "torch torch.nn torch.nn.functional torch.nn.init torch.optim torch.optim.lr_scheduler torch.utils.data "
    "torch.autograd torch.linalg torch.fft"
).split()


def preload(names: list[str], probes: bool = False, probes_dir: str | None = None) -> list[str]:
    """Import ``names`` (and, with ``probes``, every probe module, which the worker cannot read once hidden:
    the framework's run now if ``names`` asks for libraries, else compiled now and run at first use; the
    assignment's own in ``probes_dir`` imported); the names that failed."""
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - e.g. torch not installed: numpy-only assignments
            missing.append(name)
    if probes:
        import autograder.probes as package

        # Lazily while no library is asked for (a run of numpy questions): a torch probe module imports torch.
        missing += package.load_all(lazily=not names)
        if probes_dir:
            missing += package.register_assignment_probes(probes_dir)
    _trim()
    return missing


def _trim() -> None:
    """Give the import's garbage back to the system before workers are forked from this memory."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def main() -> None:
    from autograder.sandbox.privileges import die_with_parent

    # If the grader dies (killed at the end of its time budget), the zygote, each supervisor and
    # each worker die in turn: no runaway student loop outlives the run.
    die_with_parent()
    control = socket.socket(fileno=int(sys.argv[1]))
    isolation = sys.argv[2] if len(sys.argv) > 2 else "full"  # "off" and "uid-only": tests, debugging
    missing = preload(PRELOAD)
    from autograder.sandbox.privileges import tried_isolation

    limitation = tried_isolation()
    # Root without namespaces (a container that forbids them): still leave root for the sandbox user.
    switch_user = os.geteuid() == 0
    if limitation is None and isolation == "off":
        limitation = "isolation was turned off, so student code runs as the grader's user (limits still apply)"
        switch_user = False
    elif limitation is None and isolation == "uid-only":  # as in a container that forbids namespaces
        limitation = ("namespaces were turned off, so student code runs as the unprivileged user without hidden folders "
                      "or a network namespace")
    from autograder.sandbox.landlock import abi_version

    landlock = abi_version()
    if limitation is not None:  # what still protects the grader's files, in the same sentence
        limitation += ("; Landlock still keeps it to the library folders and its own work folder" if landlock
                       else "; this kernel has no Landlock either, so only file modes protect the grader's files")
    try:
        control.send(json.dumps({"ready": True, "limitation": limitation, "landlock": landlock,
                                 "missing": missing}).encode())
    except OSError:  # the grader is gone already
        return
    supervisors: set[int] = set()  # forked and not yet waited for
    # The grader's own socket, and one per process it split its checks into ("attach", autograder.parallel):
    # each request is answered on the socket it came from. EOF on the grader's own socket ends the zygote.
    clients = [control]
    while True:
        ready, _, _ = select.select(clients, [], [])
        for client in ready:
            try:
                message, fds, _, _ = socket.recv_fds(client, 1 << 20, 2)
            except (ConnectionResetError, OSError):
                message, fds = b"", []
            if not message:
                if client is control:
                    return
                clients.remove(client)
                client.close()
                continue
            _serve_request(client, json.loads(message), fds, clients, supervisors, limitation, switch_user)


def _answer(client: socket.socket, reply: dict) -> None:
    """Send ``reply``; a client gone meanwhile (a split grade's second process, killed while it waited) is
    noticed at its EOF in the loop, and must not end the zygote that the other process's workers come from."""
    try:
        client.send(json.dumps(reply).encode())
    except OSError:
        pass


def _serve_request(client: socket.socket, request: dict, fds: list[int], clients: list[socket.socket],
                   supervisors: set[int], limitation: str | None, switch_user: bool) -> None:
    """Answer one request of the control protocol on ``client``."""
    if request["op"] == "fork" and len(fds) == 2:
        gc.freeze()  # the worker's garbage collector then leaves the shared library objects' pages alone
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                for other in clients:
                    other.close()
                code = supervise(fds, request["spec"], isolate=limitation is None, switch_user=switch_user)
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        supervisors.add(pid)
        _answer(client, {"pid": pid, "id": request.get("id")})
    elif request["op"] == "attach" and len(fds) == 1:
        clients.append(socket.socket(fileno=fds[0]))
        _answer(client, {"id": request.get("id")})
    elif request["op"] == "preload":
        asked = list(request.get("modules") or [])
        if "torch" in asked:
            asked += PRELOAD_TORCH
        missing = preload(asked, probes=True, probes_dir=request.get("probes_dir"))
        _answer(client, {"missing": missing, "id": request.get("id")})
    elif request["op"] == "ping":
        _answer(client, {"id": request.get("id")})
    elif request["op"] == "wait":
        supervisors.discard(int(request["pid"]))
        _answer(client, {"code": _reap(int(request["pid"])), "id": request.get("id")})
    elif request["op"] == "kill_all":
        for pid in sorted(supervisors):
            try:
                os.kill(pid, signal.SIGTERM)  # the supervisor kills its worker's whole namespace
            except ProcessLookupError:
                pass
            _reap(pid)
        supervisors.clear()
        _answer(client, {"id": request.get("id")})
    else:
        for fd in fds:
            os.close(fd)
        _answer(client, {"error": "unknown request", "id": request.get("id")})


def _reap(pid: int) -> int | None:
    """Wait for a supervisor; its exit code (None if it was reaped already)."""
    try:
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)
    except ChildProcessError:
        return None


def supervise(fds: list[int], spec: dict, isolate: bool, switch_user: bool = False) -> int:
    """The supervisor: start the worker in its namespaces, wait, report how it ended.

    ``fds``: the worker's channel, and the pipe where faulthandler writes the worker's Python
    stack when it crashes or is about to be killed at its deadline (whom to blame: autograder.breaker).
    """
    from autograder.sandbox import privileges

    worker_pid = None

    def stop(*_: object) -> None:
        if worker_pid:
            try:
                os.kill(worker_pid, signal.SIGKILL) if isolate else os.killpg(worker_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    privileges.die_with_parent()
    os.setsid()
    if isolate:
        privileges.unshare(privileges.CLONE_NEWNS | privileges.CLONE_NEWNET | privileges.CLONE_NEWPID)
    uid = privileges.worker_uid(os.getpid()) if isolate or switch_user else None
    worker_pid = os.fork()
    if worker_pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            run_worker(fds, spec, isolate, uid)
        finally:
            os._exit(0)
    for fd in fds:
        os.close(fd)
    while True:
        try:
            _, status = os.waitpid(worker_pid, 0)
            break
        except ChildProcessError:
            return 0
    if not isolate:  # its children may live on in its process group
        try:
            os.killpg(worker_pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else min(code, 127)


def run_worker(fds: list[int], spec: dict, isolate: bool, uid: int | None = None) -> None:
    """The worker proper: its private workspace, limits, user (``uid``; None: stay who we are); then serve
    until EOF."""
    from autograder.inprocess import InProcessStudent
    from autograder.sandbox import landlock, limits as limits_module
    from autograder.student import CallRules
    from autograder.sandbox import privileges
    from autograder.sandbox.transport import Channel
    from autograder.sandbox.worker import Worker
    from autograder.workspace import Workspace

    fd, dump_fd = fds
    channel = Channel(socket.socket(fileno=fd))
    try:
        source = Path(spec["workspace"])
        files = {p.name: p.read_bytes() for p in source.iterdir() if p.is_file()}
        if isolate:
            privileges.hide_paths(spec["hide"], "/tmp")
            work = Path(privileges.WORKER_FOLDER)
            privileges.writable_copy(files, work, uid)
        else:
            os.setpgid(0, 0)
            work = Path(spec["scratch"])
            privileges.writable_copy(files, work, uid)
        limits = limits_module.Limits(**spec["limits"])
        # Below the grader's priority: a fork bomb's hundred busy processes must not starve the
        # supervisor that kills them (measured: seconds per kill at equal priority, on 2 cores).
        os.nice(15)
        limits_module.apply(limits, enforce_processes=uid is not None)
        null = os.open(os.devnull, os.O_RDWR)
        for target in (0, 1, 2):
            os.dup2(null, target)
        low, high = sorted((fd, dump_fd))
        os.closerange(3, low)
        os.closerange(low + 1, high)
        os.closerange(high + 1, 65536)
        landlock_error = None
        if spec.get("landlock"):  # the zygote found Landlock: only the libraries and the work folder from here on
            writable = ["/tmp"] if isolate else [str(work)]  # with namespaces, /tmp is the worker's own tmpfs
            try:
                landlock.restrict(privileges.worker_readable(spec["hide"]), writable + ["/dev/shm"])
            except OSError as exc:  # refused after all (a seccomp filter): grade without it, and say so
                landlock_error = str(exc)
        if uid is not None:
            privileges.drop_privileges(uid, privileges.NOBODY)
        privileges.die_with_parent()
        os.chdir(work)
        os.environ.clear()
        os.environ.update(privileges.clean_environment(str(work)))
        sys.dont_write_bytecode = True
        workspace = Workspace(path=work, modules=dict(spec["modules"]), missing=dict(spec["missing"]))
        student = InProcessStudent(workspace, CallRules.from_dict(spec["rules"]), spec.get("tripped"))
    except BaseException as exc:  # noqa: BLE001 - tell the trusted side, then stop
        channel.send({"setup_error": f"{type(exc).__name__}: {exc}"})
        return
    channel.send({"ready": True, "landlock_error": landlock_error})
    Worker(channel, student, limits.output_chars, dump_fd, spec["dump_after"]).serve()


if __name__ == "__main__":
    main()
