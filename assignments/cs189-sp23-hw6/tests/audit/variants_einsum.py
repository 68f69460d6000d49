"""Variants of einsum_drills.py: values wrong, or right without np.einsum doing the work."""
from autograder.audit import Variant

F = "einsum_drills.py"

VARIANTS = [
    Variant("trace_with_np_trace", F, function="trace", loses=("einsum",), new='''
def trace(A):
    return np.trace(A)
'''),
    Variant("trace_sums_every_entry", F, function="trace", loses=("einsum",), new='''
def trace(A):
    return np.einsum("ij->", A)
'''),
    Variant("trace_returns_the_diagonal", F, function="trace", loses=("einsum",), new='''
def trace(A):
    return np.einsum("ii->i", A)
'''),
    Variant("trace_with_a_loop", F, function="trace", loses=("einsum",), new='''
def trace(A):
    return sum(np.einsum("i->", A[i, i:i + 1]) for i in range(len(A)))
'''),
    Variant("matrix_vector_with_the_at_operator", F, function="matrix_vector", loses=("einsum",), new='''
def matrix_vector(A, b):
    return A @ b
'''),
    Variant("matrix_vector_with_the_transpose", F, function="matrix_vector", loses=("einsum",), new='''
def matrix_vector(A, b):
    return np.einsum("ji,j->i", A, b)
'''),
    Variant("matrix_vector_without_the_sum", F, function="matrix_vector", loses=("einsum",), new='''
def matrix_vector(A, b):
    return np.einsum("ij,j->ij", A, b)
'''),
    Variant("outer_with_np_outer", F, function="outer", loses=("einsum",), new='''
def outer(a, b):
    return np.outer(a, b)
'''),
    Variant("outer_transposed", F, function="outer", loses=("einsum",), new='''
def outer(a, b):
    return np.einsum("i,j->ji", a, b)
'''),
    Variant("outer_with_broadcasting", F, function="outer", loses=("einsum",), new='''
def outer(a, b):
    return np.einsum("i->i", a)[:, None] * b[None, :]
'''),
    # -- correct alternatives ---------------------------------------------------------------------------------
    Variant("alt_trace_implicit_output", F, function="trace", new='''
def trace(A):
    return np.einsum("ii", A)
'''),
    Variant("alt_trace_sublists", F, function="trace", new='''
def trace(A):
    return np.einsum(A, [0, 0], [])
'''),
    Variant("alt_matrix_vector_ellipsis", F, function="matrix_vector", new='''
def matrix_vector(A, b):
    return np.einsum("...j,j->...", A, b)
'''),
    Variant("alt_outer_implicit_output", F, function="outer", new='''
def outer(a, b):
    return np.einsum("i,j", a, b)
'''),
]
