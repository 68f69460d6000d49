"""Isolation done as root before student code runs: namespaces, hidden paths, the uid switch.

Hiding does not rely on file modes (the grader's folders may be world
readable): in a private mount namespace every path the worker must not see
(the assignment's folder with its tests, fixtures and config, the results
folder, Gradescope's root, the temporary folders) is covered by an empty
tmpfs, and only the Python library folders the worker needs are bound back.
A new network namespace leaves the worker nothing but a downed loopback; a
new PID namespace makes the worker its init, so killing it kills every
process it started.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sysconfig
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
NOBODY = 65534  # the unprivileged group the worker runs in (and its user where no other can be had)
# Each worker runs as a user of its own: RLIMIT_NPROC counts a user's processes across the whole machine,
# so with one shared user a fork bomb in one submission's worker leaves another worker running at the same
# time (batch grading, the audit) unable to start a thread (seen: an honest sgd losing 4 of 11 checks while
# the fork-bomb attack was graded beside it). Far above any real account; + the supervisor's pid.
WORKER_UID_BASE = 2_000_000_000
_NEVER_HIDDEN = {"/", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/dev", "/proc", "/sys", "/run", "/var"}

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)

WORKER_FOLDER = "/tmp/work"  # the worker's copy of the workspace, in its private /tmp (with namespaces)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    encode = lambda s: s.encode() if s is not None else None  # noqa: E731
    result = _libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data))
    _check(result, f"mount {target}")


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies (reset by a uid change: call it after one)."""
    import signal

    prctl = getattr(_libc, "prctl", None)  # Linux only; elsewhere the channel's EOF still ends a worker
    if prctl is not None:
        prctl(ctypes.c_int(PR_SET_PDEATHSIG), ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0),
              ctypes.c_ulong(0), ctypes.c_ulong(0))


def is_root() -> bool:
    return os.geteuid() == 0


def library_paths() -> list[str]:
    """The folders Python's libraries live in: they must stay visible to the worker."""
    paths = sysconfig.get_paths()
    keep = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    return sorted(p for p in keep if os.path.isdir(p))


SYSTEM_READABLE = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys")


def worker_readable(hidden: list[str]) -> list[str]:
    """What the worker may read under Landlock: the system, Python and its libraries; never a hidden path.

    A Python prefix that holds a hidden folder (an interpreter installed inside
    the assignment's folder) is narrowed to its library folders.
    """
    import sys

    hidden_real = [os.path.realpath(p) for p in hidden if os.path.realpath(p) not in _NEVER_HIDDEN]

    def holds_hidden(path: str) -> bool:
        return any(h == path or h.startswith(path.rstrip("/") + "/") for h in hidden_real)

    prefixes = {os.path.realpath(p) for p in (sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix)}
    readable = list(SYSTEM_READABLE) + [p for p in sorted(prefixes) if not holds_hidden(p)] + library_paths()
    return sorted(set(readable))


def _outermost(paths: list[str]) -> list[str]:
    chosen: list[str] = []
    for path in sorted(set(paths), key=lambda p: (p.count("/"), p)):
        if not any(path == c or path.startswith(c.rstrip("/") + "/") for c in chosen):
            chosen.append(path)
    return chosen


def hide_paths(hidden: list[str], scratch: str) -> None:
    """In a private mount namespace (already unshared): cover ``hidden``, keep the libraries, fresh /proc.

    ``scratch`` (a path under one of the hidden folders, e.g. /tmp) gets a
    writable tmpfs owned by root with mode 1777.
    """
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    candidates = []
    for raw in hidden:
        path = os.path.realpath(raw)
        if path not in _NEVER_HIDDEN and os.path.lexists(path):
            candidates.append(path)
    covered = _outermost(candidates)
    keep = [p for p in library_paths() if any(p.startswith(c.rstrip("/") + "/") or p == c for c in covered)]
    kept_fds = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in keep}
    for path in covered:
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=755")
        else:
            mount("/dev/null", path, None, MS_BIND)
    os.makedirs(scratch, exist_ok=True)
    mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "size=256m,mode=1777")
    # The libraries last: one under the scratch folder (a checkout and its .venv in /tmp) must
    # not be covered again by the scratch tmpfs, or torch's lazy imports fail in the worker.
    for path, fd in kept_fds.items():
        os.makedirs(path, exist_ok=True)
        mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)
    try:  # this PID namespace's own /proc: the grader's processes are not listed
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        pass


def worker_uid(supervisor_pid: int) -> int:
    """The user id of one worker alone: no two live supervisors share a pid. NOBODY where this user
    namespace does not map that id (a container mapping only 65536 ids cannot switch to it)."""
    uid = WORKER_UID_BASE + supervisor_pid
    try:
        mapping = Path("/proc/self/uid_map").read_text().split("\n")
    except OSError:
        return NOBODY
    for line in mapping:
        fields = line.split()
        if len(fields) == 3 and int(fields[0]) <= uid < int(fields[0]) + int(fields[2]):
            return uid
    return NOBODY


def drop_privileges(uid: int = NOBODY, gid: int = NOBODY) -> None:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() == 0 or os.geteuid() == 0:  # never go on as root by mistake
        raise OSError("could not leave the root user")


def tried_isolation() -> str | None:
    """None if namespaces and the uid switch are available here, else a sentence why not."""
    if not is_root():
        return "not running as root, so student code runs as your own user (limits and the deadline still apply)"
    pid = os.fork()
    if pid == 0:
        try:
            unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return ("the kernel refused new namespaces, so student code runs as the unprivileged user without "
                "hidden folders or a network namespace")
    return None


def clean_environment(home: str) -> dict[str, str]:
    """What the worker's environment holds: nothing secret, nothing of the grader's."""
    # USER and LOGNAME: the worker's user has no entry in /etc/passwd, and getpass.getuser() (torch's cache
    # folders, for one) reads these before asking it.
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8",
           "USER": "student", "LOGNAME": "student"}
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def writable_copy(files: dict[str, bytes], folder: Path, owner: int | None) -> None:
    """The workspace's files in ``folder``, owned by the worker's user ``owner`` (None: left as made)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
        if owner is not None:
            os.chown(folder / name, owner, NOBODY)
    if owner is not None:
        os.chown(folder, owner, NOBODY)
