"""A framework for grading neural-network homework on Gradescope and locally.

It knows pytest, Gradescope and arrays, and nothing about one particular
assignment: that lives in autograder.yml, tests/ and reference_solution/.
"""

__version__ = "0.1.0"
