"""Helpers for declaring well-conditioned test inputs.

Gradient checks by central differences are only meaningful away from the
points where a function is not differentiable; these helpers move generated
values away from such points by a margin much wider than the difference step.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from autograder.tolerances import KINK_MARGIN


def away_from(x: np.ndarray, points: Iterable[float] = (0.0,), margin: float = KINK_MARGIN) -> np.ndarray:
    """A copy of ``x`` with every element at least ``margin`` from each of ``points``.

    Elements too close to a point are pushed to point +/- margin, keeping their side.
    """
    out = np.array(x, dtype=np.float64, copy=True)
    for point in points:
        offset = out - point
        close = np.abs(offset) < margin
        out[close] = point + np.where(offset[close] >= 0, margin, -margin)
    return out
