"""The audit of the assignment's tests: wrong variants lose points where declared, right ones keep them.

The corpus is tests/audit/variants_*.py, graded as ``autograder audit``
grades it, once per run with every CPU busy; each variant is then one test
here, so that a CI failure names the variant and what went wrong.
"""
import time
from pathlib import Path

import pytest

from autograder import audit
from autograder.config import load_config

CONFIG = load_config(Path(__file__).resolve().parents[2] / "autograder.yml")
VARIANTS = audit.load_corpus(CONFIG)


@pytest.fixture(scope="module")
def audited():
    started = time.monotonic()
    baseline, results = audit.audit(CONFIG, VARIANTS)
    print("\n" + audit.format_report(results, baseline, time.monotonic() - started))
    return baseline, {r.variant.name: r for r in results}


def test_the_reference_earns_every_question_that_can_run_here(audited):
    baseline, _ = audited
    assert not baseline.problems, "\n".join(baseline.problems)


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_variant_is_graded_as_declared(variant, audited):
    result = audited[1][variant.name]
    assert not result.problems, f"{variant.name} ({result.verdict}): " + "; ".join(result.problems)


def test_every_graded_function_has_three_wrong_variants():
    """The corpus covers what students write: at least three mistakes per function of `functions:`."""
    wrong = [v for v in VARIANTS if v.loses]
    thin = []
    for question in CONFIG.questions.values():
        for function in question.functions:
            module, _, qualified = function.partition(".")
            count = sum(v.file == f"{module}.py" and qualified in audit.function_names(v, CONFIG) for v in wrong)
            if count < 3:
                thin.append(f"{function}: {count}")
    assert not thin, "functions with fewer than 3 wrong variants: " + ", ".join(thin)
