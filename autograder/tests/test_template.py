"""Template generation: solution blocks become stubs, everything else stays byte for byte."""
import textwrap

import pytest

from autograder import template
from autograder.template import TemplateError, find_blocks, strip_solutions

SOURCE = textwrap.dedent('''\
    """A network."""
    import numpy as np


    class Net:
        def loss(self, x):
            """The loss."""
            scores = x @ self.w  # kept
            # BEGIN SOLUTION: compute the softmax loss of scores.
            shifted = scores - scores.max()
            loss = -shifted.sum()
            # END SOLUTION
            return loss


    def relu(x):
    \t# BEGIN SOLUTION
    \treturn np.maximum(0, x)
    \t# END SOLUTION
    ''')


def test_blocks_become_a_todo_and_a_raise_naming_the_function_and_task():
    stripped = strip_solutions(SOURCE, "net.py")
    assert stripped == SOURCE.replace(
        "        # BEGIN SOLUTION: compute the softmax loss of scores.\n"
        "        shifted = scores - scores.max()\n"
        "        loss = -shifted.sum()\n"
        "        # END SOLUTION\n",
        "        # TODO: Net.loss: compute the softmax loss of scores.\n"
        "        raise NotImplementedError('Net.loss: compute the softmax loss of scores.')\n",
    ).replace(
        "\t# BEGIN SOLUTION\n\treturn np.maximum(0, x)\n\t# END SOLUTION\n",
        "\t# TODO: relu: implement this part (see the docstring).\n"
        "\traise NotImplementedError('relu: implement this part (see the docstring).')\n",
    )


def test_the_stub_runs_and_raises_the_task():
    namespace = {}
    exec(compile(strip_solutions(SOURCE, "net.py"), "net.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match=r"^relu: implement this part"):
        namespace["relu"](1.0)


def test_blocks_are_found_in_nested_functions():
    source = textwrap.dedent('''\
        def outer():
            def inner():
                # BEGIN SOLUTION: inner part
                return 1
                # END SOLUTION
            return inner()
        ''')
    (block,) = find_blocks(source, "f.py")
    assert (block.function, block.first_line, block.last_line, block.task) == ("outer.inner", 3, 5, "inner part")


@pytest.mark.parametrize(
    "source, words",
    [
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "f.py:2: BEGIN SOLUTION is never closed"),
        ("def f():\n    return 1\n    # END SOLUTION\n", "f.py:3: END SOLUTION without BEGIN SOLUTION"),
        ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n",
         "f.py:3: BEGIN SOLUTION inside another block (line 2)"),
        ("# BEGIN SOLUTION\nX = 1\n# END SOLUTION\n\n\ndef f():\n    return X\n",
         "f.py:1: a solution block must sit inside a function"),
        ("def f():\n    return 1\n\n\n# BEGIN SOLUTION\nX = 1\n# END SOLUTION\n",
         "f.py:5: a solution block must sit inside a function"),
    ],
    ids=["never_closed", "end_without_begin", "nested", "before_functions", "after_a_function"],
)
def test_misplaced_markers_are_refused(source, words):
    with pytest.raises(TemplateError) as refused:
        strip_solutions(source, "f.py")
    assert str(refused.value) == words


def test_a_graded_file_without_markers_is_refused_and_the_template_kept(project):
    before = (project.template_dir / "other.py").read_text()
    (project.reference_dir / "other.py").write_text("def negate(x):\n    return -x\n")
    with pytest.raises(TemplateError, match="other.py: a graded file has no solution markers"):
        template.regenerate(project)
    assert "a graded file has no solution markers" in template.verify(project)[0]
    assert (project.template_dir / "other.py").read_text() == before


def test_regenerate_then_verify_passes(project):
    mod = (project.template_dir / "mod.py").read_text()
    assert "return 2 * x" not in mod
    assert "raise NotImplementedError('double: return twice x.')" in mod
    assert template.verify(project) == []


def test_verify_reports_an_edited_template(project):
    path = project.template_dir / "mod.py"
    path.write_text(path.read_text() + "# edited\n")
    assert template.verify(project) == [
        "mod.py: differs from a fresh regeneration",
        "run `python -m autograder template regen` and commit the result",
    ]


def test_verify_reports_missing_and_extra_files(project):
    (project.template_dir / "other.py").unlink()
    (project.template_dir / "notes.txt").write_text("stray")
    assert template.verify(project)[:2] == [
        "notes.txt: in template/ but not made from the reference",
        "other.py: missing from template/",
    ]


def test_verify_reports_a_reference_change(project):
    (project.reference_dir / "extra.txt").write_text("data\n")
    assert template.verify(project)[0] == "extra.txt: missing from template/"
    template.regenerate(project)
    assert (project.template_dir / "extra.txt").read_text() == "data\n"  # non-Python files are copied
    assert template.verify(project) == []
