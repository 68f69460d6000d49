"""The audit of every assignment's tests: wrong variants lose points where declared, right ones keep them.

Each assignment's corpus (its ``audit_dir``, files ``variants_*.py``) is graded as ``autograder
audit`` grades it, once per session with every CPU busy, from the reference's shared recorded grade
as baseline; each variant is then one test here, so that a CI failure names the assignment and the
variant. The rule an instructor reads in the README: every function a question lists in
``functions:`` needs at least three wrong variants.
"""
import pytest

from autograder import audit

pytestmark = pytest.mark.audit
MIN_WRONG_VARIANTS = 3


def test_the_reference_earns_every_question_that_can_run_here(assignment, grades):
    baseline, _ = grades.audit(assignment)
    assert not baseline.problems, "\n".join(baseline.problems)


def test_variant_is_graded_as_declared(config, variant, grades):
    result = grades.audit(config)[1][variant.name]
    assert not result.problems, f"{variant.name} ({result.verdict}): " + "; ".join(result.problems)


def test_every_graded_function_has_three_wrong_variants(assignment):
    """The corpus covers what students write: at least three mistakes per function of `functions:`."""
    wrong = [(v.file, audit.function_names(v, assignment)) for v in audit.load_corpus(assignment) if v.loses]
    thin = []
    for question in assignment.questions.values():
        for function in question.functions:
            module, _, qualified = function.partition(".")
            count = sum(file == f"{module}.py" and qualified in names for file, names in wrong)
            if count < MIN_WRONG_VARIANTS:
                thin.append(f"{function}: {count}")
    assert not thin, "functions with fewer than 3 wrong variants: " + ", ".join(thin)
