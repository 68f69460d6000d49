"""A batch's outputs for the staff: scores.csv for the gradebook, report.md for reading.

Both are written from the results files in the output folder (autograder.batch),
so a resumed batch reports every submission, graded today or before.

scores.csv has one row per submission: its folder, its submitters (names, SIDs and
emails, several joined by "; " for a group), each question's score, the total
and a status for anything unusual (autograder.batch's statuses). A submission
the grader could not grade has empty score cells, never a 0 a gradebook would
take for a grade.

report.md gives, per question, the mean, the median, the distribution and the
most common failure sentences with their counts. A sentence is normalised
before it is counted, so that the same mistake on other inputs counts once:
numbers become N, quoted values '…', bracketed ones (a check's case, an
array) […] and shapes (…). With matplotlib importable, a PNG histogram per question is drawn
beside it (and silently not otherwise).
"""
from __future__ import annotations

import csv
import html
import io
import os
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from autograder.batch import (FAILED_TWICE, RESULTS_FOLDER, Submission, questions_of, read_json, stamp_path)
from autograder.config import Config, Question
from autograder.run import Run

SCORES_NAME = "scores.csv"
REPORT_NAME = "report.md"
HISTOGRAMS_FOLDER = "histograms"
TOP_FAILURES = 8  # sentences shown per question
_SENTENCE_CHARS = 240  # of one failure sentence in the report
_BUCKETS = (("0", 0.0, 0.0), ("<25%", 0.0, 0.25), ("25-49%", 0.25, 0.5), ("50-74%", 0.5, 0.75),
            ("75-99%", 0.75, 1.0), ("full", 1.0, 1.0))
_SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is run by spreadsheets


@dataclass
class Row:
    """One submission's line: who, what each question scored (None: not graded), and its status."""

    submission: Submission
    scores: dict[str, float | None]  # question number -> score
    total: float | None
    status: str
    outputs: dict[str, str]  # question number -> its output, for the failures of failed questions
    max_scores: dict[str, float]


def collect(config: Config, base: Run, submissions: Sequence[Submission],
            output: Path) -> tuple[list[Question], list[Row]]:
    """The graded questions and each submission's row, read from the results files."""
    questions = questions_of(config, base.questions)
    rows = []
    for submission in submissions:
        results_path = output / RESULTS_FOLDER / f"{submission.key}.json"
        data = read_json(results_path) or {}
        record = read_json(stamp_path(results_path)) or {}
        final = record.get("final") is True and bool(data)
        status = str(record.get("status") or ("" if data else "not graded yet"))
        entries = {str(t.get("number")): t for t in data.get("tests", []) if isinstance(t, dict)}
        scores: dict[str, float | None] = {}
        for q in questions:
            entry = entries.get(q.number)
            scores[q.number] = float(entry["score"]) if final and entry and _number(entry.get("score")) else None
        total = float(data["score"]) if final and _number(data.get("score")) else None
        outputs = {n: str(t.get("output") or "") for n, t in entries.items() if t.get("status") == "failed"}
        maxima = {n: float(t.get("max_score") or 0) for n, t in entries.items()}
        rows.append(Row(submission, scores, total, status, outputs if final else {}, maxima))
    return questions, rows


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- scores.csv -----------------------------------------------------------------------------------
def _cell(text: str) -> str:
    """Text for a spreadsheet: a leading =, +, - or @ is quoted so that no formula runs."""
    return "'" + text if text.startswith(_SPREADSHEET_FORMULA) else text


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.10g}"  # scores carry 4 decimals (scoring); "g" alone keeps 6 digits


def scores_csv(questions: Sequence[Question], rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    possible = sum(q.points for q in questions)
    writer.writerow(["submission", "submitters", "sid", "email",
                     *(f"{q.number} {q.name} (/{q.points:g})" for q in questions), f"total (/{possible:g})", "status"])
    for row in rows:
        people = row.submission.submitters
        writer.writerow([_cell(row.submission.key), *(_cell("; ".join(getattr(p, field) for p in people))
                                                      for field in ("name", "sid", "email")),
                         *(_score(row.scores[q.number]) for q in questions), _score(row.total), row.status])
    return buffer.getvalue()


# -- failure sentences --------------------------------------------------------------------------
_QUOTED = re.compile(r"(?<!\w)'[^'\n]*'(?!\w)|\"[^\"\n]*\"")
_BRACKETED = re.compile(r"\[[^\[\]\n]*\]")
_NESTED = re.compile(r"\[(?:[^\[\]\n]|\[…\])*\]")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w])")
_SHAPE = re.compile(r"\(N(?:, N)*,?\)")  # a shape, once its numbers are N: (N, N) and (N, N, N, N) alike
_COUNTED = re.compile(r"^(?:All|\d+ of) \d+ checks failed:\s*|^The check failed:\s*")
_CHECK_LINE = re.compile(r"^- (?:[^\s:]+: )?")


def normalise(sentence: str) -> str:
    """A failure sentence without what varies between inputs: quoted and bracketed values, numbers."""
    text = _QUOTED.sub("'…'", sentence)
    text = _BRACKETED.sub("[…]", text)
    text = _NESTED.sub("[…]", _NESTED.sub("[…]", text))  # arrays of arrays
    text = _SHAPE.sub("(…)", _NUMBER.sub("N", text))
    text = " ".join(text.split())
    return text if len(text) <= _SENTENCE_CHARS else text[: _SENTENCE_CHARS - 1].rstrip() + "…"


def failure_sentences(output: str) -> list[str]:
    """The reasons a failed question's output gives, one per check line (scoring.explain's layout):
    the verdict's own reason, then the first line of each other check's; notes and printed output left out."""
    found = []
    lines = output.split("\n\n", 1)[0].splitlines()
    for index, line in enumerate(lines):
        line = line.strip()
        if index == 0:
            reason = _COUNTED.sub("", line)
            if reason and not reason.endswith("checks failed:") and not reason.endswith("did not finish:"):
                found.append(reason)
        elif line.startswith("- "):
            found.append(_CHECK_LINE.sub("", line, count=1))
    return [normalise(s) for s in found if s]


def common_failures(rows: Sequence[Row], number: str) -> list[tuple[str, int]]:
    """The most common normalised failure sentences of one question, each counted once per submission."""
    counts: Counter = Counter()
    for row in rows:
        if number in row.outputs:
            counts.update(set(failure_sentences(row.outputs[number])))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_FAILURES]


# -- report.md ----------------------------------------------------------------------------------
def _bucket(fraction: float) -> str:
    if fraction <= 1e-9:
        return "0"
    if fraction >= 1 - 1e-9:
        return "full"
    return next(label for label, _, high in _BUCKETS[1:-1] if fraction < high)


def _distribution(values: Sequence[float], points: float) -> str:
    counts = Counter(_bucket(value / points if points > 0 else 1.0) for value in values)
    return " · ".join(f"{label}: {counts[label]}" for label, _, _ in _BUCKETS)


def _bars(values: Sequence[float], possible: float, width: int = 30) -> list[str]:
    """A text histogram of totals in tenths of the possible score."""
    bins = [0] * 10
    for value in values:
        bins[min(int(10 * value / possible), 9) if possible > 0 else 9] += 1
    most = max(bins) or 1
    lines = []
    for i, count in enumerate(bins):
        low, high = possible * i / 10, possible * (i + 1) / 10
        label = f"{low:g}-{high:g}" + ("" if i < 9 else " (incl.)")
        lines.append(f"{label:>16} | {'#' * round(width * count / most)} {count}")
    return lines


def _stats(values: Sequence[float]) -> str:
    if not values:
        return "no graded submission"
    return (f"mean {statistics.fmean(values):.2f}, median {statistics.median(values):g}, "
            f"min {min(values):g}, max {max(values):g}")


def _points(points: float) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


def _text(sentence: str) -> str:
    return html.escape(sentence, quote=False).replace("|", "\\|")


def report_markdown(config: Config, base: Run, questions: Sequence[Question], rows: Sequence[Row],
                    histograms: dict[str, str]) -> str:
    graded = [r for r in rows if r.total is not None]
    possible = sum(q.points for q in questions)
    unusual = [r for r in rows if r.status]
    totals = [r.total for r in graded]
    lines = [f"# Batch report: {config.assignment}", "",
             f"{len(rows)} submissions, {len(graded)} graded ({base.backend}); {len(unusual)} with a status to "
             "look at. "
             f"Written {datetime.now().astimezone().isoformat(sep=' ', timespec='minutes')}.", "",
             f"## Total (out of {possible:g})", "", _stats(totals), ""]
    if totals:
        lines += ["```", *_bars(totals, possible), "```", ""]
    lines += ["## Questions", "", "| # | question | points | mean | median | full marks | zero |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for q in questions:
        values = [r.scores[q.number] for r in graded if r.scores[q.number] is not None]
        mean = f"{statistics.fmean(values):.2f}" if values else "-"
        median = f"{statistics.median(values):g}" if values else "-"
        full = sum(v >= q.points - 1e-9 for v in values)
        zero = sum(v <= 1e-9 for v in values)
        lines.append(f"| {q.number} | {_text(q.title)} | {q.points:g} | {mean} | {median} | {full} | {zero} |")
    for q in questions:
        values = [r.scores[q.number] for r in graded if r.scores[q.number] is not None]
        lines += ["", f"### {q.number} {_text(q.title)} ({_points(q.points)})", "", _stats(values) + ".", "",
                  f"Distribution: {_distribution(values, q.points)}"]
        not_here = [r for r in graded if r.max_scores.get(q.number, q.points) == 0]
        if not_here:
            lines.append(f"(not graded on this machine for {len(not_here)} submissions: it counted 0 of 0 points)")
        failures = common_failures(graded, q.number)
        if failures:
            lines += ["", "Most common failures (submissions):", ""]
            lines += [f"- {count} × {_text(sentence)}" for sentence, count in failures]
        if q.number in histograms:
            lines += ["", f"![{q.name}]({histograms[q.number]})"]
    if unusual:
        lines += ["", "## Submissions with a status", "", "| submission | submitters | total | status |",
                  "|---|---|---:|---|"]
        for r in unusual:
            names = "; ".join(p.name or p.email or p.sid for p in r.submission.submitters)
            total = _score(r.total) or "-"
            lines.append(f"| {_text(r.submission.key)} | {_text(names)} | {total} | {_text(r.status)} |")
        failed = [r for r in unusual if r.status.startswith(FAILED_TWICE)]
        if failed:
            lines += ["", f"{len(failed)} submissions could not be graded (their score cells are empty): "
                      "run the same command again to retry them."]
    return "\n".join(lines) + "\n"


def draw_histograms(questions: Sequence[Question], rows: Sequence[Row], folder: Path) -> dict[str, str]:
    """A PNG per question (number -> its path relative to the report), if matplotlib is importable."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:  # noqa: BLE001 - no matplotlib (or no usable one): the report goes without pictures
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    drawn = {}
    for q in questions:
        values = [r.scores[q.number] for r in rows if r.scores[q.number] is not None]
        if not values:
            continue
        figure, axes = plt.subplots(figsize=(4.5, 2.8))
        axes.hist(values, bins=min(10, max(1, int(q.points) + 1)), range=(0, max(q.points, 1e-9)), color="#4c72b0")
        axes.set_title(f"{q.number} {q.title}"[:60], fontsize=9)
        axes.set_xlabel(f"score (of {q.points:g})")
        axes.set_ylabel("submissions")
        figure.tight_layout()
        name = f"{q.number}-{q.name}.png"
        figure.savefig(folder / name, dpi=90)
        plt.close(figure)
        drawn[q.number] = f"{HISTOGRAMS_FOLDER}/{name}"
    return drawn


def _write_text(path: Path, text: str) -> None:
    """Write atomically, as the results are: a reader sees the old file or the whole new one."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_outputs(config: Config, base: Run, submissions: Sequence[Submission], output: Path) -> tuple[Path, Path]:
    """scores.csv and report.md (and the histograms) in ``output``, from its results files."""
    questions, rows = collect(config, base, submissions, output)
    _write_text(output / SCORES_NAME, scores_csv(questions, rows))
    histograms = draw_histograms(questions, [r for r in rows if r.total is not None], output / HISTOGRAMS_FOLDER)
    _write_text(output / REPORT_NAME, report_markdown(config, base, questions, rows, histograms))
    return output / SCORES_NAME, output / REPORT_NAME
