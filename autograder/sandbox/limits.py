"""Resource limits of a worker, set just before it starts serving.

Measured on these machines: ``RLIMIT_AS`` breaks ``import torch`` (torch
reserves large address ranges it never touches), while ``RLIMIT_DATA``
(private writable memory) lets torch work and turns a numpy or torch
allocation past the cap into a clean ``MemoryError``. The cap is counted on
top of what the zygote already holds (its imported libraries), so it means
"what the student's code may allocate".
"""
from __future__ import annotations

import resource
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 60.0  # one request to the worker; then its processes are killed
    memory_mb: int = 1024  # private memory the student's code may allocate, above the libraries
    processes: int = 64  # processes and threads of the sandbox user (only enforced as root)
    output_chars: int = 100_000  # of what the student prints per call; the rest is counted and dropped
    file_mb: int = 64  # the largest file the student's code may write

    def to_dict(self) -> dict:
        return {"call_seconds": self.call_seconds, "memory_mb": self.memory_mb, "processes": self.processes,
                "output_chars": self.output_chars, "file_mb": self.file_mb}


def private_memory_bytes() -> int:
    """This process's VmData (what RLIMIT_DATA counts), in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def apply(limits: Limits, enforce_processes: bool) -> None:
    """Set the rlimits of this process (inherited by anything it starts)."""
    data = private_memory_bytes() + limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_DATA, (data, data))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * MB, limits.file_mb * MB))
    if enforce_processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
