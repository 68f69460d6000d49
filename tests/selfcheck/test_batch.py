"""Batch grading end to end on the top-level assignment: a class of 21 submissions, as a folder and
as Gradescope's export zip, graded by ``python -m autograder batch`` with both engines.

The class: the reference (twice, as two students), the template (twice), wrong variants from the
audit corpus, a syntax error, a loop that swallows every exception, a memory bomb, a process that
exits, and a folder with no file. Only two questions are graded (relu and sgd: what the variants
break), under a 1 s deadline per call, so the whole check takes about a minute and a half on two cores.
The local batch is killed midway and re-run: it grades only what was missing. The Ray batch (a
local instance; skipped with the reason where Ray is not installed) grades the zip to the same
scores, and a few submissions graded alone by ``grade`` score the same again.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from autograder import audit
from autograder.config import Config, load_config, write_variant
from autograder.grading import grade

pytestmark = pytest.mark.e2e
REPOSITORY = Path(__file__).resolve().parents[2]
QUESTIONS = ("relu", "sgd")
POSSIBLE = {"relu": 4, "sgd": 2}
VARIANTS = ("relu_forward_is_abs", "relu_forward_in_place", "relu_forward_np_max_instead_of_maximum",
            "relu_forward_left_as_a_pass_stub", "relu_forward_floor_at_0.01", "relu_backward_passes_everything",
            "relu_backward_uses_dout_sign", "sgd_step_uphill", "sgd_without_the_learning_rate",
            "sgd_scales_dw_in_place", "sgd_ignores_the_configured_learning_rate", "sgd_default_learning_rate_1e-3")
BROKEN = {  # file -> text appended (or, for a syntax error, the whole file)
    "syntax_error": ("optim.py", "def sgd(w, dw, config=None):\n    return w -\n"),
    "infinite_loop": ("layers.py", "\n\ndef relu_forward(x):  # loops forever, swallowing every exception\n"
                                   "    while True:\n        try:\n            while True:\n                pass\n"
                                   "        except BaseException:\n            pass\n"),
    # Chunks over the 512 MB cap: the first one fails at once, before a page is touched. Chunks under it were
    # zero-filled first, and on a loaded machine that ran past the 1 s deadline ("call timed out") as often
    # as it reached the cap: a verdict that depended on the load, not on the submission.
    "memory_bomb": ("layers.py", "\n\ndef relu_forward(x):\n    hoard = []\n    while True:\n"
                                 "        hoard.append(bytearray(1 << 30))\n"),
    "exits": ("optim.py", "\n\ndef sgd(w, dw, config=None):\n    import os\n    os._exit(0)\n"),
}
CLASS_SIZE = 2 + 2 + len(VARIANTS) + len(BROKEN) + 1  # references, templates, variants, broken, an empty folder
KILL_AFTER = 4  # results written before the first local batch is killed


def _sandbox_settings(config: Config) -> dict:
    raw = yaml.safe_load(config.path.read_text(encoding="utf-8"))
    return {**raw["sandbox"], "call_seconds": 1, "memory_mb": 512}


@pytest.fixture(scope="module")
def quick(top_level: Config, tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The top-level assignment with a 1 s deadline per call (the loop and the bomb cost 1 s each)."""
    return load_config(write_variant(top_level, {"sandbox": _sandbox_settings(top_level)},
                                     tmp_path_factory.mktemp("quick-config")))


def make_class(config: Config, root: Path) -> dict[str, Path]:
    """Twenty-one submission folders under ``root``, by name."""
    made = {}
    for name in ("reference_a", "reference_b"):
        made[name] = Path(shutil.copytree(config.reference_dir, root / name))
    for name in ("template_a", "template_b"):
        made[name] = Path(shutil.copytree(config.template_dir, root / name))
    corpus = {v.name: v for v in audit.load_corpus(config, VARIANTS)}
    for name in VARIANTS:
        made[name] = audit.apply_variant(corpus[name], config.reference_dir, root / name)
    for name, (file, text) in BROKEN.items():
        folder = made[name] = Path(shutil.copytree(config.reference_dir, root / name))
        if name == "syntax_error":
            (folder / file).write_text(text)
        else:
            with open(folder / file, "a", encoding="utf-8") as handle:
                handle.write(text)
    made["no_files"] = root / "no_files"
    made["no_files"].mkdir()
    assert len(made) == CLASS_SIZE
    return made


def export_zip(made: dict[str, Path], path: Path) -> dict[str, str]:
    """The class as Gradescope's export: ``submission_<n>/`` folders and submission_metadata.yml
    (Ruby's symbol keys); {submission folder: class name}."""
    keys = {f"submission_{1000 + i}": name for i, name in enumerate(made)}
    metadata = {key: {":submitters": [{":name": f"Student {name}", ":sid": str(1000 + i),
                                        ":email": f"{name}@example.edu"}],
                      ":created_at": "2030-01-01 10:00:00.000000000 -08:00", ":score": 0.0}
                for i, (key, name) in enumerate(keys.items())}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("assignment_77_export/submission_metadata.yml", yaml.safe_dump(metadata, sort_keys=False))
        for key, name in keys.items():
            for file in sorted(made[name].rglob("*")):
                if file.is_file() and "__pycache__" not in file.parts:
                    archive.write(file, f"assignment_77_export/{key}/{file.relative_to(made[name]).as_posix()}")
    return keys


def batch_command(config: Config, source: Path, output: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "autograder", "--assignment", str(config.root), "batch", str(source),
            "--output", str(output), "--jobs", "2", "--questions", *QUESTIONS, *extra]


def run_batch(command: list[str]) -> subprocess.CompletedProcess:
    completed = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return completed


def read_scores(output: Path) -> dict[str, dict[str, str]]:
    return {row["submission"]: row for row in csv.DictReader(io.StringIO((output / "scores.csv").read_text()))}


def points(row: dict[str, str]) -> tuple[float, float]:
    return float(row["1.2 relu (/4)"]), float(row["2.1 sgd (/2)"])


@pytest.fixture(scope="module")
def graded(top_level: Config, quick: Config, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The class graded locally (killed midway, then resumed), by Ray from the zip, and a few alone."""
    work = tmp_path_factory.mktemp("batch")
    made = make_class(top_level, work / "class")
    keys = export_zip(made, work / "export.zip")
    local = work / "out-local"

    first = subprocess.Popen(batch_command(quick, work / "class", local), cwd=REPOSITORY, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while len(list(local.glob("results/*.batch.json"))) < KILL_AFTER and first.poll() is None:
        assert time.monotonic() < deadline, "the first batch wrote no result in 5 minutes"
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)  # the batch, its fork server and its warm graders, at once
    first.wait()
    before = {p.name: json.loads(p.read_text())["graded_at"] for p in local.glob("results/*.batch.json")}
    resumed = run_batch(batch_command(quick, work / "class", local))

    alone = ["reference_a", "sgd_step_uphill", "syntax_error"]
    with ThreadPoolExecutor(len(alone) + 1) as pool:
        singles = {name: pool.submit(grade, made[name], quick, questions=QUESTIONS, backend="sandbox")
                   for name in alone}
        ray_run = None
        if _ray_importable():
            command = batch_command(quick, work / "export.zip", work / "out-ray", "--engine", "ray")
            ray_run = pool.submit(run_batch, command)
        ray_completed = ray_run.result() if ray_run else None
        singles = {name: future.result() for name, future in singles.items()}
    return {"work": work, "made": made, "keys": keys, "local": local, "before": before, "resumed": resumed,
            "singles": singles, "ray": ray_completed}


def _ray_importable() -> bool:
    return importlib.util.find_spec("ray") is not None


def test_the_killed_batch_resumes_with_what_was_missing(graded):
    before, resumed = graded["before"], graded["resumed"]
    assert len(before) >= KILL_AFTER
    assert f"{CLASS_SIZE - len(before)} to grade ({len(before)} unchanged)" in resumed.stderr, resumed.stderr[-2000:]
    after = {p.name: json.loads(p.read_text())["graded_at"] for p in graded["local"].glob("results/*.batch.json")}
    assert len(after) == CLASS_SIZE
    assert {name: after[name] for name in before} == before  # nothing graded twice
    assert "done" in resumed.stderr and "remaining 0" in resumed.stderr


def test_scores_csv_has_every_submission_with_its_scores_and_status(graded):
    rows = read_scores(graded["local"])
    assert len(rows) == CLASS_SIZE
    assert list(next(iter(rows.values()))) == ["submission", "submitters", "sid", "email", "1.2 relu (/4)",
                                               "2.1 sgd (/2)", "total (/6)", "status"]
    for name in ("reference_a", "reference_b"):
        assert points(rows[name]) == (4, 2) and rows[name]["status"] == "", rows[name]
    for name in ("template_a", "template_b", "no_files"):
        assert points(rows[name]) == (0, 0), rows[name]
    for name in VARIANTS:
        lost = "relu" if name.startswith("relu") else "sgd"
        kept = "sgd" if lost == "relu" else "relu"
        relu, sgd = points(rows[name])
        assert {"relu": relu, "sgd": sgd}[lost] < POSSIBLE[lost], name
        assert {"relu": relu, "sgd": sgd}[kept] == POSSIBLE[kept], name
    assert points(rows["syntax_error"]) == (4, 0) and "import error" in rows["syntax_error"]["status"]
    assert points(rows["infinite_loop"]) == (0, 2) and "call timed out" in rows["infinite_loop"]["status"]
    assert points(rows["memory_bomb"])[1] == 2 and rows["memory_bomb"]["status"] == "out of memory"
    assert points(rows["exits"]) == (4, 0) and "crashed" in rows["exits"]["status"]
    assert rows["no_files"]["status"] == "no files"
    for name, row in rows.items():
        assert float(row["total (/6)"]) == sum(points(row)), name


def test_each_submission_scores_as_it_does_alone(graded):
    for name, report in graded["singles"].items():
        batched = json.loads((graded["local"] / "results" / f"{name}.json").read_text())
        assert [(t["number"], t["score"]) for t in batched["tests"]] == [
            (t["number"], t["score"]) for t in report.data["tests"]], name
        assert batched["tests"][0]["output"] == report.data["tests"][0]["output"], name


def test_the_report_counts_each_failure_sentence_across_the_class(graded):
    report = (graded["local"] / "report.md").read_text()
    print(report)
    assert "# Batch report: Neural networks from scratch" in report
    assert "| 1.2 | ReLU, forward and backward | 4 |" in report and "| 2.1 | SGD | 2 |" in report
    # Both templates fail relu with one sentence, whatever the line numbers and cases.
    assert "- 2 × relu_forward is not implemented yet" in report
    assert "### 2.1 SGD (2 points)" in report and "Distribution: 0: " in report
    assert "| no_files |  | 0 | no files |" in report


def test_the_ray_engine_grades_the_zip_to_the_same_scores(graded):
    if graded["ray"] is None:
        pytest.skip("Ray is not installed (pip install nn-autograder[cluster]): the ray engine is not checked")
    local, remote = read_scores(graded["local"]), read_scores(graded["work"] / "out-ray")
    assert len(remote) == CLASS_SIZE
    for key, name in graded["keys"].items():
        row = remote[key]
        assert points(row) == points(local[name]), name
        assert row["status"] == local[name]["status"], name
        assert row["submitters"] == f"Student {name}" and row["email"] == f"{name}@example.edu"
    info = json.loads((graded["work"] / "out-ray" / "results" / "submission_1000.json").read_text())
    assert info["output"].splitlines()[1] == "Submission 1000, submitted 2030-01-01 10:00:00-08:00."
