"""One lookup of definitions by qualified name, with Python's rule: the last definition wins."""
from autograder import definitions, export, rubric

SOURCE = '''
import numpy as np


def linear_forward(x, w, b):
    out = np.zeros((x.shape[0], w.shape[1]))
    for i in range(x.shape[0]):  # an early draft, replaced below
        out[i] = x[i] @ w + b
    return out, (x, w, b)


class Net:
    def loss(self, X):
        return 1

    @staticmethod
    def helper():
        def inner():
            return 2
        return inner()


def linear_forward(x, w, b):  # the version Python runs
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)


class Net:
    def loss(self, X):
        return 3
'''


def test_the_last_definition_wins_as_when_the_module_runs():
    node = definitions.find_definition(SOURCE, "linear_forward")
    assert "the version Python runs" in SOURCE.splitlines()[node.lineno - 1]
    assert definitions.find_definition(SOURCE, "Net.loss").lineno > definitions.find_definition(SOURCE, "linear_forward").lineno
    assert definitions.find_definition(SOURCE, "Net.helper") is None  # the later class has no helper
    assert definitions.find_definition(SOURCE, "missing") is None


def test_the_loop_rubric_reads_the_definition_that_runs():
    assert rubric.find_batch_loops(SOURCE, "linear_forward") == []


def test_export_shows_the_definition_that_runs(tmp_path):
    (tmp_path / "layers.py").write_text(SOURCE)
    extracted = export.extract(tmp_path, "layers.linear_forward")
    assert "the version Python runs" in extracted.source and "for i" not in extracted.source
    assert export.extract(tmp_path, "layers.Net.loss").source.strip().endswith("return 3")


def test_the_enclosing_function_of_a_line_counts_decorators_and_nesting():
    lines = SOURCE.splitlines()
    inner = next(i for i, line in enumerate(lines, 1) if "return 2" in line)
    decorator = next(i for i, line in enumerate(lines, 1) if "@staticmethod" in line)
    assert definitions.enclosing_function(SOURCE, inner) == "Net.helper.inner"
    assert definitions.enclosing_function(SOURCE, decorator) == "Net.helper"
    assert definitions.enclosing_function(SOURCE, 2) is None


def test_a_code_objects_qualified_name(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("class A:\n    def f(self):\n        return 1\n")
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    assert definitions.qualified_name(namespace["A"].f.__code__) == "A.f"
