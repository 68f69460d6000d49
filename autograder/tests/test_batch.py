"""Batch grading (autograder.batch, autograder.batch_report) on the tiny project of conftest.py."""
from __future__ import annotations

import csv
import io
import json
import sys
import textwrap
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from autograder import batch, batch_input, batch_ray, batch_report
from autograder.cli import main
from autograder.config import Question
from autograder.grading import budget_message, grade
from autograder.run import Options, resolve
from autograder.scoring import FAILED, NOT_RUN, PASSED, QuestionResult, TestOutcome
from autograder.tests.conftest import REFERENCE, make_project, make_submission, write_files

EXPORT = """\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2030-01-01 10:00:00.000000000 -08:00
  :score: 6.0
  :history: []
submission_102:
  :submitters:
  - :name: "=HYPERLINK(\\"http://x\\")"
    :sid: '2'
    :email: pair1@example.edu
  - :name: Grace Hopper
    :sid: '1906'
    :email: grace@example.edu
  :created_at: 2030-01-02 11:30:00.000000000 -08:00
submission_103:
  :submitters:
  - :name: Nobody Uploaded
    :sid: '3'
"""
LOOP = "def negate(x):\n    while True:\n        pass\n"
EXITS = "import os\n\n\ndef double(x):\n    os._exit(3)\n\n\ndef square(x):\n    return x * x\n"
SYNTAX_ERROR = "def double(x):\n    return 2 * x\n\n\ndef square(x)\n    return x * x\n"
WRONG = "def double(x):\n    return 3 * x\n\n\ndef square(x):\n    return x + 1\n"
# Chunks over the 256 MB cap: the first fails at once, whatever the machine's load (a chunk under the cap is
# zero-filled first, which a loaded machine may not finish within the 1 s deadline).
MEMORY_BOMB = "def negate(x):\n    hoard = []\n    while True:\n        hoard.append(bytearray(1 << 30))\n"
# What each submission of ``klass`` scores: double (2), square (3), negate (1).
EXPECTED = {"alice": (2, 3, 1), "bob": (2, 3, 0), "carol": (0, 3, 1), "dave": (0, 0, 1), "erin": (0, 0, 1),
            "frank": (0, 0, 0), "greg": (2, 3, 0)}


def klass(root: Path) -> Path:
    """A class of the tiny project: right, looping, exiting, unparsable, wrong, empty, a memory bomb."""
    make_submission(root / "alice")
    make_submission(root / "bob", other=LOOP)
    make_submission(root / "carol", mod=EXITS)
    make_submission(root / "dave", mod=SYNTAX_ERROR)
    make_submission(root / "erin", mod=WRONG)
    (root / "frank").mkdir()
    (root / "frank" / ".DS_Store").write_bytes(b"\0")
    make_submission(root / "greg", other=MEMORY_BOMB)
    return root


def scores(output: Path) -> dict[str, dict[str, str]]:
    return {row["submission"]: row for row in csv.DictReader(io.StringIO((output / "scores.csv").read_text()))}


def triple(row: dict[str, str]) -> tuple[float, ...]:
    return tuple(float(row[k]) for k in ("1 double (/2)", "2 square (/3)", "3 negate (/1)"))


def short_calls(project_root: Path) -> None:
    """A call of student code may take 1 s (a loop costs 1 s, not the default 30)."""
    path = project_root / "autograder.yml"
    path.write_text(path.read_text() + "sandbox:\n  call_seconds: 1\n  memory_mb: 256\n")


# -- inputs --------------------------------------------------------------------------------------
def test_export_metadata_reads_ruby_symbol_keys_and_plain_ones(tmp_path: Path) -> None:
    (tmp_path / "symbols.yml").write_text(EXPORT)
    (tmp_path / "plain.yml").write_text(EXPORT.replace(":submitters:", "submitters:").replace(":name:", "name:")
                                        .replace(":sid:", "sid:").replace(":email:", "email:")
                                        .replace(":created_at:", "created_at:"))
    for name in ("symbols.yml", "plain.yml"):
        metadata = batch_input.read_export_metadata(tmp_path / name)
        assert list(metadata) == ["submission_101", "submission_102", "submission_103"]
        assert batch_input._submitters(metadata["submission_102"]["submitters"])[1] == batch_input.Submitter(
            "Grace Hopper", "1906", "grace@example.edu")
        created = batch_input._moment(metadata["submission_101"]["created_at"])
        assert created == datetime(2030, 1, 1, 10, tzinfo=timezone(timedelta(hours=-8)))
    assert batch_input._moment("2030-01-01T10:00:00Z") == datetime(2030, 1, 1, 10, tzinfo=timezone.utc)
    assert batch_input._moment("yesterday") is None
    (tmp_path / "bad.yml").write_text("- just\n- a list\n")
    with pytest.raises(batch.BatchError, match="should map each submission folder"):
        batch_input.read_export_metadata(tmp_path / "bad.yml")


def _export_folder(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / batch_input.EXPORT_METADATA).write_text(EXPORT)
    make_submission(root / "submission_101")
    make_submission(root / "submission_102", mod=WRONG)
    make_submission(root / "submission_999")  # a folder the metadata does not list: still graded
    return root


def test_inputs_a_folder_an_export_folder_and_its_zip(tmp_path: Path) -> None:
    plain = klass(tmp_path / "class")
    found = batch_input.find_submissions(plain, plain / "graded")  # the output folder inside INPUT is no submission
    (plain / "graded").mkdir()
    assert [s.key for s in batch_input.find_submissions(plain, plain / "graded")] == [s.key for s in found]
    assert [s.key for s in found] == sorted(EXPECTED)
    assert [s.has_files for s in found] == [True, True, True, True, True, False, True]  # frank's .DS_Store only

    export = _export_folder(tmp_path / "assignment_7_export")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(export.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(tmp_path).as_posix())
        zipped.writestr("__MACOSX/assignment_7_export/._submission_metadata.yml", b"\0")
        zipped.writestr("../escaped.py", "print('outside')")
        zipped.writestr("/absolute.py", "print('outside')")
    for source in (export, archive):
        found = {s.key: s for s in batch_input.find_submissions(source, tmp_path / "out")}
        assert list(found) == ["submission_101", "submission_102", "submission_103", "submission_999"]
        assert found["submission_102"].submitters[1].email == "grace@example.edu"
        assert found["submission_103"].folder is None and not found["submission_103"].has_files
        assert found["submission_999"].submitters == ()
        info = found["submission_101"].info()
        assert info.submission_id == "101" and info.created_at.hour == 10
        assert found["submission_999"].info().submission_id == "999"
    assert not (tmp_path / "escaped.py").exists() and not (tmp_path / "out" / "escaped.py").exists()
    unpacked = tmp_path / "out" / batch_input.UNPACKED_FOLDER
    assert (unpacked / "assignment_7_export" / "submission_101" / "mod.py").is_file()


def test_one_submission_is_not_a_batch(tmp_path: Path) -> None:
    single = make_submission(tmp_path / "alice")
    with pytest.raises(batch.BatchError, match="look like one submission"):
        batch_input.find_submissions(single, tmp_path / "out")
    (tmp_path / "notes.txt").write_text("not a zip")
    with pytest.raises(batch.BatchError, match="neither a folder"):
        batch_input.find_submissions(tmp_path / "notes.txt", tmp_path / "out")


# -- hashes and stamps ----------------------------------------------------------------------------
def test_hashes_follow_content_not_place(tmp_path: Path) -> None:
    one = batch_input.Submission("one", make_submission(tmp_path / "one"))
    two = batch_input.Submission("two", make_submission(tmp_path / "elsewhere" / "two"))
    assert batch.submission_hash(one) == batch.submission_hash(two)
    (tmp_path / "one" / ".DS_Store").write_bytes(b"litter")
    assert batch.submission_hash(one) == batch.submission_hash(two)
    (tmp_path / "one" / "mod.py").write_text((tmp_path / "one" / "mod.py").read_text() + "\n# edited\n")
    assert batch.submission_hash(one) != batch.submission_hash(two)
    assert batch.submission_hash(batch_input.Submission("none", None)) == batch.submission_hash(
        batch_input.Submission("empty", (tmp_path / "empty").resolve()))

    config = make_project(tmp_path / "project")
    before = batch.assignment_hash(config)
    write_files(config.tests_dir / "selfcheck", {"test_me.py": "def test_me():\n    pass\n"})
    write_files(config.reference_dir, {"mod.py": "# the reference is not graded\n"})
    assert batch.assignment_hash(config) == before
    for changed in (config.tests_dir / "test_mod.py", next(config.fixtures_dir.rglob("*.npz")), config.path):
        original = changed.read_bytes()
        changed.write_bytes(original + b"\n")
        assert batch.assignment_hash(config) != before, changed
        changed.write_bytes(original)
    assert batch.assignment_hash(config) == before
    assert batch.framework_hash() == batch.framework_hash()


def test_a_result_is_final_only_with_its_stamp(tmp_path: Path) -> None:
    results = tmp_path / "results" / "x.json"
    stamp = batch.Stamp("s", "a", "f", ("double",))
    assert not batch.up_to_date(results, stamp)
    batch.write_atomically(results, {"score": 1})
    batch.write_atomically(batch.stamp_path(results), {"stamp": stamp.to_dict(), "final": True})
    assert batch.stamp_path(results).name == "x.batch.json"
    assert batch.up_to_date(results, stamp)
    for other in (batch.Stamp("t", "a", "f", ("double",)), batch.Stamp("s", "b", "f", ("double",)),
                  batch.Stamp("s", "a", "g", ("double",)), batch.Stamp("s", "a", "f", ())):
        assert not batch.up_to_date(results, other)
    batch.write_atomically(batch.stamp_path(results), {"stamp": stamp.to_dict(), "final": False})
    assert not batch.up_to_date(results, stamp)  # the engine failed: the next run tries again
    batch.write_atomically(batch.stamp_path(results), {"stamp": stamp.to_dict(), "final": True})
    results.write_text("{ cut off")
    assert not batch.up_to_date(results, stamp)


def test_status_names_what_is_unusual() -> None:
    question = Question("q", "1", "Q", 1)

    def result(*outcomes: tuple[str, str]) -> list[QuestionResult]:
        return [QuestionResult(question, 0, [TestOutcome(f"t{i}", "q", o, m) for i, (o, m) in enumerate(outcomes)], "")]

    assert batch.run_status(result((PASSED, "")), 60) == ""
    assert batch.run_status(result((PASSED, ""), (NOT_RUN, budget_message(60))), 60) == batch.TIMED_OUT
    assert batch.run_status(result((NOT_RUN, "the grading process stopped abruptly")), 60) == batch.CRASHED
    assert batch.run_status(result((FAILED, "relu did not finish within 2 s (check t)")), 60) == batch.CALL_TIMED_OUT
    assert batch.run_status(result((FAILED, "mod.py could not be imported: SyntaxError")), 60) == batch.IMPORT_ERROR
    assert batch.run_status([QuestionResult(question, 0, [], "")], 60) == batch.NOT_GRADED


# -- the report's words ---------------------------------------------------------------------------
def test_failure_sentences_are_normalised_so_inputs_do_not_split_them() -> None:
    one = ("3 of 9 checks failed:\n- test_scale_forward[3x4]: scale_forward: out, case '3x4': values differ at 6 of 12 "
           "elements (tolerance rtol=1e-09, atol=0).\n  worst at [0, 1]: got 0.5, expected -0.5\n"
           "- test_scale_forward[big]: scale_forward: out, case 'big': values differ at 40 of 100 elements "
           "(tolerance rtol=1e-09, atol=0).\n- test_scale_backward[3x4]: scale_backward returned None\n"
           "note: scale_forward wrote into x\n\nWhat your code printed:\n- not a check: 1")
    sentences = batch_report.failure_sentences(one)
    assert sentences == ["scale_forward: out, case '…': values differ at N of N elements (tolerance rtol=N, atol=N).",
                         "scale_forward: out, case '…': values differ at N of N elements (tolerance rtol=N, atol=N).",
                         "scale_backward returned None"]
    assert batch_report.failure_sentences("All 9 checks failed: x returned an array of shape (2, 3); "
                                          "expected [[1. 2.] [3. 4.]]") == [
        "x returned an array of shape (…); expected […]"]
    assert batch_report.failure_sentences("The check failed: the submission's process exited (exit code 3)") == [
        "the submission's process exited (exit code N)"]
    assert batch_report.normalise('float64 layer2 conv_3x3 "quoted" 2.5e-3 -7') == "float64 layer2 conv_3x3 '…' N N"


def _row(key: str, total: float | None, status: str = "", people: tuple = ()) -> batch_report.Row:
    scores = {"1": None if total is None else total}
    return batch_report.Row(batch_input.Submission(key, None, people), scores, total, status, {}, {"1": 2})


def test_csv_rows_cells_and_formulas() -> None:
    question = Question("double", "1", "Double", 2)
    people = (batch_input.Submitter("=cmd|' /C calc'!A0", "1", "a@x.edu"), batch_input.Submitter("Bo", "2", "b@x.edu"))
    text = batch_report.scores_csv([question], [_row("s1", 2.0, "", people), _row("s2", None, "failed twice: EOF")])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["submission", "submitters", "sid", "email", "1 double (/2)", "total (/2)", "status"]
    assert rows[1] == ["s1", "'=cmd|' /C calc'!A0; Bo", "1; 2", "a@x.edu; b@x.edu", "2", "2", ""]
    assert rows[2] == ["s2", "", "", "", "", "", "failed twice: EOF"]  # no 0 a gradebook would take for a grade


def test_input_may_follow_the_questions(tmp_path: Path, monkeypatch, capsys) -> None:
    """`batch --questions double square INPUT`: argparse gives INPUT to --questions; it is taken back."""
    config = make_project(tmp_path / "project", generate=False)
    seen = {}

    def fake_run_batch(config, run, source, output, **options):
        seen.update(source=source, questions=run.questions)
        raise batch.BatchError("stopped here")

    monkeypatch.setattr(batch, "run_batch", fake_run_batch)
    common = ["--assignment", str(config.root), "batch", "--output", str(tmp_path / "out")]
    assert main([*common, "--questions", "double", "square", str(tmp_path / "class")]) == 2
    assert seen == {"source": tmp_path / "class", "questions": ("double", "square")}
    assert main([*common, "--questions", "double", "square"]) == 2
    assert "INPUT is missing" in capsys.readouterr().err


def test_the_other_submissions_and_the_output_are_hidden_from_each_graded_one(tmp_path: Path) -> None:
    """A submission is graded with its classmates' folders, the zip they came in and the output folder on the
    sandbox's hide list (not left to Landlock, which older kernels lack, or to file modes); the list survives
    the run file that carries each run to a warm grader."""
    config = make_project(tmp_path / "project", generate=False)
    base = resolve(config, Options(backend="sandbox"))
    run = batch.class_run(base, tmp_path / "class.zip", tmp_path / "out").replace(submission=tmp_path / "out" / "s1")
    hidden = set(run.hidden_paths)
    assert {(tmp_path / "class.zip").resolve(), (tmp_path / "out").resolve(), run.submission} <= hidden
    again = type(run).read(run.write(tmp_path / "run.json"))
    assert again.also_hidden == run.also_hidden and set(again.hidden_paths) == hidden


# -- grading a class ---------------------------------------------------------------------------------
@pytest.fixture
def tiny_class(tmp_path: Path):
    config = make_project(tmp_path / "project")
    short_calls(config.root)
    return config, klass(tmp_path / "class")


def test_a_class_is_graded_once_and_each_submission_alone(tiny_class, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    config, source = tiny_class
    output = tmp_path / "out"
    command = ["--assignment", str(config.root), "batch", str(source), "--output", str(output), "--jobs", "2"]
    assert main(command) == 0
    rows = scores(output)
    assert {key: triple(row) for key, row in rows.items()} == EXPECTED
    assert rows["alice"]["status"] == "" and rows["erin"]["status"] == ""
    assert rows["bob"]["status"] == batch.CALL_TIMED_OUT and rows["greg"]["status"] == batch.OUT_OF_MEMORY
    assert rows["carol"]["status"] == batch.CRASHED
    assert rows["dave"]["status"] == batch.IMPORT_ERROR
    assert rows["frank"]["status"] == batch.NO_FILES
    progress = capsys.readouterr().err
    assert "done 7, failed 0, remaining 0" in progress and "left" in progress

    # Each result is what `grade` gives the submission alone (but for its time and its secret).
    for key in ("alice", "carol", "dave"):
        alone = grade(source / key, resolve(config).assignment, backend="sandbox").data
        batched = json.loads((output / "results" / f"{key}.json").read_text())
        for data in (alone, batched):
            data.pop("execution_time")
            data["extra_data"].pop("autograder_nonce")
        assert batched == alone, key

    report = (output / "report.md").read_text()
    assert "| 1 | Double an array | 2 | 0.86 | 0 | 3 | 4 |" in report
    assert "- 1 × double, case '…': values differ at N of N elements" in report
    assert "| frank |  | 0 | no files |" in report

    # Again: nothing to grade. Then one submission changes, and only it is graded again.
    stamps = {p.name: p.read_text() for p in (output / "results").glob("*.batch.json")}
    assert main(command) == 0
    assert "0 to grade (7 unchanged)" in capsys.readouterr().err
    assert stamps == {p.name: p.read_text() for p in (output / "results").glob("*.batch.json")}
    (source / "erin" / "mod.py").write_text(textwrap.dedent(REFERENCE["mod.py"]))
    assert main(command) == 0
    assert "1 to grade (6 unchanged)" in capsys.readouterr().err
    assert triple(scores(output)["erin"]) == (2, 3, 1)
    assert main([*command, "--questions", "double"]) == 0  # another selection: every grade is redone
    assert "7 to grade (0 unchanged)" in capsys.readouterr().err
    assert list(scores(output)["alice"]) == ["submission", "submitters", "sid", "email", "1 double (/2)",
                                             "total (/2)", "status"]


KILLS_ITS_GRADER = textwrap.dedent("""
    import os, signal
    from pathlib import Path


    def negate(x):
        marker = Path({marker!r})
        if {once} and marker.exists():
            return -x
        marker.write_text("tried")
        pid = os.getppid()  # in-process, the parent is the warm grader
        while {ancestor!r} and pid > 1 and not open(f"/proc/{{pid}}/cmdline", "rb").read().startswith({ancestor!r}):
            pid = int(open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()[1])
        if pid > 1:  # never init, should no ancestor match
            os.kill(pid, signal.SIGKILL)
""")


def killer(root: Path, name: str, once: bool, ancestor: bytes = b"") -> Path:
    """A submission whose negate kills its warm grader (or the first ancestor whose command line starts
    with ``ancestor``), every time or only the first."""
    code = KILLS_ITS_GRADER.format(marker=str(root.parent / f"{name}.tried"), once=once, ancestor=ancestor)
    return make_submission(root / name, other=code)


def test_a_grader_that_dies_is_replaced_and_the_submission_retried_once(tmp_path: Path) -> None:
    config = make_project(tmp_path / "project")
    source = tmp_path / "class"
    make_submission(source / "alice")
    killer(source, "killer", once=False)
    killer(source, "flaky", once=True)
    output = tmp_path / "out"
    command = ["--assignment", str(config.root), "batch", str(source), "--output", str(output), "--jobs", "1",
               "--backend", "inprocess"]
    assert main(command) == 1  # one submission could not be graded
    rows = scores(output)
    assert triple(rows["alice"]) == (2, 3, 1) and rows["alice"]["status"] == ""
    assert triple(rows["flaky"]) == (2, 3, 1) and rows["flaky"]["status"] == batch.RETRIED
    assert rows["killer"]["status"].startswith("failed twice: its grading process died")
    assert rows["killer"]["total (/6)"] == "" and rows["killer"]["1 double (/2)"] == ""
    failed = json.loads((output / "results" / "killer.json").read_text())
    assert failed["score"] == 0 and "could not be graded" in failed["tests"][0]["output"]
    assert "run the same command again" in (output / "report.md").read_text()
    assert main(command) == 1  # a failure is never final: the next run tries it (and only it) again
    assert json.loads((output / "results" / "killer.batch.json").read_text())["attempts"] == 2


def _export_zip(source: Path, archive: Path) -> Path:
    """``source``'s submission folders as Gradescope's export zip (its metadata names alice, and frank, whose
    folder holds no file and so is not in the zip)."""
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"assignment_1_export/{batch_input.EXPORT_METADATA}",
                        "alice:\n  :submitters:\n  - :name: Alice\n    :sid: '1'\nfrank:\n  :submitters: []\n")
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.name != ".DS_Store":
                zipped.write(path, f"assignment_1_export/{path.relative_to(source).as_posix()}")
    return archive


def test_the_ray_engine_grades_the_same_and_retries_a_dead_actor(tiny_class, tmp_path: Path) -> None:
    ray = pytest.importorskip("ray", reason="the ray engine needs Ray: pip install nn-autograder[cluster]")
    config, source = tiny_class
    archive = _export_zip(source, tmp_path / "export.zip")
    output = tmp_path / "out"
    base = resolve(config, Options(backend="sandbox"))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)  # one instance for both batches
    try:
        result = batch.run_batch(config, base, archive, output, jobs=2, engine="ray")
        assert result.graded == 7 and not result.failed
        rows = scores(output)
        assert {key: triple(row) for key, row in rows.items()} == EXPECTED
        assert list(rows)[:2] == ["alice", "frank"]  # the metadata's first, then the other folders
        assert rows["alice"]["submitters"] == "Alice" and rows["carol"]["status"] == batch.CRASHED
        assert rows["frank"]["status"] == batch.NO_FILES
        again = batch.run_batch(config, base, archive, output, jobs=2, engine="ray")
        assert again.graded == 0 and again.skipped == 7

        # An actor that dies (its process killed, as when its node is lost) is replaced; its task is retried.
        flaky = tmp_path / "flaky"
        make_submission(flaky / "alice")
        killer(flaky, "actor_killer", once=True, ancestor=b"ray::")
        inprocess = base.replace(backend="inprocess")
        result = batch.run_batch(config, inprocess, flaky, tmp_path / "out-flaky", jobs=1, engine="ray")
        rows = scores(tmp_path / "out-flaky")
        assert triple(rows["actor_killer"]) == (2, 3, 1) and rows["actor_killer"]["status"] == batch.RETRIED
        assert (tmp_path / "actor_killer.tried").exists()
    finally:
        ray.shutdown()


def test_a_node_without_the_assignment_grades_from_the_copy_shipped_to_it(tmp_path: Path) -> None:
    config = make_project(tmp_path / "project")
    base = resolve(config, Options(backend="inprocess"))
    shipped = batch_ray.pack(batch.assignment_files(config))
    digest = batch.assignment_hash(config)
    (tmp_path / "project").rename(tmp_path / "elsewhere")  # the node has no such folder
    grader = batch_ray.RayGrader(base.to_json(), shipped, digest, batch.framework_hash())
    try:
        assert grader.copy is not None and Path(grader.copy, "autograder.yml").is_file()
        reply = grader.grade(batch_ray.pack(batch_input._files(make_submission(tmp_path / "alice"))), None)
        assert reply["data"]["score"] == 6 and reply["status"] == ""
    finally:
        grader.close()
    assert not Path(grader.copy).exists()
    with pytest.raises(batch.BatchError, match="not the driver's"):
        batch_ray.RayGrader(base.to_json(), shipped, digest, "another framework")
    with pytest.raises(batch.BatchError, match="could not be shipped"):
        batch_ray.RayGrader(base.to_json(), None, digest, batch.framework_hash())


def test_without_ray_the_ray_engine_says_what_to_install(tiny_class, tmp_path: Path, monkeypatch, capsys) -> None:
    config, source = tiny_class
    monkeypatch.setitem(sys.modules, "ray", None)  # as where it is not installed
    command = ["--assignment", str(config.root), "batch", str(source), "--output", str(tmp_path / "out")]
    assert main([*command, "--engine", "ray"]) == 2
    assert "pip install 'nn-autograder[cluster]'" in capsys.readouterr().err
    assert main([*command, "--address", "auto"]) == 2
    assert "add --engine ray" in capsys.readouterr().err


def test_without_matplotlib_the_report_has_no_pictures(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    rows = [_row("a", 2.0), _row("b", 0.0)]
    assert batch_report.draw_histograms([Question("double", "1", "Double", 2)], rows, tmp_path / "pictures") == {}
    assert not (tmp_path / "pictures").exists()


def test_two_batches_never_write_one_output_folder(tiny_class, tmp_path: Path) -> None:
    import fcntl

    config, source = tiny_class
    output = tmp_path / "out"
    output.mkdir()
    with open(output / batch.LOCK_NAME, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a batch still running would
        with pytest.raises(batch.BatchError, match="another batch is writing"):
            batch.run_batch(config, resolve(config, Options(backend="sandbox")), source, output)
    assert not list(output.glob("results/*.json"))


def test_tests_that_cannot_be_collected_stop_the_batch_before_any_grade(tmp_path: Path, capsys) -> None:
    config = make_project(tmp_path / "project")
    (config.tests_dir / "test_mod.py").write_text("def test_broken(:\n")
    source = tmp_path / "class"
    make_submission(source / "alice")
    output = tmp_path / "out"
    assert main(["--assignment", str(config.root), "batch", str(source), "--output", str(output)]) == 2
    assert "could not collect the tests" in capsys.readouterr().err
    assert not list(output.glob("results/*.json"))
