"""Landlock: the worker gives up every file it was not explicitly allowed, with or without root.

Hiding folders with mount namespaces (``privileges.hide_paths``) covers the
folders the grader knows about; a second copy of the assignment elsewhere on
the disk (another checkout, a backup, a staff member's home) stays readable.
Landlock (Linux 5.13+) turns that around: after ``restrict`` the process and
everything it starts may read only the system and Python library folders,
may write only its own work folder, may not open TCP connections (ABI 4+),
and may not signal processes outside itself (ABI 6+), e.g. the grader when
both run as the same user on a laptop. It needs no privileges, so it also
protects a grader that cannot use namespaces (a container, a laptop).

Called through ``syscall`` with ctypes: Python has no binding, and the
structures are three integers.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

# System call numbers: the same on every architecture that has the generic table (x86_64, aarch64, ...).
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights, by the ABI version that introduced them.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_ABI1_ALL = (1 << 13) - 1  # execute .. make_sym
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # what a rule on a file (not a folder) may grant
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

READ = EXECUTE | READ_FILE | READ_DIR
DEVICES = READ | WRITE_FILE | IOCTL_DEV  # /dev/null, /dev/urandom, a terminal


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is packed: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 where there is none (not Linux, too old, off, or filtered)."""
    if platform.system() != "Linux":
        return 0
    version = _libc.syscall(ctypes.c_long(_CREATE_RULESET), None, ctypes.c_size_t(0),
                            ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def _handled_fs(abi: int) -> int:
    rights = _ABI1_ALL
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def _fail(what: str) -> OSError:
    errno = ctypes.get_errno()
    return OSError(errno, f"landlock {what}: {os.strerror(errno)}")


def restrict(readable: list[str], writable: list[str], devices: list[str] = ("/dev",)) -> int:
    """From now on this process may only read ``readable``, read and write ``writable``, use ``devices``.

    Folders that do not exist are left out. Returns the ABI version used;
    raises OSError where Landlock is missing or refused (nothing changed).
    """
    abi = abi_version()
    if abi < 1:
        raise OSError(f"Landlock is not available on this kernel ({platform.system()} {platform.release()})")
    handled = _handled_fs(abi)
    attr = _RulesetAttr(handled_access_fs=handled,
                        handled_access_net=(NET_BIND_TCP | NET_CONNECT_TCP) if abi >= 4 else 0,
                        scoped=(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8  # older kernels refuse fields they do not know
    ruleset = _libc.syscall(ctypes.c_long(_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(size),
                            ctypes.c_uint32(0))
    if ruleset < 0:
        raise _fail("create_ruleset")
    try:
        for paths, rights in ((readable, READ), (devices, DEVICES), (writable, handled)):
            for path in paths:
                _allow(int(ruleset), path, rights & handled)
        if _libc.prctl(ctypes.c_int(_PR_SET_NO_NEW_PRIVS), ctypes.c_ulong(1), ctypes.c_ulong(0),
                       ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
            raise _fail("no_new_privs")
        if _libc.syscall(ctypes.c_long(_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise _fail("restrict_self")
    finally:
        os.close(int(ruleset))
    return abi


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:  # a folder this machine does not have (/lib32, /dev/shm, ...)
        return
    try:
        if not os.path.isdir(path):
            rights &= _FILE_ONLY
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        if _libc.syscall(ctypes.c_long(_ADD_RULE), ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                         ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise _fail(f"add_rule {path}")
    finally:
        os.close(fd)
