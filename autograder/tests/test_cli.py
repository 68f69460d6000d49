"""The command line's verbs and exit codes (called in-process through main)."""
import json

from autograder.cli import main


def run(project, *args):
    return main([f"--config={project.path}", *args])


def test_fixtures_and_template_verify_exit_codes(project, capsys):
    assert run(project, "fixtures", "verify") == 0
    assert run(project, "template", "verify") == 0
    assert "matches the reference" in capsys.readouterr().out
    (project.template_dir / "mod.py").write_text("# edited\n")
    assert run(project, "template", "verify") == 1
    assert "mod.py: differs from a fresh regeneration" in capsys.readouterr().err
    assert run(project, "template", "regen") == 0
    assert run(project, "template", "verify") == 0


def test_a_broken_config_exits_2_with_one_line(tmp_path, capsys):
    (tmp_path / "autograder.yml").write_text("questions: {}\n")
    assert main([f"--config={tmp_path / 'autograder.yml'}", "fixtures", "verify"]) == 2
    assert capsys.readouterr().err.startswith("autograder: ")


def test_grading_a_missing_folder_exits_0_and_explains_every_question(project, tmp_path, capsys):
    results_path = tmp_path / "results.json"
    assert run(project, "grade", str(tmp_path / "nowhere"), f"--results={results_path}") == 0
    data = json.loads(results_path.read_text())
    assert data["score"] == 0 and len(data["tests"]) == 3
    for test in data["tests"]:
        assert "does not exist, so nothing in it can be graded" in test["output"]
    assert "results written to" in capsys.readouterr().out


def test_a_negative_time_budget_is_refused_by_the_parser(capsys):
    import pytest

    from autograder.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["grade", "--time-budget", "-1"])
    assert "must be positive" in capsys.readouterr().err
