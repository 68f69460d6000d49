"""The zip uploaded to Gradescope: everything grading needs, never the reference solution.

Contents, at the zip's root: ``setup.sh`` and ``run_autograder`` (Gradescope
looks for them there), the framework (``autograder/`` without its own
tests), the assignment's tests (without ``tests/selfcheck/`` and ``tests/audit/``, which grade
the reference), fixtures, the grader's copy of the provided files (the
template), autograder.yml and the packaging files.

The reference solution is kept out twice: no file may come from its
folder, and no file may have the same bytes as one of its files that the
template does not share (a solution copied elsewhere by mistake). The zip
is deterministic: sorted entries, fixed timestamps and permissions.
"""
from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import autograder
from autograder.config import Config

ENTRY_POINTS = ("setup.sh", "run_autograder")  # required, at the zip's root
ROOT_FILES = ("pyproject.toml", "pytest.ini")  # packed when present
REQUIREMENTS = "requirements.txt"
# The framework's checkout: an assignment folder without its own setup.sh, run_autograder, pyproject.toml or
# pytest.ini gets these; its requirements.txt lists only its extra dependencies, added to the framework's pins.
REPOSITORY = Path(autograder.__file__).resolve().parents[1]
EXCLUDED_FOLDERS = {"__pycache__", "selfcheck"}  # byte code; the assignment's checks of itself
FRAMEWORK_EXCLUDED = {"tests"}  # the framework's own tests
_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build time leaks into the bytes
_COMPRESSION_LEVEL = 9


class BuildError(Exception):
    """The zip cannot be built safely; the message says which file and why."""


@dataclass(frozen=True)
class Entry:
    name: str  # the path inside the zip, with "/" separators
    source: Path
    executable: bool


def _walk(folder: Path, prefix: str, excluded: set[str], excluded_paths: tuple[Path, ...] = ()) -> list[Entry]:
    entries = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in excluded
                             and not (here / d).is_symlink() and (here / d).resolve() not in excluded_paths)
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or name.endswith((".pyc", ".pyo")) or path.is_symlink():
                continue
            relative = path.relative_to(folder).as_posix()
            entries.append(Entry(f"{prefix}/{relative}", path, bool(path.stat().st_mode & stat.S_IXUSR)))
    return entries


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def root_file(config: Config, name: str) -> Path | None:
    """The assignment's own copy of a file of the zip's root, else the framework checkout's, else None."""
    for folder in (config.root, REPOSITORY):
        if (folder / name).is_file():
            return folder / name
    return None


def requirements(config: Config) -> bytes | None:
    """The zip's requirements.txt: the framework's pins, then the assignment's extra dependencies (by name,
    an assignment's own pin of a package wins)."""
    def package(line: str) -> str:
        return re.split(r"[<>=!~\[; ]", line.strip(), maxsplit=1)[0].lower()

    base = REPOSITORY / REQUIREMENTS
    own = config.root / REQUIREMENTS
    base_lines = base.read_text(encoding="utf-8").splitlines() if base.is_file() else []
    if not own.is_file() or own.resolve() == base.resolve():
        return "\n".join(base_lines).encode() + b"\n" if base_lines else None
    extra = own.read_text(encoding="utf-8").splitlines()
    overridden = {package(line) for line in extra if line.strip() and not line.startswith("#")}
    kept = [line for line in base_lines if not line.strip() or line.startswith("#") or package(line) not in overridden]
    return ("\n".join(kept + [f"# {config.assignment}'s own dependencies"] + extra) + "\n").encode()


def collect_entries(config: Config) -> list[Entry]:
    """What the zip holds, sorted by name; BuildError if something required is missing."""
    entries = []
    for name in ENTRY_POINTS:
        path = root_file(config, name)
        if path is None:
            raise BuildError(f"{name} is missing from {config.root}; Gradescope needs it at the zip's root")
        entries.append(Entry(name, path, True))
    entries.append(Entry(config.path.name, config.path, False))
    entries += [Entry(name, root_file(config, name), False) for name in ROOT_FILES if root_file(config, name)]
    entries += _walk(Path(autograder.__file__).parent, "autograder", EXCLUDED_FOLDERS | FRAMEWORK_EXCLUDED)
    for what, folder in (("tests_dir", config.tests_dir), ("fixtures_dir", config.fixtures_dir),
                         ("template_dir", config.template_dir)):
        if not folder.is_dir():
            raise BuildError(f"{what} {folder} does not exist")
        if not _inside(folder, config.root):
            raise BuildError(f"{what} {folder} is outside {config.root}; the zip mirrors that folder")
        # The audit corpus holds solution code (variants of the reference), wherever the config puts it.
        entries += _walk(folder, folder.relative_to(config.root).as_posix(), EXCLUDED_FOLDERS,
                         (config.audit_dir.resolve(),))
    entries.sort(key=lambda e: e.name)
    names = [e.name for e in entries]
    if len(names) != len(set(names)):
        raise BuildError("two files would have the same path in the zip: " + ", ".join(sorted(
            {n for n in names if names.count(n) > 1})))
    return entries


def secret_files(config: Config) -> dict[bytes, str]:
    """The reference's files that students do not get, by content: {bytes: path in the reference}.

    A reference file identical to its template counterpart (a locked helper,
    a data file) is handed out anyway, so it is no secret.
    """
    secrets: dict[bytes, str] = {}
    if not config.reference_dir.is_dir():
        return secrets
    for entry in _walk(config.reference_dir, config.reference_dir.name, set()):
        data = entry.source.read_bytes()
        counterpart = config.template_dir / entry.source.relative_to(config.reference_dir)
        if not data.strip():
            continue  # an empty __init__.py gives nothing away
        if not counterpart.is_file() or counterpart.read_bytes() != data:
            secrets[data] = entry.name
    return secrets


def check_no_reference(config: Config, entries: list[Entry]) -> None:
    """Raise BuildError if any entry is, or copies, a file of the reference solution."""
    secrets = secret_files(config)
    for entry in entries:
        if _inside(entry.source, config.reference_dir):
            raise BuildError(f"{entry.name} is part of the reference solution ({config.reference_dir})")
        copied = secrets.get(entry.source.read_bytes())
        if copied is not None:
            raise BuildError(f"{entry.name} has the same content as {copied}, which students do not get")


def build_zip(config: Config, output: Path) -> list[str]:
    """Write the Gradescope zip to ``output`` (atomically); return the names it holds."""
    entries = collect_entries(config)
    check_no_reference(config, entries)
    pins = requirements(config)
    return write_zip(entries, output, extra={REQUIREMENTS: pins} if pins else None)


def write_zip(entries: list[Entry], output: Path, extra: dict[str, bytes] | None = None) -> list[str]:
    """Write ``entries`` (and ``extra`` files given by content) as a deterministic zip, atomically: sorted
    names, fixed timestamps, 0755 for executables and 0644 otherwise; the names it holds."""
    files = [(e.name, e.source.read_bytes(), e.executable) for e in entries]
    files += [(name, data, False) for name, data in (extra or {}).items()]
    files.sort(key=lambda item: item[0])
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".autograder-", suffix=".zip", dir=output.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w") as archive:
            for name, data, executable in files:
                info = zipfile.ZipInfo(name, date_time=_TIMESTAMP)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # unix, so that the permissions below are honoured
                info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
                archive.writestr(info, data, compresslevel=_COMPRESSION_LEVEL)
        os.chmod(temporary, 0o644)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return [name for name, _, _ in files]
