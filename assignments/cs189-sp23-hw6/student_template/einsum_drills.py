"""Warm-up with np.einsum (question 6.1): three operations, each written as one np.einsum call.

np.einsum does the work in each: no np.trace, np.dot, np.matmul, np.outer, the @
operator or a loop. Compare each result with the usual NumPy function yourself:
the norm of the difference should be zero.
"""
import numpy as np


def trace(A: np.ndarray) -> float:
    """The trace of a square matrix A (n, n): the sum of its diagonal, as a number."""
    # TODO: trace: return the trace of A with np.einsum.
    raise NotImplementedError('trace: return the trace of A with np.einsum.')


def matrix_vector(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The product A b of a matrix A (n, d) and a vector b (d,): a vector (n,)."""
    # TODO: matrix_vector: return A b with np.einsum.
    raise NotImplementedError('matrix_vector: return A b with np.einsum.')


def outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The outer product of vectors a (n,) and b (d,): the matrix (n, d) with entries a[i] b[j]."""
    # TODO: outer: return the outer product of a and b with np.einsum.
    raise NotImplementedError('outer: return the outer product of a and b with np.einsum.')
