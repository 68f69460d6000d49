"""Every numerical tolerance the checks use, each with its reason.

A check passes when, for every element, |got - expected| <= atol + rtol * |expected|
(numpy's ``allclose`` rule). Changing a number here changes it everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float
    reason: str

    def describe(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


EXACT_FLOAT64 = Tolerance(
    rtol=1e-12,
    atol=1e-12,
    reason="Elementwise float64 operations (max, where, masks) have no rounding "
    "to disagree about; only a different formula can differ.",
)

FORWARD_FLOAT64 = Tolerance(
    rtol=1e-7,
    atol=1e-9,
    reason="Float64 results of sums and products: a different but correct "
    "summation order (loops vs matmul vs einsum) moves the last ~3 digits of "
    "1e-16 relative precision; 1e-7 leaves four orders of margin and still "
    "catches any wrong formula.",
)

BACKWARD_FLOAT64 = Tolerance(
    rtol=1e-7,
    atol=1e-9,
    reason="Analytic gradients against the reference's in float64: the same "
    "argument as FORWARD_FLOAT64; gradients are sums of products too.",
)

NUMERICAL_GRADIENT = Tolerance(
    rtol=1e-5,
    atol=1e-7,
    reason="Central differences with h=1e-6 in float64 have truncation error "
    "O(h^2 * f''') ~ 1e-12 and rounding error O(eps * |f| / h) ~ 1e-10 per "
    "element; on well-conditioned inputs (no kink within h) the analytic "
    "gradient agrees to ~1e-8 relative, so 1e-5 is safe yet catches a "
    "missing factor or a wrong sign.",
)

FINITE_DIFFERENCE_STEP = 1e-6
"""Step h of the central differences above (see NUMERICAL_GRADIENT's reason)."""

KINK_MARGIN = 1e-3
"""Generated inputs stay this far from non-differentiable points (a ReLU's 0,
a tie in a max-pool window), far wider than FINITE_DIFFERENCE_STEP, so a
central difference never straddles a kink."""
