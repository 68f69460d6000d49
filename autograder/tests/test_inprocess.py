"""The in-process student: copies in, plain data out, mutations noticed, one sentence per error."""
import sys
import textwrap

import numpy as np
import pytest

from autograder.errors import GradingFailure, InvalidReturn, StudentRaised, SubmissionImportError
from autograder.student import Handle, expect_inputs_unchanged

MOD = '''
    import numpy as np


    def pure(x):
        return x * 2


    def scale_inplace(x):
        x *= 2
        return x


    def touch_cache(dout, cache):
        cache[0][0] = 99.0
        return dout


    def pair(x):
        return x, x * 2


    def check(x):
        if x < 0:
            raise ValueError("x must be positive")
        return x


    def calls_check(x):
        return check(x)


    def invert(a):
        return np.linalg.inv(a)


    def todo(x):
        # TODO: todo: return x
        raise NotImplementedError("todo: return x.")


    class Net:
        def __init__(self, n):
            self.params = {"W": np.zeros(n)}
            self.scale = 1.0

        def total(self):
            return float(self.params["W"].sum()) * self.scale
    '''


def line_of(code: str) -> int:
    """The line number of ``code`` in mod.py as written by make_student."""
    lines = textwrap.dedent(MOD).lstrip("\n").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.strip() == code)


HARNESS = '''
    import sys
    import pytest


    def quits():
        sys.exit(3)


    def times_out():
        pytest.fail("Timeout (>1.0s) from pytest-timeout.")


    class Slow:
        @property
        def value(self):
            times_out()
    '''


@pytest.fixture
def student(make_student):
    return make_student({"mod.py": MOD})


def test_calls_return_plain_copies(student):
    x = np.arange(3.0)
    out = student.call("mod.pure", x)
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, [0.0, 2.0, 4.0])
    assert student.call("mod.pure", x=2.5) == 5.0


def test_a_mutating_function_is_reported_and_the_callers_array_is_safe(student):
    x = np.arange(3.0)
    student.reset_log()
    out = student.call("mod.scale_inplace", x)
    np.testing.assert_array_equal(x, [0.0, 1.0, 2.0])  # the caller's copy is untouched
    np.testing.assert_array_equal(out, [0.0, 2.0, 4.0])
    assert student.mutation_notes() == [
        "scale_inplace changed its input x in place; the caller's arrays must not be modified "
        "(copy before writing into them)."
    ]
    with pytest.raises(GradingFailure, match="scale_inplace changed its input x in place"):
        expect_inputs_unchanged(student)


def test_mutation_inside_a_nested_argument_is_named_by_its_path(student):
    cache = (np.zeros(2), np.ones(2))
    student.reset_log()
    student.call("mod.touch_cache", np.ones(2), cache=cache)
    assert cache[0][0] == 0.0
    assert "touch_cache changed its input cache[0] in place" in student.mutation_notes()[0]


def test_a_pure_function_passes_and_reset_log_forgets(student):
    student.call("mod.scale_inplace", np.ones(2))
    student.reset_log()
    student.call("mod.pure", np.ones(2))
    expect_inputs_unchanged(student)
    assert student.mutation_notes() == []


def test_handles_create_call_read_and_write(student):
    net = student.call("mod.Net", 3)
    assert isinstance(net, Handle) and net.type_name == "Net"
    assert net.total() == 0.0

    params = net.params  # plain data: a copy of the dict
    assert type(params) is dict and type(params["W"]) is np.ndarray
    params["W"][:] = 5.0
    assert net.total() == 0.0

    student.set_item(student.ref(net, "params"), "W", np.ones(3))
    assert net.total() == 3.0
    student.ref(net, "params")["W"] = np.full(3, 2.0)  # the same through Handle.__setitem__
    net.scale = 10.0  # Handle.__setattr__
    assert net.total() == 60.0
    assert student.ref(net, "params")["W"].tolist() == [2.0, 2.0, 2.0]  # Handle.__getitem__


def test_a_raised_exception_is_one_sentence_with_the_students_frames_only(student):
    with pytest.raises(StudentRaised) as raised:
        student.call("mod.calls_check", -1)
    error = raised.value
    assert error.target == "calls_check" and error.exc_type == "ValueError"
    raise_line, call_line = line_of('raise ValueError("x must be positive")'), line_of("return check(x)")
    assert error.summary == (
        "calls_check raised ValueError: x must be positive "
        f"(mod.py, line {raise_line}: `raise ValueError(\"x must be positive\")`)."
    )
    assert error.details.splitlines() == [
        "Traceback (your code only):",
        f"  mod.py, line {call_line}, in calls_check",
        "    return check(x)",
        f"  mod.py, line {raise_line}, in check",
        '    raise ValueError("x must be positive")',
    ]


def test_library_frames_are_left_out(student):
    with pytest.raises(StudentRaised) as raised:
        student.call("mod.invert", np.zeros((2, 2)))
    text = str(raised.value)
    assert raised.value.summary.startswith(
        f"invert raised LinAlgError: Singular matrix (mod.py, line {line_of('return np.linalg.inv(a)')}:"
    )
    assert "numpy" not in raised.value.details and "inprocess.py" not in text
    assert str(student.workspace.path) not in text


def test_not_implemented_says_so(student):
    with pytest.raises(StudentRaised) as raised:
        student.call("mod.todo", 1.0)
    stub_line = line_of('raise NotImplementedError("todo: return x.")')
    assert raised.value.summary == f"todo is not implemented yet: return x (mod.py, line {stub_line})."
    assert raised.value.details == ""


def test_exit_is_the_students_error_but_pytest_outcomes_pass_through(make_student):
    student = make_student({"mod.py": HARNESS})
    with pytest.raises(StudentRaised, match=r"^quits raised SystemExit: 3 \(mod.py, line 6"):
        student.call("mod.quits")
    with pytest.raises(pytest.fail.Exception, match="Timeout"):  # e.g. pytest-timeout's signal
        student.call("mod.times_out")
    with pytest.raises(pytest.fail.Exception, match="Timeout"):
        student.get_attr(student.call("mod.Slow"), "value")


def test_an_unknown_function_names_the_module(student):
    with pytest.raises(SubmissionImportError, match=r"mod.py does not define relu; check its spelling"):
        student.call("mod.relu", 1.0)


def test_call_many_with_select(student):
    assert student.call_many("mod.pair", [{"x": 1.0}, {"x": 2.0}], select=1) == [2.0, 4.0]
    assert student.call_many("mod.pair", [{"x": 1.0}]) == [(1.0, 2.0)]
    with pytest.raises(InvalidReturn, match="pure should return a tuple with at least 1 items"):
        student.call_many("mod.pure", [{"x": 1.0}], select=0)


BROKEN = {
    "good.py": "def f():\n    return 'good'\n",
    "syntax.py": "def f(:\n    return 1\n",
    "raises.py": "import numpy as np\n\nVALUE = np.zeros(2)[5]\n",
    "exits.py": "import sys\nsys.exit(2)\n",
    "uses_sibling.py": "import sibling\n\n\ndef f():\n    return sibling.VALUE\n",
    "sibling.py": "VALUE = 1 / 0\n",
}
ROLES = {name: "graded" for name in BROKEN if name != "sibling.py"} | {"missing.py": "graded"}


@pytest.mark.parametrize(
    "module, summary",
    [
        ("missing", "missing.py is missing from the submission, so nothing in it can be graded."),
        ("syntax", "syntax.py could not be imported: SyntaxError: invalid syntax (syntax.py, line 1)."),
        ("raises", "raises.py could not be imported: IndexError: index 5 is out of bounds for axis 0 with "
                   "size 2 (raises.py, line 3: `VALUE = np.zeros(2)[5]`)."),
        ("exits", "exits.py could not be imported: it called exit() (2) while being imported (exits.py, "
                  "line 2: `sys.exit(2)`)."),
        ("uses_sibling", "uses_sibling.py could not be imported because of an error in sibling.py: "
                         "ZeroDivisionError: division by zero (sibling.py, line 1: `VALUE = 1 / 0`)."),
    ],
)
def test_import_failures_are_one_sentence_and_other_modules_still_work(make_student, module, summary):
    student = make_student(BROKEN, roles=ROLES)
    for _ in range(2):  # the same error again, without a second import
        with pytest.raises(SubmissionImportError) as failed:
            student.call(f"{module}.f")
        assert failed.value.module == module
        assert failed.value.summary == summary
    assert student.call("good.f") == "good"
    assert module not in sys.modules


def test_close_unloads_so_the_next_submission_gets_its_own_code(make_student):
    first = make_student({"mod.py": "def f():\n    return 'first'\n"}, name="first")
    assert first.call("mod.f") == "first"
    first.close()
    assert "mod" not in sys.modules
    assert str(first.workspace.path) not in sys.path
    second = make_student({"mod.py": "def f():\n    return 'second'\n"}, name="second")
    assert second.call("mod.f") == "second"


def test_a_second_submission_replaces_a_first_left_open(make_student):
    first = make_student({"mod.py": "def f():\n    return 'first'\n"}, name="first")
    assert first.call("mod.f") == "first"
    second = make_student({"mod.py": "def f():\n    return 'second'\n"}, name="second")
    assert second.call("mod.f") == "second"


def test_a_handle_of_another_submission_is_refused(make_student):
    first = make_student({"mod.py": MOD}, name="first")
    second = make_student({"mod.py": MOD}, name="second")
    net = first.call("mod.Net", 2)
    with pytest.raises(ValueError, match="does not belong to this submission"):
        second.call("mod.pure", net)


def test_an_import_of_a_package_the_grader_lacks_says_so_and_lists_what_it_has(make_student):
    student = make_student({"mod.py": "import notinstalledanywhere.pyplot as plt\n\ndef f():\n    return 1\n"})
    with pytest.raises(SubmissionImportError) as caught:
        student.call("mod.f")
    text = str(caught.value)
    assert "No module named 'notinstalledanywhere': it is neither one of the assignment's modules (mod) " \
           "nor installed on the grader, which has numpy" in text
    assert "<frozen" not in text and "mod.py, line 1, in <module>" in text
