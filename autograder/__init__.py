"""A framework for grading neural-network homework on Gradescope and locally.

It knows pytest, Gradescope and arrays, and nothing about one particular
assignment: that lives in autograder.yml, tests/ and reference_solution/.
"""

__version__ = "0.1.0"


def check(*questions: str, submission=None, config=None) -> dict:
    """Check your code against one question or all; print the verdict and return the results.

    ``from autograder import check; check("relu")`` in a notebook. The tests run in
    a fresh process, so edits to your files count even if the notebook imported them.
    See autograder.local.check for the arguments.
    """
    from autograder.local import check as _check  # imported late: `import autograder` stays light

    return _check(*questions, submission=submission, config=config)
