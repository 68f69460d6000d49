"""autograder.benchmark's arithmetic: the median of the runs taken in turn, and the verdicts it prints."""
from __future__ import annotations

from autograder.benchmark import MB, Measure, _combined, report


def _runs(label: str, seconds: list[float], pss_mb: int = 100, code: int = 0) -> Measure:
    return _combined([Measure(label, s, 2 * pss_mb * MB, pss_mb * MB, code, [s]) for s in seconds])


def test_the_median_run_counts_and_the_worst_peak_and_exit_code_are_kept():
    combined = _combined([Measure("grade", 5.0, 10 * MB, 8 * MB, 0, [5.0]),
                          Measure("grade", 9.0, 30 * MB, None, 1, [9.0]),
                          Measure("grade", 4.0, 20 * MB, 9 * MB, 0, [4.0])])
    assert (combined.seconds, combined.peak_rss, combined.peak_pss, combined.exit_code) == (5.0, 30 * MB, 9 * MB, 1)
    assert combined.each == [5.0, 9.0, 4.0]


def test_the_report_gives_each_ratio_its_verdict():
    text = report([_runs("floor (imports)", [2.0, 1.0, 2.2]), _runs("grade, in-process", [4.0, 6.0, 5.0]),
                   _runs("grade, sandboxed", [6.5, 6.0, 30.0], pss_mb=650)])
    assert "in-process: 2.50 x the floor (within the goal of 2.5 x)" in text
    assert "sandboxed: 3.25 x the floor (OVER the goal of 3 x)" in text
    assert "sandboxed peak memory 650 MB" in text
    assert "6.50 6.00 30.00" in text  # every run's time, beside the median
