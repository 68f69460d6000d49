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

FIXTURE_REPRODUCTION = Tolerance(
    rtol=1e-10,
    atol=1e-13,
    reason="A fixture regenerated on another CPU: BLAS picks its kernels (and so its "
    "summation order) by processor, which moves the last bit or two of a float64 "
    "product, and numpy's vectorised exp and log differ by an ulp between "
    "instruction sets. `fixtures verify` accepts that much and no more; a changed "
    "formula or case moves far more digits.",
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

INITIAL_LOSS = Tolerance(
    rtol=0.0,
    atol=1e-3,
    reason="With weights of scale 1e-3 the scores are below 1e-4, so the loss is log(C) to about 1e-4; "
    "a loss summed instead of averaged, or off by any other factor, misses by more than 0.5.",
)

INIT_STATISTICS = Tolerance(
    rtol=0.0,
    atol=0.15,
    reason="Sample mean/weight_scale and std/weight_scale of >= 3,000 normal draws: the std of "
    "that ratio is below 1/sqrt(6000) = 0.013, so 0.15 is more than 8 standard deviations of "
    "sampling error, far less than any wrong scale (weight_scale^2, a uniform draw: ratio 0.58).",
)

# -- statistical checks (fixed seeds, so a verdict never changes between runs) ------------------
STANDARD_ERRORS = 6.0
"""A sample statistic (a mean, a variance, a dropped fraction) may stray this many standard
errors from its expectation: a correct implementation fails with probability ~2e-9 (a normal
tail), while a wrong scale or a wrong reading of p misses by 30 standard errors or more."""

KS_FALSE_FAILURE_RATE = 1e-9
"""Kolmogorov-Smirnov: the critical distance c / sqrt(n) with c = sqrt(ln(2 / alpha) / 2) (the
asymptotic Kolmogorov tail 2 exp(-2 c^2) = alpha), c = 3.27 for alpha = 1e-9, in line with
STANDARD_ERRORS; at n = 200,000 this is 0.0073, while a normal draw of the same variance is
about 0.057 away from U(-a, a)."""

TRAINING_LOSS_DROP = 0.5
"""A small model trained for a few full-batch steps on one easy batch must end with a loss below
this fraction of its first loss. The reference's tiny Vision Transformer falls far below it (see
tests/test_attention.py); a model whose gradients do not reach its weights, or whose output
ignores its input, stays near its first loss."""
