"""The folder a student downloads: the template, the visible tests and their fixtures, and a copy of the grader.

``python -m autograder handout --output DIR|FILE.zip`` writes a folder from
which a student runs ``pytest`` and ``python -m autograder check`` with
nothing installed but the listed libraries:

    <the template's files>     the student edits the graded ones in place
    tests/                     the tests of visible questions, their helper modules and data
    fixtures/                  the fixture files those tests read, and nothing else
    autograder/                the grader itself, vendored: the course's exact version, no package to publish
    conftest.py, pytest.ini    pytest finds the plugin and the tests from this folder
    autograder.yml             the assignment's configuration, pointed at this folder
    requirements.txt           the libraries to `pip install -r`
    README.md                  the commands, and each question with its points

It never holds a hidden question's tests or fixtures, a trusted-only helper
(``handout.exclude``), the audit corpus, the self-checks or any reference code:
``check_handout`` proves it as ``build`` proves the zip, by name and by
content, down to the body of each solution block. A hidden question's tests
must live in files of their own, so that leaving them out is exact; a test
file mixing visible and hidden questions is refused with both named.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

import autograder
from autograder.build import (
    EXCLUDED_FOLDERS, FRAMEWORK_EXCLUDED, BuildError, Entry, _walk, check_no_reference, requirements, write_zip,
)
from autograder.config import CONFIG_NAME, Config
from autograder.scoring import number_key
from autograder.template import find_blocks

_MIN_SNIPPET_CHARS = 40  # a solution block shorter than this (one short line) proves nothing by its presence


def questions_by_test_file(config: Config) -> dict[Path, set[str]]:
    """{test file: the questions of its tests}, from a collection of the tests (pytest, in a child)."""
    with tempfile.TemporaryDirectory(prefix="autograder-handout-") as tmp:
        journal = Path(tmp) / "journal.jsonl"
        from autograder.run import Options, resolve

        run = resolve(config, Options(submission=config.reference_dir, backend="inprocess"), environ={})
        run = run.replace(journal_path=journal)
        run_file = run.write(Path(tmp) / "run.json")
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", str(config.tests_dir), f"--autograder-run={run_file}", "--collect-only",
             "-q", "-p", "no:cacheprovider"], cwd=config.root, capture_output=True, text=True)
        from autograder.grading import read_journal

        collected = read_journal(journal).collected
        if not collected and completed.returncode not in (0, 5):
            raise BuildError(f"the tests could not be collected:\n{completed.stdout[-2000:]}")
    found: dict[Path, set[str]] = {}
    for outcome in collected:
        path = (config.root / outcome.nodeid.split("::", 1)[0]).resolve()
        found.setdefault(path, set()).add(outcome.question)
    return found


def _hidden_questions(config: Config) -> set[str]:
    return {q.name for q in config.questions.values() if q.visibility != "visible"}


def test_entries(config: Config) -> tuple[list[Entry], set[str]]:
    """(the tests folder's files a student gets, the fixture sets those tests declare)."""
    from autograder import fixtures

    hidden = _hidden_questions(config)
    questions = questions_by_test_file(config)
    left_out: set[Path] = set(config.handout_exclude)
    for path, names in sorted(questions.items()):
        if names & hidden and names - hidden:
            raise BuildError(f"{path.relative_to(config.root)} tests hidden questions ({', '.join(sorted(names & hidden))}) "
                             f"and visible ones ({', '.join(sorted(names - hidden))}): put a hidden question's tests "
                             "in a file of their own, so that the handout can leave them out")
        if names and names <= hidden:
            left_out.add(path)
    skipped = {config.audit_dir.resolve(), config.tests_dir / "selfcheck"}
    entries = [e for e in _walk(config.tests_dir, "tests", EXCLUDED_FOLDERS, tuple(skipped))
               if e.source.resolve() not in left_out]
    shipped = {e.source.resolve() for e in entries}
    declared = {name for name, fixture_set in fixtures.discover(config).items() if fixture_set.declared_in in shipped}
    return entries, declared


def handout_entries(config: Config) -> tuple[list[Entry], set[str]]:
    """(every file of the handout, sorted by name; the fixture sets its tests declare); BuildError if
    something required is missing."""
    if not config.template_dir.is_dir():
        raise BuildError(f"template_dir {config.template_dir} does not exist: run `python -m autograder template regen`")
    entries = _walk(config.template_dir, ".", EXCLUDED_FOLDERS)
    entries = [Entry(e.name.removeprefix("./"), e.source, e.executable) for e in entries]
    tests, declared = test_entries(config)  # one collection of the tests, in a child pytest: seconds
    entries += tests
    for name in sorted(declared):
        folder = config.fixtures_dir / name
        if folder.is_dir():
            entries += _walk(folder, f"fixtures/{name}", EXCLUDED_FOLDERS)
    entries += _walk(Path(autograder.__file__).parent, "autograder", EXCLUDED_FOLDERS | FRAMEWORK_EXCLUDED)
    entries.sort(key=lambda e: e.name)
    names = [e.name for e in entries]
    if len(names) != len(set(names)):
        raise BuildError("two files would have the same path in the handout: " + ", ".join(sorted(
            {n for n in names if names.count(n) > 1})))
    return entries, declared


def generated_files(config: Config, declared: set[str]) -> dict[str, bytes]:
    """The files written for the handout itself: its configuration, pytest's, the manifest, the README."""
    raw = yaml.safe_load(config.path.read_text(encoding="utf-8")) or {}
    for key in ("reference_dir", "audit_dir", "handout"):
        raw.pop(key, None)
    raw.update({"tests_dir": "tests", "fixtures_dir": "fixtures", "template_dir": ".", "default_submission": "."})
    raw.setdefault("sandbox", {})["backend"] = "inprocess"
    manifest = config.fixtures_dir / "MANIFEST.json"
    recorded = json.loads(manifest.read_text(encoding="utf-8")).get("files", {}) if manifest.is_file() else {}
    kept = {name: digest for name, digest in recorded.items() if name.split("/", 1)[0] in declared}
    return {
        CONFIG_NAME: yaml.safe_dump(raw, sort_keys=False).encode(),
        "pytest.ini": b"[pytest]\ntestpaths = tests\naddopts = -p no:cacheprovider -p no:unraisableexception\n",
        "conftest.py": _CONFTEST.encode(),
        "fixtures/MANIFEST.json": (json.dumps({"files": kept}, indent=1, sort_keys=True) + "\n").encode(),
        "README.md": student_readme(config).encode(),
        **({"requirements.txt": pins} if (pins := requirements(config)) else {}),
    }


_CONFTEST = '''"""Loads the grader's pytest plugin (the copy in this folder), unless an installed one was loaded already."""
import sys

if "autograder.plugin" not in sys.modules:
    pytest_plugins = ["autograder.plugin"]
'''


def student_readme(config: Config) -> str:
    """The commands, then each question with its number, points and what it grades."""
    graded = ", ".join(sorted(name for name, role in config.file_roles.items() if role == "graded"))
    lines = [f"# {config.assignment}", "",
             f"Write your code in {graded}, in this folder, then check it:", "",
             "```sh", "pip install -r requirements.txt      # once: the libraries the grader uses",
             "pytest                               # every visible check, then a table of points",
             "pytest -m relu                       # one question (its name, below)".replace(
                 "relu", next(iter(config.questions))),
             "python -m autograder check          # the table and the reasons only", "```", "",
             "Gradescope runs the same checks (and the hidden ones). The questions:", "",
             "| # | name | points | question |", "| --- | --- | --- | --- |"]
    for question in sorted(config.questions.values(), key=lambda q: number_key(q.number)):
        note = " (graded on Gradescope only)" if question.visibility != "visible" else ""
        lines.append(f"| {question.number} | `{question.name}` | {question.points:g} | {question.title}{note} |")
    return "\n".join(lines) + "\n"


def solution_snippets(config: Config) -> dict[str, str]:
    """{normalised text of each solution block of the reference: where it is}, long enough to prove a copy."""
    snippets = {}
    for path in sorted(config.reference_dir.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        try:
            blocks = find_blocks(text, path.name)
        except Exception:  # noqa: BLE001 - a file the template step would refuse: build refuses it there
            continue
        for block in blocks:
            body = _normalise("\n".join(lines[block.first_line: block.last_line - 1]))
            if len(body) >= _MIN_SNIPPET_CHARS:
                snippets[body] = f"{path.name}: {block.function}"
    return snippets


def _normalise(text: str) -> str:
    """Code without comments and whitespace, so that re-indented or re-spaced copies still match."""
    return re.sub(r"\s+", "", re.sub(r"#[^\n]*", "", text))


def check_handout(config: Config, entries: list[Entry], generated: dict[str, bytes]) -> None:
    """Raise BuildError if the handout holds reference code, a hidden question's tests, or the audit corpus."""
    check_no_reference(config, entries)
    hidden = _hidden_questions(config)
    snippets = solution_snippets(config)
    audit = config.audit_dir.resolve()
    for entry in entries:
        source = entry.source.resolve()
        if source.is_relative_to(audit) or source in config.handout_exclude:
            raise BuildError(f"{entry.name} is trusted-only (the audit corpus or handout.exclude)")
        if entry.name.startswith(("autograder/", "fixtures/")) or not entry.name.endswith(".py"):
            continue
        text = _normalise(entry.source.read_text(encoding="utf-8", errors="replace"))
        for snippet, where in snippets.items():
            if snippet in text:
                raise BuildError(f"{entry.name} holds the body of a solution block of the reference ({where})")
        if entry.name.startswith("tests/") and hidden:
            for question in hidden:
                if re.search(rf"pytest\.mark\.{re.escape(question)}\b", entry.source.read_text(errors="replace")):
                    raise BuildError(f"{entry.name} holds tests of the hidden question {question}")
    for name, data in generated.items():
        if name.endswith(".py") and any(s in _normalise(data.decode()) for s in snippets):
            raise BuildError(f"{name} holds the body of a solution block of the reference")


def build_handout(config: Config, output: Path) -> list[str]:
    """Write the handout to ``output``, a folder or a ``.zip``; the names of its files."""
    entries, declared = handout_entries(config)
    generated = generated_files(config, declared)
    check_handout(config, entries, generated)
    if output.suffix == ".zip":
        return write_zip(entries, output, extra=generated)
    if output.exists() and any(output.iterdir()):
        raise BuildError(f"{output} is not empty; give an empty or new folder")
    for entry in entries:
        target = output / entry.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry.source, target)
        os.chmod(target, 0o755 if entry.executable else 0o644)
    for name, data in generated.items():
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_bytes(data)
    return sorted([e.name for e in entries] + list(generated))
