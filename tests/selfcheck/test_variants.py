"""Wrong implementations lose points in their question; correct alternatives get full marks.

The variants are declared in variants_*.py beside this file, one file per
part of the assignment. All are graded once (two at a time) per run.
"""
import importlib
from pathlib import Path

import pytest

from autograder.config import load_config
from variants import Variant, grade_variants, verdict

HERE = Path(__file__).resolve().parent
CONFIG = load_config(HERE.parents[1] / "autograder.yml")


def _declared() -> list[Variant]:
    found = []
    for path in sorted(HERE.glob("variants_*.py")):
        found += importlib.import_module(path.stem).VARIANTS
    names = [v.name for v in found]
    assert len(names) == len(set(names)), "variant names must be unique"
    return found


VARIANTS = _declared()


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    return grade_variants(VARIANTS, CONFIG, tmp_path_factory.mktemp("variants"))


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_variant_is_graded_as_declared(variant, scores):
    problems = verdict(variant, scores[variant.name], CONFIG)
    assert not problems, f"{variant.name}: " + "; ".join(problems)


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.loses], ids=str)
def test_the_failure_message_teaches(variant, scores):
    for question in variant.loses:
        output = scores[variant.name][f"{question}:output"]
        assert "Traceback (most recent call last)" not in output
        assert "_pytest" not in output and "autograder/" not in output, output
