"""Rubric: the functions autograder.yml lists must not loop in Python over a batch's examples.

The loop check reads the submission's source (autograder.rubric) and names
the loop it finds. It earns points only for a function that also computes
the right values on its first fixture case, so an empty stub or a wrong
vectorised answer does not collect the rubric's points.
"""
import pytest

import test_layers
from autograder.compare import expect_close
from autograder.run import current_assignment
from autograder.errors import GradingFailure
from autograder.rubric import find_batch_loops
from autograder.tolerances import FORWARD_FLOAT64

# Each listed function's correctness gate: a fixture set whose compute() runs it, and the outputs it makes.
GATES = {
    "layers.affine_forward": (test_layers.AFFINE, ("out",)),
    "layers.affine_backward": (test_layers.AFFINE, ("dx", "dw", "db")),
    "layers.softmax_loss": (test_layers.SOFTMAX_LOSS, ("loss", "grad")),
    "layers.svm_loss": (test_layers.SVM_LOSS, ("loss", "grad")),
}
VECTORIZED = current_assignment(__file__).options.get("vectorized_functions", [])


@pytest.mark.vectorized
@pytest.mark.parametrize("function", VECTORIZED)
def test_no_python_loop_over_the_batch(student, function):
    if function not in GATES:
        raise LookupError(f"no correctness gate for {function} in tests/test_rubric.py")
    fixtures, outputs = GATES[function]
    data = fixtures.load(fixtures.cases[-1])
    got = fixtures.compute(student, **data.inputs)
    for name in outputs:
        expect_close(got[name], data.expected[name], what=f"{function} (before its loops are checked): {name}",
                     case=fixtures.cases[-1].name, tol=FORWARD_FLOAT64)

    module, name = function.split(".", 1)
    loops = find_batch_loops(student.source(module) or "", name)
    if loops is None:
        raise GradingFailure(f"{function}: not found in {module}.py.")
    if loops:
        found = "; ".join(loop.describe() for loop in loops)
        raise GradingFailure(
            f"{name} loops in Python over the examples of the batch ({found}). "
            "Compute on the whole batch with array operations (matrix products, broadcasting, fancy indexing)."
        )
