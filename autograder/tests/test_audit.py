"""`autograder audit` on the tiny assignment: verdicts, reach, the table and the exit status."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder import audit, cli
from autograder.audit import Variant
from autograder.tests.conftest import make_project, write_files

CORPUS = '''
    from autograder.audit import Variant

    VARIANTS = [
        Variant("double_triples", "mod.py", function="double", loses=("double",),
                new="def double(x):\\n    return 3 * x\\n"),
        Variant("square_with_power", "mod.py", old="return x * x", new="return x ** 2"),
        Variant("negate_plus_zero", "other.py", old="return -x", new="return -x + 0.0"),
    ]
    '''

WEAK = '''
    from autograder.audit import Variant

    VARIANTS = [
        # survives: wrong only at 1e300, which the tests never try
        Variant("negate_wrong_at_zero_only", "other.py", old="return -x", new="return -x + (x == 1e300)",
                loses=("negate",)),
        # declared against the wrong question: it survives there and costs another
        Variant("square_declared_as_double", "mod.py", old="return x * x", new="return x * x + 1", loses=("double",)),
        # a correct alternative the tests wrongly fail
        Variant("negate_as_product_off", "other.py", old="return -x", new="return -1.0001 * x"),
    ]
    '''


@pytest.fixture
def tiny(tmp_path: Path):
    config = make_project(tmp_path / "project", audit_dir="audit")
    write_files(config.root / "audit", {"variants_tiny.py": CORPUS})
    return config


def test_a_variant_reruns_only_the_tests_that_ran_what_it_changes(tiny):
    baseline = audit.grade_baseline(tiny)
    square = Variant("v", "mod.py", old="return x * x", new="return x", loses=("square",))
    assert audit.tests_to_run(square, tiny, baseline) == [
        "tests/test_mod.py::test_square[1.5]", "tests/test_mod.py::test_square[-2.0]"]
    module_level = Variant("m", "other.py", old="def negate", new="LIMIT = 1\n\n\ndef negate")
    assert audit.tests_to_run(module_level, tiny, baseline) == ["tests/test_mod.py::test_negate"]


def test_a_good_corpus_is_caught_and_keeps_full_marks(tiny, capsys):
    assert cli.main(["--config", str(tiny.path), "audit", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "double_triples" in out and "caught" in out
    assert "mutation score: 1/1 = 100.0 %" in out
    assert "2 correct alternatives: 2 full marks, 0 false failures" in out


def test_survivors_collateral_and_false_failures_fail_the_audit(tiny, capsys):
    write_files(tiny.root / "audit", {"variants_weak.py": WEAK})
    assert cli.main(["--config", str(tiny.path), "audit", "--only", "variants_weak", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "survived: negate kept all 1 points" in out
    assert "survived: double kept all 2 points" in out
    assert "collateral loss: square scored 0/3" in out
    assert "false failure: negate scored 0/1" in out
    assert "mutation score: 0/2 = 0.0 %" in out


def test_variants_are_checked_against_the_config(tiny):
    write_files(tiny.root / "audit", {"variants_bad.py": '''
        from autograder.audit import Variant
        VARIANTS = [Variant("x", "mod.py", old="return 2 * x", new="return x", loses=("no_such_question",))]
        '''})
    with pytest.raises(audit.AuditError, match="no question named no_such_question"):
        audit.load_corpus(tiny)


def test_a_snippet_variant_is_named_by_its_enclosing_function(tiny):
    variant = Variant("v", "mod.py", old="return x * x", new="return x", loses=("square",))
    assert audit.function_names(variant, tiny) == ["square"]
    method = Variant("m", "mod.py", function="Net.loss", new="", loses=("square",))
    assert audit.function_names(method, tiny) == ["Net.loss", "Net", "loss"]


@pytest.mark.parametrize("output, problems", [
    ("double, case n3: expected shape (3,), got (2,)", []),
    ("double raised ValueError: bad (mod.py, line 3).", []),
    ("Traceback (most recent call last):\n  double: expected 1, got 2", ["framework traceback"]),
    ("expected 1, got 2", ["does not name double"]),
    ("double: 3", ["no comparison"]),
    ("double loops in Python over the examples of the batch", []),
])
def test_message_basics(output, problems):
    found = audit.message_problems(output, ["double"])
    assert len(found) == len(problems) and all(p in f for p, f in zip(problems, found)), found
