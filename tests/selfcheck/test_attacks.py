"""The sandboxed back end, graded for real: the whole assignment, then the attack corpus.

The reference earns every point sandboxed and the template none, for the
same reasons as in-process (the session's runs through the Gradescope zip,
conftest.Grades). Each attack of tests/audit/attacks.py is graded
sandboxed on its attacked question and one honest question: the attacked
one scores 0, the honest one full marks, results.json is valid and carries
the run's nonce, and no attack left a file outside its own folder. The
attacks need root (the uid switch and the namespaces; CI runs as root).
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from autograder.audit import apply_variant
from autograder.config import load_config
from autograder.grading import grade
from autograder.results import validate_results
from autograder.sandbox import landlock

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("_autograder_attacks", ROOT / "tests" / "audit" / "attacks.py")
attacks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attacks)
ATTACKED, ATTACKS, HONEST, MARKER = attacks.ATTACKED, attacks.ATTACKS, attacks.HONEST, attacks.MARKER
DECOY = Path(attacks.DECOY)
CONFIG = load_config(ROOT / "autograder.yml")
ATTACK_SECONDS = 2  # the per-call deadline while grading attacks: each timeout attack costs it per check
ATTACK_PROCESSES = 16  # the process cap while grading attacks (the fork bomb's size)
pytestmark = pytest.mark.e2e


def _grade_all(jobs: list) -> list:
    with ThreadPoolExecutor(max_workers=2) as pool:  # CI has 2 cores; each grade is mostly one child process
        return list(pool.map(lambda job: job(), jobs))


def test_reference_earns_every_point_sandboxed(grades):
    _, data = grades.gradescope(CONFIG)["reference"]
    lost = {t["name"]: t["output"] for t in data["tests"]
            if t["score"] < t["max_score"] and not t["output"].startswith("Not graded here")}
    assert not lost, f"the reference loses points in the sandbox: {lost}"
    assert data["score"] == grades.reference(CONFIG).data["score"]


def test_template_earns_nothing_sandboxed_and_says_why(grades):
    # As in-process (test_assignment.py); the sentences themselves are compared word for word
    # with the in-process back end's in autograder/tests/test_sandbox.py.
    predictions = getattr(CONFIG, "predictions", None)  # a question whose work is a file, not a function
    reasons = {predictions.question: f"there is no {predictions.file} in the submission"} if predictions else {}
    numbers = {q.number: q.name for q in CONFIG.questions.values()}
    _, data = grades.gradescope(CONFIG)["template"]
    for test in data["tests"]:
        assert test["score"] == 0, f"{test['name']}: the template earns {test['score']} sandboxed"
        reason = reasons.get(numbers[test["number"]], "not implemented yet")
        assert reason in test["output"] or test["output"].startswith("Not graded here"), f"{test['name']}: {test}"


def test_results_carry_the_runs_nonce(grades, tmp_path):
    _, data = grades.gradescope(CONFIG)["reference"]
    assert len(data["extra_data"]["autograder_nonce"]) == 32
    results = tmp_path / "results"
    results.mkdir()
    (results / "forged.json").write_text("{}")
    (results / "results.json").write_text('{"score": 1000}')
    again = grade(CONFIG.template_dir, CONFIG, results / "results.json", backend="sandbox", questions=["sgd"],
                  test_files=[CONFIG.tests_dir / "test_optim.py"], clean_results_folder=True)
    on_disk = json.loads((results / "results.json").read_text())
    assert on_disk["extra_data"]["autograder_nonce"] == again.nonce != data["extra_data"]["autograder_nonce"]
    assert sorted(p.name for p in results.iterdir()) == ["results.json"]


# -- the attack corpus ----------------------------------------------------------------
def _attack_config(folder: Path) -> Path:
    """autograder.yml with absolute folders and a short per-call deadline."""
    raw = yaml.safe_load(CONFIG.path.read_text(encoding="utf-8"))
    for key in ("tests_dir", "fixtures_dir", "reference_dir", "template_dir", "default_submission"):
        raw[key] = str(getattr(CONFIG, key))
    raw.pop("audit_dir", None)
    # Fewer processes than the default cap: killing a fork bomb costs ~70 ms per process (measured).
    raw["sandbox"] = {**(raw.get("sandbox") or {}), "call_seconds": ATTACK_SECONDS, "processes": ATTACK_PROCESSES}
    path = folder / "autograder.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _markers(own_temporary: Path) -> list[str]:
    """Marker files in the places an attack aims at: this session's own temporary folders (every results
    folder of this run), the repository, /autograder and the home folders. Shared folders such as /tmp
    are never walked: another run on the machine may remove its folders meanwhile."""
    found = []
    for top in (own_temporary, ROOT, Path("/autograder")):
        if top.is_dir():
            found += [str(p) for p in top.rglob(MARKER)]
    found += [str(p) for p in Path.home().glob(f"*/{MARKER}")] + [str(p) for p in Path.home().glob(MARKER)]
    return found


@pytest.fixture(scope="module")
def attack_reports(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the attack corpus needs root: the worker's uid switch and namespaces (CI runs as root)")
    base = tmp_path_factory.mktemp("attacks")
    config = load_config(_attack_config(base))
    test_files = [CONFIG.tests_dir / "test_layers.py", CONFIG.tests_dir / "test_optim.py"]
    own_temporary = tmp_path_factory.getbasetemp()
    before = _markers(own_temporary)
    if landlock.abi_version():  # without Landlock nothing can hide a copy the grader does not know of
        _plant_decoy()

    def job(variant):
        folder = base / variant.name
        submission = apply_variant(variant, CONFIG.reference_dir, folder / "submission")
        results = folder / "results" / "results.json"
        return grade(submission, config, results, backend="sandbox", questions=[*ATTACKED, *HONEST],
                     test_files=test_files, clean_results_folder=True)

    try:
        reports = dict(zip((v.name for v in ATTACKS), _grade_all([lambda v=v: job(v) for v in ATTACKS])))
    finally:
        shutil.rmtree(DECOY, ignore_errors=True)
    return base, reports, sorted(set(_markers(own_temporary)) - set(before))


def _plant_decoy() -> None:
    """A world-readable copy of the fixtures and tests outside every folder the grader hides."""
    shutil.rmtree(DECOY, ignore_errors=True)
    for name in ("fixtures", "tests"):
        shutil.copytree(ROOT / name, DECOY / name)
    for path in [DECOY, *DECOY.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize("attack", [v.name for v in ATTACKS])
def test_attack_is_contained(attack_reports, attack):
    base, reports, _ = attack_reports
    report = reports[attack]
    scores = {r.question.name: (r.score, r.max_score, r.output) for r in report.results}
    for name in ATTACKED:
        assert scores[name][0] == 0, f"{attack}: the attacked question {name} scored {scores[name]}"
    for name in HONEST:
        assert scores[name][0] == scores[name][1], f"{attack}: the honest question {name} lost points: {scores[name]}"
    results = base / attack / "results"
    assert sorted(p.name for p in results.iterdir()) == ["results.json"]
    on_disk = json.loads((results / "results.json").read_text(encoding="utf-8"))
    assert validate_results(on_disk) == []
    assert on_disk["extra_data"]["autograder_nonce"] == report.nonce
    assert (results / "results.json").stat().st_size < 1_000_000


def test_no_attack_left_a_file_outside_its_folder(attack_reports):
    _, _, markers = attack_reports
    assert markers == []
    injected = [str(p) for folder in (ROOT / "tests", ROOT / "autograder") for p in folder.rglob("*.py")
                if p.read_text(encoding="utf-8", errors="replace").endswith("\nraise SystemExit(0)\n")]
    assert injected == []
