"""engine.selected_items: a warm grader runs the items a run names, as pytest would select them."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from autograder.engine import selected_items
from autograder.run import Run

IDS = ["tests/test_a.py::test_f[1]", "tests/test_a.py::test_f[2]", "tests/test_a.py::test_fg",
       "tests/test_a.py::TestK::test_m", "tests/test_b.py::test_h", "tests/sub/test_c.py::test_i"]


def _items():
    return [SimpleNamespace(nodeid=nodeid, iter_markers=lambda: iter(())) for nodeid in IDS]


def _selected(root: Path, *entries: str) -> list[str]:
    run = Run(config_path=root / "autograder.yml", submission=root, backend="inprocess", time_budget=60,
              per_test_seconds=10, call_seconds=5, test_files=entries)
    return [item.nodeid for item in selected_items(_items(), run, root)]


def test_a_function_without_its_parameter_selects_every_parametrization_and_no_namesake(tmp_path):
    assert _selected(tmp_path, "tests/test_a.py::test_f") == IDS[:2]
    assert _selected(tmp_path, "tests/test_a.py::test_f[2]") == [IDS[1]]
    assert _selected(tmp_path, "tests/test_a.py::TestK") == [IDS[3]]
    assert _selected(tmp_path, "tests/test_a.py") == IDS[:4]
    assert _selected(tmp_path, "tests/sub") == [IDS[5]]
    assert _selected(tmp_path, str(tmp_path / "tests" / "test_b.py")) == [IDS[4]]
    assert _selected(tmp_path) == IDS
