"""The submissions of a batch: a folder of submission folders, Gradescope's export zip, or that zip unpacked.

Gradescope's "Export Submissions" zip holds one folder, ``assignment_<id>_export/``, with a folder per
submission and ``submission_metadata.yml``: keyed by submission folder (``submission_123456:``), each with
``:submitters:`` (``:name:``, ``:sid:``, ``:email:``) and ``:created_at:``. The export is written by Ruby, so
its keys are symbols (``:submitters``, read by yaml.safe_load as strings beginning with ":"); keys without
the colon are read the same way.
"""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import yaml

from autograder.gradescope import SubmissionInfo

EXPORT_METADATA = "submission_metadata.yml"
IGNORED_NAMES = ("__MACOSX", ".DS_Store", "Thumbs.db")  # what zipping on a Mac or Windows adds
UNPACKED_FOLDER = ".unpacked"  # a zip's contents, under the output folder (replaced on every run)
_MAX_UNPACKED_BYTES = 8 * 1024 ** 3  # a class's export; more is a zip bomb
_MAX_METADATA_BYTES = 64 * 1024 ** 2


class BatchError(Exception):
    """The batch cannot start: INPUT is not a batch of submissions, or the engine is unavailable."""


# -- what is graded ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Submitter:
    name: str = ""
    sid: str = ""
    email: str = ""


@dataclass(frozen=True)
class Submission:
    """One submission of the batch: its folder and who submitted it."""

    key: str  # its folder's name: the name of its results and its row in scores.csv
    folder: Path | None  # None: listed in the export's metadata, but no folder of files
    submitters: tuple[Submitter, ...] = ()
    created_at: datetime | None = None

    @property
    def has_files(self) -> bool:
        return self.folder is not None and any(_files(self.folder))

    def info(self) -> SubmissionInfo | None:
        """What the results' top-level output says about it (as Gradescope's metadata would)."""
        number = re.fullmatch(r"submission_(\d+)", self.key)
        if number is None and self.created_at is None:
            return None
        return SubmissionInfo(submission_id=number.group(1) if number else None, created_at=self.created_at)


def _ignored(name: str) -> bool:
    return name in IGNORED_NAMES or name.startswith("._")


def _files(folder: Path) -> Iterable[tuple[str, Path]]:
    """(relative name, path) of a folder's files, sorted; symbolic links and the OS's litter left out."""
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _ignored(d) and not (here / d).is_symlink())
        for name in sorted(filenames):
            path = here / name
            if not _ignored(name) and not path.is_symlink() and path.is_file():
                yield path.relative_to(folder).as_posix(), path


def find_submissions(source: Path, output: Path) -> list[Submission]:
    """The submissions of INPUT: a folder of submission folders, Gradescope's export zip or its folder.

    A zip is unpacked under ``output`` first. Every folder of the export's metadata is a submission
    (one without files too: it is graded as empty, with the status "no files"), then every other folder.
    """
    source = Path(source).resolve()  # the warm graders run from the assignment's folder
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise BatchError(f"{source} is neither a folder of submissions nor a zip (Gradescope's export)")
        source = unpack_zip(source, output / UNPACKED_FOLDER)
    elif not source.is_dir():
        raise BatchError(f"{source} does not exist")
    root = _export_root(source)
    metadata = read_export_metadata(root / EXPORT_METADATA) if (root / EXPORT_METADATA).is_file() else {}
    output = Path(output).resolve()
    folders = {p.name: p for p in sorted(root.iterdir()) if p.is_dir() and not _ignored(p.name)
               and not p.name.startswith(".") and not output.is_relative_to(p.resolve())}  # DIR may be in INPUT
    strange = [key for key in metadata if "/" in key or "\\" in key or key.startswith(".") or not key.strip()]
    if strange:
        raise BatchError(f"{root / EXPORT_METADATA} names {strange[0]!r}, which is not a submission folder's name")
    submissions = []
    for key in [*metadata, *(k for k in folders if k not in metadata)]:
        entry = metadata.get(key, {})
        submissions.append(Submission(key, folders.get(key), _submitters(entry.get("submitters")),
                                      _moment(entry.get("created_at"))))
    if not submissions:
        loose = [p.name for p in root.iterdir() if p.is_file() and p.suffix in (".py", ".ipynb")]
        raise BatchError(f"{source} holds no submission folders" + (
            f" (its {', '.join(sorted(loose)[:3])} look like one submission: grade it with `grade`)" if loose else ""))
    return submissions


def _export_root(folder: Path) -> Path:
    """The folder holding the export's metadata: ``folder``, or its only subfolder when that one does
    (Gradescope's zip holds one folder, ``assignment_<id>_export/``)."""
    if (folder / EXPORT_METADATA).is_file():
        return folder
    inner = [p for p in folder.iterdir() if p.is_dir() and not _ignored(p.name)]
    if len(inner) == 1 and (inner[0] / EXPORT_METADATA).is_file():
        return inner[0]
    return folder


def unpack_zip(path: Path, destination: Path) -> Path:
    """Unpack a zip into ``destination`` (emptied first): regular files only, none outside it."""
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    total = 0
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            parts = Path(member.filename.replace("\\", "/")).parts
            mode = member.external_attr >> 16
            if (member.is_dir() or not parts or member.filename.startswith(("/", "\\")) or ".." in parts
                    or any(_ignored(p) for p in parts) or (mode and (mode & 0o170000) not in (0, 0o100000))):
                continue  # folders come with their files; absolute paths, "..", links and the OS's litter never
            total += member.file_size
            if total > _MAX_UNPACKED_BYTES:
                raise BatchError(f"{path} unpacks to more than {_MAX_UNPACKED_BYTES >> 30} GiB")
            target = destination.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
    return destination


def _plain_key(key: Any) -> str:
    return str(key).lstrip(":")


def _plain(value: Any) -> Any:
    """The metadata with Ruby's symbol keys (":submitters") read as plain ones ("submitters")."""
    if isinstance(value, dict):
        return {_plain_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def read_export_metadata(path: Path) -> dict[str, dict[str, Any]]:
    """Gradescope's submission_metadata.yml: {submission folder: {"submitters": [...], "created_at": ...}}."""
    if path.stat().st_size > _MAX_METADATA_BYTES:
        raise BatchError(f"{path} is larger than {_MAX_METADATA_BYTES >> 20} MiB")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except yaml.YAMLError as exc:
        raise BatchError(f"{path} is not readable YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BatchError(f"{path} should map each submission folder to its details")
    return {_plain_key(key): (_plain(entry) if isinstance(entry, dict) else {}) for key, entry in data.items()}


def _submitters(raw: Any) -> tuple[Submitter, ...]:
    found = []
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, dict):
            found.append(Submitter(*(str(entry.get(k) or "").strip() for k in ("name", "sid", "email"))))
    return tuple(found)


def _moment(value: Any) -> datetime | None:
    """An export's time (YAML reads most as datetimes already); None unless it carries its time zone."""
    if isinstance(value, str):
        try:
            text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip())  # Python 3.10 reads 6 digits of a second at most
            value = datetime.fromisoformat(text.replace(" -", "-").replace(" +", "+").replace("Z", "+00:00"))
        except ValueError:
            return None
    return value if isinstance(value, datetime) and value.tzinfo is not None else None
