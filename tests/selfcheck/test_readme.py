"""The README is the user's first page: its commands parse, its make targets exist, and its figures
(the reference's table, the assignments' points) are what the repository gives today."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from autograder.cli import build_parser

REPOSITORY = Path(__file__).resolve().parents[2]

README = (REPOSITORY / "README.md").read_text(encoding="utf-8")


def _shell_lines() -> list[str]:
    """The command lines of the README's ```sh blocks, without their comments."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            command = re.split(r"\s+#", line, maxsplit=1)[0].strip()
            lines += [part.strip() for part in command.split("&&") if part.strip()]
    return lines


COMMANDS = [line for line in _shell_lines() if line.startswith("python -m autograder ")]
MAKE_TARGETS = sorted({word for line in _shell_lines() if line.startswith("make ")
                       for word in line.split()[1:2] if "=" not in word})


@pytest.mark.parametrize("line", COMMANDS)
def test_every_documented_command_parses(line):
    words = shlex.split(line)[3:]
    try:
        build_parser().parse_args(words)
    except SystemExit:
        pytest.fail(f"the README's command does not parse: {line}")


def test_every_documented_make_target_exists():
    makefile = (REPOSITORY / "Makefile").read_text(encoding="utf-8")
    assert MAKE_TARGETS, "the README shows no make command"
    for target in MAKE_TARGETS:
        assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.M), f"make {target}: no such target"


def test_the_grade_table_is_the_references(top_level, grades):
    """The table under "`make grade` prints" ends with the reference's total as graded here."""
    table = README.split("`make grade` prints:", 1)[1].split("```", 2)[1]
    total = re.search(r"Total\s+([\d.]+) / ([\d.]+)", table)
    assert total, "the README's grade table has no Total line"
    data = grades.reference(top_level).data
    assert (float(total.group(1)), float(total.group(2))) == (data["score"], sum(t["max_score"] for t in data["tests"]))
    for result in grades.reference(top_level).results:  # each row shown is the reference's row
        row = re.search(rf"^{re.escape(result.question.number)}\s.*?(\d+) / (\d+)\s", table, flags=re.M)
        if row:
            assert (float(row.group(1)), float(row.group(2))) == (result.score, result.max_score), row.group(0)


def test_the_assignments_table_names_each_folder_with_its_points(assignment):
    rows = {m.group(1): float(m.group(2)) for m in re.finditer(r"^\| `([^`]+)`[^|]*\|.*\| ([\d.]+) \|$", README, re.M)}
    folder = "." if assignment.root == REPOSITORY else assignment.root.relative_to(REPOSITORY).as_posix()
    assert folder in rows, f"the README's assignments table lacks {folder}"
    assert rows[folder] == sum(q.points for q in assignment.questions.values()), folder
