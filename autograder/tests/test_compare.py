"""expect_close: each kind of mistake gives the paragraph a student can act on."""
import numpy as np
import pytest

from autograder.compare import expect_close, expect_items
from autograder.errors import GradingFailure
from autograder.tolerances import EXACT_FLOAT64, FORWARD_FLOAT64, Tolerance

TOL = Tolerance(rtol=1e-7, atol=1e-9, reason="test")
EXPECTED = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -6.0]])


def failure(got, expected=EXPECTED, **kwargs) -> str:
    kwargs = {"what": "f: out", "tol": TOL, "case": "2x3", **kwargs}
    with pytest.raises(GradingFailure) as caught:
        expect_close(got, expected, **kwargs)
    return str(caught.value)


def test_none_reads_as_not_implemented_yet_or_a_missing_return():
    message = failure(None)
    assert message.startswith("f: out, case '2x3': expected a numpy array of shape (2, 3), got None: not "
                              "implemented yet?")
    assert "`pass` returns None" in message and "return statement" in message
    with pytest.raises(GradingFailure, match="got None: not implemented yet"):
        expect_items(None, 2, what="f")


def test_float32_results_are_told_about_their_precision():
    expected = EXPECTED / 3  # not exact in float32
    message = failure(expected.astype(np.float32), expected, tol=EXACT_FLOAT64)
    assert "got has dtype float32" in message and "Keep float64" in message
    assert "float32" not in failure(expected.astype(np.float32) + 1, expected, tol=EXACT_FLOAT64).split("hint")[-1]


def test_a_single_number_is_never_called_all_zeros():
    with pytest.raises(GradingFailure) as caught:
        expect_close(0.0, 1.0, what="t", tol=EXACT_FLOAT64)
    assert "all zeros" not in str(caught.value)


def test_a_tuple_is_named_with_its_length():
    message = failure((EXPECTED, None))
    assert "got a tuple of 2 items" in message
    assert "return statement" not in message


def test_a_number_where_an_array_is_expected():
    assert "got a float (1.0)" in failure(1.0)


def test_transposed_shape_has_a_hint():
    message = failure(EXPECTED.T)
    assert "wrong shape: expected (2, 3), got (3, 2)" in message
    assert "transpose" in message


def test_same_size_other_shape_suggests_reshape():
    assert "reshape to (2, 3)" in failure(EXPECTED.reshape(6))


def test_integer_dtype_is_refused_for_float_values():
    message = failure(EXPECTED.astype(np.int64))
    assert "integer dtype int64" in message
    assert "truncates" in message


def test_exact_dtype_when_asked():
    message = failure(EXPECTED.astype(np.float32), exact_dtype=True)
    assert "expected dtype float64, got float32" in message
    expect_close(EXPECTED.astype(np.float32), EXPECTED, what="f", tol=Tolerance(1e-6, 1e-6, "float32"))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_values_are_reported_with_their_index(bad):
    got = EXPECTED.copy()
    got[1, 2] = bad
    message = failure(got)
    assert "1 non-finite value(s) (NaN or inf)" in message
    assert "index [1, 2]" in message
    assert "expected -6" in message


def test_values_differ_message_names_everything():
    got = EXPECTED.copy()
    got[0, 1] += 1e-3  # small miss
    got[1, 2] = -5.0  # the worst element
    message = failure(got, what="layer_forward: out", case="batch_of_2")
    first, worst, errors = message.splitlines()[:3]
    assert first == (
        "layer_forward: out, case 'batch_of_2': values differ at 2 of 6 elements "
        f"(tolerance {TOL.describe()})."
    )
    assert worst.strip() == "worst element at index [1, 2]: expected -6, got -5"
    assert errors.strip() == "max abs error 1, max rel error 0.166667"
    assert "hint" not in message  # no recognisable pattern


@pytest.mark.parametrize(
    "make_got, hint",
    [
        (lambda e: -e, "got equals -expected everywhere: a sign error?"),
        (lambda e: 4 * e, "got is 4 x expected everywhere"),
        (lambda e: 0.5 * e, "got is 0.5 x expected everywhere"),
        (lambda e: np.zeros_like(e), "got is all zeros"),
    ],
    ids=["negated", "scaled_by_4", "halved", "zeros"],
)
def test_hints_for_common_mistakes(make_got, hint):
    assert f"hint: {hint}" in failure(make_got(EXPECTED))


def test_transpose_hint_on_a_square_matrix():
    expected = np.arange(9.0).reshape(3, 3)
    assert "hint: got equals the transpose of expected" in failure(expected.T, expected)


def test_passes_on_equal_arrays_and_within_tolerance():
    expect_close(EXPECTED.copy(), EXPECTED, what="f", tol=TOL)
    expect_close(EXPECTED * (1 + 1e-9), EXPECTED, what="f", tol=FORWARD_FLOAT64)
    nan_both = np.array([np.nan, 1.0])
    expect_close(nan_both.copy(), nan_both, what="f", tol=TOL)


@pytest.mark.parametrize("got", [2.5, np.float64(2.5), np.array(2.5), 2.5 + 1e-12])
@pytest.mark.parametrize("expected", [2.5, np.float64(2.5), np.array(2.5)], ids=["float", "np.float64", "0-d"])
def test_numbers_and_zero_d_arrays_are_interchangeable(got, expected):
    expect_close(got, expected, what="loss", tol=TOL)


def test_a_bool_is_not_a_number():
    assert "expected a number, got a bool" in failure(True, np.float64(1.0))


def test_an_ndarray_subclass_is_refused_for_got():
    class Lying(np.ndarray):
        def __eq__(self, other):
            return np.ones(self.shape, dtype=bool)

    message = failure(EXPECTED.copy().view(Lying))
    assert "expected a numpy array of shape (2, 3)" in message
    assert "subclass of numpy.ndarray" in message


def test_an_object_array_is_refused():
    got = np.empty((2, 3), dtype=object)
    got[...] = 1.0
    assert "got object; return a numeric array" in failure(got)


def test_expect_items():
    assert expect_items((1, 2), 2, what="f") == (1, 2)
    with pytest.raises(GradingFailure, match=r"f, case 'c': expected a tuple of 2 items, got None"):
        expect_items(None, 2, what="f", case="c")
    with pytest.raises(GradingFailure, match="got a tuple of 3 items"):
        expect_items((1, 2, 3), 2, what="f")
