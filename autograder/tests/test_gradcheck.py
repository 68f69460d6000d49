"""Numerical gradients and gradient checks on functions whose gradients are known."""
import numpy as np
import pytest

from autograder.errors import GradingFailure
from autograder.gradcheck import check_gradient, evaluator, numerical_gradient
from autograder.compare import relative_error


def batch_of(f):
    """A BatchEvaluator from a plain function of keyword arguments."""
    return lambda batch: [f(**kwargs) for kwargs in batch]


def square_inputs(seed=0, shape=(3, 4)):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal(shape)}, rng.standard_normal(shape)


def test_elementwise_square_with_dout():
    inputs, dout = square_inputs()
    grad = numerical_gradient(batch_of(lambda x: x ** 2), inputs, "x", dout)
    assert grad.shape == (3, 4) and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * inputs["x"] * dout, rtol=1e-7, atol=1e-9)


def test_matrix_product_wrt_both_operands():
    rng = np.random.default_rng(1)
    inputs = {"a": rng.standard_normal((2, 3)), "b": rng.standard_normal((3, 4))}
    dout = rng.standard_normal((2, 4))
    product = batch_of(lambda a, b: a @ b)
    np.testing.assert_allclose(numerical_gradient(product, inputs, "a", dout), dout @ inputs["b"].T, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(numerical_gradient(product, inputs, "b", dout), inputs["a"].T @ dout, rtol=1e-7, atol=1e-9)


def test_scalar_function_with_default_dout():
    x = np.linspace(-1.0, 2.0, 5)
    grad = numerical_gradient(batch_of(lambda x: float(np.sum(np.sin(x)))), {"x": x}, "x")
    np.testing.assert_allclose(grad, np.cos(x), rtol=1e-7, atol=1e-9)


def test_inputs_are_left_unchanged():
    inputs, dout = square_inputs()
    before = inputs["x"].copy()
    numerical_gradient(batch_of(lambda x: x ** 2), inputs, "x", dout)
    np.testing.assert_array_equal(inputs["x"], before)


def test_evaluations_come_in_batches():
    sizes = []

    def evaluate(batch):
        sizes.append(len(batch))
        return [kwargs["x"] * 3.0 for kwargs in batch]

    x = np.arange(300.0)
    grad = numerical_gradient(evaluate, {"x": x}, "x", np.ones(300))
    assert sizes == [256, 256, 88]  # 128 (+h, -h) pairs a batch, one batch per 128 elements
    np.testing.assert_allclose(grad, 3.0, rtol=1e-7)


def test_a_function_returning_the_wrong_shape_is_reported():
    with pytest.raises(GradingFailure, match=r"differentiating numerically with respect to x.*None"):
        numerical_gradient(batch_of(lambda x: None), {"x": np.ones(2)}, "x", np.ones(2))
    with pytest.raises(GradingFailure, match=r"shape \(3,\) instead of an output of shape \(2,\)"):
        numerical_gradient(batch_of(lambda x: np.ones(3)), {"x": np.ones(2)}, "x", np.ones(2))


def test_check_gradient_passes_a_right_gradient():
    inputs, dout = square_inputs(seed=2)
    check_gradient(2 * inputs["x"] * dout, batch_of(lambda x: x ** 2), inputs, "x", dout, what="square: dx")


@pytest.mark.parametrize(
    "wrong, hint",
    [(lambda g: 2 * g, "2 x expected"), (lambda g: -g, "sign error")],
    ids=["factor_2", "sign"],
)
def test_check_gradient_catches_a_wrong_gradient(wrong, hint):
    inputs, dout = square_inputs(seed=3)
    right = 2 * inputs["x"] * dout
    with pytest.raises(GradingFailure) as failure:
        check_gradient(wrong(right), batch_of(lambda x: x ** 2), inputs, "x", dout, what="square: dx", case="3x4")
    message = str(failure.value)
    assert "square: dx (against the numerical gradient), case '3x4'" in message
    assert hint in message


def test_evaluator_asks_the_student_for_one_item_of_each_result():
    class FakeStudent:
        def call_many(self, target, calls, select=None):
            self.seen = (target, len(calls), select)
            return [kwargs["x"] for kwargs in calls]

    student = FakeStudent()
    assert evaluator(student, "mod.f", select=0)([{"x": 1.0}, {"x": 2.0}]) == [1.0, 2.0]
    assert student.seen == ("mod.f", 2, 0)


def test_relative_error():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)  # |1-3| / (1+3)
    assert relative_error(np.array([0.0, 1.0]), np.array([1e-12, 1.0])) < 1e-3  # tiny values do not blow up
    assert relative_error(np.zeros(0), np.zeros(0)) == 0.0
